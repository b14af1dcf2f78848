"""Loaders against the real PostGIS: good files, every bad-input case, idempotent
re-loads, --strict and --dry-run, CRS conversion and shift detection."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import sqlalchemy as sa
from shapely.geometry import Polygon, box

from gis import crs as crs_mod
from gis import partitions
from loaders.base import LoadError, get_loader

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = [
    "household_no",
    "address",
    "village_code",
    "lon",
    "lat",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "status",
]
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def idn(birth="19900101", seq=11, region="330782"):
    body = f"{region}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, W, strict=True)) % 11]


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def person(hno, seq, lon="", lat="", village="330782001001", **kw):
    row = {
        "household_no": hno,
        "address": "幸福小区1栋",
        "village_code": village,
        "lon": lon,
        "lat": lat,
        "name": "测试",
        "sex": "M" if seq % 2 else "F",
        "birth_date": "",
        "id_number": idn(seq=seq),
        "phone": "",
        "status": "resident",
    }
    row.update(kw)
    return [row[h] for h in HEADER]


def load(conn, kind, path, **kw):
    return get_loader(kind).run(path, conn=conn, **kw)


def count(conn, sql, **params):
    return conn.execute(sa.text(sql), params).scalar()


# ------------------------------------------------------------------ good files
def test_fixture_county_loaded(conn):
    # the county's own tree, and the province and city above it (gis.regions)
    assert count(conn, "SELECT count(*) FROM admin_area WHERE length(path) >= 6") == 8
    assert count(conn, "SELECT count(*) FROM admin_area WHERE length(path) < 6") == 2
    assert count(conn, "SELECT count(*) FROM buildings") == 5
    assert count(conn, "SELECT count(*) FROM households") == 5
    assert count(conn, "SELECT count(*) FROM persons") == 11
    assert count(conn, "SELECT count(*) FROM service_points") == 4
    # households with coordinates were put in the building under them, and the grid
    row = conn.execute(
        sa.text(
            "SELECT b.ext_id, h.admin_path, h.geocode_level FROM households h "
            "JOIN buildings b ON b.id = h.building_id WHERE household_no = 'HA2'"
        )
    ).one()
    assert tuple(row) == ("A2", "330782001001002", "building")
    # without coordinates: in its village, not yet geocoded
    row = conn.execute(
        sa.text(
            "SELECT building_id, admin_path, geocode_level FROM households "
            "WHERE household_no = 'HX1'"
        )
    ).one()
    assert tuple(row) == (None, "330782100001", None)
    # the subtree index path of areas
    assert count(conn, "SELECT count(*) FROM admin_area WHERE path LIKE '330782001%'") == 5


def test_reload_changes_nothing(conn):
    before = conn.execute(sa.text("SELECT max(updated_at) FROM households")).scalar()
    for kind, name in [
        ("admin", "admin.geojson"),
        ("buildings", "buildings.geojson"),
        ("households", "households.csv"),
        ("service-points", "service_points.csv"),
    ]:
        r = load(conn, kind, DATA / name)
        assert (r.inserted, r.updated, r.rows_rejected) == (0, 0, 0), r.summary()
        assert r.unchanged == r.rows_total
    assert conn.execute(sa.text("SELECT max(updated_at) FROM households")).scalar() == before
    assert count(conn, "SELECT count(*) FROM persons") == 11


def test_changed_row_is_updated_once(conn, tmp_path):
    src = (DATA / "households.csv").read_text(encoding="utf-8")
    changed = tmp_path / "households.csv"
    changed.write_text(src.replace("13812345671", "13812345600"), encoding="utf-8")
    r = load(conn, "households", changed)
    assert (r.inserted, r.updated, r.unchanged) == (0, 1, 10)
    assert count(conn, "SELECT count(*) FROM persons WHERE phone = '13812345600'") == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_households_in_each_encoding(conn, tmp_path, encoding):
    path = write_csv(
        tmp_path / "h.csv",
        [person("N1", 1, "120.0202", "29.2502", name="郭靖", address="江滨社区幸福小区1栋")],
        encoding=encoding,
    )
    r = load(conn, "households", path)
    assert r.inserted == 1 and not r.rejected
    assert count(conn, "SELECT name FROM persons WHERE id_number = :i", i=idn(seq=1)) == "郭靖"


def test_households_from_xlsx(conn, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(person("X1", 3, 120.0202, 29.2502, name="黄蓉"))
    path = tmp_path / "h.xlsx"
    wb.save(path)
    r = load(conn, "households", path)
    assert r.inserted == 1 and not r.rejected, r.summary()
    assert (
        count(
            conn,
            "SELECT b.ext_id FROM households h JOIN buildings b "
            "ON b.id = h.building_id WHERE household_no = 'X1'",
        )
        == "A1"
    )


def test_chinese_headers(conn, tmp_path):
    path = write_csv(
        tmp_path / "h.csv",
        [["C9", "新光村3组12号", "330782100001", "杨过", idn(seq=5), "男"]],
        header=["户号", "现住址", "村居代码", "姓名", "身份证号", "性别"],
    )
    r = load(conn, "households", path)
    assert r.inserted == 1 and not r.rejected, r.summary()


# ------------------------------------------------------------------ bad rows
def test_bad_rows_are_reported_and_the_rest_loads(conn, tmp_path):
    rows = [
        person("G1", 1, "120.0202", "29.2502"),  # row 2 good
        person("G2", 3, "29.2502", "120.0202"),  # row 3 swapped
        person("G3", 5, "181.2", "29.25"),  # row 4 out of range
        person("G4", 7, "abc", "29.25"),  # row 5 text in number
        person("G5", 9)[:8] + ["330782199001010000"] + person("G5", 9)[9:],  # 6 bad check
        person("G6", 1),  # row 7 duplicate id
        person("G7", 13, village="330782999999"),  # row 8 unknown village
        person("G8", 15, "0", "0"),  # row 9 0,0
        person("G9", 17, "120.5", "29.25"),  # row 10 outside county
        person("G10", 19, sex="F"),  # row 11 sex vs ID
    ]
    path = write_csv(tmp_path / "households.csv", rows)
    r = load(conn, "households", path)
    assert r.status == "loaded"
    assert r.rows_total == 10 and r.inserted == 1
    by_row = {x.row: x for x in r.rejected}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "swapped" in by_row[3].reason and "swap" in by_row[3].fix
    assert by_row[4].column == "lon" and "outside [-180, 180]" in by_row[4].reason
    assert by_row[4].value == "181.2" and "swapped" in by_row[4].fix
    assert "not a number" in by_row[5].reason
    assert "check digit" in by_row[6].reason
    assert "duplicate" in by_row[7].reason and "row 2" in by_row[7].reason
    assert "unknown village" in by_row[8].reason
    assert "0,0" in by_row[9].reason
    assert "outside the loaded county" in by_row[10].reason
    assert "ID number" in by_row[11].reason
    assert all(x.file == "households.csv" and x.fix for x in r.rejected)
    # the report, in the database too
    assert count(conn, "SELECT count(*) FROM rejected_rows WHERE batch_id = :b", b=r.batch_id) == 9


def test_a_nul_character_rejects_its_row_not_the_load(conn, tmp_path):
    rows = [
        person("N1", 1, "120.0202", "29.2502"),
        person("N2", 3, "120.0202", "29.2502", name="王\x00芳"),
        person("N3", 5, "120.0202", "29.2502", address="幸福\x00小区"),
    ]
    path = write_csv(tmp_path / "households.csv", rows)
    r = load(conn, "households", path)
    assert r.status == "loaded" and r.inserted == 1
    by_row = {x.row: x for x in r.rejected}
    assert sorted(by_row) == [3, 4]
    assert by_row[3].column == "name" and by_row[3].value == "王\\0芳"
    assert "NUL" in by_row[3].reason and by_row[3].fix
    assert by_row[4].column == "address"
    sp = tmp_path / "sp.csv"
    sp.write_text(
        "point_id,kind,name,lon,lat\nSPN,clinic,卫生\x00站,120.03,29.26\n", encoding="utf-8"
    )
    r = load(conn, "service-points", sp, dry_run=True)
    assert [x.column for x in r.rejected] == ["name"]


def test_report_files(conn, tmp_path):
    path = write_csv(
        tmp_path / "households.csv", [person("R1", 1, "181", "29"), person("R2", 3, "=1+2", "29")]
    )
    r = get_loader("households").run(path, conn=conn, report_dir=tmp_path / "rep")
    js = json.loads(next((tmp_path / "rep").glob("*.json")).read_text())
    assert js["rows_rejected"] == 2 and js["rejected"][0]["row"] == 2
    with next((tmp_path / "rep").glob("*.csv")).open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["column"] == "lon" and rows[0]["value"] == "181"
    assert rows[1]["value"] == "'=1+2"  # a spreadsheet shows it, never runs it
    assert r.rows_rejected == 2


def test_strict_loads_nothing(conn, tmp_path):
    path = write_csv(
        tmp_path / "h.csv", [person("S1", 1, "120.0202", "29.2502"), person("S2", 3, "999", "29")]
    )
    r = load(conn, "households", path, strict=True)
    assert r.status == "rejected"
    assert count(conn, "SELECT count(*) FROM households WHERE household_no LIKE 'S%'") == 0
    assert (
        count(conn, "SELECT status FROM import_batches WHERE id = :b", b=r.batch_id) == "rejected"
    )


def test_dry_run_writes_nothing(conn, tmp_path):
    path = write_csv(tmp_path / "h.csv", [person("D1", 1, "120.0202", "29.2502")])
    r = load(conn, "households", path, dry_run=True)
    assert r.status == "dry_run" and r.inserted == 1
    assert count(conn, "SELECT count(*) FROM households WHERE household_no = 'D1'") == 0


def test_household_fields_conflict(conn, tmp_path):
    path = write_csv(
        tmp_path / "h.csv",
        [person("K1", 1, "120.0202", "29.2502"), person("K1", 3, "120.0702", "29.2502")],
    )
    r = load(conn, "households", path)
    assert [x.row for x in r.rejected] == [3]
    assert "first row (row 2)" in r.rejected[0].reason


# ------------------------------------------------------------------ bad files
def test_missing_and_misspelled_columns(conn, tmp_path):
    path = write_csv(
        tmp_path / "h.csv", [["H1", "x", "张三"]], header=["household_no", "adress", "nmae"]
    )
    with pytest.raises(LoadError) as e:
        load(conn, "households", path)
    msg = str(e.value)
    assert "h.csv" in msg and "name" in msg and "nmae" in msg and "id_number" in msg


def test_empty_file(conn, tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load(conn, "households", tmp_path / "e.csv")
    (tmp_path / "h.csv").write_text(",".join(HEADER) + "\n")
    with pytest.raises(LoadError, match="empty"):
        load(conn, "households", tmp_path / "h.csv")


def test_mixed_encoding(conn, tmp_path):
    good = ",".join(person("M1", 1, name="郭靖")) + "\n"
    bad = ",".join(person("M2", 3, name="黄蓉")) + "\n"
    (tmp_path / "m.csv").write_bytes(
        (",".join(HEADER) + "\n" + good).encode("utf-8") + bad.encode("gbk")
    )
    with pytest.raises(LoadError) as e:
        load(conn, "households", tmp_path / "m.csv")
    assert "row 3" in str(e.value)
    assert count(conn, "SELECT count(*) FROM households WHERE household_no LIKE 'M_'") == 0


def test_unknown_crs_name(conn, tmp_path):
    path = write_csv(tmp_path / "h.csv", [person("U1", 1, "120.02", "29.25")])
    with pytest.raises(crs_mod.CRSError, match="gcj02"):
        load(conn, "households", path, crs="gcj2")


def test_unknown_kind():
    with pytest.raises(LoadError, match="households"):
        get_loader("housholds")


# ------------------------------------------------------------------ coordinates
def test_declared_gcj02_is_converted(conn, tmp_path):
    glon, glat = crs_mod.wgs84_to_gcj02(np.array([120.0202]), np.array([29.2502]))
    path = write_csv(tmp_path / "h.csv", [person("J1", 1, f"{glon[0]:.7f}", f"{glat[0]:.7f}")])
    r = load(conn, "households", path, crs="gcj02")
    assert not r.rejected
    row = conn.execute(
        sa.text(
            "SELECT ST_X(h.geom), ST_Y(h.geom), b.ext_id FROM households h "
            "JOIN buildings b ON b.id = h.building_id "
            "WHERE household_no = 'J1'"
        )
    ).one()
    assert abs(row[0] - 120.0202) < 1e-6 and abs(row[1] - 29.2502) < 1e-6
    assert row[2] == "A1"


def test_undeclared_shifted_file_is_flagged(conn, tmp_path):
    # 30 households placed in buildings A1/A2/B1/C1, written in GCJ-02 without saying so
    lons = np.array([120.0202, 120.0702, 120.0502, 120.1502] * 8)[:30]
    lats = np.array([29.2502, 29.2502, 29.3502, 29.3002] * 8)[:30]
    glon, glat = crs_mod.wgs84_to_gcj02(lons + 0.0001, lats + 0.0001)
    rows = [
        person(f"Z{i}", 2 * i + 1, f"{x:.7f}", f"{y:.7f}")
        for i, (x, y) in enumerate(zip(glon, glat, strict=True))
    ]
    path = write_csv(tmp_path / "shifted.csv", rows)
    with pytest.raises(LoadError) as e:
        load(conn, "households", path)
    assert "GCJ02" in str(e.value) and "--crs gcj02" in str(e.value)
    # declared, it loads into the right buildings
    r = load(conn, "households", path, crs="gcj02")
    assert r.inserted == 30 and not r.rejected
    assert (
        count(
            conn,
            "SELECT count(*) FROM households WHERE household_no LIKE 'Z%' "
            "AND geocode_level = 'building'",
        )
        == 30
    )


def test_gauss_kruger_input(conn, tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 4549, always_xy=True).transform(120.0202, 29.2502)
    path = write_csv(tmp_path / "h.csv", [person("GK1", 1, f"{x:.3f}", f"{y:.3f}")])
    r = load(conn, "households", path, crs="EPSG:4549")
    assert not r.rejected, r.summary()
    assert (
        count(
            conn,
            "SELECT b.ext_id FROM households h JOIN buildings b "
            "ON b.id = h.building_id WHERE household_no = 'GK1'",
        )
        == "A1"
    )


def test_manual_placement_survives_reload(conn):
    from gis.gate import Gate, scope_for_area

    hid = count(conn, "SELECT id FROM households WHERE household_no = 'HA1'")
    Gate(conn, scope_for_area(conn, "330782001001", user="a", role="village")).place_household(
        hid, 120.0702, 29.2502
    )
    load(conn, "households", DATA / "households.csv")
    row = conn.execute(
        sa.text(
            "SELECT placed_manually, b.ext_id FROM households h JOIN "
            "buildings b ON b.id = h.building_id WHERE h.id = :i"
        ),
        {"i": hid},
    ).one()
    assert tuple(row) == (True, "A2")


# ------------------------------------------------------------------ polygons
def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_buildings_from_zipped_shapefile_with_prj_and_cpg(conn, tmp_path):
    from pyproj import Transformer

    t = Transformer.from_crs(4326, 4549, always_xy=True)
    x0, y0 = t.transform(120.0302, 29.2552)
    gdf = gpd.GeoDataFrame(
        {"building_id": ["S1"], "address": ["江滨社区新楼"], "floors": [9]},
        geometry=[box(x0, y0, x0 + 30, y0 + 30)],
        crs="EPSG:4549",
    )
    shp = tmp_path / "shp"
    shp.mkdir()
    with pytest.warns((UserWarning, RuntimeWarning)):  # the 10-character field limit
        gdf.to_file(shp / "b.shp", encoding="gbk")
    (shp / "b.cpg").write_text("GBK")
    members = {p.name: p.read_bytes() for p in shp.iterdir()}
    r = load(conn, "buildings", _zip(tmp_path / "b.zip", members))
    assert r.inserted == 1 and not r.rejected, r.summary()
    row = conn.execute(
        sa.text("SELECT address, village_code, admin_path FROM buildings WHERE ext_id = 'S1'")
    ).one()
    assert tuple(row) == ("江滨社区新楼", "330782001001", "330782001001001")


def test_buildings_from_geopackage(conn, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"building_id": ["P1"], "use": ["market"]},
        geometry=[box(120.151, 29.301, 120.1513, 29.3013)],
        crs=4326,
    )
    gdf.to_file(tmp_path / "b.gpkg", layer="buildings")
    r = load(conn, "buildings", tmp_path / "b.gpkg")
    assert r.inserted == 1
    assert count(conn, "SELECT use FROM buildings WHERE ext_id = 'P1'") == "market"


def test_self_intersecting_polygon_repaired_with_note(conn, tmp_path):
    bowtie = Polygon([(120.03, 29.23), (120.031, 29.231), (120.031, 29.23), (120.03, 29.231)])
    gdf = gpd.GeoDataFrame({"building_id": ["BT"]}, geometry=[bowtie], crs=4326)
    gdf.to_file(tmp_path / "b.geojson", driver="GeoJSON")
    r = load(conn, "buildings", tmp_path / "b.geojson")
    assert r.inserted == 1
    assert any("feature 1" in n and "repaired" in n for n in r.notes)
    assert count(conn, "SELECT ST_IsValid(geom) FROM buildings WHERE ext_id = 'BT'") is True


def test_duplicate_building_ids(conn, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"building_id": ["D1", "D1"]},
        geometry=[box(120.03, 29.23, 120.0303, 29.2303), box(120.04, 29.23, 120.0403, 29.2303)],
        crs=4326,
    )
    gdf.to_file(tmp_path / "b.geojson", driver="GeoJSON")
    r = load(conn, "buildings", tmp_path / "b.geojson")
    assert r.inserted == 1 and [x.row for x in r.rejected] == [2]
    assert "duplicate" in r.rejected[0].reason


def test_zip_without_shp(conn, tmp_path):
    with pytest.raises(LoadError, match=r"\.shp"):
        load(conn, "buildings", _zip(tmp_path / "x.zip", {"readme.txt": b"hello"}))


def test_zip_path_traversal(conn, tmp_path):
    with pytest.raises(LoadError, match=r"\.\./evil"):
        load(conn, "buildings", _zip(tmp_path / "x.zip", {"../evil.shp": b"x", "a.dbf": b""}))
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_bomb(conn, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("b.shp", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(300):
                f.write(block)
    with pytest.raises(LoadError, match="(?i)bomb|ratio|too large"):
        load(conn, "buildings", path)


def test_admin_area_rejects_bad_codes_and_orphans(conn, tmp_path):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "33078200100X", "name": "坏"},
                "geometry": box(120, 29.2, 120.01, 29.21).__geo_interface__,
            },
            {
                "type": "Feature",
                "properties": {"code": "330782555001", "name": "孤儿村"},
                "geometry": box(120, 29.2, 120.01, 29.21).__geo_interface__,
            },
            {
                "type": "Feature",
                "properties": {"code": "330782001003", "name": "新村"},
                "geometry": box(120, 29.2, 120.01, 29.21).__geo_interface__,
            },
        ],
    }
    (tmp_path / "a.geojson").write_text(json.dumps(fc, ensure_ascii=False))
    r = load(conn, "admin", tmp_path / "a.geojson")
    assert r.inserted == 1
    reasons = {x.row: x.reason for x in r.rejected}
    assert "12-digit" in reasons[1] and "parent" in reasons[2]


def test_osm_pbf_buildings_and_roads(conn):
    import pyrosm

    pbf = Path(pyrosm.get_data("test_pbf"))
    # a county outline around the extract so its features have somewhere to belong
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, path, name, level, county_code, geom)
        VALUES ('999999000000', '999999', 'OSM test county', 'county', '999999',
                ST_Multi(ST_MakeEnvelope(-180, -85, 180, 85, 4326)))""")
    )
    # written here by hand, not by the admin loader: its partitions too
    partitions.ensure_county(conn, "999999")
    r = load(conn, "osm", pbf)
    assert r.details["buildings"]["inserted"] > 0 and r.details["roads"]["inserted"] > 0
    assert count(conn, "SELECT count(*) FROM roads WHERE source = 'osm'") > 0
    assert r.details["landcover"]["inserted"] > 0  # land use and woods of the extract
    assert count(conn, "SELECT count(*) FROM landcover WHERE kind = 'farmland'") > 0
    again = load(conn, "osm", pbf)
    assert again.inserted == 0 and again.updated == 0


