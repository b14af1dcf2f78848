"""Briefing maps and atlases: decoded images of the right size with content, the heat
map's safeguards (bandwidth floor, no lone household visible), Chinese text with a CJK
font (no missing glyphs), and every export logged."""

from __future__ import annotations

import io
import itertools
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from gis.exports import atlas, cartography, heat, map_spec, mapping
from gis.gate import scope_for_area
from gis.gate.aggregates import Cells
from tests.gis.exports.helpers import add_households

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
GRID1 = "330782001001001"


@pytest.fixture
def crowded(conn):
    """60 households of 3 (two migrants each) around building A1 in grid 1."""
    add_households(
        conn, GRID1, 60, 3, migrants=2, women=1, lon=120.021, lat=29.251, spread=0.004, served=20
    )
    return scope_for_area(conn, "330782000000", user="map_tester")


def exports_logged(conn, user):
    return conn.execute(
        sa.text(
            "SELECT target_kind, target_id, detail FROM access_log WHERE action = 'export' "
            "AND user_name = :u ORDER BY id"
        ),
        {"u": user},
    ).fetchall()


def _cells(points, cell=100.0):
    """Cells from (x, y, households, persons) tuples in metres."""
    a = np.array(points, dtype=float)
    return Cells(
        epsg=32651,
        cell_m=cell,
        ix=np.floor(a[:, 0] / cell).astype(int),
        iy=np.floor(a[:, 1] / cell).astype(int),
        households=a[:, 2].astype(int),
        persons=a[:, 3].astype(int),
    )


def test_bandwidth_has_a_floor():
    cells = _cells([(500_000, 3_250_000, 10, 30)])
    r = heat.smooth(cells, (495_000, 3_245_000, 505_000, 3_255_000), k=5, bandwidth_m=10)
    assert r.bandwidth_m == heat.min_bandwidth_m() == 300


def test_a_lone_household_never_shows():
    # one household with 40 migrants far from anyone: nothing is coloured
    lone = _cells([(500_000, 3_250_000, 1, 40)])
    r = heat.smooth(lone, (495_000, 3_245_000, 505_000, 3_255_000), k=5)
    assert np.isnan(r.density).all()
    # four households with many persons: still fewer than k households around
    few = _cells([(500_000 + 80 * i, 3_250_000, 1, 10) for i in range(4)])
    assert np.isnan(heat.smooth(few, (495_000, 3_245_000, 505_000, 3_255_000), k=5).density).all()
    # five households of one migrant each within 400 m: a coloured patch appears
    five = _cells([(500_000 + 100 * i, 3_250_000, 1, 1) for i in range(5)])
    r = heat.smooth(five, (495_000, 3_245_000, 505_000, 3_255_000), k=5)
    assert np.isfinite(r.density).sum() > 20


def test_heat_of_the_fixture_hides_the_small_villages(conn, crowded):
    """Village B's single household of 2 and village C's two households stay blank;
    the 60 households of grid 1 show up."""
    from gis.exports import basemap

    epsg = basemap.metric_epsg(conn, "330782000000")
    box = basemap.area_box(conn, "330782000000", epsg)
    r = map_spec.heat_raster(
        conn,
        crowded,
        box,
        epsg,
        as_of=None or __import__("datetime").date.today(),
        measure="persons",
    )
    x0, x1, y0, y1 = r.extent
    ny, nx = r.density.shape

    def at(lon, lat):
        (x, _, _, y) = basemap.to_metric((lon, lat, lon, lat), epsg)
        return r.density[int((y1 - y) / (y1 - y0) * ny), int((x - x0) / (x1 - x0) * nx)]

    assert np.isfinite(at(120.021, 29.251))  # grid 1, 60 households
    assert np.isnan(at(120.0502, 29.3502))  # HB1: one household
    assert np.isnan(at(120.1502, 29.3002))  # HC1
    assert np.isnan(at(120.0702, 29.2502))  # HA2, 5 km from the crowd


def _no_missing_glyphs(record):
    missing = [str(w.message) for w in record if "missing from" in str(w.message)]
    assert not missing, missing[:3]


