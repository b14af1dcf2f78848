"""The outside tester's findings after web17: the review API's score of a row that was
not found (the page's rule), a grid's table row with its township and village, the
coverage table's total row, and the command line's grid map title (the web's). Each
failed before its fix."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login
from tests.webmap.test_findings_web17 import add_review_rows

EN = {"Accept-Language": "en"}

# 1. /api/review: a null score where something was not found, as the page shows none

REVIEW_ROWS = {
    # household: (level, score, reason) as the geocoder stores them
    "HA1": ("township", 1.0, "village or compound not found"),
    "HA2": ("unmatched", 0.0, "no place name of the county recognised"),
    "HB1": ("compound", 0.7, "ambiguous: several places fit"),
}


def test_the_review_api_gives_no_score_for_what_was_not_found(client, conn):
    add_review_rows(conn, REVIEW_ROWS)
    login(client, "county_u")
    r = client.get("/api/review")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    items = {i["household_no"]: i for i in r.json["items"]}
    assert items["HA1"]["score"] is None, items["HA1"]
    assert items["HA1"]["level"] == "township" and "not found" in items["HA1"]["reason"]
    assert items["HA2"]["score"] is None, items["HA2"]
    assert items["HB1"]["score"] == 0.7, items["HB1"]
    # the page says no score for the same rows
    page = client.get("/review?lang=en").get_data(as_text=True)
    assert "placed at the township only" in page and "1.00" not in page


# 2. a table's rows name township, village and grid each in its own column


def _table(client, area: str) -> list[dict]:
    import csv
    import io

    r = client.get(f"/exports/table.csv?area={area}", headers=EN)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))


def _names(row: dict) -> tuple:
    return (
        row["Row type"],
        row["Area code"],
        row["Township (subdistrict)"],
        row["Village (community)"],
        row["Grid"],
    )


def test_a_tables_rows_name_township_village_and_grid_in_their_columns(client, conn):
    def name(code):
        return conn.execute(
            sa.text("SELECT name FROM admin_area WHERE code = :c"), {"c": code}
        ).scalar()

    town, village, grid = name("330782001000"), name("330782001001"), name("330782001001002")
    login(client, "county_u")
    rows = _table(client, "330782001001002")
    assert [_names(r) for r in rows] == [("Total", "330782001001002", town, village, grid)]
    rows = _table(client, "330782001001")
    assert [_names(r) for r in rows] == [("Total", "330782001001", town, village, "")]
    rows = _table(client, "330782001000")
    assert _names(rows[0]) == ("Total", "330782001000", town, "", "")
    assert _names(rows[1]) == ("Village", "330782001001", town, village, "")
    rows = _table(client, "330782000000")
    assert _names(rows[0]) == ("Total", "330782000000", "", "", "")
    assert _names(rows[1]) == ("Township subtotal", "330782001000", town, "", "")
    assert _names(rows[2]) == ("Village", "330782001001", town, village, "")


# 4. a grid's map: the same title on the command line and on the web, its units named

GRID = "330782001001001"


def test_a_grids_map_has_one_title_with_its_units_on_the_cli_and_the_web(client, conn):
    from urllib.parse import unquote

    from gis.exports import mapping
    from gis.exports.map_spec import prepare
    from gis.messages import speaking
    from gis.scope import scope_for_area

    county = scope_for_area(conn, "330782000000", user="title_tester")
    with speaking("en"):
        # what `popgis export map --layer density --area GRID` asks for: no units given
        cli = prepare(conn, county, "density", area_code=GRID)
        web = prepare(conn, county, "density", area_code=GRID, per="village")
        made = mapping.render_map_file(conn, county, "density", area_code=GRID, fmt="png")
        heat = prepare(conn, county, "migrants", area_code=GRID)
    assert cli.units == "grid" and cli.choropleth, cli.units
    assert cli.title == "江滨社区 Grid 1 Population density map (by grid)", cli.title
    assert web.title == cli.title  # an area of grids is drawn by grid, whatever was asked
    # a file is named by the grid's official name, in every language (outside tester, s24)
    assert made.local_name.startswith("江滨社区第一网格-Population density map (by grid)-")
    assert made.name.startswith(f"popgis-map-density-grid-{GRID}-"), made.name
    assert heat.title == "江滨社区 Grid 1 Migrant population heat map" and not heat.units
    # the web's export of the same map: the same file name
    login(client, "county_u")
    r = client.get(f"/exports/map.png?layer=density&area={GRID}", headers=EN)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    local = unquote(r.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert local == made.local_name, local
    # a county's map without units asked for is drawn, and titled, by village
    with speaking("en"):
        whole = prepare(conn, county, "density")
    assert whole.title == "义乌市 Population density map (by village)", whole.title
