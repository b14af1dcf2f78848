"""Excel workbooks (.xlsx), read in openpyxl's read-only mode after the zip checks."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator

import pandas as pd

from gis.messages import _
from loaders.files.archives import MAX_EXPANDED_BYTES, MAX_RATIO, check_expansion
from loaders.files.chunks import TableReader, empty_file, header_names
from loaders.files.problems import FileProblem, column_letter


def _cell_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        # Excel stores every number as a double: 3 arrives as 3.0 and must read as '3'.
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0, 0):
            return v.strftime("%Y-%m-%d")
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat(timespec="seconds")
    return str(v)


_PREFERRED_SHEETS = ("households", "service_points")


def read_xlsx(path, chunk_rows: int, sheet) -> TableReader:
    wb = _open_workbook(path)
    try:
        chosen = _choose_sheet(path, wb.sheetnames, sheet)
        ws = wb[chosen]
        # Some exporters write a wrong <dimension> (e.g. A1:A1); without resetting it the
        # read-only reader would silently stop after the declared range.
        ws.reset_dimensions()
        rows = ws.iter_rows(values_only=True)
        formulas = _formula_rows(path, wb, ws, chosen)
        header_row = 0
        header = None
        for rownum, values in enumerate(rows, start=1):
            next(formulas, None)  # in step with the values
            if any(_cell_str(v).strip() for v in values):
                header, header_row = values, rownum
                break
        if header is None:
            raise empty_file(path, _("sheet {sheet!r} has no cells with data", sheet=chosen))
        last = max(i for i, v in enumerate(header) if _cell_str(v).strip())
        cols = header_names(path, list(header[: last + 1]), header_row)
    except BaseException:
        _close_workbook(wb, locals().get("rows"))
        raise
    return TableReader(
        path,
        _chunks(path, wb, rows, cols, header_row, chunk_rows, formulas),
        cols,
        header_row,
        sheet=chosen,
    )


def _has_formulas(wb, ws) -> bool:
    """Whether the sheet's XML holds any formula (``<f>``), read in pieces."""
    archive, member = getattr(wb, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or not member:
        return False
    tail = b""
    with archive.open(member) as f:
        while chunk := f.read(1 << 20):
            buf = tail + chunk
            if b"<f>" in buf or b"<f " in buf:
                return True
            tail = buf[-3:]
    return False


def _formula_rows(path, wb, ws, sheet: str) -> Iterator[tuple]:
    """The sheet's rows with formulas as text (``=B2*2``), in step with the values; empty
    when the sheet has no formula (the usual case: no second reading)."""
    if not _has_formulas(wb, ws):
        return iter(())
    import openpyxl  # as in _open_workbook: only for workbooks

    fwb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    fws = fwb[sheet]
    fws.reset_dimensions()

    def rows():
        try:
            yield from fws.iter_rows(values_only=True)
        finally:
            fwb.close()

    return rows()


def _formula_text(v) -> str | None:
    """The formula of a cell read without values (text or an array formula), else None."""
    text = getattr(v, "text", v)  # openpyxl's ArrayFormula keeps its text in .text
    return text if isinstance(text, str) and text.startswith("=") else None


def _open_workbook(path):
    import openpyxl  # imported here so CSV-only jobs do not pay for it

    # An .xlsx is a zip of XML: the same limits as zipped Shapefiles, checked before
    # openpyxl reads it (it holds the whole shared-strings table in memory). openpyxl
    # parses the XML with defusedxml when installed (a dependency): no entity expansion.
    try:
        with zipfile.ZipFile(path) as zf:
            check_expansion(
                path,
                zf,
                MAX_EXPANDED_BYTES,
                MAX_RATIO,
                fix_ratio=_("open it in Excel or WPS and save it again, or save it as CSV UTF-8"),
                fix_total=_("split the table into several files"),
            )
    except (zipfile.BadZipFile, OSError):
        pass  # not a zip: openpyxl's own error below says so
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError and its own errors alike
        if _defused(e):
            raise FileProblem(
                path,
                reason=_(
                    "contains XML entity or DTD declarations, "
                    "which are refused (they can expand without "
                    "limit)"
                ),
                fix=_("open it in Excel or WPS and save it again as .xlsx"),
            ) from None
        raise FileProblem(
            path,
            reason=_(
                "is not a readable .xlsx workbook ({error})", error=f"{type(e).__name__}: {e}"
            ),
            fix=_(
                "open it in Excel or WPS and save it again as .xlsx (Excel "
                "Workbook); an old .xls renamed to .xlsx does not work"
            ),
        ) from None
    return wb


def _choose_sheet(path, names: list[str], sheet) -> str:
    """The sheet to read: the one asked for (by name or 0-based number), else a sheet
    named like the data, else the first."""
    if sheet is None:
        lower = {n.strip().lower(): n for n in names}
        return next((lower[p] for p in _PREFERRED_SHEETS if p in lower), names[0])
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise FileProblem(
                path,
                reason=_(
                    "has no sheet number {number}; its sheets are {sheets}",
                    number=sheet + 1,
                    sheets=", ".join(map(repr, names)),
                ),
                fix=_("choose one of them"),
            )
        return names[sheet]
    elif sheet in names:
        return sheet
    else:
        raise FileProblem(
            path,
            reason=_(
                "has no sheet {sheet!r}; its sheets are {sheets}",
                sheet=sheet,
                sheets=", ".join(map(repr, names)),
            ),
            fix=_("rename the sheet or choose one of these"),
        )


def _chunks(
    path, wb, rows, cols, header_row: int, chunk_rows: int, formulas=None
) -> Iterator[pd.DataFrame]:
    """The data rows after the header, as frames of ``chunk_rows``; blank rows skipped.

    A formula whose value the file does not hold (written by a program that does not
    calculate) would read as an empty cell: it stops the file, saying so."""
    ncols = len(cols)
    try:
        buf: list[list[str]] = []
        nums: list[int] = []
        for rownum, values in enumerate(rows, start=header_row + 1):
            frow = next(formulas, None) if formulas is not None else None
            if frow:
                for i, v in enumerate(values[: len(frow)]):
                    text = _formula_text(frow[i]) if v is None else None
                    if text is not None:
                        raise FileProblem(
                            path,
                            row=rownum,
                            column=column_letter(i),
                            value=text,
                            reason=_(
                                "this cell holds a formula whose value is not saved in the "
                                "file (it would read as empty)"
                            ),
                            fix=_(
                                "open the file in Excel or WPS and save it (the values of "
                                "formulas are then stored), or copy the columns and paste "
                                "them as values"
                            ),
                        )
            cells = [_cell_str(v) for v in values]
            if len(cells) > ncols:
                extra = next((i for i in range(ncols, len(cells)) if cells[i].strip()), None)
                if extra is not None:
                    raise FileProblem(
                        path,
                        row=rownum,
                        column=column_letter(extra),
                        value=cells[extra],
                        reason=_(
                            "this cell is to the right of the last named column "
                            "({column}) and has no header",
                            column=cols[-1],
                        ),
                        fix=_(
                            "give the column a header in row {row} or delete the cell",
                            row=header_row,
                        ),
                    )
                cells = cells[:ncols]
            if not any(c.strip() for c in cells):
                continue
            if len(cells) < ncols:
                cells.extend([""] * (ncols - len(cells)))
            buf.append(cells)
            nums.append(rownum)
            if len(buf) >= chunk_rows:
                yield _frame(buf, nums, cols)
                buf, nums = [], []
        if buf:
            yield _frame(buf, nums, cols)
    finally:
        _close_workbook(wb, rows)


def _defused(exc: BaseException | None) -> bool:
    """Whether defusedxml refused part of the workbook (somewhere in the chain)."""
    while exc is not None:
        if type(exc).__module__.startswith("defusedxml"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _close_workbook(wb, rows) -> None:
    # The row generator holds its own handle on the sheet's XML inside the archive;
    # wb.close() alone leaves the .xlsx file open until garbage collection.
    if rows is not None:
        rows.close()
    wb.close()


def _frame(buf: list[list[str]], nums: list[int], cols: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(buf, columns=cols, dtype=str)
    df["_row"] = pd.Series(nums, dtype="int64")
    return df
