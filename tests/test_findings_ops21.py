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
