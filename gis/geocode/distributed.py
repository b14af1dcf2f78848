"""Geocode a table on Dask distributed: one task per county, each worker with that
county's building index.

The client reads the admin prefix of every distinct address
(:func:`gis.geocode.admin.resolve_admin`, the fast scan) and groups the rows by the
county it names; a county with many rows is cut into slices of ``TASK_ROWS`` so that two
workers share a big county. Rows that name no county of the database form one group of
their own, geocoded with the whole index.

A worker keeps, per database, the admin gazetteer and one :class:`~gis.geocode.batch.Geocoder`
per county it has met (the county's buildings only, read once), plus the whole database's
geocoder, loaded only if an address needs it (:class:`~gis.geocode.match.OutOfScope`). The
answers are those of the single process (tested): a county's geocoder answers an address
alone only when no other county's building could change the answer.

The scheduler is a :class:`distributed.LocalCluster` of ``workers`` processes by default,
or any Dask scheduler by address (its workers need popgis installed and the database
reachable at the same URL).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from gis.geocode.admin import resolve_admin
from gis.geocode.batch import RESULT_COLUMNS, Geocoder
from gis.geocode.gazetteer import AdminGazetteer

__all__ = ["TASK_ROWS", "county_groups", "geocode_rows", "geocode_table"]

#: rows per task at most (a county with more is cut into slices)
TASK_ROWS = 20_000

# per worker process: database URL → {"gaz": AdminGazetteer, None | county: Geocoder}
_WORKER: dict[str, dict] = {}


def county_groups(addresses, gaz: AdminGazetteer, task_rows: int = TASK_ROWS) -> list:
    """``[(county6 or None, row indices)]``: the rows of each county the addresses name
    (a county of the database), in slices of at most ``task_rows``; None for the rest."""
    codes, uniq = pd.factorize(pd.Series(addresses, dtype="object").fillna(""))
    found = resolve_admin(list(uniq), gaz, depth="township")
    county = np.array(
        [c["county"][:6] if c["county"] and gaz.is_local(c["county"]) else "" for c in found]
        + [""],
        dtype=object,
    )[codes]
    groups = []
    for c in sorted(set(county)):
        rows = np.flatnonzero(county == c)
        for start in range(0, len(rows), task_rows):
            groups.append((c or None, rows[start : start + task_rows]))
    return groups


def _worker_geocoder(url: str, county: str | None) -> tuple[Callable, Geocoder]:
    """This process's geocoder for ``county`` (None: the whole database), made once."""
    from gis import db

    state = _WORKER.setdefault(url, {})
    engine = db.engine(url)

    def whole() -> Geocoder:
        if None not in state:
            with engine.connect() as conn:
                state[None] = Geocoder.load(conn, gaz=gaz)
        return state[None]

    if "gaz" not in state:
        with engine.connect() as conn:
            state["gaz"] = AdminGazetteer.load(conn)
    gaz = state["gaz"]
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


def _take(col, rows):
    if col is None:
        return None
    return (col if isinstance(col, np.ndarray) else np.asarray(col, dtype=object))[rows]


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
    the grouping). ``scheduler``: a Dask scheduler's address; None starts a local
    cluster of ``workers`` processes for this call. ``progress(done, total)`` after each
    task.
    """
    from distributed import Client, LocalCluster, as_completed

    n = len(ids)
    addresses = addresses if addresses is not None else [""] * n
    groups = county_groups(addresses, gaz, task_rows)
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            # quiet: a task that fails raises in the client; the workers' own shutdown
            # chatter (heartbeats to a scheduler already closed) is no news
            silence_logs=50,
        )
    parts: dict[int, pd.DataFrame] = {}
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            futures = {
                client.submit(
                    geocode_rows,
                    url,
                    county,
                    _take(ids, rows),
                    _take(addresses, rows),
                    _take(lon, rows),
                    _take(lat, rows),
                    _take(crs, rows),
                    default_crs,
                    pure=False,
                ): k
                for k, (county, rows) in enumerate(groups)
            }
            done = 0
            for fut in as_completed(futures):
                parts[futures[fut]] = fut.result()
                done += len(groups[futures[fut]][1])
                if progress is not None:
                    progress(done, n)
    finally:
        if cluster is not None:
            cluster.close()
    if not groups:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in RESULT_COLUMNS})
    order = np.concatenate([rows for _, rows in groups])
    out = pd.concat([parts[k] for k in range(len(groups))], ignore_index=True)
    return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
