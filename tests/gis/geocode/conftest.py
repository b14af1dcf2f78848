"""Fixtures for the geocoding tests: the loaded gazetteer of the fixture county, and a
separate database for the command-line tests that commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis import db

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def national():
    """The national division list as a gazetteer (no database)."""
    from gis.geocode.gazetteer import AdminGazetteer

    return AdminGazetteer.national()


@pytest.fixture
def local(conn):
    """The national list overlaid with the fixture county (in the test's transaction)."""
    from gis.geocode.gazetteer import AdminGazetteer

    return AdminGazetteer.load(conn)


@pytest.fixture
def geocoder(conn):
    """Gazetteer and building index of the fixture county (in the test's transaction)."""
    from gis.geocode.batch import Geocoder

    return Geocoder.load(conn)


@pytest.fixture(scope="session")
def geo_db(db_url):
    """A database of its own, loaded with the fixture county, for CLI runs that commit
    (so that the shared test database stays as the other tests expect it)."""
    from loaders.base import get_loader

    url = db_url.set(database=db_url.database + "_geocli")
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    engine = db.engine(url)
    for kind, name in [
        ("admin", "admin.geojson"),
        ("buildings", "buildings.geojson"),
        ("households", "households.csv"),
    ]:
        report = get_loader(kind).run(DATA / name, engine=engine, user="fixture")
        assert report.status == "loaded", report.summary()
    yield url
    engine.dispose()


@pytest.fixture
def geo_env(geo_db, monkeypatch):
    """Point the CLI (POPGIS_DATABASE_URL) at the CLI test database."""
    monkeypatch.setenv("POPGIS_DATABASE_URL", geo_db.render_as_string(hide_password=False))
    return geo_db
