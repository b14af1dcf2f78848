"""The demo county 义乌市 (330782): generate its files once, load them, add demo users.

The generator (loaders.demo) writes files; this module feeds them through the same
loaders a county would use for its own data, so the demo exercises the real path.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sqlalchemy as sa

from gis import db, settings, stats, users
from gis.messages import _, text_table
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


def _account_words() -> dict[str, str]:
    """The roles and what each demo account sees, in the user's language."""
    return {
        "county": _("county staff"),
        "township": _("township staff"),
        "village": _("village staff"),
        "planner": _("planner"),
        "auditor": _("auditor"),
        "the whole county 义乌市": _("the whole county 义乌市"),
        "稠城街道 and its communities": _("稠城街道 and its communities"),
        "江滨社区 only": _("江滨社区 only"),
        "下车门社区 only": _("下车门社区 only"),
        "aggregates for the county, no individuals": _("aggregates for the county, no individuals"),
        "aggregates and the access log": _("aggregates and the access log"),
    }


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
    from loaders import demo  # the generator (numpy, shapely): only when files are made
    from loaders.demo.whole import written_whole

    out = demo_dir(scale, seed)
    if force or not (out / "manifest.json").exists():
        with written_whole(out) as part:  # a Ctrl-C leaves no half-made folder
            demo.generate(part, scale=scale, seed=seed)
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
    # the geocoder stack: loaded only when the demo is geocoded
    from gis.gate.geocoding import geocode_households, system_scope

    with (engine or db.engine()).begin() as conn:
        result = geocode_households(conn, system_scope(conn, COUNTY + "000000"))
    levels = result["summary"]["levels"]
    echo(
        _(
            "geocoded {n} households: {levels}; open review items {review}",
            n=result["considered"],
            levels=", ".join(f"{k} {v:,}" for k, v in levels.items()),
            review=result["summary"]["review_open"],
        )
    )
    return result


def add_demo_users(engine=None) -> None:
    """Create the demo accounts that do not exist yet (through the real users API)."""
    with (engine or db.engine()).begin() as conn:
        existing = {u["name"] for u in users.list_users(conn)}
        for name, role, area, _sees in DEMO_ACCOUNTS:
            if name not in existing:
                users.add_user(conn, name, role, area, DEMO_PASSWORD)


def loading_marker(engine) -> Path:
    """The file that says a load of the demo county into ``engine``'s database was cut
    short (a Ctrl-C, an error): ``{"folder": …}``, the files it was loading. Written
    before the first file is loaded, removed once the households are geocoded: while it
    is there the county is not "already loaded" (its households may be in, their
    geocoding or the files after them not), and :func:`ensure` loads that folder again,
    whole (the loaders keep the rows already there, unchanged; the geocoder takes the
    households not geocoded yet). One per database, as the province's
    (:func:`loaders.demo_province.loading_marker`)."""
    where = engine.url.render_as_string(hide_password=True)
    name = f".county-loading-{hashlib.sha256(where.encode()).hexdigest()[:12]}.json"
    return settings.var_dir() / "demo" / name


def _cut_short(marker: Path) -> Path | None:
    """The folder of a load cut short (``marker``'s) if it still has its files."""
    if not marker.exists():
        return None
    try:
        folder = Path(json.loads(marker.read_text(encoding="utf-8"))["folder"])
    except (ValueError, KeyError, TypeError):
        return None  # unreadable (written half): the folder asked for is loaded instead
    return folder if (folder / "manifest.json").exists() else None


def ensure(scale: float, seed: int, *, echo=print, progress: bool = True) -> None:
    """Generate and load the demo county unless it is loaded already: every step (each
    file, the geocoding) done. A load cut short earlier (:func:`loading_marker`) is
    completed, from the files it was loading."""
    engine = db.engine()
    marker = loading_marker(engine)
    folder = _cut_short(marker)
    if folder is None and not marker.exists() and is_loaded(engine):
        echo(_("demo county already loaded"))
    else:
        if folder is not None:
            echo(
                _(
                    "completing the load of the demo county cut short earlier (files of {folder})",
                    folder=folder,
                )
            )
        else:
            folder = generate_files(scale, seed)
        manifest = json.loads((folder / "manifest.json").read_text())
        counts = manifest.get("counts") or {}
        echo(
            _(
                "loading the demo county from {folder} ({counts})",
                folder=folder,
                counts=", ".join(f"{k} {v:,}" for k, v in counts.items()),
            )
        )
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"folder": str(folder)}), encoding="utf-8")
        load(folder, progress=progress, echo=echo, engine=engine)
        geocode(engine=engine, echo=echo)
        marker.unlink(missing_ok=True)
    add_demo_users(engine)


def accounts_text() -> str:
    """The demo accounts as a table in the user's language (what `make demo` prints)."""
    words = _account_words()
    rows = [[_("account"), _("role"), _("area code"), _("sees")]]
    rows += [[n, words[r], a, words[what]] for n, r, a, what in DEMO_ACCOUNTS]
    lines = [
        _("Demo accounts (local use only), password for all: {password}", password=DEMO_PASSWORD)
    ]
    lines += ["  " + line for line in text_table(rows)]
    return "\n".join(lines)


def village_codes(engine=None) -> list[str]:
    with (engine or db.engine()).connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT code FROM admin_area WHERE level = 'village' ORDER BY code")
            ).scalars()
        )
