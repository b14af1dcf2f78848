"""Safe, streaming readers for the files county staff upload: CSV, XLSX, vector files, OSM.

Nothing here touches the database. Every problem with the *data* raises
:class:`FileProblem`, which names the file, the spreadsheet row and column, the
offending value, the reason and a fix, so the message can be shown to the person who
made the file. Row numbers are counted as a spreadsheet shows them: the header is
row 1 and the first data row is row 2.

The readers are written for files of several GB: text is checked and parsed in blocks,
spreadsheets are read with openpyxl's read-only mode, and zip archives are checked for
path traversal and decompression bombs before and while anything is extracted.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import pandas as pd

__all__ = [
    "FileProblem",
    "detect_encoding",
    "read_table",
    "TableReader",
    "match_columns",
    "ColumnMap",
    "read_vector",
    "repair_geometries",
    "RepairResult",
    "read_osm",
    "TABLE_EXTENSIONS",
    "VECTOR_EXTENSIONS",
]

TABLE_EXTENSIONS = (".csv", ".txt", ".xlsx")
VECTOR_EXTENSIONS = (".geojson", ".json", ".gpkg", ".zip", ".shp")

_BLOCK = 1 << 20
# A CSV "line" longer than this is not a table row; refusing it keeps memory bounded
# while the encoding is checked line by line.
_MAX_LINE = 64 << 20
_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_SAVE_UTF8 = ("open the file in Excel or WPS and save it as 'CSV UTF-8 (comma delimited)', "
              "or in Notepad choose Save As → Encoding: UTF-8")


class FileProblem(Exception):
    """A problem with an uploaded file, phrased for the person who made the file.

    ``file`` is the file name (no directories), ``row`` the 1-based spreadsheet row
    (header = row 1; for vector files the 1-based feature number; None when the whole
    file is affected), ``column`` the column name, ``value`` the offending value,
    ``reason`` what is wrong and ``fix`` how to repair it.
    """

    def __init__(self, file, row: int | None = None, column: str | None = None,
                 value=None, reason: str = "", fix: str = ""):
        self.file = _name(file) if file is not None else None
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "file"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        text = where + ": "
        if self.value is not None:
            v = self.value if isinstance(self.value, str) else str(self.value)
            if len(v) > 80:
                v = v[:77] + "..."
            text += f"{v!r} — "
        text += self.reason
        if self.fix:
            text += f"; fix: {self.fix}"
        return text

    def as_dict(self) -> dict:
        """The fields as a plain dict, e.g. for a rejected-rows table or a JSON response."""
        return {"file": self.file, "row": self.row, "column": self.column,
                "value": None if self.value is None else str(self.value),
                "reason": self.reason, "fix": self.fix, "message": str(self)}


def _name(path) -> str:
    # Only the base name: messages are shown to users and must not leak server paths.
    return os.path.basename(os.fspath(path))


def _col_letter(i: int) -> str:
    """0-based column index → spreadsheet letter (0 → A, 26 → AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _check_exists(path) -> None:
    p = Path(path)
    if not p.exists():
        raise FileProblem(path, reason="file not found", fix="check the file name and upload it again")
    if not p.is_file():
        raise FileProblem(path, reason="is a folder, not a file", fix="choose the file inside it")


# ---------------------------------------------------------------------------
# encoding


def _line_chunks(f, max_line: int = _MAX_LINE) -> Iterator[tuple[int, bytes]]:
    """Yield (lines_before, chunk) where every chunk ends at a line break (or at EOF).

    Splitting at b'\\n' is safe for UTF-8 and GB18030: 0x0A never occurs inside a
    multibyte character of either, so each chunk can be decoded on its own.
    """
    carry = b""
    lines_before = 0
    while True:
        block = f.read(_BLOCK)
        if not block:
            break
        data = carry + block
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            if len(carry) > max_line:
                raise FileProblem(getattr(f, "name", "file"), row=lines_before + 1,
                                  reason=f"line {lines_before + 1} is longer than "
                                         f"{max_line >> 20} MB; this is not a table",
                                  fix="upload a CSV or XLSX table")
            continue
        chunk, carry = data[:cut + 1], data[cut + 1:]
        yield lines_before, chunk
        lines_before += chunk.count(b"\n")
    if carry:
        yield lines_before, carry


def _bad_bytes(chunk: bytes, err: UnicodeDecodeError) -> str:
    return " ".join(f"0x{b:02X}" for b in chunk[err.start:min(err.end, err.start + 4)])


def detect_encoding(path) -> str:
    """Encoding of a text table: 'utf-8-sig' (UTF-8 with BOM), 'utf-8' or 'gb18030'.

    The whole file is checked in 1 MB blocks, so a multi-GB file is never held in
    memory. GBK and GB2312 files are reported as 'gb18030', their superset. Raises
    :class:`FileProblem` naming the first bad line when the file is in neither
    encoding, is UTF-16, or mixes UTF-8 and GBK lines (typically two exports pasted
    together).
    """
    _check_exists(path)
    with open(path, "rb") as f:
        head = f.read(4)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise FileProblem(path, reason="is saved as UTF-16 ('Unicode text'), which is "
                              "not supported", fix=_SAVE_UTF8)
        has_bom = head.startswith(codecs.BOM_UTF8)

        f.seek(0)
        utf8_fail = _scan_utf8(f)
        if utf8_fail is None:
            return "utf-8-sig" if has_bom else "utf-8"
        line, bad, cjk_before = utf8_fail
        if cjk_before or has_bom:
            raise FileProblem(
                path, row=line,
                reason=f"line {line} is not UTF-8 (bytes {bad}) although the lines before it "
                       "are UTF-8: the file mixes two encodings (probably UTF-8 and GBK)",
                fix="re-save the whole file in one encoding (UTF-8)")

        f.seek(0)
        gb_fail, utf8_line = _scan_gb18030(f)
    if utf8_line is not None:
        raise FileProblem(
            path, row=utf8_line,
            reason=f"line {line} is GBK/GB18030 but line {utf8_line} is UTF-8: the file mixes "
                   "two encodings",
            fix="re-save the whole file in one encoding (UTF-8)")
    if gb_fail is not None:
        gline, gbad = gb_fail
        raise FileProblem(
            path, row=gline,
            reason=f"line {gline} is neither UTF-8 nor GBK/GB18030 text (bytes {gbad}); "
                   "the file may be damaged or in another encoding",
            fix=_SAVE_UTF8)
    return "gb18030"


def _scan_utf8(f) -> tuple[int, str, bool] | None:
    """None if the stream is strict UTF-8, else (line, bad bytes, CJK seen on earlier lines)."""
    cjk_seen = False
    for lines_before, chunk in _line_chunks(f):
        if chunk.isascii():
            continue
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as e:
            line_start = chunk.rfind(b"\n", 0, e.start) + 1
            line = lines_before + chunk.count(b"\n", 0, line_start) + 1
            if not cjk_seen and line_start:
                cjk_seen = bool(_CJK.search(chunk[:line_start].decode("utf-8", "ignore")))
            return line, _bad_bytes(chunk, e), cjk_seen
        if not cjk_seen:
            cjk_seen = bool(_CJK.search(text))
    return None


def _scan_gb18030(f) -> tuple[tuple[int, str] | None, int | None]:
    """(first undecodable line and bytes or None, first line that is UTF-8 Chinese or None)."""
    for lines_before, chunk in _line_chunks(f):
        if chunk.isascii():
            continue
        try:
            chunk.decode("gb18030")
        except UnicodeDecodeError as e:
            line = lines_before + chunk.count(b"\n", 0, e.start) + 1
            # The undecodable line may itself be UTF-8 pasted into a GBK file.
            start = chunk.rfind(b"\n", 0, e.start) + 1
            end = chunk.find(b"\n", e.start)
            if _is_utf8_chinese(chunk[start:end if end >= 0 else len(chunk)]):
                return None, line
            return (line, _bad_bytes(chunk, e)), None
        # GBK text is almost never valid UTF-8 over a whole line, so a line that is valid
        # UTF-8 with Chinese in it was written by a different program.
        for i, raw in enumerate(chunk.split(b"\n")):
            if not raw.isascii() and _is_utf8_chinese(raw):
                return None, lines_before + i + 1
    return None, None


def _is_utf8_chinese(raw: bytes) -> bool:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return len(_CJK.findall(text)) >= 2


# ---------------------------------------------------------------------------
# tables


def _clean_header(name) -> str:
    return ("" if name is None else str(name)).replace("\ufeff", "").replace("\u200b", "").strip()


def _header_names(path, cells: list, header_row: int) -> list[str]:
    names = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(cells):
        n = _clean_header(raw)
        if not n:
            # Excel exports often end the header with empty cells; give them a name
            # so the column can still be reported if it holds data.
            n = f"_unnamed_{_col_letter(i)}"
        if n in seen:
            raise FileProblem(
                path, row=header_row, column=n,
                reason=f"the column name appears twice (columns {_col_letter(seen[n])} and "
                       f"{_col_letter(i)})",
                fix="rename or delete one of the two columns")
        seen[n] = i
        names.append(n)
    return names


def _empty(path, detail: str) -> FileProblem:
    return FileProblem(path, reason=f"file is empty: {detail}",
                       fix="check that you uploaded the right file and that it was saved "
                           "with its data (header on row 1, data from row 2)")


class TableReader:
    """Iterator of DataFrame chunks returned by :func:`read_table`.

    Attributes: ``file`` (name), ``header`` (cleaned column names, in file order),
    ``header_row`` (spreadsheet row of the header, normally 1), ``encoding`` and
    ``delimiter`` (CSV only), ``sheet`` (XLSX only). The first chunk has already been
    read when the reader is returned, so "file is empty" is raised by the call itself.
    """

    def __init__(self, path, gen: Iterator[pd.DataFrame], header: list[str], header_row: int,
                 *, encoding: str | None = None, delimiter: str | None = None,
                 sheet: str | None = None):
        self.file = _name(path)
        self.header = header
        self.header_row = header_row
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self._gen = gen
        self._first = None
        for chunk in gen:
            self._first = chunk
            break
        if self._first is None:
            raise _empty(path, "it has a header row but no data rows")

    def __iter__(self) -> TableReader:
        return self

    def __next__(self) -> pd.DataFrame:
        if self._first is not None:
            chunk, self._first = self._first, None
            return chunk
        return next(self._gen)

    def close(self) -> None:
        """Release the file (an abandoned reader is also closed when garbage-collected)."""
        self._gen.close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
            hint = "open it in Excel or WPS and save as .xlsx (Excel Workbook) or CSV UTF-8"
        else:
            hint = "save the table as .xlsx or as CSV UTF-8"
        raise FileProblem(path, reason=f"unsupported file type {ext or '(no extension)'!r}; "
                          f"expected one of {', '.join(TABLE_EXTENSIONS)}", fix=hint)
    _check_exists(path)
    if os.path.getsize(path) == 0:
        raise _empty(path, "it has 0 bytes")
    if ext == ".xlsx":
        return _read_xlsx(path, chunk_rows, sheet)
    return _read_csv(path, chunk_rows)


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _is_blank_line(line: str, delimiters: str = ",\t;") -> bool:
    return not line.strip().strip(delimiters).strip()


def _read_csv(path, chunk_rows: int) -> TableReader:
    enc = detect_encoding(path)
    header_line = None
    header_row = 0
    with open(path, encoding=enc, newline="") as f:
        for lineno, line in enumerate(f, start=1):
            if not _is_blank_line(line.replace("\ufeff", "")):
                header_line, header_row = line, lineno
                break
    if header_line is None:
        raise _empty(path, "it contains only blank lines")
    delim = _sniff_delimiter(header_line)
    cells = next(csv.reader([header_line.rstrip("\r\n")], delimiter=delim))
    names = _header_names(path, cells, header_row)

    def chunks() -> Iterator[pd.DataFrame]:
        reader = pd.read_csv(
            path, sep=delim, header=None, names=names, skiprows=header_row, dtype=str,
            keep_default_na=False, na_filter=False, skip_blank_lines=False, index_col=False,
            encoding=enc, chunksize=chunk_rows, engine="c", quotechar='"')
        with reader:
            while True:
                try:
                    df = next(reader)
                except StopIteration:
                    return
                except pd.errors.ParserError as e:
                    raise _parser_problem(path, e, len(names), delim) from None
                # Blank lines and rows of bare delimiters (",,,") are layout, not data.
                df = df[~(df == "").all(axis=1)]
                df["_row"] = (df.index.to_numpy() + header_row + 1).astype("int64")
                if len(df):
                    yield df.reset_index(drop=True)

    return TableReader(path, chunks(), names, header_row, encoding=enc, delimiter=delim)


def _parser_problem(path, e: Exception, ncols: int, delim: str) -> FileProblem:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
    shown = {"\t": "tab", ",": "comma", ";": "semicolon"}[delim]
    if m:
        line, saw = int(m.group(2)), int(m.group(3))
        return FileProblem(
            path, row=line,
            reason=f"line {line} has {saw} fields but the header has {ncols} "
                   f"(fields are separated by {shown}s)",
            fix=f"put double quotes around values that contain a {shown}, or remove the "
                "extra cells")
    return FileProblem(path, reason=f"cannot be read as a {shown}-separated table: {e}",
                       fix="check the file in Excel or WPS and save it as CSV UTF-8")


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


def _read_xlsx(path, chunk_rows: int, sheet) -> TableReader:
    import openpyxl  # imported here so CSV-only jobs do not pay for it

    # An .xlsx is a zip of XML: the same limits as zipped Shapefiles, checked before
    # openpyxl reads it (it holds the whole shared-strings table in memory). openpyxl
    # parses the XML with defusedxml when installed (a dependency): no entity expansion.
    try:
        with zipfile.ZipFile(path) as zf:
            check_expansion(path, zf, MAX_EXPANDED_BYTES, MAX_RATIO,
                            fix_ratio="open it in Excel or WPS and save it again, or save "
                                      "it as CSV UTF-8",
                            fix_total="split the table into several files")
    except (zipfile.BadZipFile, OSError):
        pass   # not a zip: openpyxl's own error below says so
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError and its own errors alike
        if _defused(e):
            raise FileProblem(path, reason="contains XML entity or DTD declarations, which "
                              "are refused (they can expand without limit)",
                              fix="open it in Excel or WPS and save it again as .xlsx") from None
        raise FileProblem(path, reason=f"is not a readable .xlsx workbook ({type(e).__name__}: "
                          f"{e})", fix="open it in Excel or WPS and save it again as .xlsx "
                          "(Excel Workbook); an old .xls renamed to .xlsx does not work") from None
    try:
        names = wb.sheetnames
        if sheet is None:
            lower = {n.strip().lower(): n for n in names}
            chosen = next((lower[p] for p in _PREFERRED_SHEETS if p in lower), names[0])
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise FileProblem(path, reason=f"has no sheet number {sheet + 1}; its sheets "
                                  f"are {', '.join(map(repr, names))}", fix="choose one of them")
            chosen = names[sheet]
        elif sheet in names:
            chosen = sheet
        else:
            raise FileProblem(path, reason=f"has no sheet {sheet!r}; its sheets are "
                              f"{', '.join(map(repr, names))}",
                              fix="rename the sheet or choose one of these")
        ws = wb[chosen]
        # Some exporters write a wrong <dimension> (e.g. A1:A1); without resetting it the
        # read-only reader would silently stop after the declared range.
        ws.reset_dimensions()
        rows = ws.iter_rows(values_only=True)
        header_row = 0
        header = None
        for rownum, values in enumerate(rows, start=1):
            if any(_cell_str(v).strip() for v in values):
                header, header_row = values, rownum
                break
        if header is None:
            raise _empty(path, f"sheet {chosen!r} has no cells with data")
        last = max(i for i, v in enumerate(header) if _cell_str(v).strip())
        cols = _header_names(path, list(header[:last + 1]), header_row)
    except BaseException:
        _close_workbook(wb, locals().get("rows"))
        raise

    ncols = len(cols)

    def chunks() -> Iterator[pd.DataFrame]:
        try:
            buf: list[list[str]] = []
            nums: list[int] = []
            for rownum, values in enumerate(rows, start=header_row + 1):
                cells = [_cell_str(v) for v in values]
                if len(cells) > ncols:
                    extra = next((i for i in range(ncols, len(cells)) if cells[i].strip()), None)
                    if extra is not None:
                        raise FileProblem(
                            path, row=rownum, column=_col_letter(extra), value=cells[extra],
                            reason="this cell is to the right of the last named column "
                                   f"({cols[-1]}) and has no header",
                            fix="give the column a header in row "
                                f"{header_row} or delete the cell")
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

    return TableReader(path, chunks(), cols, header_row, sheet=chosen)


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


# ---------------------------------------------------------------------------
# column matching


class ColumnMap(dict):
    """dict canonical name → header name as in the file; ``extra`` lists unmatched headers."""

    def __init__(self, mapping: Mapping[str, str], extra: list[str]):
        super().__init__(mapping)
        self.extra = extra


def _norm_col(s: str) -> str:
    # NFKC folds full-width letters and underscores typed with a Chinese IME.
    s = unicodedata.normalize("NFKC", str(s)).replace("\ufeff", "").lower()
    return re.sub(r"[\s_\-]+", "", s)


def _similarity(a: str, b: str) -> float:
    try:
        from rapidfuzz import fuzz
    except ImportError:
        return difflib.SequenceMatcher(None, a, b).ratio()
    return fuzz.ratio(a, b) / 100.0


def match_columns(file, header: Iterable[str], expected: Mapping[str, list[str]],
                  required: set[str] | Iterable[str]) -> ColumnMap:
    """Map canonical column names to the file's header names.

    ``expected`` maps each canonical name to accepted aliases (Chinese included, e.g.
    ``{'household_no': ['户号', 'household number']}``); the canonical name is always
    accepted too. Comparison ignores case, spaces, '_' and '-' (and full-width forms).
    Returns a :class:`ColumnMap` (a dict) whose ``extra`` attribute lists header names
    that matched nothing, in file order; they are not an error. Raises
    :class:`FileProblem` (row 1, the header) when required columns are missing — with a
    "did you mean" from the closest unmatched header — or when two headers mean the same
    column.
    """
    required = set(required)
    index: dict[str, str] = {}
    for canon, aliases in expected.items():
        for alias in [canon, *aliases]:
            key = _norm_col(alias)
            other = index.setdefault(key, canon)
            if other != canon:
                raise ValueError(f"alias {alias!r} is given for both {other!r} and {canon!r}")
    for canon in required:
        index.setdefault(_norm_col(canon), canon)

    header = [h for h in header if h != "_row"]
    found: dict[str, str] = {}
    extra: list[str] = []
    for h in header:
        canon = index.get(_norm_col(h))
        if canon is None:
            extra.append(h)
        elif canon in found:
            raise FileProblem(
                file, row=1, column=h,
                reason=f"columns {found[canon]!r} and {h!r} both mean {canon}",
                fix="delete or rename one of them")
        else:
            found[canon] = h

    order = [c for c in expected if c in required] + sorted(required - set(expected))
    missing = [c for c in order if c not in found]
    if not missing:
        return ColumnMap(found, extra)

    # Greedy best-first pairing so one misspelt header is suggested for one column only.
    pairs = []
    for canon in missing:
        names = [canon, *expected.get(canon, [])]
        for h in extra:
            score = max(_similarity(_norm_col(a), _norm_col(h)) for a in names)
            if score >= 0.6:
                pairs.append((score, canon, h))
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    for _score, canon, h in sorted(pairs, key=lambda p: -p[0]):
        if canon not in suggestion and h not in used:
            suggestion[canon] = h
            used.add(h)

    parts = []
    for canon in missing:
        if canon in suggestion:
            parts.append(f"{canon} (the file has {suggestion[canon]!r} — did you mean "
                         f"{canon!r}?)")
        else:
            parts.append(canon)
    accepted = "; ".join(
        f"{c}: {', '.join(dict.fromkeys([c, *expected.get(c, [])]))}" for c in missing)
    noun = "column" if len(missing) == 1 else "columns"
    raise FileProblem(
        file, row=1, column=", ".join(missing),
        reason=f"missing required {noun}: {'; '.join(parts)}",
        fix=f"rename the header cell in row 1 to an accepted name ({accepted}) or add the "
            f"{noun}")


# ---------------------------------------------------------------------------
# vector files

_CPG = {
    "utf8": "UTF-8", "utf-8": "UTF-8", "65001": "UTF-8",
    "gbk": "GBK", "936": "GBK", "cp936": "GBK", "gb2312": "GBK", "ansi936": "GBK",
    "gb18030": "GB18030", "54936": "GB18030",
}
_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
_RATIO_MIN_BYTES = 1 << 20


#: limits on what a zip archive (zipped Shapefile, .xlsx workbook) may expand to
MAX_EXPANDED_BYTES = 2 << 30
MAX_RATIO = 200.0


def check_expansion(path, zf: zipfile.ZipFile, max_total: int, max_ratio: float, *,
                    fix_ratio: str, fix_total: str) -> None:
    """Refuse an archive whose members expand more than ``max_ratio``:1 (members over
    1 MB) or to more than ``max_total`` bytes in all, from the sizes it declares (the
    zipfile module never reads past a member's declared size)."""
    declared = 0
    for info in zf.infolist():
        shown = _member_display(info)
        declared += info.file_size
        if (info.file_size > _RATIO_MIN_BYTES
                and info.file_size > max_ratio * max(info.compress_size, 1)):
            ratio = info.file_size / max(info.compress_size, 1)
            raise FileProblem(
                path, reason=f"zip member {shown!r} expands {ratio:,.0f}:1 "
                f"({info.compress_size:,} → {info.file_size:,} bytes), more than the "
                f"{max_ratio:,.0f}:1 allowed; this looks like a zip bomb", fix=fix_ratio)
    if declared > max_total:
        raise FileProblem(path, reason=f"would expand to {declared:,} bytes, more than the "
                          f"{max_total:,} allowed", fix=fix_total)


def read_vector(path, layer: str | None = None, *, max_total_bytes: int = MAX_EXPANDED_BYTES,
                max_ratio: float = MAX_RATIO):
    """Read a GeoJSON, GeoPackage, zipped Shapefile (or bare .shp) into a GeoDataFrame.

    Geometries and CRS are kept as in the file: a shapefile without .prj gives
    ``crs=None`` and the caller must decide. Decisions taken on the caller's behalf
    (missing .prj, guessed attribute encoding) are listed in ``gdf.attrs['notes']``.
    Zip archives are rejected, naming the member, for absolute or '..' paths, more than
    ``max_total_bytes`` uncompressed (declared or actually extracted), or any member over
    1 MB compressed more than ``max_ratio``:1. ``layer`` picks one of several
    shapefiles in a zip (by name, with or without folder and '.shp') or a GeoPackage
    layer. Raises :class:`FileProblem`.
    """
    import pyogrio

    ext = Path(path).suffix.lower()
    if ext not in VECTOR_EXTENSIONS:
        raise FileProblem(path, reason=f"unsupported file type {ext or '(no extension)'!r}; "
                          f"expected one of {', '.join(VECTOR_EXTENSIONS)}",
                          fix="export the layer as GeoPackage (.gpkg), GeoJSON, or a zipped "
                              "Shapefile (.zip with .shp, .shx, .dbf, .prj, .cpg)")
    _check_exists(path)
    if ext == ".zip":
        with tempfile.TemporaryDirectory(prefix="popgis-zip-") as tmp:
            shp, notes = _extract_shapefile(path, layer, Path(tmp), max_total_bytes, max_ratio)
            return _read_shapefile(path, shp, notes)
    if ext == ".shp":
        p = Path(path)
        notes = []
        for need in (".shx", ".dbf"):
            if _sibling(p, need) is None:
                raise FileProblem(path, reason=f"has no {p.stem}{need} beside it",
                                  fix="upload all files of the shapefile together, zipped")
        return _read_shapefile(path, p, notes)

    notes: list[str] = []
    try:
        layers = [row[0] for row in pyogrio.list_layers(path)]
    except Exception as e:
        raise FileProblem(path, reason=f"cannot be opened as {ext[1:]} ({e})",
                          fix="check that the file is complete and export it again") from None
    if layer is None and len(layers) > 1:
        raise FileProblem(path, reason=f"has {len(layers)} layers: {', '.join(layers)}",
                          fix="choose one with the layer parameter")
    if layer is not None and layer not in layers:
        raise FileProblem(path, reason=f"has no layer {layer!r}; layers: {', '.join(layers)}",
                          fix="choose one of these")
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer or (layers[0] if layers else None))
    except Exception as e:
        raise FileProblem(path, reason=f"cannot be read ({e})",
                          fix="check that the file is complete and export it again") from None
    gdf.attrs["notes"] = notes
    return gdf


