"""Test fixtures: a fresh test database on the real PostGIS, loaded once with the small
fixture county in tests/data, and one rolled-back transaction per test."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from gis import db

DATA = Path(__file__).parent / "data"
# Messages (CLI, API errors) in English, which most tests compare; a few dedicated tests
# check the Chinese default (monkeypatch.delenv("POPGIS_LANG") or --lang zh).
os.environ["POPGIS_LANG"] = "en"
# Whether the tests run on the project's own cluster (read before db_url points
# POPGIS_DATABASE_URL at the test database).
LOCAL_CLUSTER = db.uses_local_cluster()
FIXTURE_FILES = [
    ("admin", "admin.geojson"),
    ("buildings", "buildings.geojson"),
    ("households", "households.csv"),
    ("service-points", "service_points.csv"),
]
PASSWORD = "test-pass-1"
#: modules that start Dask in the test process: its IO loop and offload threads outlive
#: the cluster, and the loaders do not fork beside other threads (loaders.forking), so
#: these run last, after every test of the forked paths
RUN_LAST = ("test_geocode_dask.py", "test_coverage_batch.py", "test_dask_cluster.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name in RUN_LAST)  # stable: the rest in order


# name, role, area
USERS = [
    ("county_u", "county", "330782000000"),
    ("town_u", "township", "330782001000"),
    ("village_a", "village", "330782001001"),
    ("village_b", "village", "330782001002"),
    ("grid_a2", "village", "330782001001002"),
    ("planner_u", "planner", "330782000000"),
    ("auditor_u", "auditor", "330782000000"),
    # aggregates across their counties (浙江省, 金华市: the fixture county's province, city)
    ("province_u", "province", "330000000000"),
    ("city_u", "city", "330700000000"),
]


def _test_url():
    if os.environ.get("POPGIS_DATABASE_URL"):
        base = db.database_url()
    else:
        db.cluster_start()
        base = db.local_url()
    # POPGIS_TEST_DB lets two test runs share a server without clobbering each other.
    name = os.environ.get("POPGIS_TEST_DB") or (base.database or "popgis") + "_test"
    return base.set(database=name)


def prepare_fixture_db(url):
    """(Re)create database ``url``, migrate it, load the fixture county and users."""
    from gis import users
    from gis.regions import ensure_regions
    from loaders.base import get_loader

    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    engine = db.engine(url)
    for kind, name in FIXTURE_FILES:
        report = get_loader(kind).run(DATA / name, engine=engine, user="fixture")
        assert report.status == "loaded" and not report.rejected, report.summary()
    with engine.begin() as conn:
        ensure_regions(conn)
        for name, role, area in USERS:
            users.add_user(conn, name, role, area, PASSWORD)
    return engine


@pytest.fixture(scope="session")
def db_url():
    """A fresh test database, migrated and loaded with the fixture county."""
    url = _test_url()
    # Everything in the process (CLI, loaders, app) now uses the test database.
    os.environ["POPGIS_DATABASE_URL"] = url.render_as_string(hide_password=False)
    prepare_fixture_db(url)
    yield url
    db.dispose_engines()


@pytest.fixture(scope="session")
def engine(db_url):
    return db.engine(db_url)


@pytest.fixture
def conn(engine):
    """A connection in a transaction that is rolled back after the test."""
    c = engine.connect()
    tx = c.begin()
    yield c
    tx.rollback()
    c.close()


@pytest.fixture
def app(conn):
    from webmap import create_app

    return create_app({"TESTING": True, "CONNECTION": conn, "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    """A browser on our own pages: its requests carry this site's Origin."""
    c = app.test_client()
    c.environ_base["HTTP_ORIGIN"] = "http://localhost"
    return c


def login(client, name, password=PASSWORD):
    """Log in through the form, with its CSRF token, as a browser would."""
    client.get("/login")
    with client.session_transaction() as s:
        token = s["csrf"]
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


@pytest.fixture
def url_string(db_url):
    return db_url.render_as_string(hide_password=False)


@pytest.fixture
def fresh_db(db_url):
    """A second, empty migrated database for tests that must commit (killed loads)."""
    url = make_url(db_url).set(database=db_url.database + "_scratch")
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    yield url
    db.engine(url).dispose()


# ----------------------------------------------------------------- a live server, a browser
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextlib.contextmanager
def serving(app):
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def live_server(db_url):
    """The app on the test database, served for browsers and outside clients."""
    from webmap import create_app

    with serving(create_app({"SECRET_KEY": "live-test"})) as base:
        yield base


def wait_js(page, expression: str, timeout: float = 30000) -> None:
    """Wait until ``expression`` is truthy in the page. Polls through page.evaluate (the
    DevTools protocol, which the page's Content-Security-Policy allows) rather than
    Playwright's wait_for_function, which compiles the expression inside the page, where
    our CSP forbids eval."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout / 1000:g} s: {expression}")
        page.wait_for_timeout(100)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()
