"""Each household's persons and migrants counts follow every write to persons, whatever
the statement (insert, delete, a person moving household, a migrant flag changing)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def counts_agree(conn) -> list:
    """Households whose stored counts differ from counting their persons."""
    return conn.execute(
        sa.text("""
        SELECT h.household_no, h.persons_count, h.migrants_count, count(p.id),
               count(p.id) FILTER (WHERE p.is_migrant)
        FROM households h LEFT JOIN persons p ON p.household_id = h.id
        GROUP BY h.id, h.county_code
        HAVING h.persons_count <> count(p.id)
            OR h.migrants_count <> count(p.id) FILTER (WHERE p.is_migrant)""")
    ).all()


def household(conn, no):
    return conn.execute(
        sa.text("SELECT id, persons_count, migrants_count FROM households WHERE household_no = :n"),
        {"n": no},
    ).one()


def test_the_loaded_fixture_has_its_counts(conn):
    assert counts_agree(conn) == []
    ha1 = household(conn, "HA1")
    assert ha1.persons_count == 3 and ha1.migrants_count == 0


def test_counts_follow_inserts_deletes_moves_and_flags(conn):
    ha1, ha2 = household(conn, "HA1"), household(conn, "HA2")
    # a person moves from HA1 to HA2 and becomes a migrant, in one statement
    conn.execute(
        sa.text(
            "UPDATE persons SET household_id = :to, is_migrant = true WHERE id = "
            "(SELECT min(id) FROM persons WHERE household_id = :frm)"
        ),
        {"to": ha2.id, "frm": ha1.id},
    )
    assert household(conn, "HA1").persons_count == ha1.persons_count - 1
    assert household(conn, "HA2").persons_count == ha2.persons_count + 1
    assert household(conn, "HA2").migrants_count == ha2.migrants_count + 1
    # a copy of every person (a bulk insert), then every person of HA1 deleted
    conn.execute(
        sa.text(
            "INSERT INTO persons (household_id, county_code, admin_path, name, sex, birth_date,"
            " id_number, is_migrant) SELECT household_id, county_code, admin_path, name, sex,"
            " birth_date, 'X' || id_number, is_migrant FROM persons"
        )
    )
    conn.execute(sa.text("DELETE FROM persons WHERE household_id = :h"), {"h": ha1.id})
    assert household(conn, "HA1")[1:] == (0, 0)
    assert counts_agree(conn) == []


def test_the_app_role_cannot_call_the_recount_itself(conn):
    conn.execute(sa.text("SET LOCAL ROLE popgis_app"))
    with pytest.raises(sa.exc.DBAPIError, match="permission denied"):
        with conn.begin_nested():
            conn.execute(sa.text("SELECT popgis_recount_households(ARRAY[1::bigint])"))
