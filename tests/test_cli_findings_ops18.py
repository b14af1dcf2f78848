"""The outside tester's findings (s24) on the command line's options: an empty
``--area`` was taken as "no area" by `db check` (every area checked), ``--workers``
with ``--scheduler`` and ``--area`` with a geocoded file were ignored without a word.
Each failed before its fix."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main

FORM = "2, 4, 6, 9 or 12 digits"

# every command that takes --area (and `areas --under`), with what else it needs
AREA_COMMANDS = [
    ["db", "check"],
    ["coverage", "--kinds", "clinic", "--radius", "800"],
    ["place", "--model", "mclp", "--k", "1", "--radius", "800", "--out", "{tmp}/p.geojson"],
    ["geocode", "--households"],
    ["export", "map", "--layer", "migrants", "--out", "{tmp}/m.png"],
    ["export", "atlas", "--out", "{tmp}/a.pdf"],
    ["export", "table", "--out", "{tmp}/t.csv"],
    ["export", "layer", "--out", "{tmp}/l.gpkg"],
    ["users", "add", "nobody", "--role", "county", "--password-stdin"],
]


def _run(*args, input=None):
    return CliRunner().invoke(main, ["--lang", "en", *map(str, args)], input=input)


@pytest.mark.parametrize("given", ["", "  "])
@pytest.mark.parametrize("command", AREA_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_empty_area_is_refused_by_every_command(db_url, tmp_path, command, given):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    r = _run(*args, "--area", given, input="Pass-word-1234\n")
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error: --area is empty: expected the code of a province"), r.output
    assert FORM in r.output and "`popgis areas` lists the areas loaded" in r.output
    assert "leave --area out for the default" in r.output
    assert list(tmp_path.iterdir()) == []


def test_an_empty_area_is_refused_in_chinese_too(db_url):
    r = CliRunner().invoke(main, ["--lang", "zh", "db", "check", "--area", ""])
    assert r.exit_code == 2 and r.output.startswith("错误：--area 为空：应为省、市、县"), r.output
    assert "`popgis areas` 列出已加载的区划" in r.output


def test_an_empty_under_is_refused(db_url):
    r = _run("areas", "--under", " ")
    assert r.exit_code == 2 and r.output.startswith("error: --under is empty:"), r.output


def test_db_check_with_an_area_still_checks_that_area(db_url):
    r = _run("db", "check", "--area", "330782", "--json")
    assert r.exit_code in (0, 1) and '"count"' in r.output, r.output


@pytest.mark.parametrize(
    "command",
    [
        ["geocode", "{tmp}/in.csv", "--out", "{tmp}/out.csv"],
        ["coverage", "--kinds", "clinic", "--radius", "800", "--area", "33"],
    ],
    ids=["geocode", "coverage"],
)
def test_workers_with_a_scheduler_is_refused_saying_which_applies(tmp_path, command):
    (tmp_path / "in.csv").write_text("id,address\n1,江滨社区\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    dask = ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"]
    r = _run(*args, *dask, "--workers", "4")
    assert r.exit_code == 2, r.output
    assert r.output.strip() == (
        "error: --workers is the number of worker processes of the local cluster; with "
        "--scheduler the tasks run on the workers started with that scheduler (`dask "
        "worker ADDRESS`, as many as you start): leave out --workers, or --scheduler for "
        "a local cluster"
    ), r.output
    zh = CliRunner().invoke(main, ["--lang", "zh", *args, *dask, "--workers", "4"])
    assert zh.exit_code == 2 and "--workers 是本地集群的工作进程数" in zh.output, zh.output
    assert not (tmp_path / "out.csv").exists()


def test_area_with_a_geocoded_file_is_refused(db_url, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,address\n1,江滨社区\n", encoding="utf-8")
    r = _run("geocode", src, "--out", tmp_path / "out.csv", "--area", "330782")
    assert r.exit_code == 2, r.output
    assert r.output.strip() == (
        "error: --area goes with --households (the households of that area); a file is "
        "geocoded whole: leave out --area"
    )
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- export --area
def _export(*args):
    return _run("export", "table", "--format", "csv", *args)


@pytest.mark.parametrize("given", ["331002", "99", "331002000000"])
def test_export_echoes_an_area_not_loaded_as_typed_as_every_command(db_url, tmp_path, given):
    """`export table --area 331002` said "--area 331002000000: …" where `coverage`
    says "--area 331002: …": the export now says what every command says."""
    out = tmp_path / "t.csv"
    r = _export("--area", given, "--out", out)
    assert r.exit_code == 2 and not out.exists(), r.output
    full = given.ljust(12, "0")
    assert r.output.startswith(f"error: --area {given}: no area {full} is loaded here;"), r.output
    other = _run("coverage", "--kinds", "clinic", "--radius", "800", "--area", given)
    assert other.output == r.output


@pytest.mark.parametrize(
    "user, given, said",
    [
        (None, "3307", "--area 3307 (330700000000) is 金华市, not a county"),
        ("city_u", "3307", "--area 3307 (330700000000) is 金华市, not a county"),
        ("city_u", "330700000000", "--area 330700000000 is 金华市, not a county"),
        ("county_u", "33", "--area 33 (330000000000): no such area in the jurisdiction"),
        ("county_u", " 3307 ", "--area 3307 (330700000000): no such area in the jurisdiction"),
    ],
)
def test_export_echoes_the_area_as_typed_with_its_code(db_url, tmp_path, user, given, said):
    out = tmp_path / "t.csv"
    r = _export("--area", given, "--out", out, *(["--user", user] if user else []))
    assert r.exit_code == 2 and not out.exists(), r.output
    assert r.output.startswith(f"error: {said}"), r.output
    assert "(`popgis areas --under 33" in r.output or "jurisdiction" in r.output


@pytest.mark.parametrize("user", [None, "county_u", "city_u"])
@pytest.mark.parametrize("command", ["table", "layer", "map"])
def test_export_looks_its_area_up_once(db_url, tmp_path, user, command):
    """The command checked --area, then the export function checked it again (two
    lookups, three for the operator): now once, the export function given the checked
    scope. Counted on the query that looks an area up by its code, with --area's."""
    import sqlalchemy as sa

    lookups = []

    def count(_conn, _cursor, statement, parameters, *_args):
        # the area's own lookup (the statistics look its county up too, for suppression)
        if statement.startswith("SELECT path, level FROM admin_area WHERE code"):
            if parameters == {"c": "330782001000"}:
                lookups.append(statement)

    args = {
        "table": ["table", "--format", "csv"],
        "layer": ["layer", "--format", "geojson", "--layer", "village_stats"],
        "map": ["map", "--layer", "service-points", "--format", "png"],
    }[command]
    out = tmp_path / f"out.{args[-1]}"
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        r = _run(
            "export", *args, "--area", "330782001", "--out", out,
            *(["--user", user] if user else []),
        )  # fmt: skip
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    assert r.exit_code == 0 and out.stat().st_size > 0, r.output
    assert len(lookups) == 1, lookups


