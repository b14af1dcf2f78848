"""An outside tester's findings on the command line, one test each (issue 14)."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from cli.main import main
from gis.progress import bar

EN = {"POPGIS_LANG": "en"}


def test_malformed_database_url_says_how_to_write_it():
    for url in ("postgres//nohost", "postgresql://u:secretpw@host:notaport/db"):
        r = CliRunner().invoke(main, ["stats"], env={**EN, "POPGIS_DATABASE_URL": url})
        assert r.exit_code == 2, r.output
        assert "POPGIS_DATABASE_URL is not a database URL" in r.output
        assert "postgresql://USER:PASSWORD@HOST:PORT/DATABASE" in r.output
        assert "Traceback" not in r.output and "secretpw" not in r.output
    r = CliRunner().invoke(main, ["stats"], env={**EN, "POPGIS_DATABASE_URL": "mysql://u@h/d"})
    assert r.exit_code == 2 and "names a mysql database" in r.output
    r = CliRunner().invoke(main, ["stats"], env={"POPGIS_DATABASE_URL": "x", "POPGIS_LANG": "zh"})
    assert r.exit_code == 2 and "不是有效的数据库地址" in r.output


def test_unlocking_a_user_that_does_not_exist_says_so(db_url):
    r = CliRunner().invoke(main, ["users", "unlock", "nosuchuser"], env=EN)
    assert r.exit_code == 2
    assert "no user named 'nosuchuser'" in r.output and "unlocked" not in r.output
    r = CliRunner().invoke(main, ["users", "unlock", "village_a"], env=EN)
    assert r.exit_code == 0 and "unlocked village_a" in r.output


def test_audit_prints_a_table_and_json_keeps_the_keys(db_url):
    # an entry of our own: an unlock is written to the access log
    assert CliRunner().invoke(main, ["users", "unlock", "--address", "10.9.8.7"]).exit_code == 0
    r = CliRunner().invoke(main, ["audit", "--limit", "3"], env=EN)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split()[:3] == ["id", "time", "user"]
    assert set(lines[1]) <= {"-", " "}
    assert any("unlocked logins" in x and "10.9.8.7" in x for x in lines[2:])
    assert "{'" not in r.output and "user_name=" not in r.output
    r = CliRunner().invoke(main, ["audit", "--limit", "3"], env={"POPGIS_LANG": "zh"})
    assert r.output.splitlines()[0].split()[:3] == ["编号", "时间", "用户"]
    r = CliRunner().invoke(main, ["audit", "--limit", "3", "--json"])
    rows = json.loads(r.output)
    assert {"user_name", "action", "at"} <= set(rows[0])


def test_export_refuses_an_out_folder_that_does_not_exist(db_url, tmp_path):
    out = tmp_path / "no" / "such" / "t.csv"
    r = CliRunner().invoke(main, ["export", "table", "--out", str(out)], env=EN)
    assert r.exit_code == 2
    assert f"the folder {out.parent} does not exist" in r.output and "mkdir -p" in r.output
    assert not (tmp_path / "no").exists()
    out = tmp_path / "t.csv"
    assert CliRunner().invoke(main, ["export", "table", "--out", str(out)]).exit_code == 0
    assert out.stat().st_size > 0


def test_atlas_draws_the_one_progress_bar(db_url, tmp_path, monkeypatch):
    import cli.export

    # the bar is drawn on a terminal only; the runner's stderr is not one
    monkeypatch.setattr(cli.export, "bar", functools.partial(bar, enabled=True))
    out = tmp_path / "atlas.pdf"
    r = CliRunner().invoke(
        main, ["export", "atlas", "--per", "township", "--out", str(out)], env=EN
    )
    assert r.exit_code == 0, r.output
    assert "atlas pages" in r.stderr and "100%" in r.stderr
    assert out.read_bytes().startswith(b"%PDF")


def _load(tmp_path, name, *args, env=EN):
    return CliRunner().invoke(
        main,
        ["load", "households", str(tmp_path / name), "--dry-run", "--report", str(tmp_path), *args],
        env=env,
    )


def test_every_problem_of_a_bad_row_is_reported(db_url, tmp_path):
    (tmp_path / "h.csv").write_text(
        "household_no,address,village_code,name,sex,birth_date,id_number\n"
        "HX1,江滨社区1号,330782001001,张三,x,1990-13-01,123\n",
        encoding="utf-8",
    )
    r = _load(tmp_path, "h.csv")
    assert r.exit_code == 1, r.output  # the dry run found a bad row
    assert "1 rejected" in r.output  # one row, three problems
    for column in ("sex", "birth_date", "id_number"):
        assert f"row 2, column {column}:" in r.output, r.output
    report = next(p for p in tmp_path.glob("*.csv") if p.name != "h.csv")
    rejected = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert {x["column"] for x in rejected} >= {"sex", "birth_date", "id_number"}
    assert {x["row"] for x in rejected} == {"2"}


def test_a_bad_sex_value_names_the_accepted_ones(db_url, tmp_path):
    (tmp_path / "h.csv").write_text(
        "household_no,address,village_code,name,sex,id_number\n"
        "HX2,江滨社区2号,330782001001,李四,x,\n",
        encoding="utf-8",
    )
    r = _load(tmp_path, "h.csv", env={"POPGIS_LANG": "zh"})
    assert "不是已知的性别" in r.output and "男 或 女" in r.output, r.output
    r = _load(tmp_path, "h.csv")
    assert "use one of: 男 or 女 (also M/F, male/female, 1/2)" in r.output


def test_an_xlsx_formula_without_its_value_is_named(db_url, tmp_path):
    wb = openpyxl.Workbook()  # openpyxl writes formulas without values, as some tools do
    ws = wb.active
    ws.append(["household_no", "address", "village_code", "name", "id_number"])
    ws.append(["HX3", "江滨社区3号", "330782001001", "王五", ""])
    ws.append(["HX4", "=B2", "330782001001", "赵六", ""])
    wb.save(tmp_path / "h.xlsx")
    r = _load(tmp_path, "h.xlsx")
    assert r.exit_code == 2, r.output
    assert "row 3" in r.output and "B" in r.output and "=B2" in r.output
    assert "holds a formula whose value is not saved" in r.output
    assert "save it" in r.output and "paste" in r.output


def test_load_report_reads_as_text_in_the_users_language(db_url, tmp_path):
    data = Path(__file__).parent / "data" / "households.csv"
    r = CliRunner().invoke(
        main, ["load", "households", str(data), "--dry-run"], env={"POPGIS_LANG": "zh"}
    )
    assert r.exit_code == 0, r.output
    assert "人数: 新增" in r.output and "户数: 新增" in r.output
    assert "{'" not in r.output and "inserted" not in r.output
    r = CliRunner().invoke(main, ["load", "households", str(data), "--dry-run", "--json"])
    assert set(json.loads(r.output)["details"]["persons"]) == {"inserted", "updated", "unchanged"}


def test_demo_account_table_speaks_the_users_language():
    from gis.messages import speaking
    from loaders.demo_county import accounts_text

    with speaking("zh"):
        text = accounts_text()
    assert "演示账号" in text and "县级工作人员" in text and "仅江滨社区" in text
    assert "only" not in text and "staff" not in text
    lines = text.splitlines()
    # aligned: the area codes start in the same terminal column on every account row
    from gis.messages import display_width

    starts = {display_width(x[: x.index("3307")]) for x in lines[3:]}
    assert len(starts) == 1
    with speaking("en"):
        assert "county staff" in accounts_text()


def test_audit_shows_roles_actions_and_targets_by_name(db_url, engine):
    """The table says who did what in words (--json keeps the codes); users list too."""
    import sqlalchemy as sa

    with engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO access_log (user_name, role, action, target_kind, target_id) VALUES "
                "('qa_names', 'county', 'view_household', 'household', '1'), "
                "('qa_names', 'county', 'household_tile', 'tile', '330782001000'), "
                "('qa_names', 'village', 'login', NULL, NULL)"
            )
        )
    zh = CliRunner().invoke(main, ["audit", "--user", "qa_names"], env={"POPGIS_LANG": "zh"})
    assert zh.exit_code == 0, zh.output
    for words in ("县级工作人员", "村（社区）工作人员", "查看住户", "浏览住户地图", "登录"):
        assert words in zh.output, words
    assert "住户" in zh.output and "地图瓦片" in zh.output and "对象名称" in zh.output
    for code in ("target_name", "view_household", "household_tile", "county", "village"):
        assert code not in zh.output, code
    en = CliRunner().invoke(main, ["--lang", "en", "audit", "--user", "qa_names"])
    for words in ("County staff", "viewed a household", "logged in", "map tile", "target name"):
        assert words in en.output, words
    rows = json.loads(CliRunner().invoke(main, ["audit", "--user", "qa_names", "--json"]).output)
    assert {r["action"] for r in rows} == {"view_household", "household_tile", "login"}
    assert {r["role"] for r in rows} == {"county", "village"}
    users = CliRunner().invoke(main, ["users", "list"], env={"POPGIS_LANG": "zh"})
    assert "县级工作人员" in users.output and " county " not in users.output
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM access_log WHERE user_name = 'qa_names'"))


def test_audit_unusual_shows_roles_by_name(db_url, engine):
    import sqlalchemy as sa

    with engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO access_log (user_name, role, action, target_kind, households) "
                "VALUES ('village_a', 'village', 'household_tile', 'tile', 900)"
            )
        )
    try:
        r = CliRunner().invoke(main, ["audit", "--unusual"], env={"POPGIS_LANG": "zh"})
    finally:
        # the session's database is shared: other tests count unusual reads
        with engine.begin() as c:
            c.execute(
                sa.text(
                    "DELETE FROM access_log WHERE user_name = 'village_a' "
                    "AND action = 'household_tile' AND households = 900"
                )
            )
    assert r.exit_code == 0, r.output
    assert "village_a" in r.output and "村（社区）工作人员" in r.output
    assert " village " not in r.output


def test_every_out_refuses_a_folder_that_does_not_exist(db_url, tmp_path):
    """geocode, place and gazetteer export name a missing --out folder before any work,
    as export does (geocode named its hidden part file with a raw errno, place created
    the folder silently) (outside tester, s21)."""
    src = tmp_path / "in.csv"
    src.write_text("id,address\n1,义乌市稠城街道\n", encoding="utf-8")
    out = tmp_path / "no" / "such" / "x.csv"
    runs = [
        ["geocode", str(src), "--out", str(out)],
        ["place", "--model", "mclp", "--k", "1", "--radius", "500", "--out", str(out)],
        ["gazetteer", "export", "--out", str(out)],
    ]
    for args in runs:
        r = CliRunner().invoke(main, args, env=EN)
        assert r.exit_code == 2, (args, r.output)
        assert f"the folder {out.parent} does not exist" in r.output, (args, r.output)
        assert "mkdir -p" in r.output and ".part" not in r.output
        assert not (tmp_path / "no").exists()


def test_audit_table_names_export_kinds_and_login_roles(db_url, engine):
    """`popgis audit`'s table names an export's kind as the web audit page does
    ("map · density map", not map:density) and a login's role by name (outside tester,
    s21; the role stored with the entry since ops21, not the account's current one);
    JSON keeps the codes."""
    import sqlalchemy as sa

    with engine.begin() as c:
        c.execute(
            sa.text("""
            INSERT INTO access_log (user_name, role, action, target_kind, target_id)
            VALUES ('village_a', 'village', 'export', 'map:density', '330782000000'),
                   ('village_a', 'village', 'login', NULL, NULL)""")
        )
    try:
        r = CliRunner().invoke(main, ["audit", "--user", "village_a", "--limit", "2"], env=EN)
        assert r.exit_code == 0, r.output
        assert "map:density" not in r.output and "map · " in r.output, r.output
        login = next(x for x in r.output.splitlines() if "logged in" in x)
        assert "Village staff" in login, login
        r = CliRunner().invoke(main, ["audit", "--user", "village_a", "--limit", "2", "--json"])
        assert "map:density" in {row["target_kind"] for row in json.loads(r.output)}
    finally:
        with engine.begin() as c:
            c.execute(
                sa.text(
                    "DELETE FROM access_log WHERE user_name = 'village_a' AND "
                    "(target_kind = 'map:density' OR (action = 'login' AND target_kind IS NULL "
                    "AND client_addr IS NULL))"
                )
            )
