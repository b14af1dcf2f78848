"""The command-line contract: parse-address, geocode CSV, geocode --households,
gazetteer export (run against a database of their own, since they commit)."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from cli.main import main

KEYS = [
    "province",
    "city",
    "county",
    "township",
    "village",
    "group",
    "road",
    "road_no",
    "compound",
    "building",
    "unit",
    "floor",
    "room",
    "house_no",
    "codes",
    "leftover",
    "flags",
    "matched",
]


def test_parse_address_text_and_file(geo_env, tmp_path):
    r = CliRunner().invoke(main, ["parse-address", "义乌市稠城街道江滨社区幸福小区1栋1单元101室"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert list(out) == KEYS
    assert out["compound"] == "幸福小区" and out["room"] == "101" and out["road"] is None
    assert out["codes"] == {
        "county": "330782000000",
        "township": "330782001000",
        "village": "330782001001",
    }
    f = tmp_path / "a.txt"
    f.write_text(
        "新光村三组十二号\n云南省文山壮族苗族自治州富宁县者桑乡那马村4组29号\nasdf\n",
        encoding="gbk",
    )
    r = CliRunner().invoke(main, ["parse-address", "--file", str(f)])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.splitlines()]
    assert [x["codes"]["village"] for x in lines] == ["330782100001", "532628203202", None]
    assert lines[0]["group"] == "3" and lines[0]["house_no"] == "12"
    assert CliRunner().invoke(main, ["parse-address"]).exit_code == 2


def test_parse_address_says_how_each_level_was_matched(geo_env, tmp_path):
    # a former name (东阳县, 东阳市 since 1988) is named as written, with its method (吴宁镇
    # is 吴宁街道 today: its old form under the former county, a former name too); the
    # keys before stay as they were
    r = CliRunner().invoke(main, ["parse-address", "东阳县吴宁镇西街5号"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert list(out) == KEYS and out["county"] == "东阳县"
    assert out["codes"]["township"] == "330783001000"
    assert out["matched"] == {
        "county": {"written": "东阳县", "method": "former_name"},
        "township": {"written": "吴宁镇", "method": "former_name"},
    }
    # a blank line keeps its line (the output stays aligned with the input), flagged
    f = tmp_path / "b.txt"
    f.write_text("义乌市稠城镇江滨社区\n\n   \n永康县古山镇\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["parse-address", "--file", str(f)])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.splitlines()]
    assert [x["flags"] for x in lines] == [
        [],
        ["nothing_recognised", "empty"],
        ["nothing_recognised", "empty"],
        [],
    ]
    assert lines[0]["matched"]["township"] == {"written": "稠城镇", "method": "short_name"}
    assert lines[3]["matched"]["county"] == {"written": "永康县", "method": "former_name"}
    assert lines[3]["codes"]["township"] == "330784108000"
    assert lines[1]["matched"] == {} and not any(lines[1][k] for k in KEYS[:14])


def test_geocode_csv(geo_env, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "id,address,lon,lat,crs\n"
        "1,江滨社区幸福小区1栋1单元101室,,,\n"
        "2,,120.0502,29.3502,wgs84\n"
        "3,,0,0,\n"
        "4,杭州市西湖区北山街道1号,,,\n"
        "5,新光村3组,,,\n"
        "6,,abc,29.3,\n"
        "7,,120.05,29.35,mars\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["geocode", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel shows Chinese
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert list(rows[0]) == [
        "id",
        "level",
        "building_id",
        "village_code",
        "township_code",
        "county_code",
        "lon",
        "lat",
        "score",
        "method",
        "review",
    ]
    got = {x["id"]: x for x in rows}
    assert (got["1"]["level"], got["1"]["building_id"], got["1"]["review"]) == (
        "building",
        "A1",
        "false",
    )
    assert (got["2"]["level"], got["2"]["building_id"]) == ("building", "B1")
    assert got["5"]["level"] == "group" and got["5"]["village_code"] == "330782100001"
    for i, why in (
        ("3", "0,0"),
        ("4", "another county"),
        ("6", "not a number"),
        ("7", "unknown CRS"),
    ):
        assert got[i]["level"] == "unmatched" and why in got[i]["method"], got[i]
        assert got[i]["review"] == "true"


def test_geocode_unreadable_file_is_a_clear_error(geo_env, tmp_path):
    bad = tmp_path / "in.csv"
    bad.write_bytes(b"")
    r = CliRunner().invoke(
        main, ["geocode", str(bad), "--out", str(tmp_path / "o.csv")], env={"POPGIS_LANG": "en"}
    )  # the reader's English text is compared
    assert r.exit_code == 2 and "in.csv" in r.output and "0 bytes" in r.output
    nocol = tmp_path / "x.csv"
    nocol.write_text("id,adres\n1,江滨社区\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["geocode", str(nocol), "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 2 and "address" in r.output and "adres" in r.output


def test_geocode_households_and_export(geo_env, tmp_path):
    r = CliRunner().invoke(main, ["geocode", "--households"])
    assert r.exit_code == 0, r.output
    assert "geocoded 5 households" in r.output and "building" in r.output
    assert "open review items 1" in r.output
    r = CliRunner().invoke(main, ["geocode", "--households"])
    assert "geocoded 0 households" in r.output
    out = tmp_path / "g.csv"
    r = CliRunner().invoke(main, ["gazetteer", "export", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert list(rows[0]) == [
        "building_id",
        "county_code",
        "township_code",
        "township",
        "village_code",
        "village",
        "group",
        "compound",
        "building_no",
        "address",
        "lon",
        "lat",
    ]
    c1 = next(x for x in rows if x["building_id"] == "C1")
    assert (c1["group"], c1["building_no"], c1["village_code"]) == ("3", "12", "330782100001")
    assert len(rows) == 5


def test_unreadable_coordinates_beside_an_address_are_flagged(geo_env, tmp_path):
    """An outside tester's finding: lon=abc next to a good address was geocoded by the
    address without a word. Now the row is marked for review and says why."""
    src = tmp_path / "in.csv"
    src.write_text(
        "id,address,lon,lat\n"
        "1,江滨社区幸福小区1栋1单元101室,abc,29.35\n"
        "2,江滨社区幸福小区1栋1单元101室,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    r = CliRunner().invoke(main, ["--lang", "en", "geocode", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    got = {x["id"]: x for x in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert got["1"]["level"] == "building" and got["1"]["review"] == "true"
    assert "coordinates ignored: lon/lat is not a number" in got["1"]["method"]
    assert got["2"]["review"] == "false" and "ignored" not in got["2"]["method"]
    assert "1 row(s) gave coordinates that cannot be used" in r.output
    r = CliRunner().invoke(main, ["geocode", str(src), "--out", str(out), "--json"])
    assert json.loads(r.stdout)["coordinates_ignored"] == 1
