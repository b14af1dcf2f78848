"""Every CSV file popgis writes for people to open: one writer.

UTF-8 with a byte-order mark, so that Excel shows Chinese text instead of mojibake, and a
formula guard: a text cell that starts with ``= + - @``, a tab or a carriage return is
prefixed with an apostrophe, so that no spreadsheet runs it as a formula (CSV injection).
Plain numbers (``-3.5``) are left as they are.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from gis.rules import in_china

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def guard(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: lists and dicts as JSON text, text that a
    spreadsheet would read as a formula prefixed with ``'``, times in China time with its
    offset (``2026-12-07T08:47:54+08:00``, not the server's UTC); other values unchanged."""
    if isinstance(value, datetime):
        return in_china(value).isoformat(timespec="seconds")
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class Writer:
    """A ``csv.writer`` whose cells go through :func:`guard`."""

    def __init__(
        self, stream: IO[str], header: Sequence[str] | None = None, lineterminator: str = "\r\n"
    ):
        self._w = csv.writer(stream, lineterminator=lineterminator)
        if header is not None:
            self.writerow(header)

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([guard(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    def writedicts(self, header: Sequence[str], rows: Iterable[dict]) -> None:
        """Rows given as dicts, in the order of ``header`` (missing keys are empty)."""
        for r in rows:
            self.writerow(r.get(k, "") for k in header)


@contextmanager
def open_csv(path: Path, header: Sequence[str] | None = None) -> Iterator[Writer]:
    """Write the CSV file ``path`` (UTF-8 with BOM) through a :class:`Writer`."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        yield Writer(f, header)


def to_stream(stream: IO[str], header: Sequence[str], rows: Iterable[dict]) -> None:
    """Dict rows as CSV on a text stream (standard output), BOM first."""
    stream.write("\ufeff")
    if header:
        w = Writer(stream, header)
        w.writedicts(header, rows)


def to_bytes(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A whole CSV file as bytes (UTF-8 with BOM)."""
    buf = io.StringIO()
    w = Writer(buf, header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")
