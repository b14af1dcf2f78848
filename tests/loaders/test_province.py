"""The province demo: real outlines and divisions per county, synthetic people with ids
unique across counties, made by a pool of processes, loaded one file per kind for the
province into the real PostGIS."""

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


def _fresh(db_url, suffix: str):
    url = db_url.set(database=db_url.database + suffix)
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    return db.engine(url)


def _contents(engine) -> dict:
    """What a load leaves, per county: row counts of every table the demo fills, and the
    persons, households and their places (checksums)."""
    import sqlalchemy as sa

    per_county = {
        t: f"SELECT county_code, count(*) FROM {t} GROUP BY 1 ORDER BY 1"
        for t in ("persons", "households", "buildings", "roads", "events", "service_points")
    }
    sums = {
        "persons md5": """SELECT md5(string_agg(concat_ws('|', p.id_number, p.name, p.birth_date,
                         h.household_no, p.is_migrant), ',' ORDER BY p.id_number))
                      FROM persons p JOIN households h ON h.id = p.household_id""",
        "households md5": """SELECT md5(string_agg(concat_ws('|', household_no, admin_path,
                            village_code, building_id IS NULL, ST_AsText(geom)),
                            ',' ORDER BY household_no)) FROM households""",
        # the counts (set by the first load itself, by the trigger otherwise) and the
        # geocoding (forked workers, or geocode_households)
        "households counts": """SELECT sum(persons_count), sum(migrants_count),
                                count(*) FILTER (WHERE persons_count <> (SELECT count(*)
                                    FROM persons p WHERE p.household_id = h.id))
                                FROM households h""",
        "geocoding md5": """SELECT md5(string_agg(concat_ws('|', household_no, geocode_level,
                            geocode_method, geocode_score, geocode_reason, registered_code,
                            geocode_input_hash), ',' ORDER BY household_no)) FROM households""",
        "review": "SELECT count(*), count(DISTINCT household_id) FROM geocode_review",
        # every geocoding column of every household, and the review queue item by item
        # (the province load geocodes the staged households before inserting them)
        "geocoding rows": """SELECT h.household_no, h.county_code, h.admin_path,
                             h.village_code, b.ext_id, ST_AsText(h.geom), h.geocode_level,
                             h.geocode_score, h.geocode_method, h.geocode_reason,
                             h.geocode_distance_m, h.registered_code, h.geocode_input_hash,
                             h.placed_manually, h.persons_count, h.migrants_count
                             FROM households h LEFT JOIN buildings b ON b.id = h.building_id
                             ORDER BY h.household_no""",
        "review rows": """SELECT h.household_no, r.county_code, r.admin_path, r.address,
                          r.input_hash, r.reason, r.level, r.score, CAST(r.candidates AS text),
                          r.status, r.resolved_by
                          FROM geocode_review r JOIN households h ON h.id = r.household_id
                          ORDER BY h.household_no, r.id""",
        "paths": """SELECT (SELECT md5(string_agg(id_number || admin_path, ',' ORDER BY id_number))
                            FROM persons),
                           (SELECT md5(string_agg(e.x, ',' ORDER BY e.x)) FROM (
                               SELECT concat_ws('|', ext_id, kind, event_date, admin_path) AS x
                               FROM events) e)""",
        "admin": """SELECT level, count(*) FROM admin_area GROUP BY 1 ORDER BY 1""",
        "teams": "SELECT count(*) FROM service_teams",
        "rejected": "SELECT count(*) FROM rejected_rows",
    }
    with engine.connect() as conn:
        out = {k: conn.execute(sa.text(q)).all() for k, q in per_county.items()}
        out.update({k: conn.execute(sa.text(q)).all() for k, q in sums.items()})
    return out


