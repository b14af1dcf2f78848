"""The database: which PostGIS to use, the project's own cluster, engines and migrations.

When ``POPGIS_DATABASE_URL`` is unset, popgis runs its own PostgreSQL cluster in
``POPGIS_VAR_DIR/pg`` on a unix socket and a loopback port. As root the server runs as
the ``postgres`` OS user (initdb refuses root). With the variable set, that server is
used instead; everything after connecting is the same code path.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pwd
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from gis import settings
from gis.errors import PopgisError
from gis.messages import _

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")
APP_ROLE = "popgis_app"

# Settings for the project's own cluster: a county fits comfortably in memory; bulk
# loads benefit from large maintenance memory and minimal WAL (COPY into a table
# created in the same transaction then skips WAL entirely).
CLUSTER_CONF = {
    "shared_buffers": "2GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "jit": "off",
    "random_page_cost": "1.1",
    "effective_cache_size": "8GB",
    # the web server's pools (workers × threads), the CLI, loaders and the test suite's
    # own servers side by side; a connection costs a few MB
    "max_connections": "200",
}


class DatabaseError(PopgisError):
    status = 503


# --------------------------------------------------------------------------- cluster
def _pg_bin(tool: str) -> str:
    for d in PG_BIN_CANDIDATES:
        p = Path(d) / tool
        if p.exists():
            return str(p)
    found = shutil.which(tool)
    if found:
        return found
    raise DatabaseError(
        f"PostgreSQL program {tool!r} not found in {', '.join(PG_BIN_CANDIDATES)} or PATH; "
        "install the OS packages with `make install` (postgresql-15, postgresql-15-postgis-3)"
    )


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a server-side command; as root, as the postgres OS user."""
    if _is_root():
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, **kw)


def _postgres_can_use(path: Path) -> bool:
    if not _is_root():
        return True
    probe = path
    while not probe.exists():
        probe = probe.parent
    r = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(probe)], capture_output=True
    )
    return r.returncode == 0


@functools.cache
def cluster_dir() -> Path:
    """Folder of the project's own cluster.

    Normally ``POPGIS_VAR_DIR/pg``; if the postgres OS user cannot reach that folder
    (a checkout under /root, say), a folder under /var/lib/popgis keyed by the project
    path is used instead.
    """
    preferred = settings.var_dir() / "pg"
    if _postgres_can_use(preferred.parent):
        return preferred
    key = hashlib.sha1(str(preferred).encode()).hexdigest()[:12]
    return Path("/var/lib/popgis") / key


def _paths() -> dict[str, Path]:
    base = cluster_dir()
    return {
        "base": base,
        "data": base / "data",
        "run": base / "run",
        "log": base / "server.log",
        "password": base / "password",
    }


def _port() -> int:
    return int(settings.required("POPGIS_PG_PORT"))


def local_url(database: str | None = None) -> URL:
    """URL of the project's own cluster (password read from its folder)."""
    p = _paths()
    if not p["password"].exists():
        raise DatabaseError(
            f"the project's PostgreSQL cluster is not initialised ({p['data']}); "
            "run `popgis db start` (or `make demo`)"
        )
    password = p["password"].read_text().strip()
    return URL.create(
        "postgresql+psycopg",
        username="popgis",
        password=password,
        host="127.0.0.1",
        port=_port(),
        database=database or settings.get("POPGIS_DB_NAME"),
    )


def uses_local_cluster() -> bool:
    return not settings.get("POPGIS_DATABASE_URL")


