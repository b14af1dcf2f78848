"""Geocode a table on Dask distributed: the rows cut into slices, in input order, the
slices geocoded by the workers as they come, each worker with the gazetteer and building
index loaded once.

Why slices and not one task per county: to know a row's county the client would have to
read its address's admin names, and that scan costs a third of geocoding the address
(measured on 169 k distinct addresses of 32 counties: 6.3 against 20 CPU-s), all of it
serial, in the client; with 2 workers that caps the speed-up near 1.2× (Amdahl). The
whole building index of a province loads from its cache in a second or two, and on a
local cluster not even that (below). So the client does only what must be serial: read
the file (chunk by chunk, the tasks of a chunk sent as soon as it is read) and write the
answers in order. Input files are mostly county after county, so consecutive rows, and
the per-county name indexes the parser builds on first use, stay together on a worker.

A worker keeps, per database, one :class:`~gis.geocode.batch.Geocoder` (gazetteer and
whole building index). On a local cluster the client loads it first, as the single
process does, and the workers are forked from the client with it (no imports, no load
in the workers); a remote scheduler's workers load it as soon as they start, while the
client reads the file. A task returns its rows formatted as the output file's text
(:func:`gis.geocode.csvout.format_lines`, the single process's formatter): the answers,
and the bytes, are the single process's (tested). Nothing goes back to the client as a
DataFrame.

If a worker dies, the scheduler gives its tasks (and the results it held) to another
worker; a task that keeps failing fails the batch, and the output file is not written.

The scheduler is a :class:`distributed.LocalCluster` of ``workers`` processes by default,
or any Dask scheduler by address (its workers need popgis installed and the database
reachable at the same URL; the rows travel through the scheduler, so no shared disk is
needed).
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from gis.geocode.batch import RESULT_COLUMNS, Geocoder
from gis.geocode.csvout import format_lines

__all__ = [
    "CONNECT_SECONDS",
    "TASK_ROWS",
    "DaskGeocoder",
    "geocode_rows",
    "geocode_table",
    "geocode_text",
    "load_geocoder",
    "scheduler_address",
]

#: rows per task at most
TASK_ROWS = 10_000

#: seconds to wait for a scheduler given by address before saying it cannot be reached
#: (Dask's own default is 30)
CONNECT_SECONDS = 5

# tcp://HOST:PORT or tls://HOST:PORT (a bare HOST:PORT is tcp); HOST a name, IPv4 or [IPv6]
_ADDRESS = re.compile(r"(?:(?:tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})")

# per worker process: database URL → the whole database's Geocoder
_WORKER: dict[str, Geocoder] = {}


# ------------------------------------------------------------------ worker side
def _worker_geocoder(url: str) -> Geocoder:
    """This process's geocoder for the database at ``url``, loaded once."""
    from gis import db

    g = _WORKER.get(url)
    if g is None:
        with db.engine(url).connect() as conn:
            g = _WORKER[url] = Geocoder.load(conn)
    return g


def warm(url: str) -> int:
    """Load the geocoder in this worker (ahead of its first task); its process id."""
    import os

    _worker_geocoder(url)
    return os.getpid()


def geocode_rows(url: str, ids, addresses, lon, lat, crs, default_crs: str) -> pd.DataFrame:
    """One task: geocode these rows in a worker; returns
    :data:`~gis.geocode.batch.RESULT_COLUMNS`."""
    from gis import db

    g = _worker_geocoder(url)
    # committed: were the building cells stale, the first task's rebuild is kept
    # (gis.geocode.coords.ensure_building_cells), not redone by every task
    with db.engine(url).begin() as conn:
        return g.table(conn, ids, addresses, lon, lat, crs, default_crs=default_crs)


def geocode_text(
    url: str, ids, addresses, lon, lat, crs, default_crs: str
) -> tuple[str, dict[str, int], int]:
    """One task: :func:`geocode_rows` as the output file's text for these rows, the
    counts by level and the rows whose coordinates were ignored
    (:func:`gis.geocode.csvout.format_lines`)."""
    lines, counts, ignored = format_lines(
        geocode_rows(url, ids, addresses, lon, lat, crs, default_crs)
    )
    return "".join(lines), counts, ignored


# ------------------------------------------------------------------ client side
def scheduler_address(text: str) -> str:
    """``text`` if it is a Dask scheduler's address (``tcp://HOST:PORT``, ``tls://…`` or a
    bare ``HOST:PORT``); else :class:`~gis.errors.InvalidInput` saying the expected form
    (Dask itself would fail later with a traceback, or take ``http://`` for a protocol)."""
    from gis.errors import InvalidInput
    from gis.messages import _

    m = _ADDRESS.fullmatch(text.strip())
    if m is None or not 0 < int(m.group(2)) < 65536:
        raise InvalidInput(
            _(
                "--scheduler {address!r} is not a Dask scheduler's address; expected "
                "tcp://HOST:PORT (for example tcp://10.0.0.5:8786)",
                address=text,
            )
        )
    return text.strip()


def load_geocoder(url: str) -> Geocoder:
    """The geocoder of the database at ``url``, loaded in this process (to hand to a
    local cluster's forked workers), with the building cells of the coordinate lookup
    brought up to date first, once (what the single process does on its first chunk)."""
    from gis import db
    from gis.geocode.coords import ensure_building_cells

    with db.engine(url).begin() as conn:
        ensure_building_cells(conn)
        return Geocoder.load(conn)


def _prewarm(g: Geocoder) -> None:
    """Build, before the workers are forked, what every worker would otherwise build
    for itself on first use (what one process builds once anyway): the pinyin table
    and the index of the database's townships and villages."""
    from gis.geocode.gazetteer import syllables

    syllables("预热")
    _ = g.gaz.local_index


