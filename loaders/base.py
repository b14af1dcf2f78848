"""The loader contract: read → validate → write → report, one transaction per file.

Each loader is a class registered by name (``popgis load <kind> FILE``). ``run`` opens
one transaction: every valid row is written and every invalid row is listed in the
report (file, row, column, value, reason, fix). With ``strict`` nothing is written when
any row is bad; with ``dry_run`` everything is checked and then rolled back. A process
killed mid-load leaves the database as it was, because nothing is committed before the
end.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sqlalchemy as sa

from gis import db, ingest

REGISTRY: dict[str, type[Loader]] = {}


class LoadError(Exception):
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
        where = self.file + (f" row {self.row}" if self.row is not None else "")
        where += f", column {self.column}" if self.column else ""
        value = f" {self.value!r}" if self.value not in (None, "") else ""
        fix = f"; fix: {self.fix}" if self.fix else ""
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
        return len(self.rejected)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rows_rejected"] = self.rows_rejected
        return d

    def write(self, base: Path) -> tuple[Path, Path]:
        """Write ``base.json`` (everything) and ``base.csv`` (rejected rows)."""
        base.parent.mkdir(parents=True, exist_ok=True)
        js, cs = base.with_suffix(".json"), base.with_suffix(".csv")
        js.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str))
        with cs.open("w", newline="", encoding="utf-8-sig") as f:
            w = csv.writer(f)
            w.writerow(["file", "row", "column", "value", "reason", "fix"])
            for r in self.rejected:
                w.writerow([r.file, r.row, r.column, r.value, r.reason, r.fix])
        return js, cs

    def summary(self) -> str:
        verb = {"loaded": "loaded", "dry_run": "checked (dry run, nothing written)",
                "rejected": "NOT loaded (--strict and rows were rejected)",
                "failed": "NOT loaded"}.get(self.status, self.status)
        lines = [f"{self.file}: {verb}; {self.rows_total} rows: {self.inserted} new, "
                 f"{self.updated} changed, {self.unchanged} unchanged, "
                 f"{self.rows_rejected} rejected"]
        for k, v in self.details.items():
            lines.append(f"  {k}: {v}")
        lines += [f"  note: {n}" for n in self.notes]
        for r in self.rejected[:20]:
            lines.append(f"  rejected: {r}")
        if self.rows_rejected > 20:
            lines.append(f"  … {self.rows_rejected - 20} more in the report")
        return "\n".join(lines)


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


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def register(cls: type[Loader]) -> type[Loader]:
    REGISTRY[cls.kind] = cls
    return cls


def get_loader(kind: str) -> Loader:
    """The loader registered as ``kind``; LoadError listing the kinds otherwise."""
    # Import the modules that register loaders (kept lazy so `import loaders` is cheap).
    from loaders import households, polygons, services  # noqa: F401

    if kind not in REGISTRY:
        raise LoadError(f"unknown kind {kind!r}; expected one of {', '.join(sorted(REGISTRY))}")
    return REGISTRY[kind]()


class Loader:
    """Base class: subclasses set ``kind`` and implement ``load_into``."""

    kind: str = ""
    #: file name suffixes the loader reads, for messages
    suffixes: tuple[str, ...] = ()

    def load_into(self, conn, path: Path, report: Report, crs: str | None,
                  progress: bool) -> None:
        """Read, validate and stage ``path``; write with gis.ingest; fill ``report``."""
        raise NotImplementedError

    def run(self, path, *, crs: str | None = None, dry_run: bool = False,
            strict: bool = False, user: str | None = None, progress: bool | None = None,
            engine=None, conn=None, report_dir: Path | None = None) -> Report:
        """Load one file in one transaction and return (and save) its report.

        With ``conn`` (a connection inside a transaction, as in tests) the load runs in
        a savepoint of that transaction instead of a transaction of its own.
        """
        path = Path(path)
        report = Report(kind=self.kind, file=path.name, dry_run=dry_run, strict=strict)
        if not path.exists():
            raise LoadError(f"{path}: no such file")
        if path.is_dir():
            raise LoadError(f"{path} is a folder; give the file to load")
        if progress is None:
            progress = sys.stderr.isatty()
        report.file_hash = file_hash(path)
        if conn is not None:
            self._run(conn, conn.begin_nested(), path, report, crs, dry_run, strict, user,
                      progress)
        else:
            with (engine or db.engine()).connect() as own:
                self._run(own, own.begin(), path, report, crs, dry_run, strict, user,
                          progress)
        if report_dir is not None:
            report.write(report_dir / f"{report.batch_id or 'x'}-{self.kind}-{path.stem}")
        return report

    def _run(self, conn, tx, path, report, crs, dry_run, strict, user, progress):
        try:
            report.batch_id = ingest.start_batch(conn, self.kind, path.name,
                                                 report.file_hash, user, crs)
            self.load_into(conn, path, report, crs, progress)
            report.rejected.sort(key=lambda r: (r.row is None, r.row or 0))
            if dry_run:
                report.status = "dry_run"
                tx.rollback()
            elif strict and report.rejected:
                report.status = "rejected"
                tx.rollback()
                self._record_failure(conn, report, user)
            else:
                report.status = "loaded"
                self._finish(conn, report)
                tx.commit()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise

    # The batch row and its rejected rows go in with the data (same transaction).
    def _finish(self, conn, report: Report) -> None:
        ingest.finish_batch(
            conn, report.batch_id, status=report.status, total=report.rows_total,
            inserted=report.inserted, updated=report.updated, unchanged=report.unchanged,
            rejected=[(r.row, r.column, r.value, r.reason, r.fix) for r in report.rejected],
            notes=report.notes)

    def _record_failure(self, conn, report: Report, user: str | None) -> None:
        """Under --strict the data is rolled back but the attempt is still recorded."""
        with (conn.begin_nested() if conn.in_transaction() else conn.begin()):
            report.batch_id = ingest.start_batch(conn, self.kind, report.file,
                                                 report.file_hash, user, report.source_crs)
            report.inserted = report.updated = report.unchanged = 0
            self._finish(conn, report)


def rejections_from_sql(file: str, rows: list[tuple]) -> list[Rejection]:
    return [Rejection(file, r[0], r[1], None if r[2] is None else str(r[2]), r[3], r[4])
            for r in rows]


def scalar(conn, sql: str, **params):
    return conn.execute(sa.text(sql), params).scalar()
