"""The web app: login on every page and API, /healthz, the map page from local assets,
the scoped household API with one JSON error shape."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.conftest import login


def hid(conn, no):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar()


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["ok"] is True and r.json["database"]["postgis"].startswith("3.")


def test_pages_and_api_need_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = client.get("/api/layers/service_points")
    assert r.status_code == 401
    assert r.json == {"error": {"status": 401, "code": "unauthorized", "message": "log in first"}}


def test_wrong_password(client):
    r = login(client, "village_a", "nope")
    assert r.status_code == 401 and "wrong name or password" in r.get_data(as_text=True)


def test_map_page_uses_only_local_assets(client):
    login(client, "county_u")
    r = client.get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "/vendor/leaflet/leaflet.js" in html
    assert "cdn" not in html.lower() and "https://" not in html.replace("https://leafletjs.com", "")
    with client.get("/vendor/leaflet/leaflet.js") as asset:  # a streamed file: close it
        assert asset.status_code == 200
    assert client.get("/vendor/../package.json").status_code == 404


def test_boundaries_and_service_points_are_scoped(client):
    login(client, "village_a")
    fc = json.loads(client.get("/api/layers/boundaries?level=village").data)
    assert [f["properties"]["code"] for f in fc["features"]] == ["330782001001"]
    sp = json.loads(client.get("/api/layers/service_points").data)
    assert [f["properties"]["point_id"] for f in sp["features"]] == ["SP1"]
    r = client.get("/api/layers/boundaries?level=planet")
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_input"


def test_household_api_scope_and_masking(client, conn):
    login(client, "village_a")
    r = client.get(f"/api/households/{hid(conn, 'HA1')}")
    assert r.status_code == 200
    assert r.json["members"][0]["id_number"] == "330782********0115"
    other = client.get(f"/api/households/{hid(conn, 'HB1')}")
    missing = client.get("/api/households/987654321")
    assert other.status_code == missing.status_code == 404
    assert (
        other.json
        == missing.json
        == {"error": {"status": 404, "code": "not_found", "message": "household not found"}}
    )


def test_unknown_api_route_has_the_same_error_shape(client):
    login(client, "county_u")
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and set(r.json["error"]) == {"status", "code", "message"}


def test_web_app_works_as_non_owner_role(client, conn):
    login(client, "county_u")
    assert client.get("/api/me").json["role"] == "county"
    owner = conn.execute(
        sa.text("SELECT tableowner FROM pg_tables WHERE tablename = 'households'")
    ).scalar()
    assert owner != "popgis_app"
    assert conn.execute(
        sa.text("SELECT has_table_privilege('popgis_app', 'households', 'SELECT')")
    ).scalar()
    assert not conn.execute(
        sa.text("SELECT has_table_privilege('popgis_app', 'admin_area', 'DELETE')")
    ).scalar()
