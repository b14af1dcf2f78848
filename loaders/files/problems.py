"""FileProblem: a problem with an uploaded file, phrased for the person who made it."""

from __future__ import annotations

import os
from pathlib import Path

from gis.messages import _
from loaders.reports import LoadError


class FileProblem(LoadError):
    """A problem with an uploaded file, phrased for the person who made the file.

    ``file`` is the file name (no directories), ``row`` the 1-based spreadsheet row
    (header = row 1; for vector files the 1-based feature number; None when the whole
    file is affected), ``column`` the column name, ``value`` the offending value,
    ``reason`` what is wrong and ``fix`` how to repair it.

    It is a :class:`~loaders.reports.LoadError`: a loader lets it through as the reason
    the whole file cannot be loaded, with the same message.
    """

    def __init__(
        self,
        file,
        row: int | None = None,
        column: str | None = None,
        value=None,
        reason: str = "",
        fix: str = "",
    ):
        self.file = file_name(file) if file is not None else None
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or _("file")
        if self.row is not None and self.column is not None:
            where = _(
                "{file} row {row}, column {column}", file=where, row=self.row, column=self.column
            )
        elif self.row is not None:
            where = _("{file} row {row}", file=where, row=self.row)
        elif self.column is not None:
            where = _("{file} column {column}", file=where, column=self.column)
        text = where + ": "
        if self.value is not None:
            v = self.value if isinstance(self.value, str) else str(self.value)
            if len(v) > 80:
                v = v[:77] + "..."
            text += f"{v!r} — "
        text += self.reason
        if self.fix:
            text += _("; fix: {fix}", fix=self.fix)
        return text

    def as_dict(self) -> dict:
        """The fields as a plain dict, e.g. for a rejected-rows table or a JSON response."""
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "reason": self.reason,
            "fix": self.fix,
            "message": str(self),
        }


def file_name(path) -> str:
    # Only the base name: messages are shown to users and must not leak server paths.
    return os.path.basename(os.fspath(path))


def column_letter(i: int) -> str:
    """0-based column index → spreadsheet letter (0 → A, 26 → AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def check_exists(path) -> None:
    p = Path(path)
    if not p.exists():
        raise FileProblem(
            path, reason=_("file not found"), fix=_("check the file name and upload it again")
        )
    if not p.is_file():
        raise FileProblem(
            path, reason=_("is a folder, not a file"), fix=_("choose the file inside it")
        )
