"""The production server as an outside client sees it (gunicorn started by the test):
security headers, CSP nonces on folium's inline scripts with no violation in Chromium,
links from the public URL (never the Host header), trusted proxies only, TLS, request
size limits, graceful reload on HUP."""

from __future__ import annotations

import re
import subprocess
import threading
import time

import pytest
import requests
import urllib3

from tests.conftest import PASSWORD
from tests.webmap.server_process import client, logged_in, popgis_serve, server_db_url

urllib3.disable_warnings()


@pytest.fixture(scope="module")
def server_url(db_url):
    return server_db_url(db_url)


@pytest.fixture(scope="module")
def srv(server_url, tmp_path_factory):
    with popgis_serve(server_url, tmp_path_factory.mktemp("serve")) as server:
        yield server


@pytest.fixture(scope="module")
def county(srv):
    return logged_in(srv.base, "county_u")


def _script_src(csp: str) -> str:
    return next(p for p in csp.split(";") if p.strip().startswith("script-src"))


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/me", "/api/nothing-here", "/static/map.js", "/review", "/planner"]
)
def test_security_headers_on_every_response(county, srv, path):
    r = county.get(srv.base + path)
    assert r.status_code < 500
    assert "Werkzeug" not in r.headers.get("Server", "")
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in _script_src(csp) and "unsafe-eval" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_the_access_log_has_paths_without_query_strings(county, srv):
    r = county.get(srv.base + "/api/search", params={"q": "王秘密"})
    assert r.status_code == 200
    county.get(srv.base + "/ogc/collections/boundaries/items?limit=1&bbox=120,29,120.1,29.4")
    deadline = time.monotonic() + 10
    while "/ogc/collections/boundaries/items" not in srv.log.read_text():
        assert time.monotonic() < deadline, srv.log.read_text()[-2000:]
        time.sleep(0.2)
    log = srv.log.read_text()
    assert '"GET /api/search" 200' in log
    assert "秘密" not in log and "%E7%A7%98" not in log and "q=" not in log
    assert "bbox" not in log and "limit=" not in log


def test_every_inline_script_carries_the_request_nonce(county, srv):
    seen = set()
    for _ in range(2):
        r = county.get(srv.base + "/")
        nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
        tags = re.findall(r"<script\b[^>]*>", r.text)
        assert len(tags) >= 4 and all(f'nonce="{nonce}"' in t for t in tags), tags
        seen.add(nonce)
    assert len(seen) == 2  # a fresh nonce per response


def test_pages_work_in_chromium_without_csp_violations(srv, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    violations, errors = [], []
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script("""document.addEventListener('securitypolicyviolation', e =>
        console.log('Content Security Policy violation: ' + e.violatedDirective + ' '
                    + e.blockedURI));""")
    page.goto(srv.base + "/login")
    page.fill("#username", "county_u")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]", state="attached", timeout=30000)
    page.wait_for_load_state("networkidle")
    # the map drew our layers: the Leaflet container and vector tiles are there
    assert page.locator(".leaflet-container").count() == 1
    for path in ("/review", "/planner"):
        page.goto(srv.base + path)
        page.wait_for_load_state("networkidle")
    context.close()
    assert violations == [] and errors == [], (violations, errors)


def _cookie(session) -> str:
    # requests picks cookies by the Host header when one is given: send them by hand
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def test_ogc_links_never_come_from_the_host_header(county, srv):
    r = client().get(
        srv.base + "/ogc",
        headers={
            "Host": "evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
            "Cookie": _cookie(county),
        },
    )
    assert r.ok, r.text
    hrefs = [link["href"] for link in r.json()["links"]]
    assert hrefs and all(h.startswith(srv.base + "/ogc") for h in hrefs), hrefs


def test_request_size_limits(county, srv):
    big = b"{" + b" " * (17 << 20) + b"}"
    r = county.post(
        srv.base + "/api/households/1/events",
        data=big,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"]["status"] == 413
    r = county.get(srv.base + "/api/search?q=" + "x" * 9000)
    assert 400 <= r.status_code < 500
    r = county.get(srv.base + "/api/me", headers={f"X-Many-{i}": "1" for i in range(120)})
    assert 400 <= r.status_code < 500


def test_graceful_reload_on_hup_loses_no_request(county, srv):
    before = srv.workers()
    results, stop = [], threading.Event()

    def hammer():
        while not stop.is_set():
            t = time.monotonic()
            try:
                status = county.get(srv.base + "/api/me", timeout=30).status_code
            except requests.RequestException as exc:  # a lost request fails the test
                status = f"{type(exc).__name__} after {time.monotonic() - t:.1f} s"
            results.append(status)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    srv.hup()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (srv.workers() & before or len(srv.workers()) < 2):
        time.sleep(0.2)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert not (srv.workers() & before), "the old workers are still there"
    assert results and set(results) == {200}, sorted(set(map(str, results)))


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


def test_tls_public_url_and_trusted_proxies(server_url, tmp_path, tls_files):
    env = {
        "POPGIS_TLS_CERT": str(tls_files[0]),
        "POPGIS_TLS_KEY": str(tls_files[1]),
        "POPGIS_PUBLIC_URL": "https://popgis.county.example/gis",
        "POPGIS_TRUSTED_PROXIES": "127.0.0.1",
    }
    with popgis_serve(server_url, tmp_path, env=env, scheme="https") as server:
        s = logged_in(server.base, "county_u")
        r = client().get(
            server.base + "/ogc", headers={"Host": "evil.example", "Cookie": _cookie(s)}
        )
        assert r.ok and r.headers["Strict-Transport-Security"].startswith("max-age=")
        hrefs = [link["href"] for link in r.json()["links"]]
        assert all(h.startswith("https://popgis.county.example/gis/ogc") for h in hrefs)
        # behind a proxy that keeps the prefix, the same paths answer
        assert s.get(server.base + "/gis/api/me").json()["user"] == "county_u"
        with pytest.raises(requests.exceptions.ConnectionError):
            client().get(server.base.replace("https", "http") + "/healthz", timeout=5)


def test_forwarded_headers_believed_from_a_trusted_proxy_only(county, srv, server_url, tmp_path):
    def link_schemes(base, s):
        r = s.get(
            base + "/ogc", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        )
        return {link["href"].split(":", 1)[0] for link in r.json()["links"]}

    assert link_schemes(srv.base, county) == {"http"}  # no trusted proxy configured
    with popgis_serve(server_url, tmp_path, env={"POPGIS_TRUSTED_PROXIES": "127.0.0.1"}) as server:
        assert link_schemes(server.base, logged_in(server.base, "county_u")) == {"https"}
