"""``popgis demo --province``: generate (once) and load a synthetic province, county by
county, through the county loaders (the same files and order as the demo county)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from gis import db, settings, stats
from loaders.demo_county import LOAD_ORDER
from loaders.registry import get_loader


def province_dir(province: str, scale: float, seed: int, counties=None) -> Path:
    tail = "-" + "_".join(sorted(counties)) if counties else ""
    return settings.var_dir() / "demo" / f"province{province}-scale{scale:g}-seed{seed}{tail}"


def generate_files(province: str, scale: float, seed: int, counties=None, echo=print) -> Path:
    """The province's files (generated once per province, scale, seed and counties)."""
    from loaders.demo.province import generate_province

    out = province_dir(province, scale, seed, counties)
    if not (out / "manifest.json").exists():
        generate_province(out, province, scale, seed, counties, echo=echo)
    return out


def load(folder: Path, *, engine=None, echo=print, progress: bool = False) -> dict:
    """Load every county of ``folder`` not loaded yet (county loaders, in their order),
    then geocode its households as the county demo does; returns timings."""
    from gis.gate.geocoding import geocode_households, system_scope

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    engine = engine or db.engine()
    t0 = time.perf_counter()
    for code in sorted(manifest["counties"]):
        with engine.connect() as conn:
            if stats.demo_loaded(conn, code):
                continue
        t = time.perf_counter()
        for kind, name in LOAD_ORDER:
            report = get_loader(kind).run(
                folder / code / name,
                user="demo",
                progress=progress,
                engine=engine,
                report_dir=settings.var_dir() / "reports",
            )
            if report.status != "loaded":
                raise RuntimeError(f"{code} {name}: {report.summary()}")
        with engine.begin() as conn:
            geocode_households(conn, system_scope(conn, code + "000000"))
        echo(f"{code} {manifest['counties'][code]['name']}: {time.perf_counter() - t:.1f} s")
    return {"seconds": round(time.perf_counter() - t0, 1)}