def _sibling(p: Path, ext: str) -> Path | None:
    for q in p.parent.glob(_glob_escape(p.stem) + ".*"):
        if q.suffix.lower() == ext and q.stem == p.stem:
            return q
    return None


def _glob_escape(s: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", s)


def _member_display(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; Python then
    # decodes them as cp437. Re-decode so messages show the names the user sees.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe_reason(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in re.split(r"[\\/]", name):
        return "contains '..' (it would be written outside the extraction folder)"
    if "\x00" in name:
        return "contains a NUL character"
    return None


def _extract_shapefile(path, layer, tmp: Path, max_total: int, max_ratio: float):
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise FileProblem(path, reason=f"is not a valid zip archive ({e})",
                          fix="zip the shapefile again (select the .shp, .shx, .dbf, .prj and "
                              ".cpg files → Send to → Compressed folder)") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        # Names first: a hostile archive must be reported as such even if it is also large.
        for info in zf.infolist():
            shown = _member_display(info)
            bad = _unsafe_reason(info.filename)
            if bad:
                raise FileProblem(path, reason=f"zip member '{shown}' {bad}",
                                  fix="zip the shapefile files directly, without folders "
                                      "outside the archive")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise FileProblem(path, reason=f"zip member {shown!r} is a symbolic link",
                                  fix="zip the real files instead of links")
        check_expansion(path, zf, max_total, max_ratio, fix_ratio="upload the shapefile "
                        "zipped normally", fix_total="split the layer or simplify it")

        def skip(info):
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            return parts[0] == "__MACOSX" or parts[-1].startswith("._")

        shps = [i for i in infos if not skip(i) and i.filename.lower().endswith(".shp")]
        if not shps:
            listing = ", ".join(_member_display(i) for i in infos[:20]) or "nothing"
            if len(infos) > 20:
                listing += f", … ({len(infos)} files)"
            raise FileProblem(path, reason=f"contains no .shp file; it contains: {listing}",
                              fix="zip the shapefile's .shp, .shx, .dbf, .prj and .cpg files "
                                  "together")
        if layer is None and len(shps) > 1:
            raise FileProblem(path, reason="contains several shapefiles: "
                              + ", ".join(_member_display(i) for i in shps),
                              fix="choose one with the layer parameter, or zip one per upload")
        if layer is None:
            shp = shps[0]
        else:
            want = layer.lower().removesuffix(".shp")
            hits = [i for i in shps
                    if _member_display(i).lower().removesuffix(".shp") == want
                    or PurePosixPath(_member_display(i).replace("\\", "/")).stem.lower() == want]
            if len(hits) != 1:
                raise FileProblem(path, reason=f"has no single shapefile named {layer!r}; it "
                                  "has " + ", ".join(_member_display(i) for i in shps),
                                  fix="choose one of these")
            shp = hits[0]

        base = shp.filename[:-4]
        parts = {}
        for info in infos:
            stem, ext = info.filename[:-4], info.filename[-4:].lower()
            if stem == base and ext in _SHP_PARTS:
                parts[ext] = info
        for need in (".shx", ".dbf"):
            if need not in parts:
                shown = _member_display(shp)
                raise FileProblem(path, reason=f"{shown!r} has no {shown[:-4]}{need} beside it "
                                  "(a shapefile needs .shp, .shx and .dbf)",
                                  fix="zip all files of the shapefile together")

        # Declared sizes can lie (crafted headers), so the real byte count is enforced
        # while writing. Files get fixed ASCII names: GDAL then never sees odd characters.
        written_total = 0
        for ext, info in parts.items():
            target = tmp / f"layer{ext}"
            written = 0
            with zf.open(info) as src, open(target, "wb") as dst:
                while True:
                    block = src.read(_BLOCK)
                    if not block:
                        break
                    written += len(block)
                    written_total += len(block)
                    if written_total > max_total:
                        raise FileProblem(path, reason=f"expands to more than {max_total:,} "
                                          "bytes (more than its header declares)",
                                          fix="upload a smaller or an intact archive")
                    if (written > _RATIO_MIN_BYTES
                            and written > max_ratio * max(info.compress_size, 1)):
                        raise FileProblem(path, reason=f"zip member {_member_display(info)!r} "
                                          f"expands more than {max_ratio:,.0f}:1; this looks "
                                          "like a zip bomb", fix="upload the shapefile zipped "
                                          "normally")
                    dst.write(block)
        notes: list[str] = []
        return tmp / "layer.shp", notes


def _dbf_encoding(dbf: Path) -> str | None:
    """'UTF-8' or 'GB18030' by strict decoding of the DBF record area, or None if neither."""
    with open(dbf, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return None
        f.seek(int.from_bytes(head[8:10], "little"))
        for enc in ("utf-8", "gb18030"):
            pos = f.tell()
            dec = codecs.getincrementaldecoder(enc)()
            try:
                while True:
                    block = f.read(_BLOCK)
                    dec.decode(block, final=not block)
                    if not block:
                        return "UTF-8" if enc == "utf-8" else "GB18030"
            except UnicodeDecodeError:
                f.seek(pos)
    return None


def _read_shapefile(path, shp: Path, notes: list[str]):
    import pyogrio

    prj = _sibling(shp, ".prj")
    cpg = _sibling(shp, ".cpg")
    if prj is None:
        notes.append("no .prj: the coordinate system is unknown (crs is None); set it "
                     "before use")
    encoding = None
    if cpg is not None:
        label = cpg.read_bytes().decode("ascii", "replace").strip()
        encoding = _CPG.get(label.lower().replace(" ", ""), label)
    else:
        dbf = _sibling(shp, ".dbf")
        encoding = _dbf_encoding(dbf) if dbf is not None else None
        if encoding == "UTF-8":
            notes.append("no .cpg: attribute text read as UTF-8")
        elif encoding == "GB18030":
            notes.append("no .cpg: attribute text is not UTF-8, read as GB18030 (GBK)")
        else:
            encoding = "GB18030"
            notes.append("no .cpg and the attribute text is neither UTF-8 nor GBK; read as "
                         "GB18030, some text may be garbled")
    try:
        gdf = pyogrio.read_dataframe(shp, encoding=encoding)
    except Exception as e:
        raise FileProblem(path, reason=f"the shapefile cannot be read ({e})",
                          fix="check that the .cpg names a real encoding (e.g. UTF-8 or GBK) "
                              "and export the layer again") from None
    gdf.attrs["notes"] = notes
    return gdf


# ---------------------------------------------------------------------------
# geometry repair


class RepairResult(NamedTuple):
    """Result of :func:`repair_geometries`."""

    gdf: object
    notes: list[str]
    rejected: list[FileProblem]


_REASON_AT = re.compile(r"^(?P<what>.*?)\[(?P<x>[-+0-9.eE]+) (?P<y>[-+0-9.eE]+)\]")


def repair_geometries(gdf, file) -> RepairResult:
    """Make polygon geometries valid; return (gdf, notes, rejected).

    Invalid polygons (self-intersections, bow-ties, bad rings) are repaired with
    ``shapely.make_valid``, keeping only their polygonal parts (several parts →
    MultiPolygon), and noted as 'feature N: self-intersection at (x, y) repaired' in
    the layer's CRS units. Features that are empty, None, or not polygonal after repair
    are removed from the returned GeoDataFrame and reported in ``rejected`` as
    :class:`FileProblem` with ``row`` = the feature number: the ``_row`` column if the
    caller numbered the features, else the 1-based position. The index is preserved.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(gdf.geometry.array, dtype=object)
    out = geoms.copy()
    notes: list[str] = []
    rejected: list[FileProblem] = []
    keep = np.ones(len(geoms), dtype=bool)
    if "_row" in gdf.columns:
        numbers = [int(n) for n in gdf["_row"]]
    else:
        numbers = list(range(1, len(gdf) + 1))
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    valid = shapely.is_valid(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon

    for i in np.flatnonzero(missing):
        keep[i] = False
        rejected.append(FileProblem(file, row=numbers[i], column="geometry",
                                    reason="the feature has no geometry",
                                    fix="draw the shape or delete the feature"))
    for i in np.flatnonzero(~missing & valid & ~polygonal):
        keep[i] = False
        rejected.append(FileProblem(
            file, row=numbers[i], column="geometry", value=geoms[i].geom_type,
            reason="is not a polygon", fix="this layer needs polygons"))

    bad = np.flatnonzero(~missing & ~valid)
    if len(bad):
        reasons = shapely.is_valid_reason(geoms[bad])
        fixed = shapely.make_valid(geoms[bad])
        for i, why, g in zip(bad, reasons, fixed, strict=True):
            n = numbers[i]
            poly = _polygonal_part(g)
            if poly is None:
                keep[i] = False
                rejected.append(FileProblem(
                    file, row=n, column="geometry", value=_short_reason(why),
                    reason="the geometry is invalid and has no area left after repair",
                    fix="redraw the shape"))
                continue
            out[i] = poly
            notes.append(f"feature {n}: {_short_reason(why)} repaired")

    result = gdf.copy()
    result[result.geometry.name] = _geoseries(out, gdf)
    result = result[keep]
    return RepairResult(result, notes, rejected)


def _geoseries(geoms, like):
    import geopandas as gpd
    return gpd.GeoSeries(list(geoms), index=like.index, crs=like.crs)


def _short_reason(why: str) -> str:
    m = _REASON_AT.match(why)
    if not m:
        return why[:1].lower() + why[1:]
    what = m.group("what").strip()
    what = what[:1].lower() + what[1:]
    return f"{what} at ({float(m.group('x')):g}, {float(m.group('y')):g})"


def _polygonal_part(g):
    import shapely
    from shapely.geometry import MultiPolygon

    if g is None or g.is_empty:
        return None
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    if g.geom_type == "GeometryCollection":
        polys = []
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon":
                polys.append(part)
            elif part.geom_type == "MultiPolygon":
                polys.extend(part.geoms)
        polys = [p for p in polys if not p.is_empty]
        if polys:
            return MultiPolygon(polys)
    return None


# ---------------------------------------------------------------------------
# OSM

_ADDR_ORDER = ("addr:country", "addr:province", "addr:state", "addr:city", "addr:district",
               "addr:subdistrict", "addr:suburb", "addr:street", "addr:place",
               "addr:housenumber", "addr:unit", "addr:floor", "addr:door")


def read_osm(path) -> dict:
    """Buildings and roads from an OSM .osm.pbf extract, in WGS-84 (EPSG:4326).

    Returns ``{'buildings': GeoDataFrame[osm_id, use, name, address, levels, geometry]
    (Polygon/MultiPolygon), 'roads': GeoDataFrame[osm_id, name, highway, geometry]
    (LineString)}``. ``use`` is the OSM building tag, ``address`` the addr:* tags joined
    from large to small, ``levels`` building:levels as a number (NaN if absent).
    """
    import geopandas as gpd
    import pyrosm

    _check_exists(path)
    try:
        osm = pyrosm.OSM(os.fspath(path))
        b = osm.get_buildings()
        r = osm.get_network(network_type="all")
    except Exception as e:
        raise FileProblem(path, reason=f"cannot be read as an OSM PBF extract ({e})",
                          fix="download the extract again (e.g. from Geofabrik, .osm.pbf)") from None

    bcols = ["osm_id", "use", "name", "address", "levels"]
    if b is None or len(b) == 0:
        buildings = gpd.GeoDataFrame(columns=bcols, geometry=[], crs="EPSG:4326")
    else:
        b = b[b.geometry.notna() & b.geom_type.isin(["Polygon", "MultiPolygon"])]
        addr_cols = [c for c in _ADDR_ORDER if c in b.columns]
        addr_cols += sorted(c for c in b.columns if c.startswith("addr:") and c not in addr_cols)
        if addr_cols:
            parts = b[addr_cols].astype(object).where(b[addr_cols].notna(), None)
            address = [" ".join(str(v).strip() for v in row if v is not None and str(v).strip())
                       for row in parts.itertuples(index=False, name=None)]
        else:
            address = [""] * len(b)
        buildings = gpd.GeoDataFrame({
            "osm_id": b["id"].astype("int64").to_numpy(),
            "use": _col(b, "building"),
            "name": _col(b, "name"),
            "address": address,
            "levels": pd.to_numeric(_col(b, "building:levels"), errors="coerce"),
        }, geometry=b.geometry.to_numpy(), crs=b.crs or "EPSG:4326")
        buildings["address"] = buildings["address"].replace("", None)

    rcols = ["osm_id", "name", "highway"]
    if r is None or len(r) == 0:
        roads = gpd.GeoDataFrame(columns=rcols, geometry=[], crs="EPSG:4326")
    else:
        r = r[r.geometry.notna()]
        roads = gpd.GeoDataFrame({
            "osm_id": r["id"].astype("int64").to_numpy(),
            "name": _col(r, "name"),
            "highway": _col(r, "highway"),
        }, geometry=r.geometry.to_numpy(), crs=r.crs or "EPSG:4326")
        roads = roads.explode(index_parts=False, ignore_index=True)
        roads = roads[roads.geom_type == "LineString"].reset_index(drop=True)
    return {"buildings": buildings.reset_index(drop=True), "roads": roads,
            "landcover": _osm_landcover(osm)}


def _osm_landcover(osm):
    """Water, woods and land use polygons of an extract: osm_id, kind, name, geometry."""
    import geopandas as gpd

    parts = []
    for getter, tag in ((osm.get_landuse, "landuse"), (osm.get_natural, "natural")):
        try:
            df = getter()
        except Exception:  # an extract without such features
            df = None
        if df is None or len(df) == 0:
            continue
        df = df[df.geometry.notna() & df.geom_type.isin(["Polygon", "MultiPolygon"])]
        parts.append(gpd.GeoDataFrame({
            "osm_id": tag[0] + df["id"].astype("int64").astype(str).to_numpy(),
            "kind": _col(df, tag), "name": _col(df, "name"),
        }, geometry=df.geometry.to_numpy(), crs="EPSG:4326"))
    if not parts:
        return gpd.GeoDataFrame(columns=["osm_id", "kind", "name"], geometry=[],
                                crs="EPSG:4326")
    return pd.concat(parts, ignore_index=True)


def _col(df, name):
    if name in df.columns:
        return df[name].to_numpy()
    return [None] * len(df)

