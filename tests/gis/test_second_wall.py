"""The database's own wall: row-level security keyed on the gate's per-transaction scope,
the web app's least-privileged login role, the append-only access log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gis import db
from gis.errors import NotFound
from gis.gate import Gate, enter, scope_for_area

VILLAGE_A = "330782001001"


@pytest.fixture
def app_role(conn):
    """The test's connection working as the web app's role for the rest of the test."""
    conn.execute(sa.text("SET LOCAL ROLE popgis_app"))
    yield conn


def count(conn, table):
    return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def test_without_a_scope_nothing_is_visible(app_role):
    for table in ("households", "persons", "events", "geocode_review"):
        assert count(app_role, table) == 0, table
    # an empty scope (what a custom setting reverts to) is no scope either
    app_role.execute(sa.text("SELECT set_config('popgis.scope', '', true)"))
    assert count(app_role, "households") == 0 and count(app_role, "persons") == 0


def test_a_query_that_forgets_its_where_still_sees_only_the_subtree(conn):
    scope = scope_for_area(conn, VILLAGE_A, user="village_a", role="village")
    hb1 = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HB1'")).scalar()
    conn.execute(sa.text("SET LOCAL ROLE popgis_app"))
    app_role = conn
    enter(app_role, scope)
    # the "bug": no admin_path condition at all
    nos = {r[0] for r in app_role.execute(sa.text("SELECT household_no FROM households"))}
    assert nos == {"HA1", "HA2"}
    persons = app_role.execute(
        sa.text("SELECT count(*), count(DISTINCT household_id) FROM persons")
    ).one()
    assert tuple(persons) == (5, 2)
    # writes outside the subtree touch nothing, inserts outside it are refused
    assert (
        app_role.execute(
            sa.text("UPDATE households SET address = 'x' WHERE household_no = 'HB1'")
        ).rowcount
        == 0
    )
    with pytest.raises(sa.exc.DBAPIError) as err:
        with app_role.begin_nested():
            app_role.execute(
                sa.text(
                    "INSERT INTO events (county_code, admin_path, household_id, kind, event_date)"
                    " VALUES ('330782', '330782001002', :h, 'visit', current_date)"
                ),
                {"h": hb1},
            )
    assert "row-level security" in str(err.value)


def test_the_gate_as_the_app_role(conn):
    scope = scope_for_area(conn, VILLAGE_A, user="village_a", role="village")
    hb1 = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HB1'")).scalar()
    ha1 = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HA1'")).scalar()
    conn.execute(sa.text("SET LOCAL ROLE popgis_app"))
    gate = Gate(conn, scope)
    assert gate.household(ha1)["household_no"] == "HA1"
    with pytest.raises(NotFound):
        gate.household(hb1)


def test_a_household_that_moves_takes_its_people_along(conn):
    ha2 = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HA2'")).scalar()
    conn.execute(
        sa.text("UPDATE households SET admin_path = '330782001002' WHERE id = :h"), {"h": ha2}
    )
    paths = conn.execute(
        sa.text("SELECT DISTINCT admin_path FROM persons WHERE household_id = :h"), {"h": ha2}
    ).all()
    assert paths == [("330782001002",)]


def test_the_app_role_cannot_read_secrets_or_rewrite_the_log(app_role):
    for sql in (
        "SELECT password_hash FROM app_users",
        "SELECT token_hash FROM api_tokens",
        "SELECT value FROM rejected_rows",
        "SELECT secret FROM auth_secret",
        "UPDATE access_log SET user_name = 'nobody'",
        "DELETE FROM access_log",
        "TRUNCATE access_log",
        "DELETE FROM households",
        "UPDATE app_users SET role = 'county'",
    ):
        with pytest.raises(sa.exc.ProgrammingError) as err:
            with app_role.begin_nested():
                app_role.execute(sa.text(sql))
        assert "permission denied" in str(err.value), sql
    # but it may append to the log and read it (the auditor's page)
    with app_role.begin_nested():
        app_role.execute(sa.text("INSERT INTO access_log (action) VALUES ('test')"))
        assert count(app_role, "access_log") >= 1
    # and it may see the non-secret columns of the accounts
    assert app_role.execute(sa.text("SELECT count(name) FROM app_users")).scalar() > 0


def test_the_web_app_logs_in_as_its_own_role(db_url):
    url = db.app_database_url(db_url)
    assert url.username == "popgis_app"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            row = c.execute(
                sa.text(
                    "SELECT current_user, session_user, r.rolsuper, r.rolbypassrls "
                    "FROM pg_roles r WHERE r.rolname = current_user"
                )
            ).one()
            assert tuple(row) == ("popgis_app", "popgis_app", False, False)
            c.execute(sa.text("RESET ROLE"))  # nothing to fall back to
            assert c.execute(sa.text("SELECT current_user")).scalar() == "popgis_app"
            with pytest.raises(sa.exc.ProgrammingError):
                c.execute(sa.text("SET ROLE popgis"))
            c.rollback()
            assert c.execute(sa.text("SELECT count(*) FROM households")).scalar() == 0
            owner = c.execute(
                sa.text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
            ).scalar()
            assert owner == 0
    finally:
        engine.dispose()
