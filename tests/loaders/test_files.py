"""Tests for loaders.files; every input is built in tmp_path, no database."""

from __future__ import annotations

import datetime as dt
import os
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from loaders.files import (
    ColumnMap,
    FileProblem,
    detect_encoding,
    match_columns,
    read_osm,
    read_table,
    read_vector,
    repair_geometries,
)

HEADER = "household_no,address,lon,lat\n"
ROWS = [
    "H001,义乌市稠城街道,120.07,29.30\n",
    "H002,义乌市北苑街道,120.10,29.35\n",
    "H003,佛堂镇,120.05,29.20\n",
]
TEXT = HEADER + "".join(ROWS)


def _all(reader) -> pd.DataFrame:
    return pd.concat(list(reader), ignore_index=True)


# --- FileProblem ------------------------------------------------------------------


def test_fileproblem_message_format():
    p = FileProblem(
        "/srv/uploads/households.csv",
        row=812,
        column="lon",
        value="181.2",
        reason="is outside [-180, 180]",
        fix="are lat and lon swapped?",
    )
    assert str(p) == (
        "households.csv row 812, column lon: '181.2' — is outside [-180, 180]; "
        "fix: are lat and lon swapped?"
    )
    assert p.file == "households.csv" and p.row == 812 and p.column == "lon"
    assert p.as_dict()["message"] == str(p)
    assert (
        str(FileProblem("a.csv", reason="file is empty", fix="x")) == "a.csv: file is empty; fix: x"
    )


# --- encodings --------------------------------------------------------------------


