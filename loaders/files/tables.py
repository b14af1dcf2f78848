"""Reading a table: CSV (or .txt) and XLSX files, in chunks (see :class:`TableReader`)."""

from __future__ import annotations

import os
from pathlib import Path

from gis.messages import _
from loaders.files.chunks import TableReader, empty_file
from loaders.files.delimited import read_csv
from loaders.files.problems import FileProblem, check_exists
from loaders.files.xlsx import read_xlsx

TABLE_EXTENSIONS = (".csv", ".txt", ".xlsx")


def read_table(path, chunk_rows: int = 200_000, sheet: str | int | None = None) -> TableReader:
    """Stream a CSV/TXT or XLSX table as DataFrame chunks of at most ``chunk_rows`` rows.

    Every column is a string (empty cell = ''), header names are stripped of spaces and
    BOMs, blank rows are skipped, and an int column ``_row`` holds the spreadsheet row
    number (header = row 1) for error messages. CSV: encoding from
    :func:`detect_encoding`, delimiter sniffed among ',', tab and ';' from the header.
    XLSX: ``sheet`` (name or 0-based index) or else a sheet named 'households' or
    'service_points', or else the first sheet; dates become 'YYYY-MM-DD' and whole
    numbers lose their '.0'. Raises :class:`FileProblem` for empty files, unknown
    extensions and unparseable rows.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    ext = Path(path).suffix.lower()
    if ext not in TABLE_EXTENSIONS:
        hint = ""
        if ext == ".xls":
            hint = _("open it in Excel or WPS and save as .xlsx (Excel Workbook) or CSV UTF-8")
        else:
            hint = _("save the table as .xlsx or as CSV UTF-8")
        raise FileProblem(
            path,
            reason=_(
                "unsupported file type {ext!r}; expected one of {expected}",
                ext=ext or _("(no extension)"),
                expected=", ".join(TABLE_EXTENSIONS),
            ),
            fix=hint,
        )
    check_exists(path)
    if os.path.getsize(path) == 0:
        raise empty_file(path, _("it has 0 bytes"))
    if ext == ".xlsx":
        return read_xlsx(path, chunk_rows, sheet)
    return read_csv(path, chunk_rows)
