"""The outside tester's leftovers (s23) that the API answers: a province or city export
without ``area`` (a missing parameter, not a refusal), the review queue's score of a
row that was not found, the roads of the map's tiles cut to the jurisdiction, grids
named with their village in the exports, the planner's time_limit range and its
check of an added site. Each failed before its fix (the map's clicks are in
test_map_findings_web17.py)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import login

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}
COUNTY = "330782000000"


def _error(r, status=400, code="invalid_input"):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.json["error"]["code"] == code, r.json
    return r.json["error"]["message"]


# 3. a province or city export without area: a missing parameter, 400 naming it

EXPORTS = (
    "/exports/table.csv",
    "/exports/table.xlsx",
    "/exports/map.png?layer=migrants",
    "/exports/map.pdf?layer=density",
    "/exports/atlas.pdf?layer=migrants",
    "/exports/layers.gpkg",
    "/exports/layers.geojson?layer=village_stats",
    "/ogc/collections/village_stats/items",
    "/ogc/collections/village_stats/items/330782001001",
)


@pytest.mark.parametrize("role, own", [("province_u", "330000000000"), ("city_u", "330700000000")])
@pytest.mark.parametrize("path", EXPORTS)
def test_a_regional_export_without_area_is_a_400_naming_area(client, role, own, path):
    login(client, role)
    sep = "&" if "?" in path else "?"
    msg = _error(client.get(path, headers=EN))
    assert msg == (
        "area is missing: exports are made one county at a time; send area=<12-digit county "
        f"code> with one of your counties, e.g. area={COUNTY}"
    ), msg
    assert "area=" in _error(client.get(path, headers=ZH))
    # its own province or city as area: not a county, the same advice
    msg = _error(client.get(f"{path}{sep}area={own}", headers=EN))
    assert msg.startswith(f"area={own} is ") and msg.endswith(
        "not a county: exports are made one county at a time; send area=<12-digit county "
        f"code> with one of its counties, e.g. area={COUNTY}"
    ), msg
    # one of its counties: the export
    r = client.get(f"{path}{sep}area={COUNTY}")
    assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:300])


def test_a_county_user_exports_without_area_as_before(client):
    login(client, "county_u")
    assert client.get("/exports/table.csv").status_code == 200


# 4. the review queue: no score for a row where something was not found

REVIEW_ROWS = {
    # household: (level, score, reason) as the geocoder stores them
    "HA1": ("township", 1.0, "village or compound not found"),
    "HA2": ("unmatched", 0.0, "no place name of the county recognised"),
    "HB1": ("compound", 0.7, "ambiguous: several places fit"),
    "HX1": ("compound", 0.42, "low score 0.42"),
}


def _reason_cells(page: str) -> dict[str, str]:
    """household → the text of its reason cell (tags dropped)."""
    rows = re.findall(
        r'<td class="hh">(\w+)</td>\s*<td class="addr">.*?<span class="reason">(.*?)</td>',
        page,
        re.S,
    )
    return {no: re.sub(r"<[^>]+>", "", cell) for no, cell in rows}


def test_the_review_queue_shows_no_score_for_what_was_not_found(client, conn):
    for no, (level, score, reason) in REVIEW_ROWS.items():
        conn.execute(
            sa.text("""
            INSERT INTO geocode_review (household_id, county_code, admin_path, address,
                                        reason, level, score, candidates)
            SELECT id, county_code, admin_path, address, :r, :l, :s, '[]'
            FROM households WHERE household_no = :n"""),
            {"n": no, "l": level, "s": score, "r": reason},
        )
    login(client, "county_u")
    en = _reason_cells(client.get("/review?lang=en").get_data(as_text=True))
    assert en["HA1"] == "village or compound not found · placed at the township only", en
    assert en["HA2"] == "no place name of the county recognised · not found", en
    assert en["HB1"] == "ambiguous: several places fit · score 0.70", en
    assert en["HX1"] == "low score 0.42", en  # the reason says it once
    assert not any("1.00" in text for text in en.values())
    zh = _reason_cells(client.get("/review?lang=zh").get_data(as_text=True))
    assert zh["HA1"] == "找不到村/社区或小区 · 只定位到乡镇", zh
    assert zh["HA2"] == "未识别出本县的地名 · 未找到", zh
    assert zh["HB1"] == "有多个地点相符 · 匹配分数 0.70", zh


# 8. the planner's time_limit: the allowed range and the value given


def test_a_time_limit_above_the_range_says_the_range_and_the_value(client):
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 800}
    msg = _error(client.post("/api/planning/place", json={**body, "time_limit": 31}, headers=EN))
    # no "less is too short" for a value above the range
    assert msg == (
        'time_limit=31 is outside the allowed range [1, 30] seconds; send e.g. "time_limit": 30'
    ), msg
    msg = _error(client.post("/api/planning/place", json={**body, "time_limit": 31}, headers=ZH))
    assert msg == 'time_limit=31 超出允许范围 [1, 30] 秒；请给出例如 "time_limit": 30', msg
    msg = _error(client.post("/api/planning/place", json={**body, "time_limit": 0.5}, headers=EN))
    assert msg.endswith(
        'seconds; send e.g. "time_limit": 30 (less is too short for the solver to find a solution)'
    ), msg