@pytest.mark.parametrize(
    "enc,expected",
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb2312", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_encodings_detected_and_read_identically(tmp_path, enc, expected):
    ref = tmp_path / "ref.csv"
    ref.write_bytes(TEXT.encode("utf-8"))
    path = tmp_path / f"households_{enc}.csv"
    path.write_bytes(TEXT.encode(enc))
    assert detect_encoding(path) == expected
    got = _all(read_table(path))
    want = _all(read_table(ref))
    pd.testing.assert_frame_equal(got, want)
    assert list(got.columns) == ["household_no", "address", "lon", "lat", "_row"]
    assert got["address"].tolist() == ["义乌市稠城街道", "义乌市北苑街道", "佛堂镇"]
    assert got["_row"].tolist() == [2, 3, 4]


def test_gb18030_four_byte_characters(tmp_path):
    # 𠀀 (U+20000) exists in GB18030 but not in GBK.
    text = "name\n𠀀村\n"
    path = tmp_path / "rare.csv"
    path.write_bytes(text.encode("gb18030"))
    assert detect_encoding(path) == "gb18030"
    assert _all(read_table(path))["name"].tolist() == ["𠀀村"]


def test_ascii_only_is_utf8(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert detect_encoding(path) == "utf-8"


def test_mixed_utf8_then_gbk_names_the_row(tmp_path):
    lines = [HEADER.encode("utf-8")] + [r.encode("utf-8") for r in ROWS]
    lines += ["H004,义亭镇,120.0,29.3\n".encode("gbk"), "H005,上溪镇,120.0,29.3\n".encode("gbk")]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(lines))
    with pytest.raises(FileProblem) as ei:
        detect_encoding(path)
    assert ei.value.row == 5
    assert ei.value.fix == "re-save the whole file in one encoding (UTF-8)"
    assert "mixed.csv row 5" in str(ei.value)
    with pytest.raises(FileProblem):
        read_table(path)


def test_mixed_gbk_then_utf8_names_the_row(tmp_path):
    lines = [HEADER.encode("gbk")] + [r.encode("gbk") for r in ROWS]
    lines += ["H004,义乌市稠城街道,120.0,29.3\n".encode("utf-8")]
    path = tmp_path / "mixed2.csv"
    path.write_bytes(b"".join(lines))
    with pytest.raises(FileProblem) as ei:
        detect_encoding(path)
    assert ei.value.row == 5
    assert "UTF-8" in ei.value.fix


def test_mixed_file_across_block_boundary(tmp_path):
    # Enough UTF-8 lines to cross several 1 MB blocks before the GBK line.
    row = "H001,义乌市稠城街道工人北路1号,120.07,29.30\n".encode("utf-8")
    n = (3 << 20) // len(row) + 1
    path = tmp_path / "big_mixed.csv"
    with open(path, "wb") as f:
        f.write(HEADER.encode())
        for _ in range(n):
            f.write(row)
        f.write("H9,佛堂镇,120.0,29.3\n".encode("gbk"))
    with pytest.raises(FileProblem) as ei:
        detect_encoding(path)
    assert ei.value.row == n + 2


def test_neither_encoding(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n\x81\xff\xfe,3\n")
    with pytest.raises(FileProblem) as ei:
        detect_encoding(path)
    assert ei.value.row == 3


def test_utf16_rejected(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(TEXT.encode("utf-16"))
    with pytest.raises(FileProblem, match="UTF-16"):
        detect_encoding(path)


# --- CSV --------------------------------------------------------------------------


def test_tab_and_semicolon_delimited(tmp_path):
    for delim, name in (("\t", "tab.txt"), (";", "semi.csv")):
        path = tmp_path / name
        path.write_text(TEXT.replace(",", delim), encoding="utf-8")
        r = read_table(path)
        assert r.delimiter == delim
        df = _all(r)
        assert df["lon"].tolist() == ["120.07", "120.10", "120.05"]


def test_header_cleaned_and_values_kept_as_text(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(
        " 户号 ,\ufeff身份证号, lon \n007,330782199001011234,120.0\n,,\n".encode("utf-8-sig")
    )
    df = _all(read_table(path))
    assert list(df.columns) == ["户号", "身份证号", "lon", "_row"]
    # Leading zeros and 18-digit IDs must survive: everything is a string.
    assert df.loc[0, "户号"] == "007"
    assert df.loc[0, "身份证号"] == "330782199001011234"
    assert len(df) == 1


def test_chunks_and_row_numbers_skip_blank_lines(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,x\n\n2,\n3,z\n,\n4,w\n5,v\n", encoding="utf-8")
    chunks = list(read_table(path, chunk_rows=2))
    assert all(len(c) <= 2 for c in chunks)
    df = pd.concat(chunks, ignore_index=True)
    assert df["a"].tolist() == ["1", "2", "3", "4", "5"]
    assert df["b"].tolist() == ["x", "", "z", "w", "v"]
    assert df["_row"].tolist() == [2, 4, 5, 7, 8]
    assert df["_row"].dtype == "int64"


def test_ragged_row_reports_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(FileProblem) as ei:
        _all(read_table(path))
    assert ei.value.row == 3
    assert "3 fields" in str(ei.value) and "quotes" in ei.value.fix


def test_duplicate_header(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("lon,lat,lon\n1,2,3\n", encoding="utf-8")
    with pytest.raises(FileProblem) as ei:
        read_table(path)
    assert ei.value.row == 1 and "columns A and C" in ei.value.reason


@pytest.mark.parametrize(
    "content,detail",
    [
        (b"", "0 bytes"),
        (b"household_no,address\n", "no data rows"),
        (b"household_no,address\r\n\r\n,\r\n", "no data rows"),
        (b"\n\n  \n", "blank lines"),
    ],
)
def test_empty_files(tmp_path, content, detail):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(FileProblem) as ei:
        read_table(path)
    assert ei.value.reason.startswith("file is empty")
    assert detail in ei.value.reason
    assert ei.value.fix


def test_unknown_extension_and_missing_file(tmp_path):
    path = tmp_path / "h.xls"
    path.write_bytes(b"whatever")
    with pytest.raises(FileProblem) as ei:
        read_table(path)
    assert ".csv, .txt, .xlsx" in ei.value.reason and ".xlsx" in ei.value.fix
    with pytest.raises(FileProblem, match="not found"):
        read_table(tmp_path / "nope.csv")


# --- XLSX -------------------------------------------------------------------------


def _xlsx(path, rows, title="Sheet1", extra_sheets=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for name, srows in extra_sheets:
        s = wb.create_sheet(name)
        for r in srows:
            s.append(r)
    wb.save(path)


def test_xlsx_dates_integers_and_floats(tmp_path):
    path = tmp_path / "h.xlsx"
    _xlsx(
        path,
        [
            [" 户号", "出生日期", "人数", "lon", "登记时间"],
            ["007", dt.date(1990, 1, 2), 3, 120.07, dt.datetime(2024, 5, 6, 7, 8, 9)],
            [None, None, None, None, None],
            ["H2", dt.datetime(2001, 12, 31), 4.0, 120.0, None],
        ],
    )
    r = read_table(path)
    assert r.sheet == "Sheet1"
    df = _all(r)
    assert list(df.columns) == ["户号", "出生日期", "人数", "lon", "登记时间", "_row"]
    assert df["出生日期"].tolist() == ["1990-01-02", "2001-12-31"]
    assert df["人数"].tolist() == ["3", "4"]
    assert df["lon"].tolist() == ["120.07", "120"]
    assert df["登记时间"].tolist() == ["2024-05-06 07:08:09", ""]
    assert df["户号"].tolist() == ["007", "H2"]
    assert df["_row"].tolist() == [2, 4]


def test_xlsx_prefers_named_sheet_and_chunks(tmp_path):
    path = tmp_path / "h.xlsx"
    rows = [["household_no"]] + [[f"H{i}"] for i in range(5)]
    _xlsx(
        path,
        [["readme"], ["this sheet explains the columns"]],
        title="说明",
        extra_sheets=[("households", rows)],
    )
    r = read_table(path, chunk_rows=2)
    assert r.sheet == "households"
    chunks = list(r)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert pd.concat(chunks)["_row"].tolist() == [2, 3, 4, 5, 6]
    assert _all(read_table(path, sheet="说明"))["readme"].tolist() == [
        "this sheet explains the columns"
    ]
    with pytest.raises(FileProblem, match="no sheet 'x'"):
        read_table(path, sheet="x")


def test_reader_can_be_closed_early(tmp_path):
    path = tmp_path / "many.xlsx"
    _xlsx(path, [["a"]] + [[i] for i in range(10)])
    with read_table(path, chunk_rows=3) as r:
        assert r.header == ["a"] and r.header_row == 1
        assert next(r)["a"].tolist() == ["0", "1", "2"]
    # Leaving early must release the workbook (pytest -W error would flag a leak).
    with pytest.raises(StopIteration):
        next(r)


def test_xlsx_header_only_and_stray_cell(tmp_path):
    path = tmp_path / "e.xlsx"
    _xlsx(path, [["a", "b"]])
    with pytest.raises(FileProblem, match="file is empty"):
        read_table(path)
    path2 = tmp_path / "s.xlsx"
    _xlsx(path2, [["a", "b"], ["1", "2", "note"]])
    with pytest.raises(FileProblem) as ei:
        _all(read_table(path2))
    assert ei.value.row == 2 and ei.value.column == "C"


def test_not_really_xlsx(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text(TEXT, encoding="utf-8")
    with pytest.raises(FileProblem, match="not a readable .xlsx"):
        read_table(path)


# --- column matching ---------------------------------------------------------------

EXPECTED = {
    "household_no": ["户号", "household number"],
    "address": ["地址", "住址"],
    "lon": ["经度", "longitude", "x"],
    "lat": ["纬度", "latitude", "y"],
    "phone": ["电话", "联系电话"],
}


def test_match_columns_aliases():
    header = ["户号", "Household-Address", "LONGITUDE", "纬度", "备注", "_row"]
    m = match_columns(
        "h.csv",
        header,
        {**EXPECTED, "address": ["household address"]},
        {"household_no", "address", "lon", "lat"},
    )
    assert isinstance(m, ColumnMap) and isinstance(m, dict)
    assert m == {
        "household_no": "户号",
        "address": "Household-Address",
        "lon": "LONGITUDE",
        "lat": "纬度",
    }
    assert m.extra == ["备注"]


def test_match_columns_missing_with_suggestion():
    header = ["household_no", "adress", "lon", "latt", "备注"]
    with pytest.raises(FileProblem) as ei:
        match_columns(
            "households.csv", header, EXPECTED, {"household_no", "address", "lon", "lat", "phone"}
        )
    p = ei.value
    assert p.row == 1 and p.file == "households.csv"
    assert "'adress' — did you mean 'address'?" in p.reason
    assert "'latt' — did you mean 'lat'?" in p.reason
    assert "phone" in p.reason and "联系电话" in p.fix


def test_match_columns_two_headers_same_meaning():
    with pytest.raises(FileProblem, match="both mean lon"):
        match_columns("h.csv", ["lon", "经度", "lat"], EXPECTED, {"lon", "lat"})


# --- vector files -----------------------------------------------------------------

NAMES = ["义乌市稠城街道", "北苑街道"]


def _villages(crs="EPSG:4528"):
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4490", crs, always_xy=True)
    pts = [t.transform(120.07, 29.30), t.transform(120.10, 29.35)]
    geoms = [Point(x, y).buffer(100) for x, y in pts]
    return gpd.GeoDataFrame({"name": NAMES, "pop": [1200, 800]}, geometry=geoms, crs=crs)


def _zip_dir(src_dir, zpath, arc_prefix="", drop=()):
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(os.listdir(src_dir)):
            if os.path.splitext(f)[1] in drop:
                continue
            z.write(os.path.join(src_dir, f), arc_prefix + f)
    return zpath


@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_zipped_shapefile_with_prj_and_cpg(tmp_path, encoding):
    src = tmp_path / "shp"
    src.mkdir()
    _villages().to_file(src / "villages.shp", encoding=encoding)
    assert (src / "villages.cpg").read_text().strip().upper() == encoding
    z = _zip_dir(src, tmp_path / "villages.zip", arc_prefix="村界/")
    gdf = read_vector(z)
    assert gdf["name"].tolist() == NAMES
    assert gdf.crs.to_epsg() == 4528
    assert gdf.attrs["notes"] == []
    assert len(gdf) == 2 and gdf.geom_type.eq("Polygon").all()


@pytest.mark.parametrize("encoding,note", [("GBK", "GB18030"), ("UTF-8", "UTF-8")])
def test_zipped_shapefile_without_cpg_or_prj(tmp_path, encoding, note):
    src = tmp_path / "shp"
    src.mkdir()
    _villages().to_file(src / "v.shp", encoding=encoding)
    z = _zip_dir(src, tmp_path / "v.zip", drop=(".cpg", ".prj"))
    gdf = read_vector(z)
    assert gdf["name"].tolist() == NAMES
    assert gdf.crs is None
    notes = " ".join(gdf.attrs["notes"])
    assert "no .prj" in notes and "no .cpg" in notes and note in notes


def test_cpg_936_means_gbk(tmp_path):
    src = tmp_path / "shp"
    src.mkdir()
    _villages().to_file(src / "v.shp", encoding="GBK")
    (src / "v.cpg").write_text("936")
    assert read_vector(_zip_dir(src, tmp_path / "v.zip"))["name"].tolist() == NAMES


def test_zip_without_shp_lists_contents(tmp_path):
    z = tmp_path / "nothing.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("村界.dbf", b"x")
    with pytest.raises(FileProblem) as ei:
        read_vector(z)
    assert "no .shp" in ei.value.reason
    assert "readme.txt" in ei.value.reason and "村界.dbf" in ei.value.reason


def test_zip_missing_dbf(tmp_path):
    src = tmp_path / "shp"
    src.mkdir()
    _villages().to_file(src / "v.shp")
    z = _zip_dir(src, tmp_path / "v.zip", drop=(".dbf",))
    with pytest.raises(FileProblem, match=r"no v\.dbf beside it"):
        read_vector(z)


def test_zip_several_shapefiles_needs_layer(tmp_path):
    src = tmp_path / "shp"
    src.mkdir()
    _villages().to_file(src / "a.shp")
    _villages().iloc[:1].to_file(src / "b.shp")
    z = _zip_dir(src, tmp_path / "two.zip")
    with pytest.raises(FileProblem) as ei:
        read_vector(z)
    assert "a.shp" in ei.value.reason and "b.shp" in ei.value.reason
    assert len(read_vector(z, layer="b")) == 1
    assert len(read_vector(z, layer="a.shp")) == 2


@pytest.mark.parametrize(
    "member", ["../evil.shp", "/etc/evil.shp", "ok/../../evil.shp", "..\\evil.shp"]
)
def test_zip_path_traversal_rejected(tmp_path, member):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("fine.txt", "x")
        zf.writestr(member, b"x")
    with pytest.raises(FileProblem) as ei:
        read_vector(z)
    assert member in str(ei.value)
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_bomb_rejected_by_ratio(tmp_path):
    z = tmp_path / "bomb.zip"
    zeros = bytes(1 << 20)
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("bomb.shp", "w", force_zip64=True) as f:
            for _ in range(300):  # 300 MB of zeros, written a block at a time
                f.write(zeros)
        zf.writestr("bomb.shx", b"x")
        zf.writestr("bomb.dbf", b"x")
    assert z.stat().st_size < 2 << 20
    with pytest.raises(FileProblem) as ei:
        read_vector(z)
    assert "zip bomb" in ei.value.reason and "bomb.shp" in ei.value.reason


def test_zip_total_size_limit(tmp_path):
    src = tmp_path / "shp"
    src.mkdir()
    _villages().to_file(src / "v.shp")
    z = _zip_dir(src, tmp_path / "v.zip")
    with pytest.raises(FileProblem, match="more than the 1,000 allowed"):
        read_vector(z, max_total_bytes=1000)


def test_not_a_zip(tmp_path):
    z = tmp_path / "v.zip"
    z.write_bytes(b"not a zip")
    with pytest.raises(FileProblem, match="not a valid zip"):
        read_vector(z)


def test_geojson_and_gpkg(tmp_path):
    g = _villages().to_crs(4326)
    gj = tmp_path / "v.geojson"
    g.to_file(gj, driver="GeoJSON")
    out = read_vector(gj)
    assert out["name"].tolist() == NAMES and out.crs.to_epsg() == 4326
    assert out.attrs["notes"] == []

    gp = tmp_path / "v.gpkg"
    g.to_file(gp, layer="villages", driver="GPKG")
    assert read_vector(gp)["name"].tolist() == NAMES
    g.iloc[:1].to_file(gp, layer="towns", driver="GPKG")
    with pytest.raises(FileProblem, match="2 layers"):
        read_vector(gp)
    assert len(read_vector(gp, layer="towns")) == 1


def test_vector_unknown_extension(tmp_path):
    p = tmp_path / "v.kml"
    p.write_text("<kml/>")
    with pytest.raises(FileProblem) as ei:
        read_vector(p)
    assert ".gpkg" in ei.value.reason and ".zip" in ei.value.reason


# --- geometry repair ---------------------------------------------------------------


def test_repair_bow_tie_and_reject_empty():
    bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    good = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    gdf = gpd.GeoDataFrame(
        {"name": ["good", "bow", "none", "empty", "line", "sliver"]},
        geometry=[
            good,
            bow_tie,
            None,
            Polygon(),
            LineString([(0, 0), (1, 1)]),
            Polygon([(0, 0), (1, 1), (2, 2), (0, 0)]),
        ],
        crs="EPSG:4528",
        index=[10, 11, 12, 13, 14, 15],
    )
    assert not bow_tie.is_valid
    fixed, notes, rejected = repair_geometries(gdf, "villages.zip")
    assert fixed.index.tolist() == [10, 11]
    assert fixed.geometry.is_valid.all()
    assert fixed.geometry.iloc[1].geom_type == "MultiPolygon"
    assert fixed.geometry.iloc[1].area == pytest.approx(2.0)
    assert fixed.crs.to_epsg() == 4528
    assert notes == ["feature 2: self-intersection at (1, 1) repaired"]
    assert [p.row for p in rejected] == [3, 4, 5, 6]
    assert all(isinstance(p, FileProblem) and p.file == "villages.zip" for p in rejected)
    assert "villages.zip row 3, column geometry" in str(rejected[0])


def test_repair_uses_callers_row_numbers():
    bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    gdf = gpd.GeoDataFrame({"_row": [7, 9]}, geometry=[bow_tie, None], crs="EPSG:4326")
    fixed, notes, rejected = repair_geometries(gdf, "b.pbf")
    assert notes[0].startswith("feature 7: ")
    assert [p.row for p in rejected] == [9]
    assert fixed["_row"].tolist() == [7]


# --- OSM --------------------------------------------------------------------------


def test_read_osm_bundled_extract():
    import pyrosm

    path = pyrosm.get_data("test_pbf")
    out = read_osm(path)
    b, r = out["buildings"], out["roads"]
    assert len(b) > 0 and len(r) > 0
    assert {"osm_id", "use", "name", "address", "levels", "geometry"} <= set(b.columns)
    assert {"osm_id", "name", "highway", "geometry"} <= set(r.columns)
    assert b.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert r.geom_type.eq("LineString").all()
    assert b.crs.to_epsg() == 4326 and r.crs.to_epsg() == 4326
    assert b["address"].notna().any()


def test_read_osm_missing_file(tmp_path):
    with pytest.raises(FileProblem, match="not found"):
        read_osm(tmp_path / "nope.osm.pbf")
