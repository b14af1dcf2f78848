"""The command contract: `popgis coverage … --json` and `popgis place …` on the fixture
county and on CSV instances; bad input ends with a named problem and exit code 2."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_coverage_json_matches_sql(engine):
    r = run(
        "coverage",
        "--kinds",
        "distribution_point,clinic",
        "--radius",
        "1500",
        "--demand",
        "residents",
        "--json",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    with engine.connect() as c:
        rows = c.execute(
            sa.text("""
            SELECT h.village_code, count(*) AS n, count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM service_points s WHERE s.active
                AND s.kind IN ('distribution_point', 'clinic')
                AND ST_DWithin(ST_Transform(s.geom, 32651),
                               ST_Transform(ST_PointOnSurface(b.geom), 32651), 1500))) AS c
            FROM persons p JOIN households h ON h.id = p.household_id
            JOIN buildings b ON b.id = h.building_id GROUP BY 1""")
        ).all()
        unlocated = c.execute(
            sa.text("""SELECT count(*) FROM persons p JOIN households h
            ON h.id = p.household_id WHERE h.geom IS NULL""")
        ).scalar()
    assert {v["code"]: (v["demand"], v["covered"]) for v in out["villages"]} == {
        v: (float(n), float(cv)) for v, n, cv in rows
    }
    assert out["totals"]["unlocated"] == unlocated == 1
    assert out["totals"]["demand"] == sum(n for _, n, _ in rows)
    assert out["gaps"]["type"] == "FeatureCollection"
    assert {g["code"] for g in out["grids"]} <= {"330782001001001", "330782001001002"}
    # along roads: the fixture county has no roads, which is said plainly
    r = run("coverage", "--kinds", "clinic", "--radius", "800", "--network", "--json")
    assert r.exit_code == 2 and "no roads loaded" in r.output


def test_coverage_bad_input():
    r = run("coverage", "--kinds", "clinic,spaceport", "--radius", "800", "--json")
    assert r.exit_code == 2 and "unknown service point kind 'spaceport'" in r.output
    r = run("coverage", "--kinds", "clinic", "--radius", "0")
    assert r.exit_code == 2 and "radius 0 is not allowed: metres, more than 0" in r.output
    assert "Traceback" not in r.output


AREA_FORM = (
    "expected the code of a province, city, county, township or village (2, 4, 6, 9 or 12 digits"
)


# an empty --area is said to be empty (tests/test_cli_findings_ops18.py)
@pytest.mark.parametrize("code", ["999", "33078x", "３３０７８２", "3307820010010", "330782 001"])
def test_coverage_of_a_malformed_area_code_names_it_the_form_and_how_to_list_areas(db_url, code):
    r = run("coverage", "--kinds", "clinic", "--radius", "800", "--area", code)
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and "Traceback" not in r.output, r.output
    assert f"--area {code!r} is not an area code: {AREA_FORM}" in r.output, r.output
    assert "`popgis areas` lists the areas loaded" in r.output, r.output


@pytest.mark.parametrize("code", ["990000000000", "330799", "330782999", "330782001001999"])
def test_coverage_of_an_area_not_loaded_names_the_code_and_how_to_list_areas(db_url, code):
    r = run("coverage", "--kinds", "clinic", "--radius", "800", "--area", code)
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and "Traceback" not in r.output, r.output
    full = code.ljust(12, "0")
    assert f"--area {code}: no area {full} is loaded here; `popgis areas` lists" in r.output
    assert AREA_FORM in r.output, r.output
    assert "admin area not found" not in r.output, r.output
    zh = run("--lang", "zh", "coverage", "--kinds", "clinic", "--radius", "800", "--area", code)
    assert zh.exit_code == 2 and f"本库没有加载区划 {full}" in zh.output, zh.output


def test_an_area_code_of_2_to_9_digits_is_the_area_written_out_to_12(db_url):
    args = ("coverage", "--kinds", "clinic,distribution_point", "--radius", "1500", "--json")
    whole = json.loads(run(*args, "--area", "330782000000").output)
    short = run(*args, "--area", "330782")
    assert short.exit_code == 0, short.output
    assert json.loads(short.output)["totals"] == whole["totals"]
    town = json.loads(run(*args, "--area", "330782001").output)
    assert town["totals"] == json.loads(run(*args, "--area", "330782001000").output)["totals"]
    assert 0 < town["totals"]["demand"] < whole["totals"]["demand"]


def test_popgis_areas_lists_the_codes_that_area_takes(db_url):
    r = run("areas", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == [
        {"code": "330000000000", "level": "province", "name": "浙江省"},
        {"code": "330700000000", "level": "city", "name": "金华市"},
        {"code": "330782000000", "level": "county", "name": "义乌市"},
    ]
    r = run("areas", "--under", "330782")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["area", "code", "level", "name"], lines
    assert [x.split()[0] for x in lines[2:]] == ["330782000000", "330782001000", "330782100000"]
    assert "township" in lines[3] and "稠城街道" in lines[3], lines
    r = run("areas", "--under", "3307", "--json")
    assert [a["code"] for a in json.loads(r.output)] == ["330700000000", "330782000000"]
    r = run("areas", "--under", "33078x")
    assert r.exit_code == 2 and "--under '33078x' is not an area code" in r.output, r.output
    r = run("areas", "--under", "330783")
    assert r.exit_code == 2 and "--under 330783: no area 330783000000 is loaded" in r.output


def test_place_on_the_database_instance(db_url, tmp_path):
    out = tmp_path / "r.geojson"
    r = run(
        "place",
        "--model",
        "mclp",
        "--k",
        "1",
        "--radius",
        "800",
        "--demand",
        "residents",
        "--kinds",
        "distribution_point,clinic",
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    fc = json.loads(out.read_text())
    new = [f for f in fc["features"] if not f["properties"]["fixed"]]
    # grid 1's centre is 200 m from A1 (3 residents); grid 2's covers A2 (2): grid 1 wins
    assert [f["properties"]["id"] for f in new] == ["grid:330782001001001"]
    p = fc["properties"]
    assert p["model"] == "mclp" and p["optimal"] and p["gap"] == 0
    assert p["covered_demand"] == p["objective"] == p["covered_before"] + 3
    assert p["total_demand"] == 10
    assert (
        (tmp_path / "r.csv")
        .read_text(encoding="utf-8-sig")
        .startswith("id,lon,lat,fixed,kind,name")
    )


def write_csv(path, header, rows):
    path.write_text(
        header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(11)
    d = write_csv(
        tmp_path / "demand.csv",
        "id,lon,lat,weight",
        [
            (
                f"d{i}",
                round(120 + rng.uniform(0, 0.03), 6),
                round(29.3 + rng.uniform(0, 0.03), 6),
                int(rng.integers(1, 9)),
            )
            for i in range(40)
        ],
    )
    c = write_csv(
        tmp_path / "cands.csv",
        "id,lon,lat,fixed",
        [
            (
                f"c{i}",
                round(120 + rng.uniform(0, 0.03), 6),
                round(29.3 + rng.uniform(0, 0.03), 6),
                "true" if i == 0 else "false",
            )
            for i in range(9)
        ],
    )
    return tmp_path, d, c


def test_place_on_files_is_optimal(files):
    tmp, d, c = files
    import pandas as pd

    from gis.analysis import instance
    from loaders.files import read_table

    dem = instance.demand_from_table(pd.concat(list(read_table(d))))
    sites = instance.sites_from_table(pd.concat(list(read_table(c))), epsg=dem.epsg)
    dist = np.hypot(dem.x[:, None] - sites.x, dem.y[:, None] - sites.y)
    best = max(
        dem.weight[(dist[:, [0, *s]] <= 700).any(axis=1)].sum()
        for s in itertools.combinations(range(1, 9), 2)
    )
    out = tmp / "r.geojson"
    r = run(
        "place",
        "--model",
        "mclp",
        "--k",
        "2",
        "--radius",
        "700",
        "--demand-file",
        d,
        "--candidates",
        c,
        "--time-limit",
        "20",
        "--out",
        out,
    )
    assert r.exit_code == 0, r.output
    fc = json.loads(out.read_text())
    assert fc["properties"]["objective"] == best
    assert {f["properties"]["id"] for f in fc["features"] if f["properties"]["fixed"]} == {"c0"}
    assert sum(not f["properties"]["fixed"] for f in fc["features"]) == 2
    assert {"model", "objective", "covered_demand", "total_demand", "gap"} <= set(fc["properties"])
    for model, extra in (("setcover", ["--cover", "60"]), ("pmedian", ["--k", "2"])):
        r = run(
            "place",
            "--model",
            model,
            *extra,
            "--radius",
            "700",
            "--demand-file",
            d,
            "--candidates",
            c,
            "--out",
            tmp / f"{model}.geojson",
        )
        assert r.exit_code == 0 and "proven optimal" in r.output, r.output


@pytest.mark.parametrize(
    "case, message",
    [
        (["--k", "9"], "K=9 is larger than the number of candidates (8)"),
        (["--k", "2", "--radius", "-1"], "radius -1 is not allowed: metres, more than 0"),
        (["--k", "2", "--demand-file", "nolat.csv"], "nolat.csv: missing column lat"),
        (["--k", "2", "--demand-file", "badlon.csv"], "badlon.csv row 3, column lon: 'east'"),
        (["--k", "2", "--demand-file", "swapped.csv"], "row 2, column lat: 120 is above 90"),
        (["--k", "2", "--demand-file", "zero.csv"], "empty demand"),
        (["--k", "1", "--candidates", "allfixed.csv"], "no candidates"),
        ([], "--k (the number of new sites) is required"),
    ],
)
def test_place_bad_input(files, case, message):
    tmp, d, c = files
    write_csv(tmp / "nolat.csv", "id,lon", [("a", 120)])
    write_csv(tmp / "badlon.csv", "id,lon,lat", [("a", 120, 29.3), ("b", "east", 29.3)])
    write_csv(tmp / "swapped.csv", "id,lon,lat", [("a", 29.3, 120)])
    write_csv(tmp / "zero.csv", "id,lon,lat,weight", [("a", 120, 29.3, 0)])
    write_csv(tmp / "allfixed.csv", "id,lon,lat,fixed", [("a", 120, 29.3, "true")])
    args = {"--radius": "500", "--demand-file": d, "--candidates": c}
    i = 0
    while i < len(case):
        args[case[i]] = case[i + 1] if not str(case[i + 1]).endswith(".csv") else tmp / case[i + 1]
        i += 2
    flat = [x for kv in args.items() for x in kv]
    r = run("place", "--model", "mclp", *flat, "--out", tmp / "x.geojson")
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
