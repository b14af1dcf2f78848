"""One connection and transaction per request, as the non-owner role popgis_app."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, g

from gis import db, settings

_has_app_role: dict[str, bool] = {}


def get_conn():
    """The request's connection, in a transaction, working as popgis_app.

    Tests hand in their own connection (``CONNECTION``); the request then runs in a
    savepoint of the test's transaction.
    """
    if "conn" not in g:
        shared = current_app.config.get("CONNECTION")
        if shared is not None:
            conn, g.tx = shared, shared.begin_nested()
        else:
            engine = current_app.config.get("ENGINE") or db.engine()
            conn = engine.connect()
            g.tx = conn.begin()
        key = str(conn.engine.url)
        if key not in _has_app_role:
            _has_app_role[key] = bool(conn.execute(sa.text(
                "SELECT pg_has_role(current_user, 'popgis_app', 'MEMBER') "
                "FROM pg_roles WHERE rolname = 'popgis_app'")).scalar())
        timeout = int(settings.get("POPGIS_STATEMENT_TIMEOUT_MS"))
        # Work as the role that does not own the tables, where the server has it;
        # one round trip. SET LOCAL ends with the transaction; a test's shared
        # connection outlives it, so there the role is reset on close instead.
        role = ""
        if _has_app_role[key]:
            role = "SET ROLE popgis_app;" if shared is not None else \
                "SET LOCAL ROLE popgis_app;"
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout}; {role}")
        g.conn = conn
    return g.conn


def close_conn(exc=None):
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
    finally:
        if not shared:
            conn.close()


def init_app(app):
    app.teardown_appcontext(close_conn)
