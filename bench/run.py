"""Benchmarks (`make bench`): figures against targets on the full-scale demo county.

Each benchmark is a module bench/<name>.py with ``run(scale, seed, rows)`` appending
(what, figure, target, PASS/MISS) rows. They use their own databases, never the demo's.
Usage: python bench/run.py [--scale 1.0] [--seed 1] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BENCHES = (
    "load",
    "geocode_eval",
    "geocode_real",
    "placement",
    "tiles",
    "exports",
    "privacy",
    "serving",
    "map_tti",
    "province_load",
    "province_map",
)


def available() -> list[str]:
    here = Path(__file__).parent
    return [b for b in BENCHES if (here / f"{b}.py").exists()]


def print_table(rows: list[tuple]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{'benchmark':<{width}}  {'figure':<30} {'target':<24} result")
    for r in rows:
        print(f"{r[0]:<{width}}  {r[1]:<30} {r[2]:<24} {r[3]}")


def run_alone(run) -> None:
    """``python bench/NAME.py [--scale S] [--seed N]``: one benchmark and its table."""
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rows: list[tuple] = []
    run(args.scale, args.seed, rows)
    print_table(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", action="append", choices=list(BENCHES))
    args = p.parse_args()
    rows: list[tuple] = []
    for name in args.only or available():
        module = importlib.import_module(f"bench.{name}")
        print(f"running bench/{name}.py …", flush=True)
        module.run(args.scale, args.seed, rows)
        print_table(rows)


if __name__ == "__main__":
    main()
