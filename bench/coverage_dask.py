"""Coverage of every county of a province (or a city), one process against Dask
distributed (2 workers, one task per county).

Material: the database at ``POPGIS_DATABASE_URL`` (the province demo: 90 counties);
``--area`` the province or a city code (a city: a subset of the counties, for a busy
machine). Each run is a process of its own (``python -m bench.coverage_dask --one
ENGINE``: imports, reading, the Dask cluster and its workers included), reading only:
its connections are read-only (``default_transaction_read_only``), and it does not
migrate the database (the command's ``prepare()`` would), so it runs against a database
of an older revision too. ``--runs`` pairs, alternating which engine goes first; the
figures are the medians, the ratio the median of the pairs' ratios. The two results must
be the same JSON (keys sorted).

Usage: ``POPGIS_DATABASE_URL=… python -m bench.coverage_dask [--area 330000000000]
[--kinds clinic,service_station] [--radius clinic=1500,800] [--runs 3] [--workers 2]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def one(engine: str, area: str, kinds: str, radius: str, workers: int, out: Path) -> None:
    """One run in this process: the batch, its result written to ``out`` (JSON, keys
    sorted) with its seconds."""
    from gis import db
    from gis.analysis import coverage_batch as batch
    from gis.dask_cluster import start_client
    from gis.scope import scope_for_area

    t0 = time.perf_counter()
    url = db.database_url().render_as_string(hide_password=False)
    with db.engine(url).connect() as conn:
        where = scope_for_area(conn, area, user="bench")
    params = batch.Params(kinds=tuple(kinds.split(",")), radius=radius, user="bench")
    if engine == "local":
        result = batch.coverage_of_area(url, where, params)
    else:
        client, cluster = start_client(None, workers, preload=("gis.analysis.coverage_batch",))
        try:
            result = batch.coverage_of_area(url, where, params, client=client)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    seconds = time.perf_counter() - t0
    out.write_text(json.dumps(result, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    print(json.dumps({"seconds": seconds}))


def run(engine: str, a, out: Path) -> tuple[float, float, float]:
    """Wall-clock seconds of the process, the batch's own seconds (inside it), and CPU
    seconds of the process and its children (the Dask workers end within it)."""
    cmd = [sys.executable, "-m", "bench.coverage_dask", "--one", engine, "--out", str(out)]
    cmd += ["--area", a.area, "--kinds", a.kinds, "--radius", a.radius]
    cmd += ["--workers", str(a.workers)]
    env = {**os.environ, "PGOPTIONS": "-c default_transaction_read_only=on"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    inside = json.loads(p.stdout.strip().splitlines()[-1])["seconds"]
    return wall, inside, cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--area", default="330000000000")
    p.add_argument("--kinds", default="clinic,service_station")
    p.add_argument("--radius", default="clinic=1500,800")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--work", type=Path, default=Path("var/bench/coverage_dask"))
    p.add_argument("--one", choices=["local", "dask"], help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one:
        one(a.one, a.area, a.kinds, a.radius, a.workers, a.out)
        return
    a.work.mkdir(parents=True, exist_ok=True)
    load = [os.getloadavg()[0]]
    times: dict[str, list[tuple[float, float, float]]] = {"local": [], "dask": []}
    ratios = []
    for i in range(a.runs):
        order = ("local", "dask") if i % 2 == 0 else ("dask", "local")
        pair = {}
        for engine in order:
            pair[engine] = run(engine, a, a.work / f"{engine}.json")
            times[engine].append(pair[engine])
            load.append(os.getloadavg()[0])
        same = (a.work / "local.json").read_bytes() == (a.work / "dask.json").read_bytes()
        if not same:
            sys.exit("the two engines' results differ: " + str(a.work))
        ratios.append(pair["local"][0] / pair["dask"][0])
        print(
            f"pair {i + 1}: local {pair['local'][0]:.1f} s (cpu {pair['local'][2]:.1f}), "
            f"dask {pair['dask'][0]:.1f} s (cpu {pair['dask'][2]:.1f}), "
            f"ratio {ratios[-1]:.2f}, same JSON",
            flush=True,
        )
    result = json.loads((a.work / "local.json").read_text(encoding="utf-8"))
    t = result["totals"]

    def med(engine: str, k: int) -> float:
        return statistics.median(x[k] for x in times[engine])

    print(
        json.dumps(
            {
                "area": result["area"],
                "kinds": result["kinds"],
                "radius_m": result["radius_m"],
                "counties": t["counties"],
                "counties_with_figures": t["counties_with_figures"],
                "demand": t["demand"],
                "covered": t["covered"],
                "pct_covered": t["pct_covered"],
                "local_s": round(med("local", 0), 2),
                "local_batch_s": round(med("local", 1), 2),
                "local_cpu_s": round(med("local", 2), 2),
                "dask_s": round(med("dask", 0), 2),
                "dask_batch_s": round(med("dask", 1), 2),
                "dask_cpu_s": round(med("dask", 2), 2),
                "workers": a.workers,
                "ratio_median_of_pairs": round(statistics.median(ratios), 2),
                "load_average_1min": [round(x, 2) for x in load],
                "same_json": True,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