def test_province_loads_as_county_by_county(province, db_url):
    """One load per kind for all counties leaves what the county loaders, county after
    county, leave; a second load is a no-op."""
    from gis.gate.geocoding import geocode_households, system_scope
    from gis.regions import ensure_regions
    from loaders import demo_province
    from loaders.demo_county import LOAD_ORDER
    from loaders.registry import get_loader

    out, manifest = province
    one_by_one, at_once = _fresh(db_url, "_province"), _fresh(db_url, "_province2")
    try:
        for code in sorted(manifest["counties"]):  # the path before the province load
            for kind, name in LOAD_ORDER:
                r = get_loader(kind).run(out / code / name, engine=one_by_one, progress=False)
                assert r.status == "loaded" and not r.rejected
            with one_by_one.begin() as conn:
                geocode_households(conn, system_scope(conn, code + "000000"))
        with one_by_one.begin() as conn:
            ensure_regions(conn)
        result = demo_province.load(out, engine=at_once, echo=lambda *_: None)
        assert result["counties"] == 2 and set(result["steps"]) >= {"load households"}
        # geocoded before the insert (a first load): no geocoding pass afterwards
        assert "geocode" not in result["steps"] and "households: geocode" in result["steps"]
        said = []
        again = demo_province.load(out, engine=at_once, echo=said.append)  # no-op
        assert again["counties"] == 0 and again["seconds"] < 5
        # and it says which counties it left as they were (not silently)
        assert again["kept"] == sorted(manifest["counties"]) and result["kept"] == []
        assert any(all(c in m for c in manifest["counties"]) for m in said), said
        got = _contents(at_once)
        assert got == _contents(one_by_one)
        assert dict(got["persons"]) == {
            c: m["counts"]["persons"] for c, m in manifest["counties"].items()
        }
        levels = dict(got["admin"])
        assert levels["county"] == 2 and levels["province"] == 1
        assert levels["village"] == sum(
            m["counts"]["villages"] for m in manifest["counties"].values()
        )
        assert got["rejected"] == [(0,)]
    finally:
        one_by_one.dispose()
        at_once.dispose()


def _harden(folder, codes: list[str]) -> None:
    """Make the households' geocoding harder, household by household (all its rows):
    some without coordinates, some with an address nobody knows, some with the address
    of a household of the other county (without coordinates: placed there; with them: a
    conflict) or of another village of their own."""
    frames = {
        c: pd.read_csv(folder / c / "households.csv", dtype=str, keep_default_na=False)
        for c in codes
    }
    firsts = {c: f.drop_duplicates("household_no") for c, f in frames.items()}
    for k, code in enumerate(codes):
        f, other = frames[code], firsts[codes[1 - k]]
        own = firsts[code]
        for i, no in enumerate(own["household_no"]):
            rows = f["household_no"] == no
            has = f.loc[rows, "address"] != ""
            if i % 4 == 1:
                f.loc[rows, ["lon", "lat"]] = ""
            if i % 6 == 2:
                f.loc[rows & (f["address"] != ""), "address"] = f"无名路{i}号"
            elif i % 5 == 3:
                f.loc[rows & (f["address"] != ""), "address"] = other["address"].iloc[
                    i % len(other)
                ]
                if i % 10 == 3:
                    f.loc[rows, ["lon", "lat"]] = ""
            elif i % 5 == 4:
                elsewhere = own[own["village_code"] != own["village_code"].iloc[i]]
                if len(elsewhere) and has.any():
                    f.loc[rows & (f["address"] != ""), "address"] = elsewhere["address"].iloc[0]
        f.to_csv(folder / code / "households.csv", index=False)


def test_geocoded_before_insert_as_after(province, db_url, tmp_path):
    """The first load geocodes the staged households before inserting them (each row
    written once): every geocoding column of every household, the persons' and events'
    paths and the review queue item by item are those of geocoding them once inserted,
    on harder addresses and points (unmatched, conflicts, places in the other county)."""
    import shutil

    from loaders import demo_province

    out, manifest = province
    folder = tmp_path / "province"
    shutil.copytree(out, folder)
    _harden(folder, sorted(COUNTIES))
    before, after = _fresh(db_url, "_province"), _fresh(db_url, "_province2")
    try:
        first = demo_province.load(folder, engine=before, echo=lambda *_: None)
        assert "households: geocode" in first["steps"] and "geocode" not in first["steps"]
        then = demo_province.load(folder, engine=after, echo=lambda *_: None, geocode_first=False)
        assert "geocode" in then["steps"] and "households: geocode" not in then["steps"]
        got = _contents(before)
        assert got == _contents(after)
    finally:
        before.dispose()
        after.dispose()
    # the harder cases are there
    levels = {r[6] for r in got["geocoding rows"]}
    assert {"building", "unmatched"} <= levels and len(levels) >= 3, levels
    reasons = {r[5] for r in got["review rows"]}
    assert any(r.startswith("placed in another county") for r in reasons), reasons
    assert "coordinates and address point at different places" in reasons, reasons


