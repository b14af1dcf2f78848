"""The jurisdiction gate: village A cannot read, list, count or change village B's
records, and an out-of-scope id behaves exactly like a missing one."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import sqlalchemy as sa

from gis.errors import Forbidden, NotFound
from gis.gate import Gate, mask_id_number, mask_phone, scope_for_area

VILLAGE_A, VILLAGE_B = "330782001001", "330782001002"


def hid(conn, household_no):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": household_no}
    ).scalar()


@pytest.fixture
def gate_a(conn):
    return Gate(conn, scope_for_area(conn, VILLAGE_A, user="a", role="village"))


@pytest.fixture
def gate_b(conn):
    return Gate(conn, scope_for_area(conn, VILLAGE_B, user="b", role="village"))


def test_counts_are_limited_to_the_subtree(conn, gate_a, gate_b):
    county = Gate(conn, scope_for_area(conn, "330782000000"))
    town = Gate(conn, scope_for_area(conn, "330782001000", role="township"))
    assert gate_a.count_households() == 2  # HA1, HA2
    assert gate_b.count_households() == 1  # HB1
    assert town.count_households() == 3
    assert county.count_households() == 5
    assert gate_a.count_persons() == 5
    assert gate_a.count_persons(migrants=True) == 2
    assert county.count_persons() == 11


def test_grid_scope_sees_only_its_grid(conn):
    grid2 = Gate(conn, scope_for_area(conn, "330782001001002", role="village"))
    assert [h["household_no"] for h in grid2.list_households()] == ["HA2"]


def test_list_never_shows_other_villages(gate_a, gate_b):
    assert [h["household_no"] for h in gate_a.list_households()] == ["HA1", "HA2"]
    assert [h["household_no"] for h in gate_b.list_households()] == ["HB1"]
    assert gate_a.list_households(village_code=VILLAGE_B) == []


def test_out_of_scope_read_is_exactly_not_found(conn, gate_a):
    other = hid(conn, "HB1")
    missing = conn.execute(sa.text("SELECT max(id) + 1000 FROM households")).scalar()
    with pytest.raises(NotFound) as out_of_scope:
        gate_a.household(other)
    with pytest.raises(NotFound) as absent:
        gate_a.household(missing)
    assert str(out_of_scope.value) == str(absent.value)
    assert out_of_scope.value.status == absent.value.status == 404


def test_out_of_scope_writes_are_not_found_and_change_nothing(conn, gate_a):
    other = hid(conn, "HB1")
    before = conn.execute(
        sa.text("SELECT ST_AsText(geom), placed_manually FROM households WHERE id = :i"),
        {"i": other},
    ).one()
    with pytest.raises(NotFound):
        gate_a.place_household(other, 120.0202, 29.2502)
    with pytest.raises(NotFound):
        gate_a.record_event(other, "visit", dt.date(2026, 11, 1))
    person_b = conn.execute(
        sa.text("SELECT id FROM persons WHERE household_id = :h LIMIT 1"), {"h": other}
    ).scalar()
    with pytest.raises(NotFound):
        gate_a.update_person(person_b, phone="13900000000")
    after = conn.execute(
        sa.text("SELECT ST_AsText(geom), placed_manually FROM households WHERE id = :i"),
        {"i": other},
    ).one()
    assert before == after
    assert (
        conn.execute(
            sa.text("SELECT count(*) FROM events WHERE household_id = :h"), {"h": other}
        ).scalar()
        == 0
    )


def test_household_view_masks_and_logs(conn, gate_a):
    h = gate_a.household(hid(conn, "HA1"))
    ids = [m["id_number"] for m in h["members"]]
    assert ids[0] == "330782********0115"
    assert all("*" in i for i in ids)
    assert h["members"][0]["phone"] == "138****5671"
    logged = conn.execute(
        sa.text(
            "SELECT count(*) FROM access_log WHERE user_name = 'a' AND action = 'view_household'"
        )
    ).scalar()
    assert logged == 1


def test_unmasking_needs_a_reason(conn, gate_a):
    from gis.errors import InvalidInput

    with pytest.raises(InvalidInput):
        gate_a.household(hid(conn, "HA1"), unmask=True)
    h = gate_a.household(hid(conn, "HA1"), unmask=True, reason="certificate check")
    assert h["members"][0]["id_number"] == "330782198503120115"


def test_manual_placement_inside_scope(conn, gate_a):
    h = gate_a.place_household(hid(conn, "HA1"), 120.0702, 29.2502)  # into building A2
    assert h["placed_manually"] and h["placed_by"] == "a"
    assert h["geocode_method"] == "manual" and h["geocode_level"] == "building"
    assert h["admin_path"] == "330782001001002"  # grid 2 now


def test_manual_placement_outside_any_building(conn, gate_a):
    h = gate_a.place_household(hid(conn, "HA1"), 120.0100, 29.2100)
    assert h["building_id"] is None and h["geocode_level"] == "village"
    assert h["admin_path"] == "330782001001001" and h["placed_manually"]


def test_cannot_move_a_household_out_of_scope(conn, gate_a):
    from gis.errors import InvalidInput

    with pytest.raises(InvalidInput):
        gate_a.place_household(hid(conn, "HA1"), 120.0502, 29.3502)  # village B


def test_planner_sees_no_individuals(conn):
    planner = Gate(conn, scope_for_area(conn, "330782000000", role="planner"))
    assert planner.count_households() == 5  # aggregates ok
    with pytest.raises(Forbidden):
        planner.household(hid(conn, "HA1"))
    with pytest.raises(Forbidden):
        planner.list_households()


def test_record_event(conn, gate_a):
    eid = gate_a.record_event(hid(conn, "HA1"), "visit", dt.date(2026, 11, 20), note="上门")
    assert eid > 0
    assert gate_a.household(hid(conn, "HA1"))["events"][0]["note"] == "上门"


def test_masks():
    assert mask_id_number("36072119930120051X") == "360721********051X"
    assert mask_phone("15912345674") == "159****5674"
    assert mask_id_number(None) is None


def test_no_other_module_queries_personal_tables():
    """Only the gate package (and the bulk writer used by loaders) touch personal tables."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # gis/scope.py: the gate's own ground floor (the scope, and the ids of a household
    # for the access log, read under the caller's row-level security)
    allowed = {"gis/stats.py", "gis/scope.py"}
    offenders = []
    for path in list((root / "gis").rglob("*.py")) + list((root / "webmap").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel in allowed or rel.startswith(("gis/gate/", "gis/ingest/")) or "migrations" in rel:
            continue
        text = path.read_text()
        for table in (
            "FROM households",
            "FROM persons",
            "JOIN persons",
            "JOIN households",
            "UPDATE households",
            "UPDATE persons",
        ):
            if table in text:
                offenders.append(f"{rel}: {table}")
    assert offenders == []


def test_gis_imports_neither_flask_nor_folium():
    code = (
        "import sys, gis, gis.gate, gis.db, gis.ingest, gis.crs, gis.layers, gis.users; "
        "print('flask' in sys.modules, 'folium' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]
