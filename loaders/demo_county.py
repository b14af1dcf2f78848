"""The demo county 义乌市 (330782): generate its files once, load them, add demo users.

The generator (loaders.demo) writes files; this module feeds them through the same
loaders a county would use for its own data, so the demo exercises the real path.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from gis import db, settings, stats, users
from loaders.registry import get_loader

COUNTY = "330782"
DEMO_PASSWORD = "popgis-demo"
#: (name, role, area code, what the account shows) — local use only
DEMO_ACCOUNTS = [
    ("county", "county", "330782000000", "the whole county 义乌市"),
    ("township", "township", "330782001000", "稠城街道 and its communities"),
    ("village", "village", "330782001001", "江滨社区 only"),
    ("village2", "village", "330782001002", "下车门社区 only"),
    ("planner", "planner", "330782000000", "aggregates for the county, no individuals"),
    ("auditor", "auditor", "330782000000", "aggregates and the access log"),
]
LOAD_ORDER = [
    ("admin", "admin.geojson"),
    ("roads", "roads.geojson"),
    ("buildings", "buildings.gpkg"),
    ("teams", "teams.csv"),
    ("households", "households.csv"),
    ("service-points", "service_points.csv"),
    ("events", "events.csv"),
]


def demo_dir(scale: float, seed: int) -> Path:
    return settings.var_dir() / "demo" / f"scale{scale:g}-seed{seed}"


def generate_files(scale: float, seed: int, *, force: bool = False) -> Path:
    """Generate the demo files (once per scale and seed) and return their folder."""
    from loaders import demo

    out = demo_dir(scale, seed)
    if force or not (out / "manifest.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        demo.generate(out, scale=scale, seed=seed)
    return out


def is_loaded(engine=None) -> bool:
    with (engine or db.engine()).connect() as conn:
        return stats.demo_loaded(conn, COUNTY)


def load(folder: Path, *, progress: bool = True, engine=None, echo=print) -> list:
    """Load every demo file in dependency order; returns the reports."""
    reports = []
    for kind, name in LOAD_ORDER:
        report = get_loader(kind).run(
            folder / name,
            user="demo",
            progress=progress,
            engine=engine,
            report_dir=settings.var_dir() / "reports",
        )
        echo(report.summary().splitlines()[0])
        reports.append(report)
    return reports


def geocode(engine=None, echo=print) -> dict:
    """Geocode the demo households (those without coordinates get their place from the
    address; unsure ones go to the review queue), as `popgis geocode --households`."""
    from gis.gate.geocoding import geocode_households, system_scope

    with (engine or db.engine()).begin() as conn:
        result = geocode_households(conn, system_scope(conn, COUNTY + "000000"))
    echo(f"geocoded {result['considered']} households: {result['summary']}")
    return result


def add_demo_users(engine=None) -> None:
    """Create the demo accounts that do not exist yet (through the real users API)."""
    with (engine or db.engine()).begin() as conn:
        existing = {u["name"] for u in users.list_users(conn)}
        for name, role, area, _ in DEMO_ACCOUNTS:
            if name not in existing:
                users.add_user(conn, name, role, area, DEMO_PASSWORD)


def ensure(scale: float, seed: int, *, echo=print, progress: bool = True) -> None:
    """Generate and load the demo county unless it is loaded already."""
    if is_loaded():
        echo("demo county already loaded")
    else:
        folder = generate_files(scale, seed)
        manifest = json.loads((folder / "manifest.json").read_text())
        echo(f"loading the demo county from {folder} ({manifest.get('counts')})")
        load(folder, progress=progress, echo=echo)
        geocode(echo=echo)
    add_demo_users()


def accounts_text() -> str:
    lines = ["Demo accounts (local use only), password for all: " + DEMO_PASSWORD]
    lines += [f"  {n:<9} {r:<9} {a}  {what}" for n, r, a, what in DEMO_ACCOUNTS]
    return "\n".join(lines)


def village_codes(engine=None) -> list[str]:
    with (engine or db.engine()).connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT code FROM admin_area WHERE level = 'village' ORDER BY code")
            ).scalars()
        )