def test_service_points_bad_kind_and_duplicates(conn, tmp_path):
    path = tmp_path / "sp.csv"
    path.write_text(
        "point_id,kind,name,lon,lat\nQ1,药具发放点,甲,120.03,29.26\n"
        "Q2,spaceship,乙,120.03,29.26\nQ1,clinic,丙,120.03,29.26\n",
        encoding="utf-8",
    )
    r = load(conn, "service-points", path)
    assert r.inserted == 1
    reasons = {x.row: x for x in r.rejected}
    assert "service point kind" in reasons[3].reason and "distribution point" in reasons[3].fix
    assert "duplicate" in reasons[4].reason
    assert (
        count(conn, "SELECT kind FROM service_points WHERE ext_id = 'Q1'") == "distribution_point"
    )


def test_teams_and_events(conn, tmp_path):
    (tmp_path / "t.csv").write_text("team_id,name,base_code,members\nT1,一队,330782001000,5\n")
    assert load(conn, "teams", tmp_path / "t.csv").inserted == 1
    (tmp_path / "e.csv").write_text(
        "event_id,household_no,kind,date,team_id\nE1,HA1,visit,2026-11-01,T1\n"
        "E2,NOPE,visit,2026-11-01,T1\nE3,HA1,随访,2026/11/02,\n"
    )
    r = load(conn, "events", tmp_path / "e.csv")
    assert r.inserted == 2 and [x.row for x in r.rejected] == [3]
    assert load(conn, "events", tmp_path / "e.csv").inserted == 0


