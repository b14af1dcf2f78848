"""The province demo: real outlines and divisions per county, synthetic people with ids
unique across counties, loaded county by county into the real PostGIS."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from cli.main import main
from gis import db
from loaders.demo.inputs import DIVISION_DIR, county_outline_lonlat, load_national
from loaders.demo.province import (
    COUNTY_FULL_PERSONS,
    PROVINCE_PEOPLE,
    county_scales,
    generate_province,
    province_counties,
)

# two small counties of two cities (杭州 滨江区, 丽水 云和县)
COUNTIES = {"330108": "滨江区", "331125": "云和县"}


@pytest.fixture(scope="module")
def national():
    return load_national(DIVISION_DIR)


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    out = tmp_path_factory.mktemp("province")
    return out, generate_province(out, "330000", scale=0.001, seed=1, counties=list(COUNTIES))


def test_every_county_of_zhejiang_with_its_share(national):
    counties = province_counties(national, "330000")
    assert len(counties) == 90 and {c["code"][:2] for c in counties} == {"33"}
    scales = county_scales(counties, "330000", 0.045)
    people = sum(scales.values()) * COUNTY_FULL_PERSONS
    assert people == pytest.approx(0.045 * PROVINCE_PEOPLE["330000"])  # about 3 M
    assert 2.8e6 < people < 3.1e6
    # more villages, more people
    assert scales["330782"] > scales["330108"] > scales["330922"]


def test_manifest_and_files(province):
    out, manifest = province
    assert manifest["synthetic"] is True and manifest["province"] == "330000"
    assert set(manifest["counties"]) == set(COUNTIES)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    for code, name in COUNTIES.items():
        assert manifest["counties"][code]["name"] == name
        county = json.loads((out / code / "manifest.json").read_text(encoding="utf-8"))
        assert (county["county_code"], county["county_name"], county["synthetic"]) == (
            code,
            name,
            True,
        )
        assert county["counts"]["persons"] > 0
    assert manifest["totals"]["persons"] == sum(
        m["counts"]["persons"] for m in manifest["counties"].values()
    )


def test_real_outline_townships_and_villages(province, national):
    out, _ = province
    for code, name in COUNTIES.items():
        admin = gpd.read_file(out / code / "admin.geojson")
        county = admin[admin["level"] == "county"].iloc[0]
        assert (county["code"], county["name"]) == (code + "000000", name)
        real = county_outline_lonlat(code, name)
        assert (
            shapely.area(shapely.symmetric_difference(county.geometry, real))
            < 1e-6 * max(shapely.area(real), 1e-9) + 1e-9
        )
        towns = national.streets[national.streets["areaCode"] == code]
        vills = national.villages[national.villages["areaCode"] == code]
        assert set(admin.loc[admin["level"] == "township", "code"]) == {
            c + "000" for c in towns["code"]
        }
        assert set(admin.loc[admin["level"] == "village", "code"]) == set(vills["code"])
        # every township and village lies within its county
        inner = admin[admin["level"].isin(["township", "village"])]
        assert shapely.area(shapely.difference(shapely.union_all(inner.geometry), real)) < (
            1e-4 * shapely.area(real)
        )


def test_ids_are_unique_across_counties(province):
    out, _ = province
    people = []
    for code in COUNTIES:
        hh = pd.read_csv(out / code / "households.csv", dtype=str, keep_default_na=False)
        b = gpd.read_file(out / code / "buildings.gpkg", layer="buildings")
        events = pd.read_csv(out / code / "events.csv", dtype=str, keep_default_na=False)
        teams = pd.read_csv(out / code / "teams.csv", dtype=str, keep_default_na=False)
        assert b["building_id"].str.startswith(code + "B").all()
        assert events["event_id"].str.startswith(code + "E").all()
        assert teams["team_id"].str.startswith(code + "T").all()
        heads = hh[hh["household_no"] != ""]
        assert heads["household_no"].str.startswith(code).all()
        assert heads["address"].str.contains(COUNTIES[code]).any()
        people.append(hh["id_number"])
    ids = pd.concat(people)
    assert ids.is_unique and ids.str.len().eq(18).all()


def test_id_numbers_avoid_the_other_counties():
    """A number another county holds moves to the next free one of the same sex."""
    import numpy as np

    from loaders.demo.population import _avoid_taken

    taken = {330782_19900101_000 + 3, 330782_19900101_000 + 5}
    got = _avoid_taken(np.array([330782_19900101_000 + 3, 330782_19900101_000 + 4]), taken)
    assert got.tolist() == [330782_19900101_000 + 7, 330782_19900101_000 + 4]
    assert {330782_19900101_000 + 7, 330782_19900101_000 + 4} <= taken


def test_province_loads_county_by_county(province, db_url):
    from loaders import demo_province

    out, manifest = province
    url = db_url.set(database=db_url.database + "_province")
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    engine = db.engine(url)
    try:
        demo_province.load(out, engine=engine, echo=lambda *_: None)
        again = demo_province.load(out, engine=engine, echo=lambda *_: None)  # no-op
        assert again["seconds"] < 5
        import sqlalchemy as sa

        with engine.connect() as conn:
            got = dict(
                conn.execute(sa.text("SELECT county_code, count(*) FROM persons GROUP BY 1")).all()
            )
            levels = dict(
                conn.execute(sa.text("SELECT level, count(*) FROM admin_area GROUP BY 1")).all()
            )
            rejected = conn.execute(sa.text("SELECT count(*) FROM rejected_rows")).scalar()
        assert got == {c: m["counts"]["persons"] for c, m in manifest["counties"].items()}
        assert levels["county"] == 2
        assert levels["village"] == sum(
            m["counts"]["villages"] for m in manifest["counties"].values()
        )
        assert rejected == 0
    finally:
        engine.dispose()


def test_generate_province_command(tmp_path):
    r = CliRunner().invoke(
        main,
        ["generate", str(tmp_path), "--province", "330000", "--counties", "330922"]
        + ["--scale", "0.001"],
    )
    assert r.exit_code == 0, r.output
    totals = json.loads(r.output)
    assert totals["villages"] == 38 and totals["persons"] > 0
    assert (tmp_path / "330922" / "households.csv").exists()
    r = CliRunner().invoke(main, ["generate", str(tmp_path), "--province", "110000"])
    assert r.exit_code == 2 and "110000" in r.output
    r = CliRunner().invoke(
        main, ["generate", str(tmp_path), "--province", "330000", "--counties", "110101"]
    )
    assert r.exit_code == 2 and "110101" in r.output