def test_png_map_of_the_county(conn, crowded):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        data = mapping.render_map(conn, crowded, "migrants", fmt="png", size="A4", landscape=True)
    _no_missing_glyphs(record)
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.format == "PNG"
    assert abs(img.size[0] - 3508) <= 1 and abs(img.size[1] - 2480) <= 1  # A4 at 300 dpi
    assert round(img.info["dpi"][0]) == 300
    px = np.asarray(img.convert("RGB")).astype(int)
    dark = (px.sum(axis=2) < 200).mean()
    assert 0.001 < dark < 0.2  # text and lines, not a blank page
    reds = ((px[..., 0] > 150) & (px[..., 1] < 120) & (px[..., 2] < 120)).sum()
    assert reds > 2000  # the heat of grid 1 is drawn
    # the title band has ink (the Chinese title), the map frame is drawn
    assert (px[:250].sum(axis=2) < 300).sum() > 2000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "export-map-migrants.png").write_bytes(data)
    logged = exports_logged(conn, "map_tester")
    assert logged[-1].target_kind == "map:migrants"
    assert logged[-1].target_id == "330782000000"
    assert logged[-1].detail["format"] == "png"


def test_pdf_maps_of_each_layer(conn, crowded, tmp_path):
    for layer, size in (("density", "A3"), ("coverage", "A4"), ("service-points", "A4")):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            data = mapping.render_map(conn, crowded, layer, fmt="pdf", size=size)
        _no_missing_glyphs(record)
        assert (
            data.startswith(b"%PDF")
            and data.count(b"/Type /Page\n")
            + data.count(b"/Type /Page ")
            + data.count(b"/Type /Page>")
            >= 1
        )
        # render the page with GDAL (poppler) and look for ink
        pdf = tmp_path / f"{layer}.pdf"
        pdf.write_bytes(data)
        png = tmp_path / f"{layer}.png"
        subprocess.run(
            [
                "gdal_translate",
                "-q",
                "-of",
                "PNG",
                "--config",
                "GDAL_PDF_DPI",
                "50",
                str(pdf),
                str(png),
            ],
            check=True,
        )
        img = np.asarray(Image.open(png).convert("RGB")).astype(int)
        w_in, h_in = cartography.paper_inches(size, False)
        assert abs(img.shape[1] - w_in * 50) <= 2 and abs(img.shape[0] - h_in * 50) <= 2
        assert (img.sum(axis=2) < 600).mean() > 0.02, layer
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "export-map-density-A3.pdf").write_bytes((tmp_path / "density.pdf").read_bytes())
    kinds = [r.target_kind for r in exports_logged(conn, "map_tester")]
    assert kinds == ["map:density", "map:coverage", "map:service-points"]


def test_map_of_the_current_view_stays_in_the_jurisdiction(conn):
    village = scope_for_area(conn, "330782001002", user="vb", role="village")
    data = mapping.render_map(
        conn, village, "service-points", fmt="png", bbox=(120.0, 29.2, 120.2, 29.4)
    )
    assert abs(Image.open(io.BytesIO(data)).size[1] - 3508) <= 1  # portrait A4
    spec = mapping.prepare(conn, village, "service-points", bbox=(120.0, 29.2, 120.2, 29.4))
    assert len(spec.points) == 1  # SP2 only, not the county's four
    from gis.errors import NotFound

    with pytest.raises(NotFound):
        mapping.render_map(conn, village, "migrants", area_code="330782001001")


