"""Exports follow the requesting user's language (outside tester, issue 15 finding 14):
titles, legends, notes, footers, table headers and file names, in Chinese by default
and in English when the user speaks English; tested both ways."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from gis.exports import atlas, cartography, mapping, tables
from gis.exports.aggregates import statistics
from gis.exports.map_spec import prepare
from gis.gate import scope_for_area
from gis.messages import speaking


def _drawn(conn, scope, layer, **kw):
    """The map's spec and the texts of its legend (title, entries) as drawn."""
    with cartography.style():
        page = mapping.Page("A4", False)
        spec = mapping.prepare(conn, scope, layer, aspect=page.aspect, **kw)
        page.draw(spec)
        legend = page.ax.get_legend()
        texts = [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
        texts += [t.get_text() for t in page.ax.texts]  # scale bar, north arrow, note
        for child in page.ax.child_axes:  # a heat map's colour bar
            texts += [child.get_xlabel(), child.get_ylabel()]
    return spec, texts


def test_a_map_in_english_and_in_chinese(conn):
    county = scope_for_area(conn, "330782000000", user="lang_tester")
    with speaking("en"):
        spec, texts = _drawn(conn, county, "density", per="village")
        name, local = mapping.file_names(conn, spec, "pdf", "A4", True, spec_date(conn))
    assert spec.title == "义乌市 Population density map (by village)"
    assert spec.subtitle.startswith("Jurisdiction: 义乌市    Data as of: 20"), spec.subtitle
    assert spec.footer_left.startswith("Source: popgis population and family-planning")
    assert spec.footer_right.startswith("Exported by lang_tester")
    assert spec.note.startswith("Hatched: withheld")
    assert "Population density (persons/km²)" in texts and "Jurisdiction boundary" in texts
    assert "Village boundaries" in texts and any(t.endswith(" km") for t in texts), texts
    assert not any("辖区" in t or "公里" in t or "北" in t for t in texts), texts
    assert local.startswith("义乌市-Population density map (by village)-A4 landscape-")
    # the Chinese default, as before
    spec, texts = _drawn(conn, county, "density", per="village")
    assert spec.title == "义乌市 人口密度分布图（按村）" and spec.subtitle.startswith(
        "辖区：义乌市"
    )
    assert "数据截至" in spec.subtitle and spec.footer_left.startswith("数据来源：popgis")
    assert "人口密度（人/平方公里）" in texts and "辖区界" in texts and "北\nN" in texts


def test_heat_and_service_point_maps_in_english(conn):
    county = scope_for_area(conn, "330782000000", user="lang_tester")
    with speaking("en"):
        heat, texts = _drawn(conn, county, "migrants")
        assert heat.title.endswith("Migrant population heat map")
        assert heat.note.startswith("Kernel bandwidth") and "Legend" in texts
        assert "Migrant density (persons/km²)" in texts, texts
        points, texts = _drawn(conn, county, "service-points")
    assert any(t.startswith("Distribution point  ") for t in texts), texts
    assert "Pale circles: service radius (area covered)" in texts


def test_a_table_in_english_and_in_chinese(conn):
    county = scope_for_area(conn, "330782000000", user="lang_tester")
    with speaking("en"):
        rows = list(
            csv.reader(
                io.StringIO(tables.export_table(conn, county, fmt="csv").decode("utf-8-sig"))
            )
        )
        wb = openpyxl.load_workbook(io.BytesIO(tables.export_table(conn, county, fmt="xlsx")))
    assert rows[0][:4] == ["Row type", "Area code", "Township (subdistrict)", "Village (community)"]
    assert rows[1][0] == "Total" and {r[0] for r in rows[2:]} <= {"Township subtotal", "Village"}
    assert wb.sheetnames == ["Statistics", "Notes"]
    ws = wb["Statistics"]
    assert ws["A1"].value.endswith("population and family-planning services by village")
    assert ws["A2"].value.startswith("Data as of 20")
    notes = [r[0].value for r in wb["Notes"].iter_rows()]
    assert any(n.startswith("“*” marks what is withheld") for n in notes), notes
    rows = list(
        csv.reader(io.StringIO(tables.export_table(conn, county, fmt="csv").decode("utf-8-sig")))
    )
    assert rows[0][:2] == ["行类型", "区划代码"] and rows[1][0] == "合计"


def test_an_atlas_page_in_english(conn):
    county = scope_for_area(conn, "330782000000", user="lang_tester")
    stats = statistics(conn, county)
    with speaking("en"):
        line = atlas.stats_line(stats.get("330782000000"))
    assert line.startswith("Population ") and "Distribution coverage" in line, line
    assert "(* withheld)" in line and "人口" not in line
    assert atlas.stats_line(stats.get("330782000000")).startswith("人口 ")


def spec_date(conn):
    from gis import rules

    return rules.today()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_map_per_village_and_one_per_grid_have_their_own_titles(conn, lang):
    """Issue 15 follow-up (8): both density maps were titled "人口密度分布图"."""
    county = scope_for_area(conn, "330782000000", user="lang_tester")
    with speaking(lang):
        titles = {
            (layer, per): prepare(conn, county, layer, per=per).title
            for layer in ("density", "coverage")
            for per in ("village", "grid")
        }
    assert len(set(titles.values())) == 4, titles
    if lang == "en":
        assert titles["density", "grid"] == "义乌市 Population density map (by grid)"
    else:
        assert titles["density", "village"] == "义乌市 人口密度分布图（按村）"
        assert titles["density", "grid"] == "义乌市 人口密度分布图（按网格）"
        assert titles["coverage", "grid"] == "义乌市 药具发放覆盖率分布图（按网格）"


def test_a_grids_export_names_it_grid_n_in_english(conn):
    """A grid user's export in English calls the grid "Grid N" with its village in its
    title and its jurisdiction line (it was the Chinese name: outside tester, s21; then
    "Grid 1" alone, which every village has: s23)."""
    from gis.exports.basemap import area_names

    with speaking("en"):
        assert area_names(conn, "330782001001001")[-1] == "江滨社区 Grid 1"
    assert area_names(conn, "330782001001001")[-1].endswith("网格")  # Chinese: its name
    grid = scope_for_area(conn, "330782001001001", user="lang_tester", role="village")
    with speaking("en"):
        spec, _texts = _drawn(conn, grid, "density", per="grid")
    assert spec.title.startswith("江滨社区 Grid 1 "), spec.title
    assert "网格" not in spec.title and "网格" not in spec.subtitle, spec.subtitle


def test_grid_stats_and_the_in_map_labels_name_a_grid_grid_n_in_english(conn):
    """The grid_stats layer's ``label`` and the grid labels drawn on a village's map read
    "Grid N" with the village in English (they kept the Chinese name: outside tester,
    s21); ``name`` stays the official name, and in Chinese the label is the name."""
    from gis.exports import geo

    village = scope_for_area(conn, "330782001001", user="lang_tester", role="village")
    with speaking("en"):
        feats, _n = geo.features(conn, village, "grid_stats")
        # a view 3 km wide: its labels are the grids'
        spec = prepare(conn, village, "density", per="grid", bbox=(120.06, 29.24, 120.09, 29.26))
    assert [(f["properties"]["name"], f["properties"]["label"]) for f in feats] == [
        ("江滨社区第一网格", "江滨社区 Grid 1"),
        ("江滨社区第二网格", "江滨社区 Grid 2"),
    ]
    assert [text for _x, _y, text in spec.labels] == ["江滨社区 Grid 2"], spec.labels
    spec = prepare(conn, village, "density", per="grid", bbox=(120.06, 29.24, 120.09, 29.26))
    assert [text for _x, _y, text in spec.labels] == ["江滨社区第二网格"], spec.labels
    feats, _n = geo.features(conn, village, "grid_stats")
    assert [f["properties"]["label"] for f in feats] == ["江滨社区第一网格", "江滨社区第二网格"]
    # a village keeps its name in both languages
    with speaking("en"):
        feats, _n = geo.features(conn, village, "village_stats")
    assert feats[0]["properties"]["label"] == "江滨社区居委会"


@pytest.mark.parametrize(
    "bbox",
    [
        (120.06, 29.21, 120.09, 29.29),  # well inside grid 2
        (120.051, 29.201, 120.052, 29.202),  # a corner of it
    ],
)
def test_a_view_inside_one_grid_is_titled_with_the_grid(conn, bbox):
    county = scope_for_area(conn, "330782000000", user="lang_tester")
    with speaking("en"):
        spec = prepare(conn, county, "migrants", bbox=bbox)
    assert spec.title.startswith("江滨社区 Grid 2 "), spec.title
    assert spec.area_code == "330782001001002"


# the web map's view after drilling into grid 2 on a wide screen: it shows the grid whole
# and much of its village, whose extent matches the view better than the grid's
WIDE_VIEW_OF_GRID_2 = (120.0, 29.195, 120.15, 29.305)


def test_a_view_drilled_into_a_grid_is_titled_with_the_grid(conn):
    county = scope_for_area(conn, "330782000000", user="lang_tester")
    with speaking("en"):
        spec = prepare(conn, county, "migrants", bbox=WIDE_VIEW_OF_GRID_2, drilled=GRID_2)
        assert spec.title.startswith("江滨社区 Grid 2 "), spec.title
        # without the map's drill state the best-fitting extent (the village) names it
        spec = prepare(conn, county, "migrants", bbox=WIDE_VIEW_OF_GRID_2)
        assert spec.title.startswith("江滨社区居委会 "), spec.title
        # drilled into the village, the same view is the village's
        spec = prepare(conn, county, "migrants", bbox=WIDE_VIEW_OF_GRID_2, drilled=VILLAGE)
        assert spec.title.startswith("江滨社区居委会 "), spec.title
        # zoomed out to the whole county after the drill: the grid no longer frames it
        whole = (120.0, 29.2, 120.2, 29.4)
        spec = prepare(conn, county, "migrants", bbox=whole, drilled=GRID_2)
        assert "Grid 2" not in spec.title, spec.title
        # an area the view's centre is not in is no title either
        spec = prepare(conn, county, "migrants", bbox=WIDE_VIEW_OF_GRID_2, drilled=GRID_1)
        assert "Grid 1" not in spec.title, spec.title


GRID_1, GRID_2, VILLAGE = "330782001001001", "330782001001002", "330782001001"
