"""Geocode a table on Dask distributed: one task per county, each worker with that
county's building index.

The client routes every distinct address to the county it names (:func:`route`: a quick
look at the address's first names, the full admin scan only for what that leaves open)
and gives each county to one worker, largest first onto the least loaded
(:func:`assign`), so a worker reads a county's buildings once; a county bigger than a
worker's share is cut between workers. Tasks are slices of ``TASK_ROWS`` rows at most
(for progress), pinned loosely to their worker: if that worker dies, another takes them.

The routing only decides where a row is geocoded, never its answer: a county's geocoder
answers an address alone only when no other county's building could change the answer,
and hands it to the whole database's geocoder otherwise
(:class:`~gis.geocode.match.OutOfScope`), which a worker loads only if it meets such an
address. Rows that name no county of the database are one group, geocoded with the whole
index. So the answers are the single process's (tested, byte for byte).

A worker keeps, per database, the admin gazetteer (loaded as soon as the worker starts,
while the client reads and routes) and one :class:`~gis.geocode.batch.Geocoder` per
county it has met. A task returns its rows already formatted as CSV lines
(:func:`gis.geocode.csvout.format_lines`, the single process's formatter): the client
only puts them in input order and writes them.

The scheduler is a :class:`distributed.LocalCluster` of ``workers`` processes by default,
or any Dask scheduler by address (its workers need popgis installed and the database
reachable at the same URL; nothing is read or written on the workers' disks but their
own index cache).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from gis.geocode.admin import resolve_admin
from gis.geocode.batch import RESULT_COLUMNS, Geocoder
from gis.geocode.csvout import format_lines
from gis.geocode.gazetteer import CITY, COUNTY, PROVINCE, AdminGazetteer
from gis.geocode.normalise import normalise

__all__ = [
    "TASK_ROWS",
    "DaskGeocoder",
    "assign",
    "county_groups",
    "geocode_rows",
    "geocode_table",
    "route",
]

#: rows per task at most (a county with more is cut into slices)
TASK_ROWS = 20_000

# per worker process: database URL → {"gaz": AdminGazetteer, None | county: Geocoder}
_WORKER: dict[str, dict] = {}


# ------------------------------------------------------------------ routing
def _first_county(text: str, gaz: AdminGazetteer, top, local) -> str | None:
    """The local county an address names first (province and city names skipped), or
    the one county of the township or village it starts with; None when unsure."""
    s = normalise(text)
    pos = 0
    while pos < len(s):
        hit = top.longest(s, pos)
        if hit is None:
            break
        length, entries = hit
        counties = {e[1][:6] for e in entries if e[0] == COUNTY}
        if counties:
            if len(counties) == 1 and len(entries) == 1:
                c = next(iter(counties))
                return c if c in gaz.local_counties else None
            return None
        if not all(e[0] in (PROVINCE, CITY) for e in entries):
            return None
        pos += length
    if pos < len(s):
        hit = local.longest(s, pos)
        if hit is not None:
            counties = {e[1][:6] for e in hit[1]}
            if len(counties) == 1:
                return next(iter(counties))
    return None


def route(addresses, gaz: AdminGazetteer) -> np.ndarray:
    """The 6-digit local county each address names ('' for none), one per address.

    Most addresses are settled by :func:`_first_county`; the rest by the admin scan
    (:func:`gis.geocode.admin.resolve_admin`). Only a hint of where to geocode: see the
    module doc."""
    codes, uniq = pd.factorize(pd.Series(addresses, dtype="object").fillna(""))
    top, local = gaz.top, gaz.local_index
    county = [_first_county(a, gaz, top, local) if a else "" for a in uniq]
    rest = [k for k, c in enumerate(county) if c is None]
    if rest:
        found = resolve_admin([uniq[k] for k in rest], gaz, depth="township")
        for k, c in zip(rest, found, strict=True):
            county[k] = c["county"][:6] if c["county"] and gaz.is_local(c["county"]) else ""
    return np.array(county + [""], dtype=object)[codes]


def county_groups(addresses, gaz: AdminGazetteer, task_rows: int = TASK_ROWS) -> list:
    """``[(county6 or None, row indices)]``: the rows of each county the addresses name
    (a county of the database), in slices of at most ``task_rows``; None for the rest."""
    county = route(addresses, gaz)
    groups = []
    for c in sorted(set(county)):
        rows = np.flatnonzero(county == c)
        for start in range(0, len(rows), task_rows):
            groups.append((c or None, rows[start : start + task_rows]))
    return groups


def assign(groups: dict, n_workers: int) -> list[tuple[int, object, np.ndarray]]:
    """``[(worker number, county, rows)]``: each county to one worker, largest first onto
    the least loaded; a county bigger than a worker's fair share is first cut into
    pieces of that share (so that one big county does not leave a worker idle)."""
    total = sum(len(r) for r in groups.values())
    share = max(1, -(-total // max(1, n_workers)))
    pieces = []
    for c, rows in groups.items():
        for start in range(0, len(rows), share):
            pieces.append((c, rows[start : start + share]))
    pieces.sort(key=lambda p: (-len(p[1]), str(p[0])))
    load = [0] * max(1, n_workers)
    out = []
    for c, rows in pieces:
        w = min(range(len(load)), key=lambda k: (load[k], k))
        load[w] += len(rows)
        out.append((w, c, rows))
    return out


# ------------------------------------------------------------------ worker side
def _worker_state(url: str) -> dict:
    from gis import db

    state = _WORKER.setdefault(url, {})
    if "gaz" not in state:
        with db.engine(url).connect() as conn:
            state["gaz"] = AdminGazetteer.load(conn)
    return state


def warm(url: str) -> int:
    """Load the admin gazetteer in this worker (ahead of its first task)."""
    import os

    _worker_state(url)
    return os.getpid()


def _worker_geocoder(url: str, county: str | None) -> tuple[Callable, Geocoder]:
    """This process's geocoder for ``county`` (None: the whole database), made once."""
    from gis import db

    state = _worker_state(url)
    gaz = state["gaz"]
    engine = db.engine(url)

    def whole() -> Geocoder:
        if None not in state:
            with engine.connect() as conn:
                state[None] = Geocoder.load(conn, gaz=gaz)
        return state[None]

    if county is None:
        return engine.connect, whole()
    if county not in state:
        with engine.connect() as conn:
            state[county] = Geocoder.load(conn, county, gaz=gaz, whole=whole)
    return engine.connect, state[county]


