"""The loader contract: read → validate → write → report, one transaction per file.

Each loader is a class named by its kind in :data:`loaders.registry.LOADERS`
(``popgis load <kind> FILE``); :class:`TableLoader` is the loop shared by the tabular
kinds. ``run`` opens one transaction: every valid row is written and every invalid row
is listed in the report (file, row, column, value, reason, fix). With ``strict`` nothing
is written when any row is bad; with ``dry_run`` everything is checked and then rolled
back. A process killed mid-load leaves the database as it was, because nothing is
committed before the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from tqdm import tqdm

from gis import crs as crs_mod
from gis import db, ingest, rules
from gis.messages import _
from loaders import files
from loaders.forking import can_fork, quiet_on_ctrl_c
from loaders.registry import get_loader  # noqa: F401  (older callers import it from here)
from loaders.reports import (  # noqa: F401  (LoadError, Rejection: also from here)
    LoadError,
    Rejection,
    Report,
    Timer,
    rejections_from_sql,
)


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Loader:
    """Base class: subclasses set ``kind`` and implement ``load_into`` (and are named in
    :data:`loaders.registry.LOADERS`)."""

    kind: str = ""
    #: file name suffixes the loader reads, for messages
    suffixes: tuple[str, ...] = ()

    def load_into(self, conn, path: Path, report: Report, crs: str | None, progress: bool) -> None:
        """Read, validate and stage ``path``; write with gis.ingest; fill ``report``."""
        raise NotImplementedError

    def run(
        self,
        path,
        *,
        crs: str | None = None,
        dry_run: bool = False,
        strict: bool = False,
        user: str | None = None,
        progress: bool | None = None,
        engine=None,
        conn=None,
        report_dir: Path | None = None,
    ) -> Report:
        """Load one file in one transaction and return (and save) its report.

        With ``conn`` (a connection inside a transaction, as in tests) the load runs in
        a savepoint of that transaction instead of a transaction of its own.
        """
        path = Path(path)
        report = Report(kind=self.kind, file=path.name, dry_run=dry_run, strict=strict)
        if not path.exists():
            raise LoadError(_("{path}: no such file", path=path))
        if path.is_dir():
            raise LoadError(_("{path} is a folder; give the file to load", path=path))
        if progress is None:
            progress = sys.stderr.isatty()
        report.file_hash = file_hash(path)
        if conn is not None:
            self._run(conn, conn.begin_nested(), path, report, crs, dry_run, strict, user, progress)
        else:
            with (engine or db.engine()).connect() as own:
                self._run(own, own.begin(), path, report, crs, dry_run, strict, user, progress)
        if report_dir is not None:
            report.write(report_dir / f"{report.batch_id or 'x'}-{self.kind}-{path.stem}")
        return report

    def _run(self, conn, tx, path, report, crs, dry_run, strict, user, progress):
        try:
            report.batch_id = ingest.start_batch(
                conn, self.kind, path.name, report.file_hash, user, crs
            )
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
            conn,
            report.batch_id,
            status=report.status,
            total=report.rows_total,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=[(r.row, r.column, r.value, r.reason, r.fix) for r in report.rejected],
            notes=report.notes,
        )

    def _record_failure(self, conn, report: Report, user: str | None) -> None:
        """Under --strict the data is rolled back but the attempt is still recorded."""
        with conn.begin_nested() if conn.in_transaction() else conn.begin():
            report.batch_id = ingest.start_batch(
                conn, self.kind, report.file, report.file_hash, user, report.source_crs
            )
            report.inserted = report.updated = report.unchanged = 0
            self._finish(conn, report)


class TableLoader(Loader):
    """Shared loop for tabular kinds: read chunks, match the columns, clean, COPY into a
    staging table, then :meth:`finish` (by default: :meth:`upsert` and count)."""

    suffixes = (".csv", ".txt", ".xlsx")
    columns: dict[str, list[str]] = {}
    required: set[str] = set()
    stage_sql = ""
    stage_table = ""
    stage_columns: list[str] = []
    #: progress bar counts in k/M (for files of millions of rows)
    progress_unit_scale = False
    #: rows read, checked and copied at a time
    chunk_rows = 200_000
    #: processes that check the chunks of a file larger than ``parallel_bytes``
    clean_workers = 1
    parallel_bytes = 32 << 20
    #: "today" for the date rules while a load runs (set by load_into)
    day: dt.date | None = None

    def clean(self, file: str, df: pd.DataFrame, crs: str | None):
        """Validate one chunk (canonical column names) → (stage rows, rejections)."""
        raise NotImplementedError

    def upsert(self, conn, report):
        """Write the staged rows → (inserted, updated, rejected SQL rows)."""
        raise NotImplementedError

    def load_into(self, conn, path, report, crs, progress):
        # "today" of the date rules (gis.rules) is the day the load started, for every
        # chunk (forked checkers inherit it)
        self.day = rules.today()
        if crs:
            crs = crs_mod.normalize_crs(crs)
        report.source_crs = crs
        conn.exec_driver_sql(self.stage_sql)
        self.stage_file(conn, path, report, crs, progress)
        self.finish(conn, path, report, crs)

    def finish(self, conn, path, report, crs) -> None:
        ins, upd, rejected = self.upsert(conn, report)
        report.rejected += rejections_from_sql(path.name, rejected)
        report.inserted, report.updated = ins, upd
        report.unchanged = report.rows_total - report.rows_rejected - ins - upd

    def stage_file(self, conn, path, report, crs, progress) -> None:
        """Read, check and COPY every chunk. The COPY of one chunk (parsed by the server,
        in its own process) overlaps with reading and checking the next; COPYs stay one
        at a time. With ``clean_workers`` > 1 the chunks are checked by that many forked
        processes (:meth:`clean` is pure Python), in file order, while this process reads
        the next ones."""
        file = path.name
        mapping = None
        # forked first, before this process starts its threads (COPY, progress bar)
        workers = (
            get_context("fork").Pool(self.clean_workers, _set_cleaner, (self,))
            if self.clean_workers > 1 and path.stat().st_size > self.parallel_bytes and can_fork()
            else None
        )
        bar = tqdm(
            unit=" rows",
            unit_scale=self.progress_unit_scale,
            disable=not progress,
            desc=f"load {file}",
        )
        pool = ThreadPoolExecutor(max_workers=1)
        pending = None
        checking: deque = deque()  # chunks being checked by the workers, in file order

        def copy_next():
            nonlocal pending
            size, job = checking.popleft()
            with Timer(report, "validate"):
                clean, rejected = job.get()
            report.rejected += rejected
            with Timer(report, "copy wait"):
                if pending is not None:
                    pending.result()
            if isinstance(clean, list):  # a worker's: already the CSV text
                pending = pool.submit(
                    ingest.copy_csv, conn, self.stage_table, self.stage_columns, clean
                )
            else:
                pending = pool.submit(
                    ingest.copy_frame, conn, self.stage_table, clean, self.stage_columns
                )
            bar.update(size)

        try:
            reader = iter(files.read_table(path, self.chunk_rows))
            while True:
                with Timer(report, "read"):
                    chunk = next(reader, None)
                if chunk is None:
                    break
                if mapping is None:
                    mapping = self._match(file, chunk, report)
                chunk = chunk.rename(columns={v: k for k, v in mapping.items()})
                report.rows_total += len(chunk)
                if workers is not None:
                    checking.append((len(chunk), workers.apply_async(_clean, (file, chunk, crs))))
                else:
                    with Timer(report, "validate"):
                        checking.append((len(chunk), _Done(self.clean(file, chunk, crs))))
                # a chunk read ahead for each worker at most (memory)
                while len(checking) > (self.clean_workers if workers is not None else 0):
                    copy_next()
            while checking:
                copy_next()
            with Timer(report, "copy wait"):
                if pending is not None:
                    pending.result()
        finally:
            pool.shutdown(wait=True)
            if workers is not None:
                workers.terminate()
            bar.close()

    def _match(self, file, chunk, report):
        header = [c for c in chunk.columns if c != "_row"]
        mapping = files.match_columns(file, header, self.columns, self.required)
        if mapping.extra:
            report.notes.append(_("ignored columns: {columns}", columns=", ".join(mapping.extra)))
        return mapping


class _Done:
    """A chunk checked in this process, as a worker's pending result."""

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


#: the loader whose chunks a forked worker checks (inherited, not pickled)
_CLEANER: TableLoader | None = None


def _set_cleaner(loader: TableLoader) -> None:
    global _CLEANER
    quiet_on_ctrl_c()  # Ctrl-C is the parent's to say
    _CLEANER = loader


def _clean(file: str, chunk: pd.DataFrame, crs: str | None):
    """A worker's task: check one chunk; its good rows as COPY's CSV text (made here,
    in parallel, rather than by the one process that copies)."""
    assert _CLEANER is not None
    clean, rejected = _CLEANER.clean(file, chunk, crs)
    return ingest.frame_csv_parts(clean, _CLEANER.stage_columns), rejected


def scalar(conn, sql: str, **params):
    return conn.execute(sa.text(sql), params).scalar()