def test_streamed_in_chunks(conn, tmp_path):
    """A file larger than one chunk is read in pieces and loads whole."""
    from loaders import files

    rows = [person(f"L{i}", 2 * i + 1, "120.0202", "29.2502") for i in range(450)]
    path = write_csv(tmp_path / "big.csv", rows)
    chunks = list(files.read_table(path, chunk_rows=200))
    assert [len(c) for c in chunks] == [200, 200, 50]
    assert chunks[1]["_row"].iloc[0] == 202
    r = load(conn, "households", path)
    assert r.inserted == 450


def test_landcover_from_geojson(conn, tmp_path):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "water", "name": "绣湖"},
                "geometry": box(120.03, 29.23, 120.04, 29.24).__geo_interface__,
            },
            {
                "type": "Feature",
                "properties": {"kind": "", "name": "?"},
                "geometry": box(120.05, 29.23, 120.06, 29.24).__geo_interface__,
            },
        ],
    }
    (tmp_path / "lc.geojson").write_text(json.dumps(fc, ensure_ascii=False))
    r = load(conn, "landcover", tmp_path / "lc.geojson")
    assert r.inserted == 1 and [x.row for x in r.rejected] == [2]
    assert count(conn, "SELECT name FROM landcover WHERE kind = 'water'") == "绣湖"
