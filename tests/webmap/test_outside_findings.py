"""Findings of the outside tester (web13): error pages for browsers, names instead of
codes, strict JSON types and bboxes, API tokens outside the OGC API, map orientation.
Against the real PostGIS; Chinese by default, English by cookie or Accept-Language."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from gis import users_tokens
from tests.conftest import PASSWORD, login

HTML = {"Accept": "text/html,application/xhtml+xml"}


def _hid(conn, no="HA1"):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar_one()


# 1. error pages


@pytest.mark.parametrize(
    "user, path",
    [("auditor_u", "/planner"), ("auditor_u", "/review"), ("village_a", "/audit")],
)
def test_a_refused_page_is_the_error_page(client, monkeypatch, user, path):
    monkeypatch.delenv("POPGIS_LANG")
    login(client, user)
    r = client.get(path, headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 403 and r.mimetype == "text/html"
    assert 'class="error-page"' in page and 'lang="zh-CN"' in page
    assert "无法处理请求" in page and "返回地图" in page and 'href="/"' in page
    client.set_cookie("popgis_lang", "en")
    page = client.get(path, headers=HTML).get_data(as_text=True)
    assert 'lang="en"' in page and "Request refused" in page and "Back to the map" in page
    # API clients keep the JSON error shape
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"


def test_the_planner_refusal_names_every_role_that_may_plan(client, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    login(client, "auditor_u")
    page = client.get("/planner", headers=HTML).get_data(as_text=True)
    assert (
        "此功能仅供规划人员或县级工作人员或乡镇（街道）工作人员使用；您的账号角色是审计人员" in page
    ), page
    r = client.get("/api/planning/coverage", headers={"Accept-Language": "en"})
    assert r.json["error"]["message"] == (
        "this is for Planner or County staff or Township staff accounts; your account's role is Auditor"
    )
    client.post("/logout")
    login(client, "town_u")  # township staff may plan
    assert client.get("/planner").status_code == 200


def test_login_while_the_database_is_down_is_the_error_page(db_url, monkeypatch):
    from webmap import create_app

    monkeypatch.delenv("POPGIS_LANG")
    dead = sa.create_engine(db_url.set(host="127.0.0.1", port=1))
    app = create_app({"TESTING": True, "ENGINE": dead, "SECRET_KEY": "down"})
    c = app.test_client()
    c.environ_base["HTTP_ORIGIN"] = "http://localhost"
    c.get("/login")
    with c.session_transaction() as s:
        token = s["csrf"]
    form = {"username": "village_a", "password": PASSWORD, "csrf_token": token}
    r = c.post("/login", data=form, headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert 'class="error-page"' in page and "数据库暂时不可用；请几秒后重试" in page
    assert "服务暂时不可用" in page and "返回地图" in page
    r = c.post("/login", data=form, headers={**HTML, "Accept-Language": "en"})
    assert "the database is unavailable" in r.get_data(as_text=True)
    r = c.get("/api/me", headers={"Accept": "application/json"})
    assert r.status_code in (401, 503)
    dead.dispose()


# 2. names, not codes


def test_the_access_log_names_actions_targets_and_roles(client, conn, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    conn.execute(
        sa.text("""
        INSERT INTO access_log (user_name, role, action, target_kind, target_id)
        VALUES ('county_u', 'county', 'export', 'map:density', '330782000000'),
               ('county_u', 'county', 'export', 'ogc:village_stats', '330782000000'),
               ('county_u', 'county', 'export', 'table', '330782000000'),
               ('admin', NULL, 'login_unlock', NULL, 'village_a'),
               ('county_u', NULL, 'login', NULL, NULL),
               ('nobody', NULL, 'login_failed', NULL, NULL)""")
    )
    login(client, "auditor_u")
    client.set_cookie("popgis_lang", "en")
    page = client.get("/audit").get_data(as_text=True)
    for raw in (">login_unlock<", "map:density", "ogc:village_stats", ">table "):
        assert raw not in page, raw
    assert "unlocked logins" in page and "map · density map" in page
    assert "OGC API · Village statistics" in page and "statistics table" in page
    # the role stored with the entry (ops21: not the account's current role by name); a
    # login written before logins stored one has none: a dash
    rows = {
        (m.group(1), m.group(2)): m.group(3)
        for m in re.finditer(
            r'<td data-th="User">([^<]*)</td><td data-th="Role" data-code="[^"]*">([^<]*)</td>'
            r'.*?data-code="([a-z_]+)"',
            page,
            re.S,
        )
    }
    assert rows[("county_u", "County staff")] == "export"
    assert rows[("nobody", "—")] == "login_failed" and rows[("admin", "—")] == "login_unlock"
    assert rows[("county_u", "—")] == "login"
    # the auditor's own login just now stored its role
    assert rows[("auditor_u", "Auditor")] == "login" and ("auditor_u", "—") not in rows
    client.set_cookie("popgis_lang", "zh")
    page = client.get("/audit").get_data(as_text=True)
    assert (
        "解除登录锁定" in page
        and "地图 · 人口密度图" in page
        and "OGC API · 村（社区）统计" in page
    )


def test_unknown_kinds_are_listed_by_name(client, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    login(client, "planner_u")
    r = client.get("/api/planning/coverage?kinds=cats&radius=500")
    msg = r.json["error"]["message"]
    assert (
        r.status_code == 400
        and "药具发放点 (distribution_point)、计生服务站 (service_station)" in msg
    )
    r = client.get(
        "/api/planning/coverage?kinds=cats&radius=500", headers={"Accept-Language": "en"}
    )
    assert "Distribution point (distribution_point), Service station" in r.json["error"]["message"]


def test_place_numbers_added_sites_as_sent_and_names_cover_pct(client, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 800, "sites": [{"lon": 200, "lat": 95}]}
    r = client.post("/api/planning/place", json=body)
    msg = r.json["error"]["message"]
    assert r.status_code == 400 and msg.startswith("第 1 个新增点：lon 应为 [-180, 180]"), msg
    assert "added" not in msg and "第 2" not in msg
    body = {"model": "setcover", "radius": 800, "cover_pct": "500"}
    r = client.post("/api/planning/place", json=body)
    msg = r.json["error"]["message"]
    assert r.status_code == 400 and "cover_pct" in msg and "--cover" not in msg, msg
    body["cover_pct"] = 0
    msg = client.post("/api/planning/place", json=body).json["error"]["message"]
    assert msg.startswith("cover_pct=0 不允许"), msg


# 3. strict JSON types


def test_a_location_needs_json_numbers(client, conn):
    login(client, "village_a")
    h = _hid(conn)
    for lon in ("120.08", True, None, [120.08]):
        r = client.post(f"/api/households/{h}/location", json={"lon": lon, "lat": 29.319})
        assert r.status_code == 400, lon
        assert r.json["error"]["code"] == "invalid_input"
    r = client.post(f"/api/households/{h}/location", json={"lon": 120.0702, "lat": 29.2502})
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("kinds", ["clinic", ["clinic", "cats"], {"clinic": 1}, [1]])
def test_place_needs_a_list_of_known_kinds(client, kinds):
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 800, "kinds": kinds}
    r = client.post("/api/planning/place", json=body)
    assert r.status_code == 400 and "kinds" in r.json["error"]["message"]
    body["kinds"] = ["clinic"]
    assert client.post("/api/planning/place", json=body).status_code == 200


# 4. bbox of the boundaries layer


@pytest.mark.parametrize("bbox", ["abc", "1,2,3", "1,2,3,x", "0,50,1,40"])
def test_boundaries_refuse_a_bad_bbox(client, bbox):
    login(client, "village_a")
    r = client.get(f"/api/layers/boundaries?level=village&bbox={bbox}")
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_input"
    ok = client.get("/api/layers/boundaries?level=village&bbox=120,29,120.2,29.4")
    assert ok.status_code == 200


# 6. API tokens on the web app's API


def test_an_api_token_is_told_where_it_works(client, conn, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    token = users_tokens.create_token(conn, "village_a")
    h = _hid(conn)
    r = client.get(f"/api/households/{h}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json["error"]["message"].startswith("API 令牌只能用于 OGC API（/ogc）、瓦片和导出")
    r = client.get(
        f"/api/households/{h}",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert r.json["error"]["message"].startswith("API tokens work only with the OGC API")
    assert client.get(f"/api/households/{h}").json["error"]["message"] == "请先登录"


# 7. map orientation


def test_map_orientation(client):
    login(client, "town_u")
    base = "/exports/map.png?layer=service-points&bbox=120.0,29.2,120.1,29.4"

    def size(query):
        r = client.get(base + query)
        assert r.status_code == 200, r.json
        w, h = Image.open(io.BytesIO(r.data)).size
        return "landscape" if w > h else "portrait"

    assert size("&orientation=landscape") == "landscape"
    assert size("&orientation=portrait") == "portrait"
    assert size("&landscape=1") == "landscape"
    assert size("") == "portrait"
    for bad in ("&orientation=sideways", "&orientation=portrait&landscape=1"):
        r = client.get(base + bad)
        assert r.status_code == 400 and r.json["error"]["code"] == "invalid_input"


# 5. review and audit pages on a phone


def _phone_login(browser, live_server, user, path):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server + path)
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("header #logout")
    return page


def _one_line_header(page):
    boxes = page.evaluate(
        """Array.from(document.querySelectorAll('header > *'))
             .filter(e => e.offsetParent !== null)
             .map(e => { const b = e.getBoundingClientRect();
                         return [e.tagName, b.top, b.bottom, b.right]; })"""
    )
    assert boxes, "no header"
    tops = {round(top) for _tag, top, _bottom, _right in boxes}
    header = page.locator("header").bounding_box()
    assert header["height"] < 60, (header, boxes)
    assert max(right for *_x, right in boxes) <= 390.5, boxes
    assert max(t for t in tops) - min(t for t in tops) < 20, boxes
    assert page.locator("#logout").is_visible()


def test_review_and_audit_on_a_phone(live_server, browser, engine):
    with engine.begin() as c:
        # an hour of 600 households read by an account without history: unusual
        c.execute(
            sa.text("""
            INSERT INTO access_log (user_name, role, client_addr, action, target_kind,
                                    target_id, households)
            VALUES ('grid_a2', 'village', '127.0.0.1', 'household_tile', 'tile',
                    'households/16/54613/27247', 600)""")
        )
    try:
        page = _phone_login(browser, live_server, "village_a", "/review")
        _one_line_header(page)
        page.close()
        page = _phone_login(browser, live_server, "auditor_u", "/audit")
        _one_line_header(page)
        page.wait_for_selector("#unusual-table tbody tr")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        row = page.locator("#unusual-table tbody tr").first.bounding_box()
        assert row["x"] >= 0 and row["x"] + row["width"] <= 390.5, row
        page.close()
    finally:
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM access_log WHERE user_name = 'grid_a2'"))
