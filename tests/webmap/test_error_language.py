"""API errors in the request's language: the popgis_lang cookie, else Accept-Language,
else POPGIS_LANG (default Chinese); one JSON error shape for every route."""

from __future__ import annotations

from tests.conftest import login


def _missing(client, **headers):
    r = client.get("/api/buildings/99999999", headers=headers)
    assert r.status_code == 404
    return r.json["error"]["message"]


def test_chinese_by_default(client, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    login(client, "village_a")
    assert _missing(client) == "未找到楼栋"


def test_the_cookie_then_the_browser_language(client, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    login(client, "village_a")
    assert _missing(client, **{"Accept-Language": "en-US,en;q=0.9"}) == "building not found"
    assert _missing(client, **{"Accept-Language": "zh-CN,zh;q=0.9"}) == "未找到楼栋"
    client.set_cookie("popgis_lang", "en")
    assert _missing(client, **{"Accept-Language": "zh-CN"}) == "building not found"
    client.set_cookie("popgis_lang", "zh")
    assert _missing(client, **{"Accept-Language": "en"}) == "未找到楼栋"
    client.set_cookie("popgis_lang", "fr")  # unknown: the browser's choice
    assert _missing(client, **{"Accept-Language": "en"}) == "building not found"


def test_errors_with_parameters_and_the_token_apis(client, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    r = client.get("/ogc/collections")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json["error"]["message"].startswith("请先登录")
    r = client.get("/ogc/collections", headers={"Accept-Language": "en"})
    assert r.json["error"]["message"].startswith("log in first")
    login(client, "village_a")
    r = client.get("/api/layers/boundaries?level=planet")
    assert r.status_code == 400 and "未知层级 'planet'" in r.json["error"]["message"]


def test_roles_are_named_never_coded(client, monkeypatch):
    """API refusals and page headers give the role's name in the user's language."""
    monkeypatch.delenv("POPGIS_LANG")
    login(client, "planner_u")
    r = client.get("/api/households/1")
    assert r.status_code == 403
    assert r.json["error"]["message"] == "规划人员账号只能查看汇总数据"
    r = client.get("/api/households/1", headers={"Accept-Language": "en"})
    assert r.json["error"]["message"] == "Planner accounts see aggregates only"
    r = client.get("/api/audit")
    assert r.json["error"]["message"] == "此功能仅供审计人员使用；您的账号角色是规划人员"
    assert client.get("/api/me").json["role_name"] == "规划人员"
    page = client.get("/planner").get_data(as_text=True)
    assert '<span id="who" data-role="planner">planner_u · 规划人员 · 义乌市</span>' in page
    client.set_cookie("popgis_lang", "en")
    page = client.get("/planner").get_data(as_text=True)
    assert "planner_u · Planner · 义乌市</span>" in page
    client.post("/logout")
    login(client, "village_a")
    r = client.get("/api/planning/coverage", headers={"Accept-Language": "en"})
    assert r.status_code == 403, r.data
    message = r.json["error"]["message"]
    assert "your account's role is Village staff" in message and "Township staff" in message
    assert " village " not in message and "the village role" not in message


def test_a_demo_account_named_after_its_role_shows_the_role_once(client, conn):
    from gis import users

    users.add_user(conn, "auditor", "auditor", "330782000000", "a-long-pass-phrase-1")
    login(client, "auditor", "a-long-pass-phrase-1")
    client.set_cookie("popgis_lang", "zh")  # the tests' POPGIS_LANG is en
    page = client.get("/audit").get_data(as_text=True)
    assert '<span id="who" data-role="auditor">审计人员 · 义乌市</span>' in page


def test_unmatched_routes_and_wrong_methods_in_the_users_language(client, monkeypatch):
    """Werkzeug's English 404/405 never reach a user: pages get a page in their language
    with the way back to the map, API clients the one JSON error shape."""
    monkeypatch.delenv("POPGIS_LANG")
    login(client, "village_a")
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert '<html lang="zh-CN"' in page and "找不到 /no-such-page" in page
    assert "返回地图" in page and "Not Found" not in page
    r = client.get("/no-such-page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    page = r.get_data(as_text=True)
    assert '<html lang="en"' in page and "there is nothing at /no-such-page" in page
    client.set_cookie("popgis_lang", "en")
    r = client.get("/logout")  # logging out is a POST
    assert r.status_code == 405 and "POST" in r.headers["Allow"]
    assert "GET is not accepted at /logout; use POST" in r.get_data(as_text=True)
    client.set_cookie("popgis_lang", "zh")
    for path in ("/api/nothing-here", "/exports/nothing.png", "/ogc/nothing/here"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json["error"] == {
            "status": 404,
            "code": "not_found",
            "message": f"找不到 {path}",
        }
    r = client.delete("/api/me")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert r.json["error"]["code"] == "method_not_allowed"
    assert r.json["error"]["message"] == "/api/me 不接受 DELETE 请求；请用 GET"
    # a program asking for JSON gets JSON on any path
    r = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json["error"]["message"] == "找不到 /no-such-page"
