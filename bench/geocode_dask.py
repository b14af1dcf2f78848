"""Batch geocoding of a file, one process against Dask distributed (2 workers).

Material: the households of the province demo loaded in the database (address and,
where the generator placed them, lon/lat), written as ``id,address,lon,lat``, one row
per household (the first row of each household number), county after county; the rows
come from the generated county files (``--province DIR``: the demo's folder, every
county in it; or ``--folders``: county folders with households.csv). Both engines run
``popgis geocode IN --out OUT`` as a command (start-up, reading, the Dask cluster and
writing included), ``--runs`` times each, alternating; the figure is the median. The two
outputs must be byte-identical. The target: Dask with 2 workers at least 1.5× the
single process.

Usage: ``POPGIS_DATABASE_URL=… python -m bench.geocode_dask --province var/demo/province330000-…
[--runs 3]`` (``--input FILE``: an input file a run before wrote, ``WORK/in.csv``).
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
    """``id,address,lon,lat`` of the households in ``folders`` (one row per household
    number); returns the row count."""
    n = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "address", "lon", "lat"])
        for folder in folders:
            seen = set()
            with (folder / "households.csv").open(encoding="utf-8") as src:
                for row in csv.DictReader(src):
                    if not row["household_no"] or row["household_no"] in seen:
                        continue  # members' rows
                    seen.add(row["household_no"])
                    w.writerow([row["household_no"], row["address"], row["lon"], row["lat"]])
                    n += 1
                    if limit and n >= limit:
                        return n
    return n


def run(infile: Path, outfile: Path, engine: str) -> tuple[float, float]:
    """Wall-clock seconds, and CPU seconds of the command and every process under it.

    The command's own time is its resource usage once waited for. Its Dask workers
    are children of multiprocessing's fork server, which the command does not wait
    for: their time never reaches the command's usage, so each process under the
    command is sampled every :data:`SAMPLE_SECONDS` and counted at its last sample
    (a process's last fraction of a sample is missed)."""
    import psutil

    cmd = [sys.executable, "-m", "cli", "geocode", str(infile), "--out", str(outfile)]
    cmd += ["--engine", engine, "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    under: dict[int, float] = {}
    while proc.poll() is None:
        try:
            kids = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            kids = []
        for k in kids:
            try:
                ct = k.cpu_times()
            except psutil.Error:
                continue
            under[k.pid] = ct.user + ct.system
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, own + sum(under.values())


#: how often :func:`run` samples the processes under the command
SAMPLE_SECONDS = 0.25


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--province", type=Path, help="a province demo folder (every county)")
    src.add_argument("--folders", nargs="+", type=Path, help="county folders")
    src.add_argument("--input", type=Path, help="an input file written before (id,address,…)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--work", type=Path, default=Path("var/bench/geocode_dask"))
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    if a.input:
        infile = a.input
        with infile.open(encoding="utf-8") as f:
            rows = sum(1 for _ in f) - 1
        where = str(infile)
    else:
        infile = a.work / "in.csv"
        folders = a.folders or sorted(d for d in a.province.iterdir() if d.is_dir())
        rows = write_input(folders, infile, a.limit)
        where = f"{len(folders)} counties"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"input: {rows} addresses from {where}; load average {load}")
    times: dict[str, list[float]] = {"local": [], "dask": []}
    for k in range(a.runs):
        for engine in ("local", "dask"):
            s, cpu = run(infile, a.work / f"out-{engine}.csv", engine)
            times[engine].append(s)
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"run {k + 1} {engine}: {s:.1f} s (CPU {cpu:.1f} s); load {load}", flush=True)
    same = (a.work / "out-local.csv").read_bytes() == (a.work / "out-dask.csv").read_bytes()
    one, two = statistics.median(times["local"]), statistics.median(times["dask"])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"single process median {one:.1f} s, dask 2 workers median {two:.1f} s")
    print(
        f"speed-up {one / two:.2f}x (target 1.5x: {'met' if one / two >= 1.5 else 'NOT met'}); "
        f"outputs identical: {same}; {rows / two:.0f} rows/s; load average {load}"
    )
    if not same:
        sys.exit("the two engines wrote different files")


if __name__ == "__main__":
    main()