def test_atlas_has_a_page_per_village(conn, crowded, tmp_path):
    pages = []
    data = atlas.render_atlas(
        conn,
        crowded,
        "migrants",
        area_code="330782001000",
        progress=lambda done, total: pages.append((done, total)),
    )
    assert data.startswith(b"%PDF")
    assert pages[-1] == (3, 3)  # overview + villages A and B
    pdf = tmp_path / "atlas.pdf"
    pdf.write_bytes(data)
    info = subprocess.run(["gdalinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "PDF:3:" in info and "PDF:4:" not in info
    png = tmp_path / "p2.png"
    subprocess.run(
        [
            "gdal_translate",
            "-q",
            "-of",
            "PNG",
            "--config",
            "GDAL_PDF_DPI",
            "60",
            f"PDF:2:{pdf}",
            str(png),
        ],
        check=True,
    )
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert img.shape[1] > img.shape[0]  # landscape
    assert (img.sum(axis=2) < 600).mean() > 0.02
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "export-atlas.pdf").write_bytes(data)
    assert exports_logged(conn, "map_tester")[-1].target_kind == "atlas:migrants"


def test_atlas_pages_keep_no_whole_page_bitmap(conn, crowded, monkeypatch):
    """Images a PDF holds until it is closed are only what the page shows (a rasterized
    colour bar used to be cut from a 34 MB page bitmap kept alive for every page)."""
    from matplotlib.backends import backend_pdf

    held = []
    original = backend_pdf.PdfFile.imageObject

    def spy(self, image):
        base = image
        while isinstance(getattr(base, "base", None), np.ndarray):
            base = base.base
        held.append((image.nbytes, base.nbytes))
        return original(self, image)

    monkeypatch.setattr(backend_pdf.PdfFile, "imageObject", spy)
    atlas.render_atlas(conn, crowded, "migrants", area_code="330782001000")
    assert held and all(base <= 2 * own for own, base in held), held


def test_cjk_font_is_installed():
    assert "CJK" in cartography.cjk_family()


def test_the_title_names_the_area_the_view_frames(conn):
    """The deepest area the view contains or frames, else the user's own area."""
    county = scope_for_area(conn, "330782000000", user="viewer")
    cases = [
        ((120.0, 29.2, 120.2, 29.4), "义乌市"),  # the whole county
        ((119.98, 29.19, 120.12, 29.41), "稠城街道"),  # the township, with its neighbour
        ((119.99, 29.19, 120.11, 29.31), "江滨社区居委会"),  # village A with margins
        ((119.95, 29.17, 120.12, 29.31), "江滨社区居委会"),  # …on a wide screen
        ((120.01, 29.22, 120.03, 29.24), "江滨社区第一网格"),  # zoomed into grid 1
        ((120.06, 29.21, 120.14, 29.39), "义乌市"),  # across two townships
    ]
    for bbox, name in cases:
        spec = mapping.prepare(conn, county, "service-points", bbox=bbox)
        assert spec.title.startswith(f"{name} "), (bbox, spec.title)
        assert spec.area_name == name
    # an area asked for by code is named, whatever the view
    spec = mapping.prepare(
        conn,
        county,
        "service-points",
        area_code="330782001000",
        bbox=(120.01, 29.22, 120.03, 29.24),
    )
    assert spec.area_name == "稠城街道"


def test_a_view_is_cut_to_the_area_and_one_outside_it_refused(conn):
    from gis.errors import InvalidInput

    village = scope_for_area(conn, "330782001001", user="va", role="village")
    with pytest.raises(InvalidInput) as err:
        mapping.prepare(conn, village, "service-points", bbox=(120.0, 29.31, 120.1, 29.4))
    assert err.value.status == 422 and err.value.code == "outside_area"
    half = mapping.prepare(conn, village, "service-points", bbox=(119.9, 29.1, 120.05, 29.25))
    whole = mapping.prepare(conn, village, "service-points", bbox=(120.0, 29.2, 120.05, 29.25))
    assert half.box == whole.box


def test_choropleth_classes_never_share_a_boundary():
    for values in (
        [0, 0, 0, 1200, 1250, 3400, 3400, 3400, 9800],  # repeated quantiles
        [1260, 1299, 1300, 5000],  # the minimum rounds up to two digits
        [5, 5, 5],
        [12.34, 15.1, 15.12, 80.5, 99.96],
        list(range(0, 2000, 7)),
    ):
        c = mapping.classes(values)
        assert all(a < b for a, b in itertools.pairwise(c.bounds)), c
        assert len(c.labels) == len(c.bounds) - 1
        assert len(set(c.labels)) == len(c.labels)
        held = np.histogram(c.rounded(values), bins=c.bounds)[0]
        assert held.min() > 0, (c, held)  # no empty class in the legend
        # every value falls in exactly one class, and its label's range holds it
        for v in c.rounded(values):
            i = int(np.searchsorted(c.bounds, v, side="right")) - 1
            assert 0 <= i < len(c.labels), (v, c)
            lo, _sep, hi = c.labels[i].replace(",", "").partition(" – ")
            assert float(lo) <= v <= float(hi or lo), (v, c.labels[i])
        # a class ends one step (1, or 0.1 below 100) before the next one starts
        ranges = [label.replace(",", "").partition(" – ") for label in c.labels]
        for (lo0, _s, hi), (lo, _s2, _hi) in itertools.pairwise(ranges):
            hi = hi or lo0  # a class of one value ("0")
            assert round(float(lo) - float(hi), c.decimals) == 10.0**-c.decimals, c.labels
    assert mapping.classes([1260, 1299, 1300, 5000]).labels[0] == "1,200 – 1,299"


def test_the_heat_legend_shows_the_maps_gradient(conn, crowded):
    """The colour bar runs from the web map's pale yellow through orange to its dark red,
    opaque (a faded bar on white looked flat)."""
    from matplotlib.colors import to_rgb

    with cartography.style():
        page = mapping.Page("A4", True)
        spec = mapping.prepare(conn, crowded, "migrants", aspect=page.aspect)
        page.draw(spec)
        buf = io.BytesIO()
        page.save(buf, "png")
    px = np.asarray(Image.open(buf).convert("RGB")).astype(int)
    # the colour bar: the thinnest of the insets (the other is its white card)
    bar = min(page.ax.child_axes, key=lambda a: a.get_window_extent().height)
    box = bar.get_window_extent()
    row = px.shape[0] - int((box.y0 + box.y1) / 2)
    xs = np.linspace(box.x0 + 6, box.x1 - 6, 5).astype(int)
    samples = [px[row, x] for x in xs]
    expected = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    # the ends are the gradient's ends; the middle is orange; it darkens all along
    assert np.abs(samples[0] - np.array(to_rgb(expected[0])) * 255).max() < 20, samples
    assert np.abs(samples[-1] - np.array(to_rgb(expected[-1])) * 255).max() < 20, samples
    assert 200 < samples[2][0] and 90 < samples[2][1] < 190 and samples[2][2] < 110, samples
    sums = [int(s.sum()) for s in samples]
    assert sums == sorted(sums, reverse=True), samples
    (ARTIFACTS / "export-heat-legend.png").write_bytes(buf.getvalue())


def test_a_class_of_zeros_alone_is_drawn_lightest():
    """A view whose only published density is 0 (one grid with nobody, the others
    withheld) has one class, "0": it is the lightest colour, never the darkest
    (outside tester, s21); one class of people stays dark; several go light to dark."""
    import numpy as np
    from matplotlib import colormaps

    from gis.exports.mapping import class_colours, classes

    light, dark = colormaps["Blues"](np.linspace(0.2, 0.9, 2))
    cls = classes([0.0])
    assert cls.labels == ["0"]
    assert (class_colours("Blues", 1, 0.0) == [light]).all()
    assert (class_colours("Blues", 1, 1200.0) == [dark]).all()
    several = class_colours("Blues", 4, 3400.0)
    assert len(several) == 4 and (several[0] == light).all() and (several[-1] == dark).all()


def test_a_view_titled_with_a_grid_is_drawn_by_grid(conn, crowded):
    """A small view inside one grid is titled with that grid: it is drawn by grid whatever
    ``per`` asked (by village, it coloured the grid with its village's figure, so a grid
    where nobody lives showed the village's 130–559/km² under a title naming the grid);
    a view titled with a village keeps the units asked for."""
    from gis import rules
    from gis.exports import aggregates

    stats = aggregates.statistics(conn, crowded, as_of=rules.today())
    grids = {c: s.density_km2 for c, s in stats.areas.items() if len(c) == 15}
    for per in (None, "village", "grid"):
        spec = mapping.prepare(
            conn, crowded, "density", bbox=(120.01, 29.22, 120.03, 29.24), per=per
        )
        assert spec.area_name == "江滨社区第一网格" and spec.units == "grid", (per, spec.units)
        assert spec.title == "江滨社区第一网格 人口密度分布图（按网格）", spec.title
        values = [v for _, v in spec.choropleth]
        assert grids[GRID1] in values, (values, grids)
        assert set(values) <= set(grids.values()), (values, stats.areas["330782001001"])
        name = mapping.file_names(conn, spec, "png", "A4", False, rules.today())[0]
        assert "map-density-grid-330782001001001" in name, name
    village = mapping.prepare(
        conn, crowded, "density", bbox=(119.99, 29.19, 120.11, 29.31), per="village"
    )
    assert village.title == "江滨社区居委会 人口密度分布图（按村）" and village.units == "village"