def test_bad_row_leaves_nothing_of_its_kind(province, db_url, tmp_path):
    """A bad row in one county's file: reported with file, row (in the joined file and in
    the county's own), column and value, and no household of any county is loaded."""
    import shutil

    import sqlalchemy as sa

    from loaders import demo_province

    out, manifest = province
    folder = tmp_path / "province"
    shutil.copytree(out, folder)
    second = sorted(COUNTIES)[1]
    path = folder / second / "households.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # a member who is not the first of the household (so no other row depends on it)
    k = next(k for k in range(2, len(lines)) if lines[k][:20] == lines[k - 1][:20])
    row = lines[k].split(",")
    col = lines[0].split(",").index("id_number")
    row[col] = "33012319900101123X"  # a wrong check character
    lines[k] = ",".join(row)
    path.write_text("".join(lines), encoding="utf-8")
    first_rows = sum(1 for _ in open(folder / sorted(COUNTIES)[0] / "households.csv")) - 1
    engine = _fresh(db_url, "_province")
    try:
        with pytest.raises(demo_province.ProvinceLoadError) as e:
            demo_province.load(folder, engine=engine, echo=lambda *_: None)
        message = str(e.value)
        rejected = e.value.report.rejected
        assert [(r.file, r.row, r.column, r.value) for r in rejected] == [
            ("households.csv", first_rows + k + 1, "id_number", "33012319900101123X")
        ]
        own = f"{second}/households.csv row {k + 1}"
        assert f"households.csv row {first_rows + k + 1} = {own}" in message
        with engine.connect() as conn:
            counts = {
                t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("households", "persons", "events", "buildings", "service_teams", "roads")
            }
        # the kinds before were loaded (each its own transaction; the roads in a process
        # beside the others), households none at all
        assert counts["households"] == counts["persons"] == counts["events"] == 0
        assert counts["buildings"] > 0 and counts["service_teams"] > 0 and counts["roads"] > 0
        assert not list(folder.glob("province-*"))  # the joined files are removed
    finally:
        engine.dispose()


def test_bad_road_is_reported_from_the_process_beside(province, db_url, tmp_path):
    """The roads load in a process of their own beside the other kinds: a bad road is
    reported as any bad row (joined file row = county file row), none of the roads is
    loaded, and the kinds loaded meanwhile stay loaded (each its own transaction)."""
    import json
    import shutil

    import sqlalchemy as sa

    from loaders import demo_province

    out, _manifest = province
    folder = tmp_path / "province"
    shutil.copytree(out, folder)
    second = sorted(COUNTIES)[1]
    path = folder / second / "roads.geojson"
    lines = path.read_text(encoding="utf-8").split("\n")  # a feature a line, as written
    head, _geom = lines[3].split('"geometry":')
    lines[3] = head + '"geometry":{"type":"Point","coordinates":[120.1,30.2]}},'
    path.write_text("\n".join(lines), encoding="utf-8")
    first = json.loads((folder / sorted(COUNTIES)[0] / "roads.geojson").read_text("utf-8"))
    engine = _fresh(db_url, "_province")
    try:
        with pytest.raises(demo_province.ProvinceLoadError) as e:
            demo_province.load(folder, engine=engine, echo=lambda *_: None)
        rejected = e.value.report.rejected
        row = len(first["features"]) + 3
        assert [(r.file, r.row, r.column) for r in rejected] == [("roads.geojson", row, "geometry")]
        assert f"roads.geojson row {row} = {second}/roads.geojson row 3" in str(e.value)
        with engine.connect() as conn:
            count = {
                t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("roads", "households", "events")
            }
        assert count["roads"] == 0 and count["households"] > 0 and count["events"] > 0
    finally:
        engine.dispose()


def test_pool_makes_the_same_files(province, tmp_path):
    """Counties made by 2 processes are the files one process makes (ID numbers too)."""
    from loaders.forking import can_fork

    assert can_fork()  # else the province fixture was made by one process too
    out, manifest = province
    alone = generate_province(
        tmp_path, "330000", scale=0.001, seed=1, counties=list(COUNTIES), workers=1
    )
    assert alone["counties"] == manifest["counties"]
    for code in COUNTIES:
        for f in sorted((out / code).iterdir()):
            assert f.read_bytes() == (tmp_path / code / f.name).read_bytes(), f


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
    # no code, a full-width code: refused before anything is made; in the user's language
    for bad in (",", " ", "３３０７８２", "33078"):
        for cmd in (["generate", str(tmp_path / "x")], ["demo"]):
            r = CliRunner().invoke(
                main, [*cmd, "--province", "330000", "--counties", bad], env={"POPGIS_LANG": "zh"}
            )
            assert r.exit_code == 2 and "6 位县级代码" in r.output, (bad, r.output)
    r = CliRunner().invoke(
        main,
        ["demo", "--province", "330000", "--counties", "110101"],
        env={"POPGIS_LANG": "zh"},
    )
    assert r.exit_code == 2 and "不是 330000 下有边界的县级单位：110101" in r.output
    from loaders.demo_province import province_dir

    assert not province_dir("330000", 0.045, 1, ["110101"]).exists()


