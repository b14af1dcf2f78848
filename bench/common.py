"""Shared set-up for benchmarks: the full-scale county in its own database, loaded once."""

from __future__ import annotations

import os
import statistics
import time

import sqlalchemy as sa

from gis import db, settings


def server_url():
    return db.database_url() if not db.uses_local_cluster() else db.cluster_start()


def county_files(scale: float, seed: int):
    """The generated county files (generated once per scale and seed)."""
    folder = settings.var_dir() / "bench" / f"scale{scale:g}-seed{seed}"
    if not (folder / "manifest.json").exists():
        from loaders import demo

        folder.mkdir(parents=True, exist_ok=True)
        demo.generate(folder, scale=scale, seed=seed)
    return folder


def county_db(scale: float = 1.0, seed: int = 1):
    """URL of a database holding the generated county (loaded on first use).

    Named ``<db>_bench_s<scale>`` (override with POPGIS_BENCH_DB); re-used across runs.
    """
    from loaders import demo_county
    from loaders.base import get_loader

    base = server_url()
    name = (
        os.environ.get("POPGIS_BENCH_DB")
        or f"{base.database or 'popgis'}_bench_s{str(scale).replace('.', '_')}"
    )
    url = base.set(database=name)
    db.ensure_database(url)
    db.migrate(url)
    engine = db.engine(url)
    # Several benchmark processes may ask at once: one loads, the others wait.
    with engine.connect() as lock:
        lock.execute(sa.text("SELECT pg_advisory_lock(77001)"))
        try:
            with engine.connect() as c:
                loaded = c.execute(sa.text("SELECT count(*) FROM households")).scalar()
            if not loaded:
                folder = county_files(scale, seed)
                for kind, fname in demo_county.LOAD_ORDER:
                    get_loader(kind).run(folder / fname, engine=engine, progress=False)
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(sa.text("VACUUM ANALYZE"))
        finally:
            lock.execute(sa.text("SELECT pg_advisory_unlock(77001)"))
            lock.commit()
    return url


def timed(fn, repeat: int = 5):
    """Median wall time of ``fn()`` over ``repeat`` runs, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result
