"""Two checkouts side by side: the load and tiles benchmarks, alternating, medians, ratios.

For "no behaviour change" steps (issue 14): the same benchmarks run from a base checkout
(e.g. a detached ``git worktree`` of main before a restructuring) and from this one, in
turns (base, this, base, this, …) so that a slow minute of a shared machine hits both;
each figure is the median of its rounds, and the ratio is this / base.

Usage::

    python bench/structure.py --base /work/wt-base [--this .] [--rounds 3]
        [--load-scale 0.05] [--tiles-scale 1.0] [--only load --only tiles]

Each checkout runs its own ``bench/<name>.py`` with its own ``.venv`` (so each side's code
is what is measured) in a subprocess. Both use the database server of
POPGIS_DATABASE_URL / POPGIS_BENCH_DB as given (a copy of the bench county, never the
lead's) and one POPGIS_VAR_DIR (so both load the same generated files).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

MARK = "@@ROWS "
_CHILD = (
    "import json, sys; sys.path.insert(0, '.'); import importlib; "
    "m = importlib.import_module('bench.' + sys.argv[1]); rows = []; "
    "m.run(float(sys.argv[2]), 1, rows); print({mark!r} + json.dumps(rows))"
)


def run_once(checkout: Path, bench: str, scale: float) -> list[list[str]] | None:
    """The rows of one run of ``bench/<bench>.py`` in ``checkout`` (its own venv); None
    (and the end of its output on stderr) when it failed."""
    python = checkout / ".venv" / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", _CHILD.format(mark=MARK), bench, str(scale)],
        cwd=checkout,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stdout[-2000:] + out.stderr[-4000:])
        sys.stderr.write(f"\n{checkout}: bench/{bench}.py failed ({out.returncode})\n")
        return None
    line = next(x for x in out.stdout.splitlines() if x.startswith(MARK))
    return json.loads(line[len(MARK) :])


def key(label: str) -> str:
    """A row's name without its counts (``load households (1,234 rows…)`` → ``load households``)."""
    return re.sub(r"\s*\([^)]*\)", "", label).strip()


def figure(text: str) -> tuple[float, str] | None:
    """The number a row measures and its unit: the rate after ``=`` if there is one."""
    part = text.split("=", 1)[1] if "=" in text else text
    m = re.search(r"(-?[\d,]*\.?\d+)\s*(.*)", part)
    if not m:
        return None
    return float(m.group(1).replace(",", "")), m.group(2).strip()


def compare(
    base: Path, this: Path, benches: dict[str, float], rounds: int, log: Path | None = None
) -> list[tuple]:
    """Alternate the two checkouts ``rounds`` times per bench; rows of medians and ratios."""
    table = []
    for bench, scale in benches.items():
        runs: dict[str, list] = {"base": [], "this": []}
        for i in range(rounds):
            # Alternate which side goes first, so neither always meets a warm cache.
            order = [("base", base), ("this", this)]
            for side, path in order if i % 2 == 0 else order[::-1]:
                print(f"  {bench} round {i + 1}/{rounds}: {side} ({path})", flush=True)
                rows = run_once(path, bench, scale)
                if rows is not None:
                    runs[side].append(rows)
                    if log:  # every run as it comes, should the comparison be cut short
                        with log.open("a") as f:
                            f.write(json.dumps({"bench": bench, "side": side, "rows": rows}) + "\n")
        if not runs["this"] or not runs["base"]:
            print(f"  {bench}: no figures from one side; left out", flush=True)
            continue
        names = [key(r[0]) for r in runs["this"][0]]
        for name in names:
            values: dict[str, list[float]] = {"base": [], "this": []}
            unit = ""
            for side in values:
                for rows in runs[side]:
                    for r in rows:
                        f = figure(r[1])
                        if key(r[0]) == name and f:
                            values[side].append(f[0])
                            unit = f[1]
            if not values["base"] or not values["this"]:
                continue
            b, t = statistics.median(values["base"]), statistics.median(values["this"])
            ratio = t / b if b else float("nan")
            spread = (
                f"{min(values['this']):g}–{max(values['this']):g}"
                if len(values["this"]) > 1
                else ""
            )
            table.append((f"{bench}@{scale:g}: {name}", unit, b, t, ratio, spread))
    return table


def print_table(table: list[tuple]) -> None:
    width = max(len(r[0]) for r in table)
    print(f"\n{'figure':<{width}}  {'unit':<12} {'base':>12} {'this':>12} {'this/base':>9}")
    for name, unit, b, t, ratio, _ in table:
        print(f"{name:<{width}}  {unit[:12]:<12} {b:>12,.2f} {t:>12,.2f} {ratio:>9.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--base", type=Path, required=True)
    p.add_argument("--this", type=Path, default=Path(__file__).resolve().parents[1])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--load-scale", type=float, default=0.05)
    p.add_argument("--tiles-scale", type=float, default=1.0)
    p.add_argument("--only", action="append", choices=["load", "tiles"])
    p.add_argument("--json", type=Path, help="also write the table here")
    p.add_argument("--log", type=Path, help="append each run's rows here (JSON lines)")
    args = p.parse_args()
    scales = {"load": args.load_scale, "tiles": args.tiles_scale}
    benches = {b: scales[b] for b in (args.only or ["load", "tiles"])}
    table = compare(args.base.resolve(), args.this.resolve(), benches, args.rounds, args.log)
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(table, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
