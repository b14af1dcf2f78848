"""The outside tester's findings (s23) on the area of an export and of the regions'
figures: an area that is not loaded and one outside the user's jurisdiction get one
answer naming the code and a code to give instead (the web's ``area=``, the command
line's ``--area`` and `popgis areas`); a province or city on the command line is told
of ``--area`` with an example county. Each failed before its fix."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.conftest import login

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}
COUNTY = "330782000000"
OUTSIDE = "330000000000"  # loaded, but above the city user's 金华市
MISSING = "331002000000"  # a real county code, not loaded here


def _error(r, status):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    return r.json["error"]["message"]


def test_an_export_area_not_found_names_the_code_and_one_to_send(client):
    """/exports/table.csv?area=331002000000 said "admin area not found"."""
    login(client, "city_u")
    said = {}
    for code in (OUTSIDE, MISSING):
        said[code] = _error(client.get(f"/exports/table.csv?area={code}", headers=EN), 404)
        assert said[code] == (
            f"area={code}: no such area in your jurisdiction (金华市); send the 12-digit "
            f"code of an area in it, e.g. area={COUNTY}"
        ), said[code]
    # outside the jurisdiction looks exactly like not loaded
    assert said[OUTSIDE].replace(OUTSIDE, "X") == said[MISSING].replace(MISSING, "X")
    zh = _error(client.get(f"/exports/table.csv?area={MISSING}", headers=ZH), 404)
    assert f"area={MISSING}" in zh and f"area={COUNTY}" in zh and "辖区" in zh, zh


def _export(*args):
    return CliRunner().invoke(main, ["--lang", "en", "export", "table", *args])


@pytest.mark.parametrize("given, code", [("33", OUTSIDE), ("331002", MISSING)])
def test_the_export_command_names_the_area_not_found(db_url, tmp_path, given, code):
    """`export table --user city_u --area 33` (and a county not loaded) said "admin
    area not found"; now the code, an example in the jurisdiction and `popgis areas`,
    the same words for both."""
    out = tmp_path / "t.csv"
    r = _export("--user", "city_u", "--area", given, "--format", "csv", "--out", str(out))
    assert r.exit_code == 2 and not out.exists()
    # as typed, the 12-digit code it stands for in brackets (outside tester, s24)
    assert (
        f"--area {given} ({code}): no such area in the jurisdiction (金华市); give an area in "
        f"it, e.g. --area {COUNTY}; `popgis areas --under 330700000000` lists them"
    ) in r.output, r.output


def test_the_export_command_speaks_of_its_own_option(db_url, tmp_path):
    """A province user's own province as --area was answered "send area=<12-digit
    county code>…"; without --area there was no example county."""
    out = tmp_path / "t.csv"
    args = ["--user", "province_u", "--format", "csv", "--out", str(out)]
    r = _export(*args, "--area", OUTSIDE)
    assert r.exit_code == 2 and not out.exists()
    assert f"--area {OUTSIDE} is 浙江省, not a county" in r.output, r.output
    assert f"give --area with one of its counties, e.g. --area {COUNTY}" in r.output
    assert "area=" not in r.output and f"`popgis areas --under {OUTSIDE}`" in r.output
    r = _export(*args)
    assert r.exit_code == 2 and "area=" not in r.output
    assert (
        "--area is missing: a Province staff account exports one county at a time; give "
        f"--area with one of its counties, e.g. --area {COUNTY}"
    ) in r.output, r.output
    # the console operator (no --user) with the province: the same words
    r = _export("--area", "33", "--format", "csv", "--out", str(out))
    assert r.exit_code == 2 and f"--area 33 ({OUTSIDE}) is 浙江省, not a county" in r.output


# 330783 (东阳市) is not loaded: its city is the nearest area loaded (web18: the 12-digit
# form of what was typed only when that area is loaded and the user's)
@pytest.mark.parametrize("given, example", [("330783", "330700000000"), ("abc", "330782000000")])
def test_regions_figures_within_shows_a_code_to_send(client, given, example):
    """/api/regions/figures?within=330783 was a 400 without the fix: now the 12-digit
    form of a county's code when it is loaded, else the nearest area of the user's that
    is (else a county of the user's), as the exports say it."""
    login(client, "province_u")
    msg = _error(client.get(f"/api/regions/figures?level=township&within={given}", headers=EN), 400)
    assert msg == (
        f"within={given!r}: expected the 12-digit code of an area in your jurisdiction, "
        f"e.g. {example}"
    ), msg
    zh = _error(client.get(f"/api/regions/figures?within={given}", headers=ZH), 400)
    assert f"例如 {example}" in zh, zh
    # a grid's 15 digits are no area to count within
    assert client.get("/api/regions/figures?within=330782001001001").status_code == 400


def test_regions_figures_within_not_found_names_the_code(client):
    """within= of an area not loaded, or outside the jurisdiction, said "admin area not
    found": now the code and one to send, the same words for both."""
    login(client, "city_u")
    said = {}
    for code in (OUTSIDE, MISSING):
        said[code] = _error(client.get(f"/api/regions/figures?within={code}", headers=EN), 404)
        assert said[code] == (
            f"within={code}: no such area in your jurisdiction (金华市); send the 12-digit "
            f"code of an area in it, e.g. within={COUNTY}"
        ), said[code]
    assert said[OUTSIDE].replace(OUTSIDE, "X") == said[MISSING].replace(MISSING, "X")
