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