def _col(col, start: int, stop: int):
    if col is None:
        return None
    return np.asarray(col[start:stop], dtype=object)


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Processes started inside the block ignore SIGINT: Ctrl-C in a terminal reaches
    the whole process group, and the local cluster's workers would each print a
    KeyboardInterrupt traceback; the client alone handles it and closes the cluster.
    (An ignored signal stays ignored across fork and exec; a worker the nanny restarts
    later, outside the block, does not inherit it.)"""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskGeocoder:
    """A Dask client for one batch: started first (a local cluster of ``workers``
    processes, or the scheduler at ``scheduler``), the workers loading the geocoder
    while the caller reads its file; then :meth:`text` or :meth:`table`. Use as a
    context manager (the local cluster is closed at the end).

    ``url``: the database, as the workers reach it. ``geocoder``: one already loaded in
    this process; the workers of a local cluster are then forked from this process and
    start with it (no import, no load: the single process's fixed cost, paid once).
    Workers of a scheduler given by address load their own."""

    def __init__(
        self,
        url: str,
        scheduler: str | None = None,
        workers: int = 2,
        geocoder: Geocoder | None = None,
    ):
        import dask
        from distributed import Client, LocalCluster

        from gis import db

        self.url = url
        self.cluster = None
        self.client = None
        try:
            if scheduler is None:
                method = "spawn"
                if geocoder is not None:
                    _prewarm(geocoder)
                    _WORKER[url] = geocoder
                    # a forked worker must not share this process's database sockets
                    db.dispose_engines()
                    method = "fork"
                with (
                    dask.config.set({"distributed.worker.multiprocessing-method": method}),
                    _workers_ignore_ctrl_c(),
                ):
                    self.cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                        # quiet: a task that fails raises in the client; the workers'
                        # shutdown chatter (heartbeats to a closed scheduler) is no news
                        silence_logs=50,
                    )
            if self.cluster is not None:
                self.client = Client(self.cluster)
            else:
                assert scheduler is not None
                self.client = Client(scheduler_address(scheduler), timeout=CONNECT_SECONDS)
            self.client.wait_for_workers(1)
            self._warm = [
                self.client.submit(warm, url, workers=[w], pure=False)
                for w in self.client.scheduler_info()["workers"]
            ]
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskGeocoder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self, fn, chunks: Iterable[tuple], default_crs: str, task_rows: int, progress):
        """Submit every chunk's slices as the chunk comes; yield the results in input
        order. ``chunks``: ``(ids, addresses, lon, lat, crs)`` columns (None for an
        absent column)."""
        from distributed import wait

        client = self.client
        assert client is not None  # set in __init__, or __init__ raised
        futures: list[tuple[int, Any]] = []
        workers = max(1, len(client.scheduler_info()["workers"]))
        for ids, addresses, lon, lat, crs in chunks:
            n = len(ids)
            # a few slices per worker at least, so that they finish together
            step = max(1, min(task_rows, -(-n // (4 * workers))))
            for start in range(0, n, step):
                stop = min(n, start + step)
                cols = [_col(c, start, stop) for c in (ids, addresses, lon, lat, crs)]
                futures.append(
                    (stop - start, client.submit(fn, self.url, *cols, default_crs, pure=False))
                )
        done = 0
        for k, (n, fut) in enumerate(futures):
            wait(fut)
            yield fut.result()
            futures[k] = (n, None)  # let the worker drop the result
            done += n
            if progress is not None:
                progress(done, done)

    def text(
        self,
        chunks: Iterable[tuple],
        *,
        default_crs: str = "wgs84",
        task_rows: int = TASK_ROWS,
        progress: Callable[[int, int], None] | None = None,
        tally: Callable[[dict, int], None] | None = None,
    ):
        """The output file's text, piece by piece in input order (to pass to
        :func:`gis.geocode.csvout.write_file`); ``tally(counts, ignored)`` per piece."""
        for text, counts, ignored in self._run(
            geocode_text, chunks, default_crs, task_rows, progress
        ):
            if tally is not None:
                tally(counts, ignored)
            yield text

    def table(
        self,
        ids,
        addresses,
        lon=None,
        lat=None,
        crs=None,
        *,
        default_crs: str = "wgs84",
        task_rows: int = TASK_ROWS,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """:data:`~gis.geocode.batch.RESULT_COLUMNS` in input order, as
        :meth:`Geocoder.table` gives them in one process."""
        parts = list(
            self._run(
                geocode_rows,
                [(ids, addresses, lon, lat, crs)],
                default_crs,
                task_rows,
                progress,
            )
        )
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in RESULT_COLUMNS})
        return pd.concat(parts, ignore_index=True)


def geocode_table(
    url: str,
    ids,
    addresses,
    lon=None,
    lat=None,
    crs=None,
    *,
    default_crs: str = "wgs84",
    scheduler: str | None = None,
    workers: int = 2,
    task_rows: int = TASK_ROWS,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Geocode rows given as columns on Dask (see the module doc); the same answers, in
    the same order, as :meth:`Geocoder.table` in one process.

    ``url``: the database, as the workers reach it. ``scheduler``: a Dask scheduler's
    address; None starts a local cluster of ``workers`` processes for this call.
    ``progress(done, total)`` after each task.
    """
    with DaskGeocoder(url, scheduler, workers) as d:
        return d.table(
            ids,
            addresses,
            lon,
            lat,
            crs,
            default_crs=default_crs,
            task_rows=task_rows,
            progress=progress,
        )
