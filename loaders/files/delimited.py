"""CSV and other delimited text files (comma, tab or semicolon)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

import pandas as pd

from gis.messages import _
from loaders.files.chunks import TableReader, empty_file, header_names
from loaders.files.encodings import detect_encoding
from loaders.files.problems import FileProblem


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _is_blank_line(line: str, delimiters: str = ",\t;") -> bool:
    return not line.strip().strip(delimiters).strip()


def read_csv(path, chunk_rows: int) -> TableReader:
    enc = detect_encoding(path)
    header_line = None
    header_row = 0
    with open(path, encoding=enc, newline="") as f:
        for lineno, line in enumerate(f, start=1):
            if not _is_blank_line(line.replace("\ufeff", "")):
                header_line, header_row = line, lineno
                break
    if header_line is None:
        raise empty_file(path, _("it contains only blank lines"))
    delim = _sniff_delimiter(header_line)
    cells = next(csv.reader([header_line.rstrip("\r\n")], delimiter=delim))
    names = header_names(path, cells, header_row)

    def chunks() -> Iterator[pd.DataFrame]:
        reader = pd.read_csv(
            path,
            sep=delim,
            header=None,
            names=names,
            skiprows=header_row,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            encoding=enc,
            chunksize=chunk_rows,
            engine="c",
            quotechar='"',
        )
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
            path,
            row=line,
            reason=_(
                "line {line} has {saw} fields but the header has {ncols} "
                "(fields are separated by {separator}s)",
                line=line,
                saw=saw,
                ncols=ncols,
                separator=shown,
            ),
            fix=_(
                "put double quotes around values that contain a {separator}, or remove "
                "the extra cells",
                separator=shown,
            ),
        )
    return FileProblem(
        path,
        reason=_(
            "cannot be read as a {separator}-separated table: {error}", separator=shown, error=e
        ),
        fix=_("check the file in Excel or WPS and save it as CSV UTF-8"),
    )
