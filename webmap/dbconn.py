"""One connection and transaction per request, logged in as the web app's own role.

The app logs in as ``popgis_app`` (``gis.db.app_database_url``): no superuser, owns no
table, subject to row-level security, cannot read password or token hashes, cannot
change or delete the access log. Tests hand in their own connection instead and switch
to the role with SET ROLE for each request."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, g

from gis import db, settings
from webmap.errors import database_error_response


def _engine_for_app(autocommit: bool = False):
    """This app's engine (:func:`gis.db.engine` with the app's role and the statement time
    limit), looked up once per app rather than per request. ``autocommit`` gives the
    pool for single read statements of non-personal data."""
    ext = current_app.extensions.setdefault("popgis_engines", {})
    if autocommit not in ext:
        base = current_app.config.get("ENGINE")
        ext[autocommit] = db.engine(
            base.url if base is not None else None,
            role="app",
            autocommit=autocommit,
            statement_timeout_ms=int(settings.get("POPGIS_STATEMENT_TIMEOUT_MS")),
        )
    return ext[autocommit]


def get_conn():
    """The request's connection, in a transaction, working as popgis_app.

    Tests hand in their own connection (``CONNECTION``); the request then runs in a
    savepoint of the test's transaction, with the role set for the request only.
    """
    if "conn" not in g:
        shared = current_app.config.get("CONNECTION")
        if shared is not None:
            conn, g.tx = shared, shared.begin_nested()
            has_role = conn.execute(
                sa.text(
                    "SELECT pg_has_role(current_user, 'popgis_app', 'MEMBER') "
                    "FROM pg_roles WHERE rolname = 'popgis_app'"
                )
            ).scalar()
            if has_role:
                conn.exec_driver_sql("SET ROLE popgis_app")
        else:
            conn = _engine_for_app().connect()
            g.tx = conn.begin()
        g.conn = conn
    return g.conn


def read_conn():
    """A connection for a single read-only statement (tiles): autocommit, so no
    BEGIN/COMMIT round trips. Tests' shared connections are used as they are."""
    if current_app.config.get("CONNECTION") is not None:
        return get_conn()
    if "read_conn" not in g:
        g.read_conn = _engine_for_app(autocommit=True).connect()
    return g.read_conn


def close_conn(exc=None):
    read = g.pop("read_conn", None)
    if read is not None:
        read.close()
    conn = g.pop("conn", None)
    tx = g.pop("tx", None)
    if conn is None:
        return
    shared = current_app.config.get("CONNECTION") is not None
    try:
        if tx is not None and tx.is_active:
            if exc is None and not g.get("rollback"):
                tx.commit()
            else:
                tx.rollback()
        if shared:
            conn.exec_driver_sql("RESET ROLE")
    except (sa.exc.OperationalError, sa.exc.InterfaceError):
        if shared:
            raise
        # the database went away: the connection is invalidated and closed below
    finally:
        if not shared:
            conn.close()


def commit_before_sending(response):
    """Commit the request's transaction before the response goes out, so a commit that
    fails (the database went away) turns into a 503 instead of a success that was
    never stored. Runs last of the after_request hooks (registered first)."""
    tx = g.get("tx")
    if tx is None or not tx.is_active or current_app.config.get("CONNECTION") is not None:
        return response
    if response.status_code >= 400 or g.get("rollback"):
        return response  # teardown rolls back
    try:
        tx.commit()
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        return database_error_response(exc)
    return response


def init_app(app):
    app.after_request(commit_before_sending)
    app.teardown_appcontext(close_conn)
