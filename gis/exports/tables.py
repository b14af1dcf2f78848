"""Per-village statistics tables as XLSX and CSV, safe to hand out.

Rows: the area's total, then each township's subtotal followed by its villages. Counts
withheld by :mod:`gis.exports.aggregates` are written as ``*``. CSV is UTF-8 with a BOM
so that Excel shows Chinese. A text cell that a spreadsheet could take for a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
apostrophe; XLSX cells are also typed as text with Excel's quote prefix.
"""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from gis import csvfile
from gis.errors import InvalidInput
from gis.exports import SOURCE, aggregates, area_scope, basemap, log_export
from gis.exports.heat import min_bandwidth_m
from gis.gate import Scope
from gis.messages import _

SUPPRESSED = "*"
LEVEL_LABEL = {
    "total": "合计",
    "township": "乡镇（街道）小计",
    "village": "村（社区）",
    "grid": "网格",
}
COLUMNS = (  # key, header
    ("row_type", "行类型"),
    ("code", "区划代码"),
    ("township", "乡镇（街道）"),
    ("name", "村（社区）"),
    ("population", "人口（人）"),
    ("households", "户数（户）"),
    ("migrants", "流动人口（人）"),
    ("migrants_per_1000", "流动人口（‰）"),
    ("women15_49", "育龄妇女 15–49岁（人）"),
    ("cert_issues", "证件缺失或30天内到期（人）"),
    ("served", "近一年领取药具（户）"),
    ("coverage_pct", "药具发放覆盖率（%）"),
)
FORMULA_START = csvfile.FORMULA_START
FORMATS = ("xlsx", "csv")


def safe_text(value):
    """Text that no spreadsheet will run as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _row(a: aggregates.AreaStats, row_type: str, township: str) -> dict:
    def v(x):
        return SUPPRESSED if x is None else x

    return {
        "row_type": LEVEL_LABEL[row_type],
        "code": a.code,
        "township": township,
        "name": a.name if row_type in ("village", "grid") else "",
        **{
            c: v(a.values[c])
            for c in ("population", "households", "migrants", "women15_49", "cert_issues", "served")
        },
        "migrants_per_1000": v(a.migrants_per_1000),
        "coverage_pct": v(a.coverage_pct),
    }


def table_rows(stats: aggregates.Statistics, area_code: str) -> list[dict]:
    """Rows of the table of ``area_code``: total, then townships with their villages."""
    top = stats.get(area_code)
    rows = [_row(top, "total", top.name if top.level == "township" else "")]
    if top.level in ("village", "grid"):
        rows[0]["name"] = top.name
        return rows
    townships = (
        [top] if top.level == "township" else sorted(stats.children(top.code), key=lambda a: a.code)
    )
    for t in townships:
        if t is not top:
            rows.append(_row(t, "township", t.name))
        for v in sorted(stats.children(t.code), key=lambda a: a.code):
            if v.level == "village":
                rows.append(_row(v, "village", t.name))
    return rows


def notes(stats: aggregates.Statistics, scope: Scope, names: list[str]) -> list[str]:
    """The explanatory lines of a table: what, as of when, source, the rules."""
    k = stats.threshold
    return [
        f"{' '.join(names)} 分村（社区）人口与计生服务统计表",
        f"数据截至：{stats.as_of:%Y年%m月%d日}；导出：{scope.user}，{datetime.now():%Y-%m-%d %H:%M}",
        SOURCE.format(k=k, bw=min_bandwidth_m()),
        f"“{SUPPRESSED}”表示为保护隐私不予公布：小于 {k} 的计数，以及可由合计减去其他格推算出"
        f"它们的格（二次抑制）；人口少于 {k} 的地区整行不公布。比率只在分子分母都公布时给出。",
        "育龄妇女按截至日年龄 15–49 岁计；证件指婚姻证、身份证、居住证、流动人口婚育证明中"
        "任一缺失、过期或 30 天内到期；药具发放覆盖率 = 近 365 天有药具发放记录的户 ÷ 户数。",
    ]


def write_csv(rows: list[dict]) -> bytes:
    """CSV bytes through the one CSV writer (UTF-8 with BOM, formula guard), header in
    Chinese."""
    return csvfile.to_bytes([h for _x, h in COLUMNS], ([r[k] for k, _x in COLUMNS] for r in rows))


def write_xlsx(rows: list[dict], lines: list[str]) -> bytes:
    """XLSX bytes: title lines, a header row, the rows; explanations on sheet 说明."""
    wb = Workbook()
    ws = wb.active
    ws.title = "统计表"
    ws.append([lines[0]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([lines[1]])
    ws.append([])
    header_row = 4
    ws.append([h for _x, h in COLUMNS])
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r in rows:
        ws.append([safe_text(r[k]) for k, _x in COLUMNS])
        row = ws[ws.max_row]
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
                cell.quotePrefix = cell.value.startswith("'")
        if r["row_type"] != LEVEL_LABEL["village"]:
            for cell in row:
                cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(header_row + 1, 5)
    for letter, width in zip(
        "ABCDEFGHIJKL", (14, 15, 14, 20, 10, 10, 12, 12, 14, 16, 14, 14), strict=True
    ):
        ws.column_dimensions[letter].width = width
    info = wb.create_sheet("说明")
    for line in lines:
        info.append([line])
    info.column_dimensions["A"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_table(
    conn, scope: Scope, area_code: str | None = None, fmt: str = "xlsx", *, as_of=None
) -> bytes:
    """The statistics table of an area (default the user's jurisdiction); logged."""
    if fmt not in FORMATS:
        raise InvalidInput(_("unknown table format {fmt!r}; expected xlsx or csv", fmt=fmt))
    area = area_scope(conn, scope, area_code)
    stats = aggregates.statistics(conn, area, as_of=as_of)
    rows = table_rows(stats, area.area_code)
    if fmt == "csv":
        data = write_csv(rows)
    else:
        data = write_xlsx(rows, notes(stats, scope, basemap.area_names(conn, area.area_code)))
    log_export(
        conn,
        scope,
        "table",
        area.area_code,
        {"format": fmt, "rows": len(rows), "as_of": stats.as_of},
    )
    return data
