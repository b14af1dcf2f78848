"""What a load tells the person who gave the file: the error that stops a whole file
(:class:`LoadError`), each rejected row (:class:`Rejection`: file, row, column, value,
reason, fix) and the load's :class:`Report` (counts, notes, timings; saved as JSON and a
CSV of the rejected rows)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gis.csvfile import open_csv
from gis.errors import PopgisError
from gis.messages import _


class LoadError(PopgisError):
    """A whole file cannot be loaded (its problem is named in the message)."""


@dataclass
class Rejection:
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    fix: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where = _("{file} row {row}", file=where, row=self.row)
        if self.column:
            where = _("{place}, column {column}", place=where, column=self.column)
        value = f" {self.value!r}" if self.value not in (None, "") else ""
        fix = _("; fix: {fix}", fix=self.fix) if self.fix else ""
        return f"{where}:{value} {self.reason}{fix}"


@dataclass
class Report:
    """What a load did: counts, rejected rows, notes; saved as JSON and CSV."""

    kind: str
    file: str
    file_hash: str = ""
    batch_id: int | None = None
    status: str = "pending"
    dry_run: bool = False
    strict: bool = False
    source_crs: str | None = None
    rows_total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict = field(default_factory=dict)
    #: seconds spent per phase (read/validate, copy, each SQL step), for benchmarks
    timings: dict = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        """Rows rejected (a row with several bad cells has a rejection for each)."""
        rows = {(r.file, r.row) for r in self.rejected if r.row is not None}
        return len(rows) + sum(1 for r in self.rejected if r.row is None)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rows_rejected"] = self.rows_rejected
        return d

    def write(self, base: Path) -> tuple[Path, Path]:
        """Write ``base.json`` (everything) and ``base.csv`` (rejected rows)."""
        base.parent.mkdir(parents=True, exist_ok=True)
        js, cs = base.with_suffix(".json"), base.with_suffix(".csv")
        js.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str))
        # a rejected value is whatever the file held: a spreadsheet must not run it
        with open_csv(cs, ["file", "row", "column", "value", "reason", "fix"]) as w:
            for r in self.rejected:
                w.writerow([r.file, r.row, r.column, r.value, r.reason, r.fix])
        return js, cs

    def summary(self) -> str:
        verbs = {
            "loaded": _("loaded"),
            "dry_run": _("checked (dry run, nothing written)"),
            "rejected": _("NOT loaded (--strict and rows were rejected)"),
            "failed": _("NOT loaded"),
        }
        lines = [
            _(
                "{file}: {verb}; {rows} rows: {new} new, {changed} changed, "
                "{unchanged} unchanged, {rejected} rejected",
                file=self.file,
                verb=verbs.get(self.status, self.status),
                rows=self.rows_total,
                new=self.inserted,
                changed=self.updated,
                unchanged=self.unchanged,
                rejected=self.rows_rejected,
            )
        ]
        lines += _detail_lines(self.details)
        lines += [_("  note: {note}", note=n) for n in self.notes]
        for r in self.rejected[:20]:
            lines.append(_("  rejected: {row}", row=r))
        if self.rows_rejected > 20:
            lines.append(_("  … {more} more in the report", more=self.rows_rejected - 20))
        return "\n".join(lines)


def _detail_labels() -> dict[str, str]:
    """The words of the loaders' details (``Report.details``), in the user's language."""
    return {
        "households": _("households"),
        "persons": _("persons"),
        "buildings": _("buildings"),
        "roads": _("roads"),
        "landcover": _("land cover"),
        "inserted": _("new"),
        "updated": _("changed"),
        "unchanged": _("unchanged"),
    }


def _detail_lines(details: dict) -> list[str]:
    """``{'persons': {'inserted': 3, …}}`` as ``  persons: new 3, …`` (``--json`` keeps
    the keys); a key without a label is shown as it is."""
    labels = _detail_labels()
    lines = []
    for key, value in details.items():
        if isinstance(value, dict):
            text = ", ".join(f"{labels.get(k, k)} {v}" for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        lines.append(f"  {labels.get(key, key)}: {text}")
    return lines


class Timer:
    """Adds the time spent in a ``with`` block to ``report.timings[name]``."""

    def __init__(self, report: Report, name: str):
        self.report, self.name = report, name

    def __enter__(self):
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        t = self.report.timings
        t[self.name] = round(t.get(self.name, 0.0) + time.perf_counter() - self.t, 3)


def rejections_from_sql(file: str, rows: list[tuple]) -> list[Rejection]:
    """Rejections from ``(row, column, value, reason, fix)`` rows of :mod:`gis.ingest`."""
    return [
        Rejection(file, r[0], r[1], None if r[2] is None else str(r[2]), r[3], r[4]) for r in rows
    ]
