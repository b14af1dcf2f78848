"""Briefing exports on the full-scale county (issue: briefing exports).

Targets: A4 300-dpi PNG of the county heat map ≤ 5 s, the same as PDF ≤ 5 s, an atlas of
all 544 villages ≤ 3 min. Also reported (no target): the county statistics table and
the GeoPackage of all layers. Everything runs in one transaction rolled back at the end,
so the benchmark leaves no access-log rows behind.
Usage: python bench/exports.py [--scale 1.0] [--seed 1]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import county_db, timed  # noqa: E402
from gis import db  # noqa: E402

COUNTY = "330782000000"


def run(scale: float, seed: int, rows: list) -> None:
    from gis.exports import atlas, geo, mapping, tables
    from gis.gate import scope_for_area

    url = county_db(scale, seed)
    engine = db.engine(url)
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            scope = scope_for_area(conn, COUNTY, user="bench")
            mapping.render_map(conn, scope, "service-points", fmt="png")  # warm fonts
            for fmt in ("png", "pdf"):
                t, data = timed(
                    lambda fmt=fmt: mapping.render_map(
                        conn, scope, "migrants", fmt=fmt, size="A4", landscape=True
                    ),
                    repeat=3,
                )
                rows.append(
                    (
                        f"county heat map, A4 300 dpi {fmt.upper()} ({len(data) / 1e6:.1f} MB)",
                        f"{t:.2f} s",
                        "≤ 5 s",
                        "PASS" if t <= 5 else "MISS",
                    )
                )
            t, data = timed(lambda: tables.export_table(conn, scope, fmt="xlsx"), repeat=1)
            rows.append(("county statistics table XLSX (544 villages)", f"{t:.2f} s", "-", ""))
            t, data = timed(lambda: geo.export_layers(conn, scope, fmt="gpkg"), repeat=1)
            rows.append(
                (f"GeoPackage of all layers ({len(data) / 1e6:.1f} MB)", f"{t:.2f} s", "-", "")
            )
            pages = []
            t0 = time.perf_counter()
            data = atlas.render_atlas(
                conn, scope, "migrants", progress=lambda d, n: pages.append(d)
            )
            t = time.perf_counter() - t0
            rows.append(
                (
                    f"atlas, {len(pages) - 1} villages + overview ({len(data) / 1e6:.0f} MB PDF)",
                    f"{t:.0f} s",
                    "≤ 180 s",
                    "PASS" if t <= 180 and len(pages) - 1 >= 544 else "MISS",
                )
            )
        finally:
            tx.rollback()


if __name__ == "__main__":  # python -m bench.NAME [--scale S] [--seed N]
    from bench.run import run_alone

    run_alone(run)