def database_url() -> URL:
    """The database URL in use (``POPGIS_DATABASE_URL`` or the project's own cluster)."""
    raw = settings.get("POPGIS_DATABASE_URL")
    if not raw:
        return local_url()
    fix = _(
        "Fix: write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE (in the password, "
        "write @ as %40, : as %3A and / as %2F), or unset POPGIS_DATABASE_URL to use the "
        "project's own cluster"
    )
    try:
        url = make_url(raw)
        url.port  # noqa: B018  (a port that is not a number fails here, not at connect)
    except (sa.exc.ArgumentError, ValueError):
        # the text is not shown: it may hold a password
        raise DatabaseError(
            _("POPGIS_DATABASE_URL is not a database URL. {fix}", fix=fix)
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif not url.drivername.startswith("postgresql"):
        raise DatabaseError(
            _(
                "POPGIS_DATABASE_URL names a {driver} database; popgis needs PostgreSQL "
                "with PostGIS. {fix}",
                driver=url.get_backend_name(),
                fix=fix,
            )
        )
    return url


def cluster_status() -> dict:
    p = _paths()
    status = {
        "dir": str(p["base"]),
        "port": _port(),
        "initialised": p["data"].exists(),
        "running": False,
    }
    if status["initialised"]:
        r = _as_postgres(
            [_pg_bin("pg_ctl"), "-D", str(p["data"]), "status"], capture_output=True, text=True
        )
        status["running"] = r.returncode == 0
    return status


def cluster_start() -> URL:
    """Initialise (once) and start the project's own cluster; create the database.

    Idempotent: a running cluster is left as it is. Returns the database URL.
    """
    p = _paths()
    p["base"].mkdir(parents=True, exist_ok=True)
    p["run"].mkdir(parents=True, exist_ok=True)
    if _is_root():
        pw = pwd.getpwnam("postgres")
        for path in (p["base"], p["run"]):
            os.chown(path, pw.pw_uid, pw.pw_gid)
    if not p["data"].exists():
        password = secrets.token_urlsafe(24)
        pwfile = p["base"] / "initpw"
        pwfile.write_text(password + "\n")
        if _is_root():
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        r = _as_postgres(
            [
                _pg_bin("initdb"),
                "-D",
                str(p["data"]),
                "-U",
                "popgis",
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            capture_output=True,
            text=True,
        )
        pwfile.unlink()
        if r.returncode != 0:
            raise DatabaseError(f"initdb failed in {p['data']}:\n{r.stderr.strip()}")
        conf = p["data"] / "postgresql.conf"
        with conf.open("a") as f:
            f.write("\n# popgis local cluster\n")
            for k, v in CLUSTER_CONF.items():
                f.write(f"{k} = '{v}'\n")
        p["password"].write_text(password + "\n")
        p["password"].chmod(0o600)
    if not cluster_status()["running"]:
        # max_connections also for clusters made before it was raised (needs a restart)
        opts = (
            f"-p {_port()} -k {p['run']} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={CLUSTER_CONF['max_connections']}"
        )
        r = _as_postgres(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(p["data"]),
                "-o",
                opts,
                "-l",
                str(p["log"]),
                "-w",
                "-t",
                "60",
                "start",
            ],
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            tail = p["log"].read_text()[-2000:] if p["log"].exists() else ""
            raise DatabaseError(
                f"could not start PostgreSQL on port {_port()} ({p['data']}):\n"
                f"{r.stdout}{r.stderr}\n{tail}\nIs the port taken? Set POPGIS_PG_PORT."
            )
    # running, but perhaps on another port (POPGIS_PG_PORT changed since it started):
    # the message with the fix, not a traceback from creating the database
    wait_until_up(local_url().set(database="postgres"))
    ensure_database(local_url())
    return local_url()


def cluster_stop() -> None:
    p = _paths()
    if cluster_status()["running"]:
        _as_postgres(
            [_pg_bin("pg_ctl"), "-D", str(p["data"]), "-m", "fast", "-w", "stop"],
            capture_output=True,
            text=True,
            check=True,
        )


def ensure_database(url: URL, drop_first: bool = False) -> None:
    """Create database ``url.database`` on its server if missing (or recreate it)."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            name = url.database
            if drop_first:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = c.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


# --------------------------------------------------------------------------- engines
ROLES = ("owner", "app")
_engines: dict[tuple, Engine] = {}


def engine(
    url: URL | str | None = None,
    *,
    role: str = "owner",
    statement_timeout_ms: int | None = None,
    autocommit: bool = False,
) -> Engine:
    """The process-wide engine for ``url`` (default: the database in use), made once.

    ``role``: ``owner`` logs in with ``url`` as it is (migrations, loaders, the command
    line); ``app`` logs in as the web app's own role (:func:`app_database_url` of
    ``url``): no superuser, subject to row-level security, and every commit waits for
    the disk (the local cluster runs with ``synchronous_commit`` off for bulk loads; a
    change acknowledged to a user must survive a crash).
    ``statement_timeout_ms``: a time limit for each statement, set once per pooled
    connection. ``autocommit``: a pool for single read statements (no BEGIN/COMMIT).
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    url = make_url(url) if url is not None else database_url()
    if role == "app":
        url = app_database_url(url)
    key = (url.render_as_string(hide_password=False), role, statement_timeout_ms, autocommit)
    if key not in _engines:
        _engines[key] = _make_engine(url, role, statement_timeout_ms, autocommit)
    return _engines[key]


def _make_engine(url: URL, role: str, statement_timeout_ms: int | None, autocommit: bool) -> Engine:
    # Every pool checks a connection before lending it (one short round trip): after a
    # database restart the pooled connections are dead, and without the check the first
    # request of each web worker and pool met one and answered 503 (a user's first
    # login after the restart failed, minutes later).
    size = 8 if role == "app" else 5
    extra: dict = (
        {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if autocommit else {}
    )
    made = sa.create_engine(
        url,
        pool_recycle=1800,
        pool_size=size,
        max_overflow=size,
        pool_pre_ping=True,
        **extra,
    )
    settings_sql = []
    if statement_timeout_ms is not None:
        settings_sql.append(f"SET statement_timeout = {int(statement_timeout_ms)}")
    if role == "app":
        # reads that only log themselves turn it off for their own transaction
        # (gis.gate.enter)
        settings_sql.append("SET synchronous_commit = on")
    if settings_sql:

        @sa.event.listens_for(made, "connect")
        def _on_connect(dbapi_conn, record):
            with dbapi_conn.cursor() as cur:
                for statement in settings_sql:
                    cur.execute(statement)
            if not autocommit:
                dbapi_conn.commit()

    return made


def dispose_engines() -> None:
    """Close every pool of this process (before a fork, or when a server went away)."""
    for e in _engines.values():
        e.dispose()
    _engines.clear()


def wait_until_up(url: URL, seconds: float = 2) -> None:
    """Return once ``url`` answers. A server that does not answer within ``seconds`` (a
    refused connection is retried until then; an unreachable host times out) gives a
    ``DatabaseError`` that says how to fix it, instead of a long wait."""
    from sqlalchemy.pool import NullPool

    probe = sa.create_engine(
        url, poolclass=NullPool, connect_args={"connect_timeout": max(1, round(seconds))}
    )
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                with probe.connect() as c:
                    c.execute(sa.text("SELECT 1"))
                return
            except sa.exc.OperationalError as exc:
                if time.monotonic() + 0.5 > deadline:
                    raise DatabaseError(_unreachable(url, exc)) from exc
                time.sleep(0.5)
    finally:
        probe.dispose()


def _unreachable(url: URL, exc: sa.exc.OperationalError) -> str:
    shown = url.render_as_string(hide_password=True)
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "?"
    if uses_local_cluster():
        return _(
            "cannot reach the project's own PostgreSQL cluster at {url} ({reason}). "
            "Fix: start it with `popgis db start` (its log: {log}); if the port is "
            "taken, choose another with POPGIS_PG_PORT",
            url=shown,
            reason=reason,
            log=_paths()["log"],
        )
    return _(
        "cannot reach the database at {url} ({reason}). Fix: start that server or "
        "check POPGIS_DATABASE_URL (host, port, user, password, database); unset "
        "POPGIS_DATABASE_URL to use the project's own cluster instead",
        url=shown,
        reason=reason,
    )


def health() -> dict:
    """Database status for /healthz: reachable, PostGIS version, schema revision."""
    try:
        with engine().connect() as c:
            version = c.execute(sa.text("SELECT postgis_lib_version()")).scalar()
            rev = c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        return {"ok": True, "postgis": version, "revision": rev}
    except Exception as exc:  # health must report, never raise
        return {"ok": False, "error": type(exc).__name__}


# --------------------------------------------------------------------------- migrations
def alembic_config(url: URL | None = None):
    from alembic.config import Config

    here = Path(__file__).parent / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(here))
    cfg.attributes["url"] = url or database_url()
    return cfg


def migrate(url: URL | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic, and let the web app's role log in."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
    ensure_app_login(url)


# --------------------------------------------------------------------------- the app's role
def _app_password() -> str:
    """The web app role's password: made once, kept in POPGIS_VAR_DIR (mode 600)."""
    path = settings.var_dir() / "app_db_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_app_login(url: URL | None = None) -> None:
    """Let ``popgis_app`` log in with the password kept in POPGIS_VAR_DIR.

    Skipped when ``POPGIS_APP_DATABASE_URL`` names the app's login explicitly (a server
    where the owner may not manage roles). Needs CREATEROLE otherwise.
    """
    if settings.get("POPGIS_APP_DATABASE_URL"):
        return
    with engine(url or database_url()).begin() as c:
        exists = c.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
        ).scalar()
        if not exists:
            raise DatabaseError(
                f"the database has no role {APP_ROLE}; run `popgis db "
                "migrate` as a role with CREATEROLE, or create it and set "
                "POPGIS_APP_DATABASE_URL"
            )
        # the password is ours (URL-safe characters), quoted as a literal all the same
        pw = c.execute(sa.text("SELECT quote_literal(:p)"), {"p": _app_password()}).scalar()
        try:
            c.execute(sa.text(f"ALTER ROLE {APP_ROLE} LOGIN PASSWORD {pw}"))
        except sa.exc.ProgrammingError as exc:
            raise DatabaseError(
                f"cannot let {APP_ROLE} log in ({exc.orig}); give this login CREATEROLE, "
                f"or set a password for {APP_ROLE} yourself and name it in "
                "POPGIS_APP_DATABASE_URL"
            ) from None


def app_database_url(url: URL | None = None) -> URL:
    """Where the web app logs in: ``POPGIS_APP_DATABASE_URL``, else the database in use
    (or ``url``) as the non-superuser role ``popgis_app``."""
    raw = settings.get("POPGIS_APP_DATABASE_URL")
    if raw:
        app = make_url(raw)
        if app.drivername in ("postgresql", "postgres"):
            app = app.set(drivername="postgresql+psycopg")
        return app
    return (url or database_url()).set(username=APP_ROLE, password=_app_password())
