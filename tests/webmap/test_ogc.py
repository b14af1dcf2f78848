"""OGC API – Features: landing page, conformance, collections, items with bbox, limit
and paging links, behind the login or a per-user Bearer token; read by GDAL's ogrinfo
as an outside client against a live server."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import sqlalchemy as sa

from gis import users_tokens
from tests.conftest import login

COLLECTIONS = ["village_stats", "grid_stats", "service_points", "boundaries"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_needs_login_or_token(client, conn):
    r = client.get("/ogc/collections")
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/ogc", headers=bearer("pgt_nonsense")).status_code == 401
    token = users_tokens.create_token(conn, "planner_u")
    assert client.get("/ogc/collections", headers=bearer(token)).status_code == 200
    stored = conn.execute(
        sa.text(
            "SELECT t.token_hash, t.last_used_at, t.expires_at > now() + interval '89 days' "
            "FROM api_tokens t JOIN app_users u ON u.id = t.user_id "
            "WHERE u.name = 'planner_u' ORDER BY t.id DESC LIMIT 1"
        )
    ).one()
    assert token not in stored[0] and stored[0].startswith("sha256$")
    assert stored[1] is not None and stored[2]  # last use recorded, 90 days by default
    users_tokens.revoke_user_tokens(conn, "planner_u")
    assert client.get("/ogc/collections", headers=bearer(token)).status_code == 401


def test_landing_conformance_collections(client):
    login(client, "county_u")
    landing = client.get("/ogc").json
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")
    conf = client.get("/ogc/conformance").json["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    cols = client.get("/ogc/collections").json["collections"]
    assert [c["id"] for c in cols] == COLLECTIONS
    bbox = cols[0]["extent"]["spatial"]["bbox"][0]
    assert bbox == pytest.approx([120.0, 29.2, 120.2, 29.4])
    one = client.get("/ogc/collections/service_points").json
    assert any(link["rel"] == "items" for link in one["links"])
    assert client.get("/ogc/collections/nope").status_code == 404
    assert client.get("/ogc/collections?f=html").status_code == 400


def test_items_paging_and_bbox(client, conn):
    login(client, "county_u")
    r = client.get("/ogc/collections/boundaries/items?limit=3")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    page = r.json
    assert page["numberMatched"] == 8 and page["numberReturned"] == 3
    links = {link["rel"]: link["href"] for link in page["links"]}
    assert "prev" not in links and "offset=3" in links["next"]
    seen = [f["id"] for f in page["features"]]
    while "next" in links:
        page = client.get(links["next"].split("localhost", 1)[1]).json
        links = {link["rel"]: link["href"] for link in page["links"]}
        assert "prev" in links
        seen += [f["id"] for f in page["features"]]
    assert len(seen) == len(set(seen)) == 8
    r = client.get("/ogc/collections/service_points/items?bbox=120.12,29.2,120.2,29.4")
    assert sorted(f["id"] for f in r.json["features"]) == ["SP3", "SP4"]
    assert client.get("/ogc/collections/service_points/items?bbox=1,2").status_code == 400
    assert client.get("/ogc/collections/service_points/items?limit=0").status_code == 400
    one = client.get("/ogc/collections/boundaries/items/330782001001").json
    assert one["properties"]["name"] == "江滨社区居委会"
    logged = conn.execute(
        sa.text(
            "SELECT count(*) FROM access_log WHERE action = 'export' AND user_name = 'county_u' "
            "AND target_kind LIKE 'ogc:%'"
        )
    ).scalar()
    assert logged >= 5


def test_stats_are_suppressed_and_scoped(client):
    login(client, "village_a")
    fc = client.get("/ogc/collections/village_stats/items").json
    assert [f["id"] for f in fc["features"]] == ["330782001001"]
    props = fc["features"][0]["properties"]
    # 5 persons in village A, but B next door has 2: both are withheld
    assert props["population"] is None and "population" in props["suppressed"]
    grids = client.get("/ogc/collections/grid_stats/items").json["features"]
    assert all(f["properties"]["population"] is None for f in grids)
    assert client.get("/ogc/collections/boundaries/items/330782001002").status_code == 404
    text = json.dumps(fc, ensure_ascii=False)
    assert "张伟" not in text and "HA1" not in text


@pytest.fixture(scope="module")
def token(engine):
    """A committed token (the live server has its own connections)."""
    with engine.begin() as c:
        value = users_tokens.create_token(c, "town_u")
    yield value
    with engine.begin() as c:
        users_tokens.revoke_user_tokens(c, "town_u")


def ogrinfo(*args, token=None):
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "30", "CPL_DEBUG": "OFF"}
    cmd = ["ogrinfo", "-ro", *args]
    if token:
        cmd[1:1] = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def test_ogrinfo_lists_and_reads_our_collections(live_server, token):
    r = ogrinfo("-so", f"OAPIF:{live_server}/ogc", token=token)
    assert r.returncode == 0, r.stderr
    for name in COLLECTIONS:
        assert name in r.stdout
    r = ogrinfo("-al", "-so", f"OAPIF:{live_server}/ogc", "boundaries", token=token)
    assert r.returncode == 0, r.stderr
    # the township user sees 稠城街道, its 2 villages and 2 grids
    assert "Feature Count: 5" in r.stdout
    r = ogrinfo("-al", "-q", f"OAPIF:{live_server}/ogc", "service_points", token=token)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("OGRFeature(service_points)") == 2
    assert "江滨社区药具发放点" in r.stdout and "佛堂镇计生服务站" not in r.stdout
    # paging: GDAL follows the next links with a small page size
    r = ogrinfo(
        "-al", "-q", "-oo", "PAGE_SIZE=2", f"OAPIF:{live_server}/ogc", "boundaries", token=token
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("OGRFeature(boundaries)") == 5
    r = ogrinfo("-al", "-q", f"OAPIF:{live_server}/ogc", "village_stats", token=token)
    assert r.returncode == 0 and "suppressed (String) = cert_issues," in r.stdout


def test_ogrinfo_without_token_is_refused(live_server):
    r = ogrinfo("-so", f"OAPIF:{live_server}/ogc")
    assert r.returncode != 0 and "401" in (r.stderr + r.stdout)
