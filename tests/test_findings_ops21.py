"""The outside tester's findings (s25) on accounts and the access log: account names
were not checked ("county " looked like "county" in the log, cli:root mixed with the
console's operator), the log's role column was the account's current role. Each
failed before its fix."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from gis import db
from tests.conftest import PASSWORD, login

BAD_NAMES = ["cli:root", "county ", "ｑａ３", "a\u202eb", "qa\nfoo", "<script>", "=cmd|x", "1abc"]


def _add(name: str, lang: str = "en"):
    args = ["--lang", lang, "users", "add", name, "--role", "village"]
    args += ["--area", "330782001001", "--password-stdin"]
    return CliRunner().invoke(main, args, input="s3cret-pass\n")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_users_add_refuses_a_name_breaking_the_rule(db_url, name):
    r = _add(name)
    assert r.exit_code == 2, r.output
    assert r.output == (
        f"error: account name {ascii(name)} is not allowed: use 1-64 ASCII letters, digits, "
        "'_', '.' or '-', starting with a letter ('cli:' names the console's operators)\n"
    )
    with db.engine().connect() as c:
        assert not c.execute(sa.text("SELECT 1 FROM app_users WHERE name = :n"), {"n": name}).all()


def test_the_rule_keeps_ordinary_and_demo_names():
    from gis.users import valid_name
    from loaders.demo_county import DEMO_ACCOUNTS
    from loaders.demo_province import province_accounts

    manifest = {"province": "33", "counties": ["330782", "330102"]}
    names = [a[0] for a in DEMO_ACCOUNTS] + [a[0] for a in province_accounts(manifest)]
    assert all(valid_name(n) for n in names + ["qa13", "li.wei-2", "A" * 64])
    assert not valid_name("A" * 65) and not valid_name("")


def test_a_name_breaking_the_rule_logs_in_as_a_wrong_password_does(conn, client):
    """An account made before the rule (here put in directly) logs in no more, with the
    answer of a wrong password."""
    from gis.users import hash_password

    conn.execute(
        sa.text(
            "INSERT INTO app_users (name, role, area_code, password_hash) "
            "VALUES ('county ', 'county', '330782000000', :h)"
        ),
        {"h": hash_password(PASSWORD)},
    )
    wrong = login(client, "county_u", "not-the-password")
    bad = login(client, "county ", PASSWORD)
    assert wrong.status_code == bad.status_code == 401
    assert bad.get_data() == wrong.get_data()
    assert login(client, "county_u").status_code == 302


def test_the_log_shows_the_role_of_the_time_on_every_output(db_url):
    """A login entry keeps the role the account had (it was null and the table showed
    the current one); a console entry stays "—" even when an account takes the
    operator's name (one made before the name rule, put in directly here)."""
    import csv
    import io
    import json
    from getpass import getuser

    from gis import logins, users

    name, operator = "ops21_role", f"cli:{getuser()}"
    runner = CliRunner()

    def audit(who: str, *fmt: str):
        return runner.invoke(main, ["--lang", "en", "audit", "--user", who, *fmt]).output

    try:
        with db.engine().begin() as c:
            users.add_user(c, name, "village", "330782001001", "s3cret-pass")
            logins.record(c, name, "10.0.0.21", True)
        assert runner.invoke(main, ["users", "disable", name]).exit_code == 0
        with db.engine().begin() as c:
            c.execute(
                sa.text(
                    "UPDATE app_users SET role = 'township', area_code = '330782001000' "
                    "WHERE name = :n"
                ),
                {"n": name},
            )
            c.execute(
                sa.text(
                    "INSERT INTO app_users (name, role, area_code, password_hash) "
                    "VALUES (:n, 'village', '330782001001', 'x')"
                ),
                {"n": operator},
            )
        table = audit(name)
        assert "Village staff" in table and "Township staff" not in table, table
        assert [r["role"] for r in json.loads(audit(name, "--json"))] == ["village"]
        rows = list(csv.DictReader(io.StringIO(audit(name, "--csv").lstrip("\ufeff"))))
        assert [r["role"] for r in rows] == ["village"]
        console = audit(operator)
        assert "disabled an account" in console and "Village staff" not in console, console
        assert "—" in console
    finally:
        with db.engine().begin() as c:
            c.execute(
                sa.text("DELETE FROM app_users WHERE name IN (:a, :b)"),
                {"a": name, "b": operator},
            )


def test_the_audit_page_shows_the_role_of_the_time(conn, client):
    """The web page and its API agree with the command line: a login's role is the
    account's at the time, not after a change."""
    assert login(client, "village_a").status_code == 302
    conn.execute(
        sa.text(
            "UPDATE app_users SET role = 'township', area_code = '330782001000' "
            "WHERE name = 'village_a'"
        )
    )
    client.get("/logout")
    assert login(client, "auditor_u").status_code == 302
    page = client.get("/audit?user=village_a&lang=en").get_data(as_text=True)
    assert 'data-code="village"' in page and 'data-code="township"' not in page
    entries = client.get("/api/audit?user=village_a").get_json()["entries"]
    assert entries and {e["role"] for e in entries} == {"village"}


def test_users_add_words_role_and_area_in_the_users_language(db_url):
    """`users add` echoed the area as typed and the role's code ("qa13（planner，
    330782001）"); the level refusal mixed Chinese and codes ("…village或grid")."""
    runner = CliRunner()

    def add(lang: str, name: str, role: str, area: str):
        args = ["--lang", lang, "users", "add", name, "--role", role, "--area", area]
        return runner.invoke(main, [*args, "--password-stdin"], input="s3cret-pass\n")

    try:
        r = add("zh", "ops21_zh", "planner", "330782001")
        assert (
            r.exit_code == 0 and r.output == "已添加 ops21_zh（规划人员，稠城街道 330782001000）\n"
        )
        r = add("en", "ops21_en", "planner", "330782")
        assert r.exit_code == 0 and r.output == "added ops21_en (Planner, 义乌市 330782000000)\n"
        r = add("zh", "ops21_v", "village", "330782000000")
        assert r.exit_code == 2 and r.output == (
            "错误：村（社区）工作人员账号应分配到以下级别的区划：村/社区或网格；"
            "330782000000 的级别是 县\n"
        ), r.output
    finally:
        with db.engine().begin() as c:
            c.execute(sa.text("DELETE FROM app_users WHERE name LIKE 'ops21_%'"))


def test_a_missing_option_ends_with_a_chinese_full_stop():
    r = CliRunner().invoke(main, ["--lang", "zh", "coverage"])
    assert r.exit_code == 2 and r.output.endswith("错误：缺少选项 '--kinds'。\n"), r.output
    r = CliRunner().invoke(main, ["--lang", "zh", "users", "add", "x", "--password-stdin"])
    assert "错误：缺少选项 '--role'。可选：" in r.output, r.output
    r = CliRunner().invoke(main, ["--lang", "en", "coverage"])
    assert r.output.endswith("Error: Missing option '--kinds'.\n"), r.output
