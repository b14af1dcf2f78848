"""Benchmarks (`make bench`): figures against targets on the full-scale demo county.

Runs in a separate database (`<name>_bench`) so the demo database is left alone.
Usage: python bench/run.py [--scale 1.0] [--seed 1] [--only load]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from gis import db, settings  # noqa: E402


def bench_db():
    base = db.database_url() if not db.uses_local_cluster() else db.cluster_start()
    url = base.set(database=(base.database or "popgis") + "_bench")
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    return url


def bench_load(url, scale: float, seed: int, rows: list) -> None:
    """Bulk loading of the generated county through the real loaders (COPY + upsert)."""
    from loaders import demo_county
    from loaders.base import get_loader

    folder = settings.var_dir() / "bench" / f"scale{scale:g}-seed{seed}"
    if not (folder / "manifest.json").exists():
        from loaders import demo

        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        demo.generate(folder, scale=scale, seed=seed)
        rows.append(("generate demo files", f"{time.perf_counter() - t:.1f} s", "-", ""))
    engine = db.engine(url)
    total = 0.0
    for kind, name in demo_county.LOAD_ORDER:
        t = time.perf_counter()
        report = get_loader(kind).run(folder / name, engine=engine, progress=False)
        dt = time.perf_counter() - t
        total += dt
        rate = report.rows_total / dt
        target = "≥ 100,000 persons/s" if kind == "households" else "-"
        ok = "" if kind != "households" else ("PASS" if rate >= 100_000 else "MISS")
        rows.append((f"load {kind} ({report.rows_total:,} rows, "
                     f"{report.rows_rejected} rejected)", f"{dt:.1f} s = {rate:,.0f} rows/s",
                     target, ok))
    rows.append(("whole county load", f"{total:.1f} s", "< 60 s",
                 "PASS" if total < 60 else "MISS"))
    # An idempotent re-load of the biggest file: nothing changes.
    t = time.perf_counter()
    r = get_loader("households").run(folder / "households.csv", engine=engine, progress=False)
    rows.append((f"re-load households (changed {r.inserted + r.updated})",
                 f"{time.perf_counter() - t:.1f} s", "0 changed",
                 "PASS" if r.inserted + r.updated == 0 else "MISS"))
    with engine.connect() as c:
        n = c.execute(sa.text("SELECT count(*) FROM persons")).scalar()
    rows.append(("persons in database", f"{n:,}", "≈ 1.9 M at scale 1", ""))


BENCHES = {"load": bench_load}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", choices=sorted(BENCHES), action="append")
    args = p.parse_args()
    url = bench_db()
    rows: list[tuple] = []
    for name in args.only or BENCHES:
        BENCHES[name](url, args.scale, args.seed, rows)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'benchmark':<{width}}  {'figure':<28} {'target':<22} result")
    for r in rows:
        print(f"{r[0]:<{width}}  {r[1]:<28} {r[2]:<22} {r[3]}")


if __name__ == "__main__":
    main()
