"""GeoPackage and GeoJSON layers: aggregated statistics (suppressed as null), service
points and boundaries of the jurisdiction only; nothing personal."""

from __future__ import annotations

import json

import pyogrio
import pytest
import sqlalchemy as sa

from gis.errors import InvalidInput
from gis.exports import geo
from gis.gate import scope_for_area
from tests.gis.exports.helpers import add_households, add_village


@pytest.fixture
def county(conn):
    add_households(conn, "330782001001001", 30, 3, migrants=1, women=1, lon=120.02, lat=29.25)
    add_village(conn, "330782001003", "测试D村", box=(120.0, 29.38, 120.02, 29.4))
    add_households(conn, "330782001003", 20, 3, migrants=2)
    return scope_for_area(conn, "330782000000", user="geo_tester")


def test_geopackage_has_all_layers(conn, county, tmp_path):
    path = tmp_path / "county.gpkg"
    path.write_bytes(geo.export_layers(conn, county, fmt="gpkg"))
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert names == ["village_stats", "grid_stats", "service_points", "boundaries"]
    villages = pyogrio.read_dataframe(path, layer="village_stats")
    assert sorted(villages["code"]) == [
        "330782001001",
        "330782001002",
        "330782001003",
        "330782100001",
    ]
    a = villages.set_index("code").loc["330782001001"]
    assert a["population"] == 95 and a["households"] == 32
    b = villages.set_index("code").loc["330782001002"]
    assert b["population"] is None or b.isna()["population"]
    assert "population" in b["suppressed"]
    assert villages.crs.to_epsg() == 4326
    assert len(pyogrio.read_dataframe(path, layer="service_points")) == 4
    assert len(pyogrio.read_dataframe(path, layer="boundaries")) == 9
    assert pyogrio.read_info(path, layer="grid_stats")["fields"].tolist()[:2] == ["code", "name"]


def test_geojson_of_one_layer_for_a_village_user(conn, county):
    village = scope_for_area(conn, "330782001001", user="va", role="village")
    fc = json.loads(geo.export_layers(conn, village, fmt="geojson", layers=["grid_stats"]))
    assert fc["type"] == "FeatureCollection" and fc["name"] == "grid_stats"
    assert sorted(f["id"] for f in fc["features"]) == ["330782001001001", "330782001001002"]
    with pytest.raises(InvalidInput):
        geo.export_layers(conn, village, fmt="geojson")  # several layers need gpkg


def test_layers_carry_nothing_personal(conn, county, tmp_path):
    blob = geo.export_layers(conn, county, fmt="gpkg")
    text = json.dumps(
        [geo.features(conn, county, c)[0] for c in geo.COLLECTIONS], ensure_ascii=False
    )
    for name, idn, phone in conn.execute(sa.text("SELECT name, id_number, phone FROM persons")):
        assert name not in text and idn not in text and (not phone or phone not in text)
        assert name.encode() not in blob and idn.encode() not in blob
    for (hno,) in conn.execute(sa.text("SELECT household_no FROM households")):
        assert f'"{hno}"' not in text
    assert (
        conn.execute(
            sa.text(
                "SELECT count(*) FROM access_log WHERE action = 'export' AND target_kind = 'layer' "
                "AND user_name = 'geo_tester'"
            )
        ).scalar()
        == 1
    )


def test_paging_and_bbox(conn, county):
    page, matched = geo.features(conn, county, "boundaries", limit=3, offset=0)
    assert matched == 9 and [f["id"] for f in page] == [
        "330782000000",
        "330782001000",
        "330782001001",
    ]
    rest, _ = geo.features(conn, county, "boundaries", limit=10, offset=3)
    assert len(rest) == 6
    east, matched = geo.features(conn, county, "service_points", bbox=(120.12, 29.2, 120.2, 29.4))
    assert matched == 2 and {f["id"] for f in east} == {"SP3", "SP4"}
