"""``popgis demo --province``: generate (once) and load a synthetic province, county by
county, through the county loaders (the same files and order as the demo county)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from gis import db, settings, stats, users
from gis.regions import ensure_regions
from loaders.demo_county import DEMO_PASSWORD, LOAD_ORDER
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
    with engine.begin() as conn:
        regions = ensure_regions(conn)
        existing = {u["name"] for u in users.list_users(conn)}
        for name, role, area in province_accounts(manifest):
            if name not in existing:
                users.add_user(conn, name, role, area, DEMO_PASSWORD)
    return {"seconds": round(time.perf_counter() - t0, 1), **regions}


def province_accounts(manifest: dict) -> list[tuple[str, str, str]]:
    """Demo accounts of a province: ``province`` for the province, ``city<code>`` for each
    city (aggregates only), ``county<code>`` for each county (as the county demo's)."""
    codes = sorted(manifest["counties"])
    out = [("province", "province", manifest["province"][:2].ljust(12, "0"))]
    out += [(f"city{c}", "city", c.ljust(12, "0")) for c in sorted({c[:4] for c in codes})]
    out += [(f"county{c}", "county", c + "000000") for c in codes]
    return out
