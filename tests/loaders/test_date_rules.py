"""One date rule for the loaders and ``popgis db check`` (outside tester, issue 15
finding 3): a birth date and an event date lie between 1900-01-01 and today (China time,
the load's date). Before, the households loader accepted a birth date up to 2100 that
``db check`` then reported, with a fix text about expiries."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from gis import rules
from gis.gate import checks
from tests.loaders.test_loaders import idn, load, person, write_csv


def test_households_loader_refuses_a_birth_date_after_today(conn, tmp_path):
    day = rules.today()
    tomorrow = day + timedelta(days=1)
    rows = [
        person("BD1", 911, birth_date=day.isoformat(), id_number=idn(day.strftime("%Y%m%d"), 911)),
        person("BD2", 913, birth_date=str(tomorrow), id_number=idn(f"{tomorrow:%Y%m%d}", 913)),
        # the ID number's own birth date obeys the same rule when the column is empty
        person("BD3", 915, id_number=idn(tomorrow.strftime("%Y%m%d"), 915)),
        person("BD4", 917, birth_date="1899-12-31", id_number=idn("19900101", 917)),
    ]
    r = load(conn, "households", write_csv(tmp_path / "h.csv", rows))
    assert r.inserted == 1, r.rejected
    by = {(x.row, x.column): x for x in r.rejected}
    future = by[(3, "birth_date")]
    assert future.file == "h.csv" and future.value == tomorrow.isoformat()
    assert future.reason == f"is outside 1900-01-01 to today ({day}, China time)"
    assert "birth date" in future.fix and "ID number" in future.fix
    assert by[(4, "id_number")].reason == (
        f"contains a birth date outside 1900-01-01 to today ({day}, China time)"
    )
    assert by[(5, "birth_date")].value == "1899-12-31"
    assert r.rows_rejected == 3
    # what the loader stored, db check finds nothing wrong with
    found = [p for p in checks.check(conn) if p.key.startswith("BD")]
    assert found == []


def test_db_check_gives_each_date_column_its_own_fix(conn):
    hid, pid = conn.execute(
        sa.text(
            "SELECT h.id, min(p.id) FROM households h JOIN persons p "
            "ON p.household_id = h.id WHERE h.household_no = 'HA1' GROUP BY h.id"
        )
    ).one()
    tomorrow = rules.today() + timedelta(days=1)
    conn.execute(
        sa.text(
            "UPDATE persons SET birth_date = :b, arrival_date = '2101-01-01', "
            "cert_id_expiry = '9999-12-31' WHERE id = :p"
        ),
        {"b": tomorrow, "p": pid},
    )
    found = {p.column: p for p in checks.check(conn, "330782") if p.row_id == pid}
    assert set(found) == {"birth_date", "arrival_date", "cert_id_expiry"}
    birth = found["birth_date"]
    assert birth.rule == f"a birth date lies between 1900-01-01 and today ({rules.today()})"
    assert "expiry" not in birth.fix and "birth date" in birth.fix
    assert "arrival date" in found["arrival_date"].fix
    assert "expiry" not in found["arrival_date"].fix
    assert "leave it empty for no expiry" in found["cert_id_expiry"].fix
    assert len({p.fix for p in found.values()}) == 3
