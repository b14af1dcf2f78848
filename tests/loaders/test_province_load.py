"""The whole province in one load (issue 15): the first load of households and persons
sets the households' counts itself, with the persons' count trigger off (its recount of
900 k households in one statement ran the server out of memory), and switches it back
on; later loads go county by county with the trigger; big files are checked by forked
processes with the same report as one process."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from gis import db
from loaders.demo.province import generate_province
from loaders.households import HouseholdLoader
from loaders.id_numbers import check_char

COUNTIES = ["330108", "331125"]


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    out = tmp_path_factory.mktemp("province_load")
    generate_province(out, "330000", scale=0.001, seed=1, counties=COUNTIES)
    return out


def _counts_wrong(conn) -> int:
    return conn.execute(
        sa.text("""
        SELECT count(*) FROM households h
        LEFT JOIN (SELECT household_id, count(*) AS n, count(*) FILTER (WHERE is_migrant) AS m
                   FROM persons GROUP BY 1) p ON p.household_id = h.id
        WHERE (h.persons_count, h.migrants_count) IS DISTINCT FROM
              (coalesce(p.n, 0)::int, coalesce(p.m, 0)::int)""")
    ).scalar()


def _trigger_modes(conn) -> dict:
    return dict(
        conn.execute(
            sa.text(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'persons'::regclass "
                "AND NOT tgisinternal"
            )
        ).all()
    )


def test_first_load_counts_and_later_loads_by_county(province, fresh_db, tmp_path):
    from loaders import demo_province

    engine = db.engine(fresh_db)
    try:
        with engine.connect() as conn:
            modes = _trigger_modes(conn)
        assert modes["persons_count_insert"] == "A"  # fires also for replicas (migration)
        demo_province.load(province, engine=engine, echo=lambda *_: None)
        with engine.connect() as conn:
            assert _trigger_modes(conn) == modes  # switched back on as it was
            assert conn.execute(sa.text("SELECT count(*) FROM persons")).scalar() > 0
            assert _counts_wrong(conn) == 0
            migrants = conn.execute(sa.text("SELECT sum(migrants_count) FROM households")).scalar()
            assert migrants > 0
        # a later load (the tables have rows): a new member in each county's first
        # household, loaded county by county with the trigger
        lines = (province / COUNTIES[1] / "households.csv").read_text(encoding="utf-8")
        header, first = lines.splitlines()[:2]
        cells = first.split(",")
        col = header.split(",")
        cells[col.index("id_number")] = "33112520000101001" + check_char("33112520000101001")
        cells[col.index("name")] = "新成员"
        cells[col.index("birth_date")] = "2000-01-01"
        cells[col.index("sex")] = "男"
        path = tmp_path / "households.csv"
        path.write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")
        report = HouseholdLoader().run(path, engine=engine, progress=False)
        assert report.status == "loaded" and report.inserted == 1, report.summary()
        with engine.connect() as conn:
            assert _counts_wrong(conn) == 0
            assert _trigger_modes(conn) == modes
    finally:
        engine.dispose()


def test_checked_by_forked_processes_as_by_one(province, fresh_db, tmp_path):
    """The same rows staged and the same rejections (file order) with 2 worker
    processes checking chunks of 30 rows as with this process alone."""
    from loaders.registry import get_loader

    county = province / COUNTIES[1]  # 云和县: 186 persons
    src = (county / "households.csv").read_text(encoding="utf-8").splitlines()
    col = src[0].split(",").index("id_number")
    for k in (5, 77, 160):  # bad ID numbers spread over several chunks
        cells = src[k].split(",")
        cells[col] = cells[col][:-1] + ("0" if cells[col][-1] != "0" else "1")
        src[k] = ",".join(cells)
    path = tmp_path / "households.csv"
    path.write_text("\n".join(src) + "\n", encoding="utf-8")

    class Parallel(HouseholdLoader):
        chunk_rows = 30
        parallel_bytes = 0  # any file

    class Alone(HouseholdLoader):
        chunk_rows = 30
        clean_workers = 1

    from loaders.forking import can_fork

    # else both would check in this process and the comparison would prove nothing
    assert can_fork(), [t.name for t in threading.enumerate()]
    engine = db.engine(fresh_db)
    try:
        for kind, name in (("admin", "admin.geojson"), ("buildings", "buildings.gpkg")):
            assert get_loader(kind).run(county / name, engine=engine, progress=False).status == (
                "loaded"
            )
        alone, parallel = (
            loader.run(path, engine=engine, progress=False, dry_run=True)
            for loader in (Alone(), Parallel())
        )
    finally:
        engine.dispose()
    assert len(src) - 1 > 4 * 30
    assert alone.rows_total == parallel.rows_total == len(src) - 1
    assert [(r.row, r.column, r.value, r.reason) for r in parallel.rejected] == [
        (r.row, r.column, r.value, r.reason) for r in alone.rejected
    ]
    assert [r.row for r in alone.rejected] == [6, 78, 161]
    assert (parallel.inserted, parallel.updated) == (alone.inserted, alone.updated)
    assert alone.inserted == len(src) - 1 - 3


def test_demo_province_command_loads_and_says_so(fresh_db, tmp_path):
    """``popgis demo --province`` ends with its summary line (it once failed there: the
    scale was assigned to ``_``, the messages function)."""
    from click.testing import CliRunner

    from cli.main import main

    url = fresh_db.render_as_string(hide_password=False)
    r = CliRunner().invoke(
        main,
        ["--lang", "en", "demo", "--province", "330000", "--counties", "330922"]
        + ["--scale", "0.001"],
        env={"POPGIS_DATABASE_URL": url, "POPGIS_VAR_DIR": str(tmp_path)},
    )
    assert r.exit_code == 0, r.output
    assert "province 330000 loaded from" in r.output and "geocoded 1 counties" in r.output
    engine = db.engine(fresh_db)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM persons")).scalar() > 0
            assert _counts_wrong(conn) == 0
    finally:
        engine.dispose()


def test_geocode_first_with_nothing_staged_or_nothing_kept(province, fresh_db, tmp_path):
    """The households loader's geocoding of a first load's staged rows: a file with no
    household still loads (nothing to geocode, no review item), and a dry run, rolled
    back anyway, does not geocode."""
    from loaders.demo_province import geocode_staged
    from loaders.registry import get_loader

    county = province / COUNTIES[1]
    engine = db.engine(fresh_db)
    try:
        for kind, name in (("admin", "admin.geojson"), ("buildings", "buildings.gpkg")):
            assert get_loader(kind).run(county / name, engine=engine, progress=False).status == (
                "loaded"
            )
        header, first = (county / "households.csv").read_text(encoding="utf-8").splitlines()[:2]
        cells = first.split(",")
        cells[header.split(",").index("village_code")] = "999999999999"  # no such village
        empty = tmp_path / "households.csv"
        empty.write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")
        loader = HouseholdLoader()
        loader.geocode = geocode_staged
        report = loader.run(empty, engine=engine, progress=False)
        assert report.status == "loaded" and report.inserted == 0, report.summary()
        assert [r.column for r in report.rejected] == ["village_code"]
        assert report.details["geocoded"] is True
        loader = HouseholdLoader()
        loader.geocode = geocode_staged
        dry = loader.run(county / "households.csv", engine=engine, progress=False, dry_run=True)
        assert dry.status == "dry_run" and dry.inserted > 0 and not dry.rejected
        assert dry.details["geocoded"] is False
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM households")).scalar() == 0
            assert conn.execute(sa.text("SELECT count(*) FROM geocode_review")).scalar() == 0
    finally:
        engine.dispose()
