"""Statistics tables: values equal the database's own counts where published, '*'
where withheld; CSV in UTF-8 with BOM; formula injection defused; no personal data."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from gis.exports import tables
from gis.gate import scope_for_area
from tests.gis.exports.helpers import add_households, add_village

TOWN, VA, VB, VD = "330782001000", "330782001001", "330782001002", "330782001003"


@pytest.fixture
def county(conn):
    add_village(conn, VD, "测试D村")
    add_households(conn, "330782001001001", 30, 3, migrants=1, women=1, served=10)
    add_households(conn, VD, 20, 3, migrants=2, women=1, served=5)
    add_households(conn, "330782100001", 10, 4, migrants=1, women=1, served=3)
    return scope_for_area(conn, "330782000000", user="table_tester")


def db_counts(conn, path: str) -> dict:
    """The database's own counts for an area (the test's independent truth)."""
    row = conn.execute(
        sa.text("""
        SELECT count(DISTINCT h.id) AS households, count(p.id) AS population,
               count(p.id) FILTER (WHERE p.is_migrant) AS migrants,
               count(p.id) FILTER (WHERE p.sex = 'F' AND
                   age(current_date, p.birth_date) BETWEEN interval '15 years'
                   AND interval '49 years 364 days') AS women15_49
        FROM households h LEFT JOIN persons p ON p.household_id = h.id
        WHERE h.admin_path LIKE :p"""),
        {"p": path + "%"},
    ).one()
    served = conn.execute(
        sa.text("""
        SELECT count(DISTINCT e.household_id) FROM events e JOIN households h
          ON h.id = e.household_id WHERE h.admin_path LIKE :p AND e.kind = 'distribution'
          AND e.event_date > current_date - 365"""),
        {"p": path + "%"},
    ).scalar()
    return {**row._mapping, "served": served}


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    keys = list(tables.COLUMN_KEYS)
    assert rows[0] == tables.headers()
    return [dict(zip(keys, r, strict=True)) for r in rows[1:]]


def test_csv_matches_the_database(conn, county):
    rows = read_csv(tables.export_table(conn, county, fmt="csv"))
    by_code = {r["code"]: r for r in rows}
    # total, 2 townships, 4 villages
    assert [r["code"] for r in rows][:1] == ["330782000000"] and len(rows) == 7
    published = 0
    for code, r in by_code.items():
        truth = db_counts(
            conn,
            code[:6] if code.endswith("000000") else code[:9] if code.endswith("000") else code,
        )
        for col in ("population", "households", "migrants", "women15_49", "served"):
            if r[col] != tables.SUPPRESSED:
                assert int(r[col]) == truth[col], (code, col)
                published += 1
    assert published >= 15
    # village B (2 persons) is withheld entirely, D (60, the smallest other) with it;
    # the township total minus A gives B + D together, never B
    assert all(by_code[VB][c] == "*" for c in ("population", "households", "migrants"))
    assert by_code[VA]["population"] == "95" and by_code[VD]["population"] == "*"
    assert int(by_code[TOWN]["population"]) - 95 == 62
    for r in rows:  # a rate only where both of its counts are published
        for rate, num, den, scale in (
            ("migrants_per_1000", "migrants", "population", 1000),
            ("coverage_pct", "served", "households", 100),
        ):
            if "*" in (r[num], r[den]):
                assert r[rate] == "*"
            else:
                assert float(r[rate]) == round(scale * int(r[num]) / int(r[den]), 1)
    assert conn.execute(
        sa.text(
            "SELECT target_kind, detail->>'format' FROM access_log WHERE action = 'export' "
            "AND user_name = 'table_tester'"
        )
    ).fetchall() == [("table", "csv")]


def test_no_personal_data_in_tables(conn, county):
    csv_text = tables.export_table(conn, county, fmt="csv").decode("utf-8-sig")
    xlsx = tables.export_table(conn, county, fmt="xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    people = conn.execute(sa.text("SELECT name, id_number, phone FROM persons")).fetchall()
    households = conn.execute(sa.text("SELECT household_no, address FROM households"))
    for text in (csv_text, xml):
        for name, idn, phone in people:
            assert name not in text and idn not in text
            assert not phone or phone not in text
        for hno, address in households:
            assert f",{hno}," not in text and (not address or address not in text)


def test_formula_injection_is_defused(conn, county):
    evil = {VA: '=HYPERLINK("http://x","y")', VB: "+1+1", VD: "-2+3", "330782100001": "@SUM(A1)"}
    for code, name in evil.items():
        conn.execute(
            sa.text("UPDATE admin_area SET name = :n WHERE code = :c"), {"n": name, "c": code}
        )
    conn.execute(sa.text("UPDATE admin_area SET name = '=cmd' WHERE code = :c"), {"c": TOWN})
    rows = read_csv(tables.export_table(conn, county, fmt="csv"))
    names = {r["code"]: r["name"] for r in rows}
    for code, name in evil.items():
        assert names[code] == "'" + name
    assert all(r["township"] in ("", "'=cmd", "佛堂镇") for r in rows)
    wb = openpyxl.load_workbook(io.BytesIO(tables.export_table(conn, county, fmt="xlsx")))
    ws = wb["统计表"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert not texts
    quoted = [c for c in cells if isinstance(c.value, str) and c.value.startswith("'")]
    assert len(quoted) >= 5 and all(c.quotePrefix for c in quoted)


def test_xlsx_layout_and_values(conn, county):
    wb = openpyxl.load_workbook(io.BytesIO(tables.export_table(conn, county, fmt="xlsx")))
    ws = wb["统计表"]
    assert "分村（社区）" in ws["A1"].value and "数据截至" in ws["A2"].value
    header = [c.value for c in ws[4]]
    assert header == tables.headers()
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    total = dict(zip(list(tables.COLUMN_KEYS), body[0], strict=True))
    truth = db_counts(conn, "330782")
    assert total["population"] == truth["population"]
    assert total["households"] == truth["households"]
    assert "二次抑制" in " ".join(c.value for c in wb["说明"]["A"])


def test_table_of_a_village_for_its_user(conn, county):
    village = scope_for_area(conn, VA, user="va", role="village")
    rows = read_csv(tables.export_table(conn, village, fmt="csv"))
    assert len(rows) == 1 and rows[0]["code"] == VA and rows[0]["population"] == "95"
