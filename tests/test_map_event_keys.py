"""Events recorded on the map have a stable key (outside tester, issue 15 finding 6).

Before, an event recorded on the map was stored without ``event_id``: ``popgis db check``
showed an empty key and told the user to "correct the events file", which never had
the row. Now such an event is keyed ``map-<row id>`` (a file cannot make such a key: an
events file may only name an existing one, to correct it), and db check's fix says where
the row came from."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gis import rules
from gis.gate import checks
from tests.conftest import login
from tests.loaders.test_loaders import load


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "en")


def _household(conn, no="HA1"):
    return conn.execute(
        sa.text("SELECT id, county_code FROM households WHERE household_no = :n"), {"n": no}
    ).one()


def _record(client, hid, day="2026-11-23"):
    r = client.post(f"/api/households/{hid}/events", json={"kind": "visit", "date": day})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_an_event_recorded_on_the_map_has_a_key_and_a_fix_that_fits(client, conn, tmp_path):
    h = _household(conn)
    login(client, "village_a")
    eid = _record(client, h.id)
    key = conn.execute(sa.text("SELECT ext_id FROM events WHERE id = :i"), {"i": eid}).scalar()
    assert key == f"map-{eid}"
    # every event has a key: the column is NOT NULL now
    assert (
        conn.execute(
            sa.text(
                "SELECT is_nullable FROM information_schema.columns "
                "WHERE table_name = 'events' AND column_name = 'ext_id'"
            )
        ).scalar()
        == "NO"
    )
    # an old map-recorded row with a date that breaks today's rule (as before the rule)
    conn.execute(sa.text("UPDATE events SET event_date = '9999-12-31' WHERE id = :i"), {"i": eid})
    # and one from a file
    (tmp_path / "e.csv").write_text(
        f"event_id,household_no,kind,date\nF1,HA1,visit,{rules.today()}\n", encoding="utf-8"
    )
    assert load(conn, "events", tmp_path / "e.csv").inserted == 1
    conn.execute(sa.text("UPDATE events SET event_date = '1800-01-01' WHERE ext_id = 'F1'"))
    found = {p.key: p for p in checks.check(conn, "330782") if p.table == "events"}
    on_map, in_file = found[f"map-{eid}"], found["F1"]
    assert "recorded on the map by village_a" in on_map.fix
    assert f"event_id map-{eid}" in on_map.fix and "events file" in on_map.fix
    assert "recorded on the map" not in in_file.fix
    assert in_file.fix.startswith("correct the date in the events file")
    # the fix works: a file row with that key corrects the event recorded on the map
    (tmp_path / "fix.csv").write_text(
        f"event_id,household_no,kind,date\nmap-{eid},HA1,visit,2026-11-24\n", encoding="utf-8"
    )
    r = load(conn, "events", tmp_path / "fix.csv")
    assert (r.inserted, r.updated, r.rejected) == (0, 1, [])
    row = conn.execute(
        sa.text("SELECT event_date::text, recorded_by FROM events WHERE id = :i"), {"i": eid}
    ).one()
    assert tuple(row) == ("2026-11-24", "village_a")
    assert not [p for p in checks.check(conn, "330782") if p.key == f"map-{eid}"]


def test_a_file_cannot_make_a_map_key(conn, tmp_path):
    """A file's own ids never take a key the map will give: a map- key that names no
    event recorded on the map is refused, naming the row and the fix."""
    (tmp_path / "e.csv").write_text(
        "event_id,household_no,kind,date\nmap-99999999,HA1,visit,2026-11-24\n", encoding="utf-8"
    )
    r = load(conn, "events", tmp_path / "e.csv")
    assert r.inserted == 0 and len(r.rejected) == 1
    bad = r.rejected[0]
    assert (bad.file, bad.row, bad.column, bad.value) == (
        "e.csv",
        2,
        "event_id",
        "map-99999999",
    )
    assert bad.reason == "no event recorded on the map has this event_id"
    assert "map-" in bad.fix


def test_migration_0018_keys_the_events_recorded_on_the_map_before(fresh_db):
    """Rows recorded on the map before 0018 get their key; one whose key a file had
    already taken gets the county added, so the upgrade cannot fail on it."""
    from alembic import command

    from gis import db
    from loaders.base import get_loader
    from tests.conftest import DATA

    engine = db.engine(fresh_db)
    for kind, name in (("admin", "admin.geojson"), ("households", "households.csv")):
        assert get_loader(kind).run(DATA / name, engine=engine).status == "loaded"
    command.downgrade(db.alembic_config(fresh_db), "0017")
    insert = sa.text("""
        INSERT INTO events (ext_id, county_code, admin_path, household_id, kind, event_date)
        SELECT :key, county_code, admin_path, id, 'visit', '2026-11-01' FROM households
        WHERE household_no = 'HA1' RETURNING id""")
    with engine.begin() as c:
        first = c.execute(insert, {"key": None}).scalar()
        second = c.execute(insert, {"key": None}).scalar()
        c.execute(insert, {"key": f"map-{second}"})  # a file's id, before the rule
    db.migrate(fresh_db)
    with engine.connect() as c:
        keys = dict(
            c.execute(
                sa.text("SELECT id, ext_id FROM events WHERE id IN (:a, :b)"),
                {"a": first, "b": second},
            ).all()
        )
    assert keys == {first: f"map-{first}", second: f"map-{second}-330782"}
    assert all(rules.is_map_event_key(k) for k in keys.values())
    # a writer that leaves the key out gets one of the same kind
    with engine.begin() as c:
        third = c.execute(insert, {"key": None}).scalar()
        key = c.execute(sa.text("SELECT ext_id FROM events WHERE id = :i"), {"i": third})
        assert key.scalar() == f"map-{third}"
    engine.dispose()
