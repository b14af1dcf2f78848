"""Wording found by the outside tester (issue 15, findings 10, 11 and 15): web text names
no command-line flag, event kinds read as words in the user's language, role names take
the right article, the login page speaks English on request, and the English grid popup
shows the English side of the names as the village popups do."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from gis import users_tokens


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_web_layers_export_names_no_command_line_flag(client, conn, lang):
    token = users_tokens.create_token(conn, "planner_u")
    client.set_cookie("popgis_lang", lang)
    r = client.get("/exports/layers.geojson", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400
    message = r.json["error"]["message"]
    assert "--" not in message and "village_stats" in message, message
    assert "layer=" in message and "layers.gpkg" in message, message


def test_the_command_line_layers_export_names_its_flag(db_url, tmp_path):
    r = CliRunner().invoke(
        main,
        ["--lang", "en", "export", "layer", "--format", "geojson", "--out", str(tmp_path / "x")],
    )
    assert r.exit_code != 0 and "--layer" in r.output, r.output
    assert not (tmp_path / "x").exists()


def test_a_refusal_names_the_role_without_a_wrong_article(client):
    """ "yours is a Auditor account": no role name takes an article any more."""
    from tests.conftest import login

    login(client, "auditor_u")
    client.set_cookie("popgis_lang", "en")
    r = client.get("/api/planning/coverage")
    assert r.status_code == 403
    message = r.json["error"]["message"]
    assert "your account's role is Auditor" in message, message
    assert "a Auditor" not in message


def test_assigning_a_role_to_the_wrong_level_reads_right(conn):
    from gis import users
    from gis.errors import InvalidInput
    from gis.messages import speaking

    with speaking("en"), pytest.raises(InvalidInput) as err:
        users.add_user(conn, "aud2", "auditor", "330782001001002", "test-pass-1")
    message = err.value.message
    assert "a auditor" not in message.lower() and "Auditor accounts" in message, message
    with speaking("zh"), pytest.raises(InvalidInput) as err:
        users.add_user(conn, "aud2", "auditor", "330782001001002", "test-pass-1")
    assert "审计人员" in err.value.message and "auditor" not in err.value.message


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["visit", "follow-up", "move-in"]), ("zh", ["走访", "药具发放", "随访", "迁出"])],
)
def test_event_kinds_read_as_words_in_the_users_language(client, conn, tmp_path, lang, words):
    from gis.messages import speaking
    from tests.conftest import login
    from tests.loaders.test_loaders import load

    hid = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HA1'")).scalar()
    login(client, "village_a")
    client.set_cookie("popgis_lang", lang)
    r = client.post(f"/api/households/{hid}/events", json={"kind": "party", "date": "2026-11-01"})
    assert r.status_code == 400
    message = r.json["error"]["message"]
    assert all(w in message for w in words), message
    # the loader's fix lists what a file may write: the words, each of them accepted
    (tmp_path / "e.csv").write_text(
        "event_id,household_no,kind,date\nK1,HA1,party,2026-11-01\n", encoding="utf-8"
    )
    with speaking(lang):
        fix = load(conn, "events", tmp_path / "e.csv").rejected[0].fix
    assert all(w in fix for w in words) and "follow_up" not in fix, fix
    accepted = fix.split(": ", 1)[1] if lang == "en" else fix.split("：", 1)[1]
    rows = "".join(
        f"K{n},HA1,{w},2026-11-01\n" for n, w in enumerate(accepted.replace("、", ", ").split(", "))
    )
    (tmp_path / "ok.csv").write_text("event_id,household_no,kind,date\n" + rows, encoding="utf-8")
    r = load(conn, "events", tmp_path / "ok.csv")
    assert r.rejected == [] and r.inserted == 5, (accepted, r.rejected)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_service_point_kinds_read_as_words(conn, tmp_path, lang):
    """The same defect in the service points loader: its fix listed the codes."""
    from gis.messages import speaking
    from tests.loaders.test_loaders import load

    head = "point_id,kind,name,lon,lat\n"
    (tmp_path / "p.csv").write_text(head + "Q1,shop,x,120.03,29.26\n", encoding="utf-8")
    with speaking(lang):
        fix = load(conn, "service-points", tmp_path / "p.csv").rejected[0].fix
    assert "distribution_point" not in fix and "service_station" not in fix, fix
    accepted = fix.split(": ", 1)[1] if lang == "en" else fix.split("：", 1)[1]
    words = accepted.replace("、", ", ").split(", ")
    assert len(words) >= 6, words
    rows = "".join(f"Q{n},{w},x,120.03,29.26\n" for n, w in enumerate(words))
    (tmp_path / "ok.csv").write_text(head + rows, encoding="utf-8")
    r = load(conn, "service-points", tmp_path / "ok.csv")
    assert r.rejected == [] and r.inserted == len(words), r.rejected
