"""A table read in chunks of str columns with spreadsheet row numbers, and its header."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from gis.messages import _
from loaders.files.problems import FileProblem, column_letter, file_name


def clean_header(name) -> str:
    return ("" if name is None else str(name)).replace("\ufeff", "").replace("\u200b", "").strip()


def header_names(path, cells: list, header_row: int) -> list[str]:
    names = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(cells):
        n = clean_header(raw)
        if not n:
            # Excel exports often end the header with empty cells; give them a name
            # so the column can still be reported if it holds data.
            n = f"_unnamed_{column_letter(i)}"
        if n in seen:
            raise FileProblem(
                path,
                row=header_row,
                column=n,
                reason=_(
                    "the column name appears twice (columns {first} and {second})",
                    first=column_letter(seen[n]),
                    second=column_letter(i),
                ),
                fix=_("rename or delete one of the two columns"),
            )
        seen[n] = i
        names.append(n)
    return names


def empty_file(path, detail: str) -> FileProblem:
    return FileProblem(
        path,
        reason=_("file is empty: {detail}", detail=detail),
        fix=_(
            "check that you uploaded the right file and that it was saved "
            "with its data (header on row 1, data from row 2)"
        ),
    )


class TableReader:
    """Iterator of DataFrame chunks returned by :func:`read_table`.

    Attributes: ``file`` (name), ``header`` (cleaned column names, in file order),
    ``header_row`` (spreadsheet row of the header, normally 1), ``encoding`` and
    ``delimiter`` (CSV only), ``sheet`` (XLSX only). The first chunk has already been
    read when the reader is returned, so "file is empty" is raised by the call itself.
    """

    def __init__(
        self,
        path,
        gen: Iterator[pd.DataFrame],
        header: list[str],
        header_row: int,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
    ):
        self.file = file_name(path)
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
            raise empty_file(path, _("it has a header row but no data rows"))

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