def test_a_place_in_another_county_goes_to_review(province, db_url):
    """A geocoder that knows the whole province can place a household of one county in a
    building of its neighbour (a border, a wrong address). Its record cannot name that
    building (it stays in its own county's partition): the household is left unplaced
    and queued for review, saying where it landed, and nothing fails."""
    import pandas as pd
    import sqlalchemy as sa

    from gis.gate.geocoding import OUT_COLUMNS, system_scope, write_geocoding
    from loaders import demo_province

    out, _manifest = province
    home, other = sorted(COUNTIES)
    engine = _fresh(db_url, "_province")
    try:
        demo_province.load(out, engine=engine, echo=lambda *_: None)
        with engine.begin() as conn:
            hid = conn.execute(
                sa.text("SELECT min(id) FROM households WHERE county_code = :c"), {"c": home}
            ).scalar()
            bid, village = conn.execute(
                sa.text("SELECT id, village_code FROM buildings WHERE county_code = :c LIMIT 1"),
                {"c": other},
            ).one()
            row = dict.fromkeys(OUT_COLUMNS)
            row.update(
                id=hid, level="building", building=bid, village_code=village, lon=120.0,
                lat=28.0, keep_geom=False, score=1.0, method="address", review=False,
                candidates=[], input_hash="x",
            )  # fmt: skip
            write_geocoding(conn, system_scope(conn, home + "000000"), pd.DataFrame([row]))
            got = conn.execute(
                sa.text(
                    "SELECT building_id, geocode_level, geocode_reason FROM households "
                    "WHERE id = :i"
                ),
                {"i": hid},
            ).one()
            assert got == (None, "unmatched", f"placed in another county: {other}")
            review = conn.execute(
                sa.text(
                    "SELECT reason, candidates FROM geocode_review "
                    "WHERE household_id = :i AND status = 'open'"
                ),
                {"i": hid},
            ).one()
            assert review == (f"placed in another county: {other}", [])
            # a county-level answer at the neighbour's centre (an address naming it)
            hid2, lon, lat = conn.execute(
                sa.text(
                    "SELECT (SELECT max(id) FROM households WHERE county_code = :h), "
                    "ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                    "FROM admin_area WHERE code = :o"
                ),
                {"h": home, "o": other + "000000"},
            ).one()
            row.update(id=hid2, level="county", building=None, village_code=None, lon=lon, lat=lat)
            write_geocoding(conn, system_scope(conn, home + "000000"), pd.DataFrame([row]))
            assert conn.execute(
                sa.text("SELECT geocode_level, geocode_reason, geom FROM households WHERE id = :i"),
                {"i": hid2},
            ).one() == ("unmatched", f"placed in another county: {other}", None)
    finally:
        engine.dispose()


def test_counties_write_their_own_names(province):
    """The writing habits (short names, doubled levels, separators …) use each county's
    own name and city, never the demo county's."""
    import pandas as pd

    out, _manifest = province
    for code, name in COUNTIES.items():
        addresses = pd.read_csv(out / code / "households.csv", dtype=str)["address"]
        assert not addresses.str.contains("义乌|金华").any(), code
        assert addresses.str.contains(name).mean() > 0.5, code


def test_db_check_names_a_person_registered_in_two_counties(province, db_url):
    """Each county's households file is loaded on its own, so one ID number can be in two
    counties (a migrant added where they live now, not removed where they lived): db check
    names it in each county, with the other county and household, the number masked."""
    import sqlalchemy as sa

    from gis.gate import checks
    from loaders import demo_province

    out, _manifest = province
    home, other = sorted(COUNTIES)
    engine = _fresh(db_url, "_twice")
    try:
        demo_province.load(out, engine=engine, echo=lambda *_: None)
        with engine.begin() as conn:
            assert not [p for p in checks.check(conn) if p.column == "id_number"]
            number, home_no = conn.execute(
                sa.text("""
                SELECT p.id_number, h.household_no FROM persons p JOIN households h
                  ON h.id = p.household_id AND h.county_code = p.county_code
                WHERE p.county_code = :c ORDER BY p.id LIMIT 1"""),
                {"c": home},
            ).one()
            other_id, other_no = conn.execute(
                sa.text("""
                UPDATE persons p SET id_number = :n FROM households h
                WHERE p.id = (SELECT min(id) FROM persons WHERE county_code = :c)
                  AND h.id = p.household_id AND h.county_code = p.county_code
                RETURNING p.id, h.household_no"""),
                {"n": number, "c": other},
            ).one()
            found = [p for p in checks.check(conn) if p.column == "id_number"]
            assert sorted((p.county, p.household) for p in found) == [
                (home, home_no),
                (other, other_no),
            ]
            (mine,) = [p for p in checks.check(conn, county=other) if p.column == "id_number"]
            assert mine.row_id == other_id
            assert mine.value == number[:6] + "********" + number[-4:]
            assert f"{home}" in mine.fix and home_no in mine.fix
    finally:
        engine.dispose()
