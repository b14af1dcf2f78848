"""``popgis db check`` (outside tester, issue 15 finding 10): rows stored before today's
rules (an event dated 9999-12-31, a person an event names who is not of its household,
"no expiry" stored as 9999-12-31) are found and named with the fix; nothing is changed."""

from __future__ import annotations

import csv
import json

import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main


def _ids(c, no):
    return c.execute(
        sa.text(
            "SELECT h.id AS hid, h.admin_path, min(p.id) AS pid FROM households h "
            "JOIN persons p ON p.household_id = h.id WHERE h.household_no = :n "
            "GROUP BY h.id, h.admin_path"
        ),
        {"n": no},
    ).one()


def test_db_check_names_old_rows_that_break_todays_rules(db_url, engine, tmp_path, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG", raising=False)
    runner = CliRunner()
    before = json.loads(runner.invoke(main, ["db", "check", "--json"]).output)["count"]
    with engine.begin() as c:
        ha1, ha2 = _ids(c, "HA1"), _ids(c, "HA2")
        far = c.execute(
            sa.text("""
            INSERT INTO events (ext_id, county_code, household_id, kind, event_date,
                                admin_path)
            VALUES ('OLD9999', '330782', :h, 'visit', '9999-12-31', :p) RETURNING id"""),
            {"h": ha1.hid, "p": ha1.admin_path},
        ).scalar_one()
        stranger = c.execute(
            sa.text("""
            INSERT INTO events (ext_id, county_code, household_id, person_id, kind,
                                event_date, admin_path)
            VALUES ('OLDPERSON', '330782', :h, :pid, 'visit', '2024-05-01', :p) RETURNING id"""),
            {"h": ha1.hid, "pid": ha2.pid, "p": ha1.admin_path},
        ).scalar_one()
        expiry = c.execute(
            sa.text("SELECT cert_residence_expiry FROM persons WHERE id = :i"), {"i": ha2.pid}
        ).scalar()
        c.execute(
            sa.text("UPDATE persons SET cert_residence_expiry = '9999-12-31' WHERE id = :i"),
            {"i": ha2.pid},
        )
    try:
        out = tmp_path / "problems.csv"
        r = runner.invoke(main, ["db", "check", "--area", "330782", "--csv", str(out)])
        assert r.exit_code == 1, r.output
        assert f"库中有 {before + 3} 行数据违反现行规则（未做任何修改）" in r.output, r.output
        assert f"events 表第 {far} 行（县 330782，编号 OLD9999，户号 HA1）" in r.output
        assert "event_date = 9999-12-31；规则：事件日期应在 1900-01-01 至今天" in r.output
        assert "处理：请在事件文件中改正日期后重新导入" in r.output
        assert (
            f"events 表第 {stranger} 行" in r.output and "事件所指的人员应是该户的成员" in r.output
        )
        assert "cert_residence_expiry = 9999-12-31" in r.output
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
        assert {(r["table"], r["key"], r["column"]) for r in rows} >= {
            ("events", "OLD9999", "event_date"),
            ("events", "OLDPERSON", "person_id"),
            ("persons", "HA2", "cert_residence_expiry"),
        }
        r = runner.invoke(main, ["--lang", "en", "db", "check", "--json"])
        body = json.loads(r.output)
        far_row = next(p for p in body["problems"] if p["row_id"] == far)
        assert far_row["rule"].startswith("an event's date lies between 1900-01-01 and today")
        assert far_row["fix"].startswith("correct the date in the events file")
        # read-only: the rows are all still there
        with engine.connect() as c:
            assert (
                c.execute(
                    sa.text("SELECT event_date::text FROM events WHERE id = :i"), {"i": far}
                ).scalar()
                == "9999-12-31"
            )
        # an area below the county: only its households' rows (outside tester, s21)
        with engine.connect() as c:
            mine = c.execute(
                sa.text("SELECT code FROM admin_area WHERE path = left(:p, 12)"),
                {"p": ha1.admin_path},
            ).scalar()
            elsewhere = c.execute(
                sa.text(
                    "SELECT code FROM admin_area WHERE level = 'village' "
                    "AND NOT starts_with(:p, path) ORDER BY code LIMIT 1"
                ),
                {"p": ha1.admin_path},
            ).scalar()
        keys = {}
        for code in (mine, elsewhere):
            r = runner.invoke(main, ["db", "check", "--area", code, "--json"])
            keys[code] = {p["key"] for p in json.loads(r.output)["problems"]}
        assert {"OLD9999", "OLDPERSON"} <= keys[mine]
        assert not {"OLD9999", "OLDPERSON", "HA1"} & keys[elsewhere], keys
        r = runner.invoke(main, ["db", "check", "--area", "330782999999"])
        assert r.exit_code == 2 and "330782999999" in r.output, r.output
        r = runner.invoke(main, ["db", "check", "--area", "33078x"])
        assert r.exit_code == 2 and "--area '33078x'" in r.output, r.output
        assert "`popgis areas`" in r.output
        # every form of --area (outside tester, s23: a 9-digit township, 33 and 3307 were
        # refused as "a 6-digit or 12-digit area code"): the same rows as written out
        township = mine[:9]
        for short, full in ((township, township + "000"), ("33", "330000000000")):
            got = {}
            for code in (short, full):
                r = runner.invoke(main, ["db", "check", "--area", code, "--json"])
                assert r.exit_code == 1, r.output
                got[code] = {p["key"] for p in json.loads(r.output)["problems"]}
            assert got[short] == got[full] and {"OLD9999", "OLDPERSON"} <= got[short], got
        r = runner.invoke(main, ["db", "check", "--area", "3307", "--json"])
        assert {"OLD9999", "OLDPERSON"} <= {p["key"] for p in json.loads(r.output)["problems"]}
    finally:
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM events WHERE id IN (:a, :b)"), {"a": far, "b": stranger})
            c.execute(
                sa.text("UPDATE persons SET cert_residence_expiry = :e WHERE id = :i"),
                {"i": ha2.pid, "e": expiry},
            )
    r = runner.invoke(main, ["db", "check"])
    if before == 0:
        assert r.exit_code == 0 and "库中没有违反现行规则的数据" in r.output, r.output


def test_db_check_refuses_an_area_not_loaded_and_an_unwritable_csv(db_url, tmp_path):
    """A county that is not loaded is named, not reported clean; a CSV that cannot be
    written is one line, not a traceback (outside tester, this session)."""
    runner = CliRunner()
    r = runner.invoke(main, ["db", "check", "--area", "330783"])
    assert r.exit_code == 2 and "--area 330783: no area 330783000000" in r.output, r.output
    assert "`popgis areas`" in r.output
    assert "Traceback" not in r.output
    r = runner.invoke(main, ["db", "check", "--csv", str(tmp_path / "no" / "such" / "x.csv")])
    assert r.exit_code == 2, r.output
    assert f"the folder {tmp_path / 'no' / 'such'} does not exist" in r.output, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_a_birth_date_from_the_id_number_is_corrected_in_the_id_number(engine, monkeypatch):
    """A future birth date that the ID number itself gives: emptying the birth date would
    give it again, so the fix is to re-type the ID number (outside tester, s21)."""
    from gis.gate import checks

    monkeypatch.setenv("POPGIS_LANG", "en")
    with engine.connect() as c, c.begin() as t:
        pid, typed = c.execute(
            sa.text("""
            UPDATE persons SET id_number = '330782203001010016', birth_date = '2030-01-01'
            WHERE id = (SELECT min(id) FROM persons) RETURNING id,
            (SELECT min(id) + 1 FROM persons)""")
        ).one()
        c.execute(
            sa.text("UPDATE persons SET birth_date = '2031-02-03' WHERE id = :i"), {"i": typed}
        )
        found = {p.row_id: p for p in checks.check(c, "330782") if p.column == "birth_date"}
        assert found[pid].fix.startswith("the birth date is the one in the ID number"), found
        assert found[typed].fix.startswith("correct the birth date in the households file")
        t.rollback()
