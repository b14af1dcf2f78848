"""Geocoding the households table in place: every record gets a level and a score,
unsure ones are in the review queue, manual placements win and survive re-runs, and
only changed inputs are geocoded again."""

from __future__ import annotations

import sqlalchemy as sa

from gis.gate import Gate, scope_for_area
from gis.gate.geocoding import geocode_households, geocode_summary, review_items, system_scope


def hh(conn, no):
    return conn.execute(
        sa.text(
            "SELECT id, building_id, village_code, geocode_level, geocode_score, geocode_method, "
            "placed_manually, registered_code, geom IS NOT NULL AS has_geom "
            "FROM households WHERE household_no = :n"
        ),
        {"n": no},
    ).one()


def test_every_household_gets_a_level_and_a_score(conn):
    scope = system_scope(conn)
    r = geocode_households(conn, scope)
    assert r["considered"] == 5
    rows = conn.execute(
        sa.text("SELECT household_no, geocode_level, geocode_score FROM households")
    ).all()
    assert all(lv is not None and sc is not None for _, lv, sc in rows)
    assert hh(conn, "HA1").geocode_method == "coordinates+address"
    # 新光村五组: group 5 is not in the gazetteer → the village, in review
    assert hh(conn, "HX1").geocode_level == "village" and hh(conn, "HX1").has_geom
    items = review_items(conn, scope)
    assert [i["household_no"] for i in items] == ["HX1"]
    assert geocode_summary(conn, scope)["review_open"] == 1


def test_only_changed_inputs_are_geocoded_again(conn):
    scope = system_scope(conn)
    geocode_households(conn, scope)
    assert geocode_households(conn, scope)["considered"] == 0
    conn.execute(
        sa.text(
            "UPDATE households SET address = '江滨社区幸福小区1栋2单元201室' "
            "WHERE household_no = 'HA2'"
        )
    )
    r = geocode_households(conn, scope)
    assert r["considered"] == 1 and r["updated"] == 1
    # HA2's point (in A2) and its new address (A1) disagree: review, not placed on either
    row = hh(conn, "HA2")
    assert row.geocode_level == "village" and row.building_id is None
    assert {i["household_no"] for i in review_items(conn, scope)} == {"HA2", "HX1"}
    assert geocode_households(conn, scope, all_rows=True)["considered"] == 5


def test_manual_placements_win_and_survive(conn):
    scope = system_scope(conn)
    geocode_households(conn, scope)
    hx1 = hh(conn, "HX1")
    gate = Gate(conn, scope_for_area(conn, "330782100001", user="clerk", role="village"))
    gate.place_household(hx1.id, 120.1502, 29.3002)  # into building C1
    for all_rows, considered in ((False, 0), (True, 4)):
        r = geocode_households(conn, scope, all_rows=all_rows)
        assert r["considered"] == considered
        row = hh(conn, "HX1")
        assert row.placed_manually and row.geocode_method == "manual"
        assert row.geocode_level == "building" and row.building_id is not None
    assert review_items(conn, scope) == []  # its review item is closed
    assert geocode_summary(conn, scope)["manual"] == 1


def test_registered_address_gets_its_national_code(conn):
    conn.execute(
        sa.text(
            "UPDATE households SET registered_address = "
            "'云南省文山壮族苗族自治州富宁县者桑乡那马村4组29号' "
            "WHERE household_no = 'HA2'"
        )
    )
    geocode_households(conn, system_scope(conn))
    assert hh(conn, "HA2").registered_code == "532628203202"


def test_scope_limits_the_run(conn):
    r = geocode_households(conn, scope_for_area(conn, "330782001002"))
    assert r["considered"] == 1  # HB1 only
    assert hh(conn, "HA1").geocode_method == "coordinates"  # untouched (loader's)
