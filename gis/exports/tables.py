"""Per-village statistics tables as XLSX and CSV, safe to hand out.

Rows: the area's total, then each township's subtotal followed by its villages. Counts
withheld by :mod:`gis.exports.aggregates` are written as ``*``. CSV is UTF-8 with a BOM
so that Excel shows Chinese. A text cell that a spreadsheet could take for a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading
apostrophe; XLSX cells are also typed as text with Excel's quote prefix.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from gis import csvfile, rules
from gis.errors import InvalidInput
from gis.exports import aggregates, area_scope, basemap, log_export, long_date, source_line
from gis.exports.heat import min_bandwidth_m
from gis.gate import Scope
from gis.messages import _

SUPPRESSED = "*"
COLUMN_KEYS = (
    "row_type",
    "code",
    "township",
    "name",
    "grid",
    "population",
    "households",
    "migrants",
    "migrants_per_1000",
    "women15_49",
    "cert_issues",
    "served",
    "coverage_pct",
)


def level_label(row_type: str) -> str:
    """The row type column's text, in the current language."""
    return {
        "total": _("Total"),
        "township": _("Township subtotal"),
        "village": _("Village"),
        "grid": _("Grid"),
    }[row_type]


def headers() -> list[str]:
    """The column headers, in the current language (in the order of COLUMN_KEYS)."""
    names = {
        "row_type": _("Row type"),
        "code": _("Area code"),
        "township": _("Township (subdistrict)"),
        "name": _("Village (community)"),
        "grid": _("Grid"),
        "population": _("Population (persons)"),
        "households": _("Households"),
        "migrants": _("Migrants (persons)"),
        "migrants_per_1000": _("Migrants (‰)"),
        "women15_49": _("Women aged 15–49 (persons)"),
        "cert_issues": _("Certificates missing or expiring within 30 days (persons)"),
        "served": _("Given contraceptives in the last year (households)"),
        "coverage_pct": _("Distribution coverage (%)"),
    }
    return [names[k] for k in COLUMN_KEYS]


FORMULA_START = csvfile.FORMULA_START
FORMATS = ("xlsx", "csv")


def safe_text(value):
    """Text that no spreadsheet will run as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _row(a: aggregates.AreaStats, row_type: str, township: str, village: str = "") -> dict:
    """One row: the area's counts under its township and village (official names)."""

    def v(x):
        return SUPPRESSED if x is None else x

    return {
        "row_type": row_type,
        "code": a.code,
        "township": township,
        "name": village,
        "grid": "",
        **{
            c: v(a.values[c])
            for c in ("population", "households", "migrants", "women15_49", "cert_issues", "served")
        },
        "migrants_per_1000": v(a.migrants_per_1000),
        "coverage_pct": v(a.coverage_pct),
    }


def table_rows(
    stats: aggregates.Statistics, area_code: str, above: dict[str, str] | None = None
) -> list[dict]:
    """Rows of the table of ``area_code``: total, then townships with their villages.

    Every row names its township, village and grid in their own columns, the area's
    own and those above it (``above``: level → official name of the area's township and
    village, :func:`gis.exports.basemap.parent_names`), so that the total row of a grid
    says its township and village and the grid in the grid column."""
    top = stats.get(area_code)
    names = {**(above or {}), top.level: top.name}
    total = _row(top, "total", names.get("township", ""), names.get("village", ""))
    total["grid"] = names.get("grid", "")
    rows = [total]
    if top.level in ("village", "grid"):
        return rows
    townships = (
        [top] if top.level == "township" else sorted(stats.children(top.code), key=lambda a: a.code)
    )
    for t in townships:
        if t is not top:
            rows.append(_row(t, "township", t.name))
        for v in sorted(stats.children(t.code), key=lambda a: a.code):
            if v.level == "village":
                rows.append(_row(v, "village", t.name, v.name))
    return rows


def notes(stats: aggregates.Statistics, scope: Scope, names: list[str]) -> list[str]:
    """The explanatory lines of a table: what, as of when, source, the rules."""
    k = stats.threshold
    return [
        _("{area}: population and family-planning services by village", area=" ".join(names)),
        _(
            "Data as of {date}; exported by {user}, {time}",
            date=long_date(stats.as_of),
            user=scope.user,
            time=rules.clock(),
        ),
        source_line(k, min_bandwidth_m()),
        _(
            "“{mark}” marks what is withheld to protect privacy: counts below {k}, and the "
            "cells they could be worked out from by subtracting from a total (secondary "
            "suppression); an area of fewer than {k} people is withheld whole. A rate is "
            "given only when its numerator and denominator are both published.",
            mark=SUPPRESSED,
            k=k,
        ),
        _(
            "Women aged 15–49 by their age on the date of the data; certificates are the "
            "marriage certificate, ID card, residence permit and migrant family-planning "
            "certificate, any of them missing, expired or expiring within 30 days; "
            "distribution coverage = households with a contraceptive distribution in the "
            "last 365 days ÷ households."
        ),
    ]


def write_csv(rows: list[dict]) -> bytes:
    """CSV bytes through the one CSV writer (UTF-8 with BOM, formula guard), headers and
    row types in the current language."""
    return csvfile.to_bytes(headers(), (_cells(r) for r in rows))


def _cells(row: dict) -> list:
    """A row's cells in column order, its row type by name."""
    return [level_label(row[k]) if k == "row_type" else row[k] for k in COLUMN_KEYS]


def write_xlsx(rows: list[dict], lines: list[str]) -> bytes:
    """XLSX bytes: title lines, a header row, the rows; explanations on a second sheet
    (说明 / Notes)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Statistics")
    ws.append([lines[0]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([lines[1]])
    ws.append([])
    header_row = 4
    ws.append(headers())
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r in rows:
        ws.append([safe_text(c) for c in _cells(r)])
        row = ws[ws.max_row]
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
                cell.quotePrefix = cell.value.startswith("'")
        if r["row_type"] != "village":
            for cell in row:
                cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(header_row + 1, 6)
    for letter, width in zip(
        "ABCDEFGHIJKLM", (14, 15, 14, 20, 16, 10, 10, 12, 12, 14, 16, 14, 14), strict=True
    ):
        ws.column_dimensions[letter].width = width
    info = wb.create_sheet(_("Notes"))
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
    rows = table_rows(stats, area.area_code, basemap.parent_names(conn, area.area_code))
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
