"""The rows of ``popgis geocode IN --out OUT`` as CSV text: one formatter for both engines.

The single process and the Dask workers format their results with :func:`format_lines`,
so the two output files are the same bytes by construction (the file is written with
:func:`write_file`: UTF-8 with BOM, the header, then the lines in input order; the
workers send their lines already encoded). Cells go through :func:`gis.csvfile.guard`
(no spreadsheet formulas) and ``csv`` quoting.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd

from gis.csvfile import guard

__all__ = [
    "OUTPUT_COLUMNS",
    "LINE_END",
    "format_lines",
    "part_path",
    "remove_stale_part",
    "write_file",
]

OUTPUT_COLUMNS = [
    "id",
    "level",
    "building_id",
    "village_code",
    "township_code",
    "county_code",
    "lon",
    "lat",
    "score",
    "method",
    "review",
]
LINE_END = "\r\n"


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def _coord(v) -> str:
    return "" if v is None or v != v else f"{float(v):.7f}"


def format_lines(res: pd.DataFrame) -> tuple[list[str], dict[str, int], int]:
    """``(lines, counts by level, coordinates ignored)`` of geocoding results
    (:data:`gis.geocode.batch.RESULT_COLUMNS`): one CSV line per row, in order, each
    ending in :data:`LINE_END`.

    An unmatched row's method is ``none: <reason>``; a placed row whose coordinates were
    ignored says why in its method (and is marked for review)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=LINE_END)
    counts: dict[str, int] = {}
    ignored = 0
    sizes = []
    for r in res.itertuples(index=False):
        method = r.method if r.level != "unmatched" else f"none: {r.reason}"
        if r.level != "unmatched" and str(r.reason or "").startswith("coordinates ignored"):
            method = f"{method} ({r.reason})"  # and review is true
            ignored += 1
        # writerow returns what the stream's write returned: the line's length
        n = w.writerow(
            [
                guard(r.id),
                r.level,
                guard(_text(r.building_id)),
                _text(r.village_code),
                _text(r.township_code),
                _text(r.county_code),
                _coord(r.lon),
                _coord(r.lat),
                f"{float(r.score):.3f}",
                guard(method),
                "true" if r.review else "false",
            ]
        )
        sizes.append(n)
        counts[r.level] = counts.get(r.level, 0) + 1
    text = buf.getvalue()
    lines, at = [], 0
    for n in sizes:
        lines.append(text[at : at + n])
        at += n
    return lines, counts, ignored


def part_path(path: Path) -> Path:
    """The temporary file :func:`write_file` writes ``path`` to (hidden, beside it, so
    that the rename is atomic): ``.OUT.csv.part``. One a killed run left behind (``kill
    -9``, a power cut) is removed by the next run to the same ``path``
    (:func:`remove_stale_part`)."""
    path = Path(path)
    return path.with_name(f".{path.name}.part")


def remove_stale_part(path: Path) -> bool:
    """Remove the temporary file a killed run to ``path`` left; whether there was one."""
    tmp = part_path(path)
    try:
        tmp.unlink()
    except FileNotFoundError:
        return False
    return True


def write_file(path: Path, pieces) -> None:
    """Write the output file: BOM, header, then ``pieces`` (whole lines, in order: text,
    or its UTF-8 bytes as the Dask workers send it). Written to a temporary file beside
    ``path`` and renamed at the end, so a run that fails leaves no partial file under
    the name asked for."""
    tmp = part_path(path)
    try:
        with tmp.open("wb") as f:
            f.write(codecs.BOM_UTF8 + (",".join(OUTPUT_COLUMNS) + LINE_END).encode("utf-8"))
            for piece in pieces:
                f.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