# ---------------------------------------------------------------- place --area
PLACE = ["place", "--model", "mclp", "--k", "1", "--radius", "800"]


@pytest.mark.parametrize(
    "given, name, code",
    [("33", "浙江省", "330000000000"), ("330700000000", "金华市", "330700000000")],
)
def test_place_of_a_province_or_city_is_refused_pointing_to_a_county(
    db_url, tmp_path, given, name, code
):
    """`place --area 33` planned the whole province as one instance (one UTM zone, K
    sites across counties); a plan is a county's, as its planners make it."""
    out = tmp_path / "p.geojson"
    r = _run(*PLACE, "--area", given, "--out", out)
    assert r.exit_code == 2, r.output
    assert r.output.strip() == (
        f"error: --area {given} is {name}: place plans one county (or a township, village "
        "or grid of one) at a time, as the county's planners do; give --area with one of "
        f"its counties, e.g. --area 330782000000 (`popgis areas --under {code}` lists "
        "them), and run place once per county"
    ), r.output
    assert list(tmp_path.iterdir()) == []
    zh = CliRunner().invoke(main, ["--lang", "zh", *PLACE, "--area", given, "--out", str(out)])
    assert zh.exit_code == 2 and f"是{name}：place 每次为一个县" in zh.output, zh.output


@pytest.mark.parametrize("given", ["330782", "330782001", "330782001001002"])
def test_place_of_a_county_or_an_area_within_one_is_planned(db_url, tmp_path, given):
    out = tmp_path / "p.geojson"
    r = _run(*PLACE, "--area", given, "--out", out, "--json")
    assert r.exit_code == 0, r.output
    assert out.exists() and (tmp_path / "p.csv").exists()


def test_place_with_both_files_refuses_an_area(tmp_path):
    demand = tmp_path / "d.csv"
    demand.write_text("id,lon,lat\n1,120.02,29.25\n", encoding="utf-8")
    sites = tmp_path / "s.csv"
    sites.write_text("id,lon,lat\nA,120.02,29.25\n", encoding="utf-8")
    out = tmp_path / "p.geojson"
    files = ["--demand-file", demand, "--candidates", sites, "--out", out]
    r = _run(*PLACE, *files, "--area", "330782")
    assert r.exit_code == 2 and r.output.strip() == (
        "error: --area chooses the database's demand and sites; with both --demand-file "
        "and --candidates nothing is read from the database: leave out --area"
    ), r.output
    assert not out.exists()
    assert _run(*PLACE, *files).exit_code == 0 and out.exists()
