"""Batch geocoding of a file, one process against Dask distributed (2 workers).

Material: the households of every county loaded in the database (address and, where
the generator placed them, lon/lat), written as ``id,address,lon,lat``; the rows come
from the generated county files (``--folders``: county folders with households.csv),
heads of household only. Both engines run ``popgis geocode IN --out OUT`` as a command
(start-up, reading, the Dask cluster and writing included), ``--runs`` times each,
alternating; the figure is the median. The two outputs must be byte-identical.

Usage: ``POPGIS_DATABASE_URL=… python -m bench.geocode_dask --folders DIR… [--runs 3]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def write_input(folders: list[Path], out: Path, limit: int | None = None) -> int:
    """``id,address,lon,lat`` of the households in ``folders``; returns the row count."""
    n = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "address", "lon", "lat"])
        for folder in folders:
            with (folder / "households.csv").open(encoding="utf-8") as src:
                for row in csv.DictReader(src):
                    if not row["household_no"] or not row["address"]:
                        continue  # members' rows
                    w.writerow([row["household_no"], row["address"], row["lon"], row["lat"]])
                    n += 1
                    if limit and n >= limit:
                        return n
    return n


def run(infile: Path, outfile: Path, engine: str) -> tuple[float, float]:
    """Wall-clock seconds, and CPU seconds of the command and its processes (the Dask
    workers included: they end, and are waited for, within the command)."""
    cmd = [sys.executable, "-m", "cli", "geocode", str(infile), "--out", str(outfile)]
    cmd += ["--engine", engine, "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--folders", nargs="+", type=Path, required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--work", type=Path, default=Path("var/bench/geocode_dask"))
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    infile = a.work / "in.csv"
    rows = write_input(a.folders, infile, a.limit)
    print(f"input: {rows} rows from {len(a.folders)} counties; load {os.getloadavg()}")
    times: dict[str, list[float]] = {"local": [], "dask": []}
    for k in range(a.runs):
        for engine in ("local", "dask"):
            s, cpu = run(infile, a.work / f"out-{engine}.csv", engine)
            times[engine].append(s)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"run {k + 1} {engine}: {s:.1f} s (CPU {cpu:.1f} s); load {load}", flush=True)
    same = (a.work / "out-local.csv").read_bytes() == (a.work / "out-dask.csv").read_bytes()
    one, two = statistics.median(times["local"]), statistics.median(times["dask"])
    print(f"single process median {one:.1f} s, dask 2 workers median {two:.1f} s")
    print(f"speed-up {one / two:.2f}x; outputs identical: {same}; {rows / two:.0f} rows/s")


if __name__ == "__main__":
    main()
