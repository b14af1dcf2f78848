"""Load reports speak Chinese by default: file problems, load errors, rejected rows and the
report's summary come from gis/catalogue/loads.py (the other loader tests ask for English)."""

from __future__ import annotations

import pytest

from gis.crs import CRSError
from gis.errors import PopgisError
from loaders.files import FileProblem, read_table
from loaders.registry import LOADERS, get_loader, loader_class
from loaders.reports import LoadError


@pytest.fixture(autouse=True)
def chinese(monkeypatch, english):
    monkeypatch.delenv("POPGIS_LANG", raising=False)


def test_a_missing_file_is_named_in_chinese(tmp_path):
    with pytest.raises(FileProblem) as info:
        read_table(tmp_path / "户籍.csv")
    assert str(info.value) == "户籍.csv: 找不到文件；改法：请核对文件名后重新上传"


def test_a_missing_column_names_the_row_column_and_fix(tmp_path):
    path = tmp_path / "sp.csv"
    path.write_text("point_id,kind,name,lon\nP1,clinic,甲,120.03\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        get_loader("service-points").run(path, dry_run=True)
    text = str(info.value)
    assert "sp.csv 第 1 行，列 lat" in text
    assert "缺少必需的列：lat" in text and "改法：请把第 1 行的表头改为可接受的名称" in text


def test_an_unknown_kind_is_refused_in_chinese():
    with pytest.raises(LoadError, match="未知的数据类别 'nope'；应为以下之一：admin"):
        get_loader("nope")


def test_rejected_rows_and_the_summary_are_chinese(tmp_path, conn):
    path = tmp_path / "sp.csv"
    path.write_text(
        "point_id,kind,name,lon,lat\nZH1,clinic,甲,120.03,29.26\nZH2,clinic,乙,29.26,120.03\n",
        encoding="utf-8",
    )
    report = get_loader("service-points").run(path, conn=conn, dry_run=True)
    (rejected,) = report.rejected
    assert rejected.row == 3 and rejected.column == "lon"
    assert rejected.reason == "经纬度似乎写反了（经度在 ±90 以内，纬度超出 ±90）"
    assert rejected.fix == "请对调经度列和纬度列"
    assert str(rejected) == (
        "sp.csv 第 3 行，列 lon: '29.26,120.03' 经纬度似乎写反了（经度在 ±90 "
        "以内，纬度超出 ±90）；改法：请对调经度列和纬度列"
    )
    summary = report.summary()
    assert summary.startswith("sp.csv：已检查（试运行，未写入）；共 2 行：新增 1，")
    assert "拒绝 1" in summary and "  拒绝：sp.csv 第 3 行" in summary


def test_one_error_family():
    assert issubclass(LoadError, PopgisError)
    assert issubclass(FileProblem, LoadError)
    assert issubclass(CRSError, PopgisError) and issubclass(CRSError, ValueError)
    assert FileProblem("a.csv", reason="x").status == 400


def test_every_registered_loader_resolves_to_its_kind():
    for kind in LOADERS:
        assert loader_class(kind).kind == kind
