"""The events loader keeps the web API's rules (gis.gate.record_event): dates from
EARLIEST_EVENT to today in China, the person a member of the household, and every
problem of a row reported in one pass (the database checks included)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from gis import scope
from tests.loaders.test_loaders import count, idn, load, person, write_csv

ROOT = Path(__file__).resolve().parents[2]


def test_events_follow_the_api_rules(conn, tmp_path):
    write_csv(tmp_path / "h.csv", [person("EVH1", 901), person("EVH2", 903)])
    assert load(conn, "households", tmp_path / "h.csv").inserted == 2
    (tmp_path / "t.csv").write_text("team_id,name,base_code,members\nT1,一队,330782001000,5\n")
    load(conn, "teams", tmp_path / "t.csv")
    today = scope.today()
    member, other = idn(seq=901), idn(seq=903)
    rows = [
        f"E1,EVH1,visit,{today},T1,{member},ok",
        f"E2,EVH1,visit,{today + timedelta(days=1)},T1,,future",
        "E3,EVH1,visit,9999-12-31,T1,,far",
        f"E4,EVH1,visit,{today},T1,{other},not a member",
        "E5,EVH1,party,2026-01-01,T99,,two problems",
        "E6,EVH1,visit,2026-02-30,,,no such day",
    ]
    (tmp_path / "e.csv").write_text(
        "event_id,household_no,kind,date,team_id,id_number,note\n" + "\n".join(rows) + "\n"
    )
    r = load(conn, "events", tmp_path / "e.csv")
    assert r.inserted == 1 and r.rows_rejected == 5
    by = {(x.row, x.column): x for x in r.rejected}
    assert f"to today ({today}, China time)" in by[(3, "date")].reason
    far = by[(4, "date")]
    assert far.value == "9999-12-31" and "is outside 1900-01-01 to today" in far.reason
    assert by[(5, "id_number")].reason == "not a member of household EVH1"
    assert "event kind" in by[(6, "kind")].reason
    assert by[(6, "team_id")].reason == "unknown service team"
    assert by[(7, "date")].reason == "is not a date"
    assert len(r.rejected) == 6
    person_id = count(conn, "SELECT person_id FROM events WHERE ext_id = 'E1'")
    assert count(conn, "SELECT id_number FROM persons WHERE id = :p", p=person_id) == member


def test_events_cli_rejects_future_date(tmp_path):
    """The tester's case through the command: a future date is not "1 new"."""
    day = scope.today() + timedelta(days=19)
    (tmp_path / "ev.csv").write_text(
        "event_id,household_no,kind,date,team_id,id_number,note\n"
        f"QA6,330782001001-000001,visit,{day},T01,,x\n"
    )
    for lang, words in (
        ("en", "is outside 1900-01-01 to today"),
        ("zh", "不在 1900-01-01 至 今天（"),
    ):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "cli",
                "--lang",
                lang,
                "load",
                "events",
                str(tmp_path / "ev.csv"),
                "--dry-run",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        text = out.stdout + out.stderr
        assert words in text and str(day) in text, text