def geocode_rows(
    url: str, county: str | None, ids, addresses, lon, lat, crs, default_crs: str
) -> pd.DataFrame:
    """One task: geocode these rows (all naming ``county``) in a worker; returns
    :data:`~gis.geocode.batch.RESULT_COLUMNS`."""
    connect, g = _worker_geocoder(url, county)
    with connect() as conn:
        return g.table(conn, ids, addresses, lon, lat, crs, default_crs=default_crs)


def geocode_lines(
    url: str, county: str | None, ids, addresses, lon, lat, crs, default_crs: str
) -> tuple[list[str], dict[str, int], int]:
    """One task: :func:`geocode_rows` formatted as the output file's lines
    (:func:`gis.geocode.csvout.format_lines`)."""
    return format_lines(geocode_rows(url, county, ids, addresses, lon, lat, crs, default_crs))


# ------------------------------------------------------------------ client side
def _take(col, rows):
    if col is None:
        return None
    return (col if isinstance(col, np.ndarray) else np.asarray(col, dtype=object))[rows]


class DaskGeocoder:
    """A Dask client for one batch: started first (a local cluster of ``workers``
    processes, or the scheduler at ``scheduler``), the workers loading the gazetteer
    while the caller reads its file; then :meth:`lines` or :meth:`table`. Use as a
    context manager (the local cluster is closed at the end).

    ``url``: the database, as the workers reach it."""

    def __init__(self, url: str, scheduler: str | None = None, workers: int = 2):
        from distributed import Client, LocalCluster

        self.url = url
        self.cluster = None
        if scheduler is None:
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                # quiet: a task that fails raises in the client; the workers' own
                # shutdown chatter (heartbeats to a scheduler already closed) is no news
                silence_logs=50,
            )
        try:
            self.client = Client(self.cluster if self.cluster is not None else scheduler)
            self.client.wait_for_workers(1)
            self.workers = sorted(self.client.scheduler_info()["workers"])
            self._warm = [
                self.client.submit(warm, url, workers=[w], pure=False) for w in self.workers
            ]
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskGeocoder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(
        self,
        fn,
        gaz,
        ids,
        addresses,
        lon,
        lat,
        crs,
        default_crs,
        task_rows,
        progress,
    ):
        """Route, assign, submit; yields ``(rows, result)`` as tasks finish."""
        from distributed import as_completed

        n = len(ids)
        county = route(addresses if addresses is not None else [""] * n, gaz)
        by_county = {}
        for c in sorted(set(county)):
            by_county[c or None] = np.flatnonzero(county == c)
        futures = {}
        for w, c, rows in assign(by_county, len(self.workers)):
            for start in range(0, len(rows), task_rows):
                part = rows[start : start + task_rows]
                fut = self.client.submit(
                    fn,
                    self.url,
                    c,
                    _take(ids, part),
                    _take(addresses, part),
                    _take(lon, part),
                    _take(lat, part),
                    _take(crs, part),
                    default_crs,
                    pure=False,
                    workers=[self.workers[w]],
                    allow_other_workers=True,  # a dead worker's tasks go elsewhere
                    priority=len(rows),  # the biggest counties first
                )
                futures[fut] = part
        done = 0
        for fut in as_completed(futures):
            part = futures.pop(fut)
            yield part, fut.result()
            done += len(part)
            if progress is not None:
                progress(done, n)

    def lines(
        self,
        gaz: AdminGazetteer,
        ids,
        addresses,
        lon=None,
        lat=None,
        crs=None,
        *,
        default_crs: str = "wgs84",
        task_rows: int = TASK_ROWS,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[np.ndarray, dict[str, int], int]:
        """The output file's lines in input order (as
        :func:`gis.geocode.csvout.format_lines` gives them in one process), the counts
        by level and the rows whose coordinates were ignored. ``gaz``: the admin
        gazetteer, for the routing."""
        out = np.empty(len(ids), dtype=object)
        counts: dict[str, int] = {}
        ignored = 0
        for rows, (lines, c, ign) in self._run(
            geocode_lines, gaz, ids, addresses, lon, lat, crs, default_crs, task_rows, progress
        ):
            out[rows] = lines
            for k, v in c.items():
                counts[k] = counts.get(k, 0) + v
            ignored += ign
        return out, counts, ignored

    def table(
        self,
        gaz: AdminGazetteer,
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
        parts, order = [], []
        for rows, res in self._run(
            geocode_rows, gaz, ids, addresses, lon, lat, crs, default_crs, task_rows, progress
        ):
            parts.append(res)
            order.append(rows)
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in RESULT_COLUMNS})
        out = pd.concat(parts, ignore_index=True)
        return out.iloc[np.argsort(np.concatenate(order), kind="stable")].reset_index(drop=True)


def geocode_table(
    url: str,
    gaz: AdminGazetteer,
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

    ``url``: the database, as the workers reach it. ``gaz``: the admin gazetteer (for
    the routing). ``scheduler``: a Dask scheduler's address; None starts a local
    cluster of ``workers`` processes for this call. ``progress(done, total)`` after each
    task.
    """
    with DaskGeocoder(url, scheduler, workers) as d:
        return d.table(
            gaz,
            ids,
            addresses,
            lon,
            lat,
            crs,
            default_crs=default_crs,
            task_rows=task_rows,
            progress=progress,
        )
