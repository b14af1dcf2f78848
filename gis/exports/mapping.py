"""Printed maps for briefings: a heat map or choropleth of one jurisdiction (or the current
view of the web map) with title, jurisdiction, as-of date, source line, legend with
units, scale bar, north arrow and a basemap drawn from the project's own data; A4 or A3,
portrait or landscape, 300 dpi PNG or PDF.

Speed comes from drawing few artists: the heat map is one image, boundaries and roads
are one line collection each, geometry is simplified in SQL to about a pixel, and the
figure (:class:`Page`) is reused by the atlas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import shapely
from matplotlib import colormaps, patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.colors import BoundaryNorm, LinearSegmentedColormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, PathPatch
from matplotlib.path import Path as MplPath
from scipy import ndimage

from gis.errors import InvalidInput
from gis.exports import SOURCE, aggregates, area_scope, basemap, cartography, heat, log_export
from gis.gate import Scope
from gis.gate.aggregates import heat_cells
from gis.layers import SERVICE_RADIUS_M
from gis.messages import _


@dataclass(frozen=True)
class Layer:
    title: str
    legend: str
    kind: str  # heat, choropleth, points


LAYERS = {
    "migrants": Layer("流动人口分布热力图", "流动人口密度（人/平方公里）", "heat"),
    "density": Layer("人口密度分布图", "人口密度（人/平方公里）", "choropleth"),
    "coverage": Layer("药具发放覆盖率分布图", "近一年药具发放覆盖率（%，按户）", "choropleth"),
    "service-points": Layer("计生服务点分布图", "服务点（个）", "points"),
}

# Colour and Chinese label per service point kind (the same as the web map's).
KIND_STYLE = {
    "distribution_point": ("#d6336c", "药具发放点"),
    "service_station": ("#1971c2", "计生服务站"),
    "clinic": ("#2f9e44", "卫生院/诊所"),
    "pharmacy": ("#f08c00", "药店"),
    "machine": ("#7048e8", "自助发放机"),
    "outreach": ("#0c8599", "外展服务点"),
}
ROAD_STYLE = {
    "trunk": (1.6, "#c9a66b"),
    "primary": (1.2, "#c9a66b"),
    "secondary": (0.8, "#b5b5b5"),
    "residential": (0.4, "#c8c8c8"),
    "track": (0.3, "#d6d6d6"),
    "other": (0.3, "#d6d6d6"),
}
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
# The web map's heat gradient (webmap/static/map/core.js, ``C.heat``): stop → colour.
HEAT_GRADIENT = (
    (0.15, "#ffffb2"),
    (0.35, "#fecc5c"),
    (0.55, "#fd8d3c"),
    (0.75, "#f03b20"),
    (1.0, "#bd0026"),
)
_HEAT_RGB = LinearSegmentedColormap.from_list(
    "popgis_heat_rgb", [(0.0, HEAT_GRADIENT[0][1]), *HEAT_GRADIENT]
)(np.linspace(0.0, 1.0, 256))[:, :3]
#: the colour bar: the gradient itself, opaque, so that it reads as clearly as the map
HEAT_LEGEND_CMAP = ListedColormap(_HEAT_RGB, name="popgis_heat_legend")
#: the heat image: the same colours, fading out at the low end so that the basemap stays
#: readable under them
HEAT_CMAP = ListedColormap(np.c_[_HEAT_RGB, np.linspace(0.35, 0.9, 256)], name="popgis_heat")
# A lon/lat view "frames" the area whose extent matches it best, if their intersection is
# at least this share of their union (the web map's drill-down fits the view to an area,
# and a wide screen leaves margins); an area "contains" the view when it covers nearly
# all of it.
FRAMED = 0.25
VIEW_CONTAINED = 0.98


def check_layer(layer: str) -> Layer:
    if layer not in LAYERS:
        raise InvalidInput(
            _("unknown map layer {layer!r}; expected {items}", layer=layer, items=", ".join(LAYERS))
        )
    return LAYERS[layer]


@dataclass
class MapSpec:
    """Everything one map page shows, in metres of EPSG ``epsg``."""

    layer: str
    title: str
    subtitle: str
    footer_left: str
    footer_right: str
    epsg: int
    box: basemap.Box
    outline: list = field(default_factory=list)
    outline_geom: object = None
    township_lines: list = field(default_factory=list)
    village_lines: list = field(default_factory=list)
    grid_lines: list = field(default_factory=list)
    roads: list = field(default_factory=list)
    buildings: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    heat: heat.HeatRaster | None = None
    heat_vmax: float | None = None
    choropleth: list = field(default_factory=list)  # (geom, value or None)
    points: list = field(default_factory=list)
    note: str = ""
    #: the area the map shows (named in its title): the user's, the one asked for, or
    #: the one the view frames
    area_code: str = ""
    area_name: str = ""


# --------------------------------------------------------------------------- geometry
def _lines(geoms) -> list[np.ndarray]:
    """Boundary lines of polygons as coordinate arrays (for one LineCollection)."""
    out = []
    for g in geoms:
        for part in shapely.get_parts(shapely.boundary(g)):
            for line in shapely.get_parts(part):
                out.append(shapely.get_coordinates(line))
    return out


def _path(geom) -> MplPath:
    """A polygon or multipolygon (holes included) as one matplotlib path."""
    verts, codes = [], []
    for poly in shapely.get_parts(geom):
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.append(
                np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO), MplPath.CLOSEPOLY]
            )
    return MplPath(np.concatenate(verts), np.concatenate(codes).astype(np.uint8))


def fit_box(box: basemap.Box, aspect: float, pad: float = 0.04) -> basemap.Box:
    """``box`` padded and widened to the axes' width/height ``aspect``."""
    x0, y0, x1, y1 = box
    w, h = max(x1 - x0, 50.0), max(y1 - y0, 50.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


# --------------------------------------------------------------------------- data
def _area_lines(conn, spec: MapSpec, area: Scope, tol: float, grids: bool = False) -> list[dict]:
    width = spec.box[2] - spec.box[0]
    levels = ("township", "village") + (("grid",) if width <= 15_000 or grids else ())
    found = basemap.areas(conn, area.like, levels, spec.epsg, tol, box=spec.box)
    by_level = {lv: [a["geom"] for a in found if a["level"] == lv] for lv in levels}
    spec.township_lines = _lines(by_level["township"])
    spec.village_lines = _lines(by_level["village"])
    spec.grid_lines = _lines(by_level.get("grid", []))
    own = [a["geom"] for a in basemap.areas(conn, area.path, (area.level,), spec.epsg, tol)]
    spec.outline = _lines(own)
    spec.outline_geom = own[0] if own else None
    # labels: the level below the map's width, only when they will not crowd
    label_level = "township" if width > 15_000 else ("village" if width > 3_500 else "grid")
    x0, y0, x1, y1 = spec.box
    cands = [a for a in found if a["level"] == label_level]
    if len(cands) <= 80:
        for a in cands:
            p = shapely.point_on_surface(a["geom"])
            if x0 < p.x < x1 and y0 < p.y < y1:
                spec.labels.append((p.x, p.y, a["short_name"] or a["name"]))
    return found


def _choropleth(
    conn, spec: MapSpec, area: Scope, found: list[dict], stats, per: str | None = None
) -> None:
    level = "village"
    if (per == "grid" or area.level in ("village", "grid")) and any(
        a["level"] == "grid" for a in found
    ):
        level = "grid"
    value = (lambda s: s.density_km2) if spec.layer == "density" else (lambda s: s.coverage_pct)
    for a in found:
        if a["level"] == level and a["code"] in stats.areas:
            spec.choropleth.append((a["geom"], value(stats.areas[a["code"]])))
    if not spec.choropleth:
        # a village without grids: colour the village itself
        for a in basemap.areas(conn, area.path, (area.level,), spec.epsg, 1.0):
            if a["code"] in stats.areas:
                spec.choropleth.append((a["geom"], value(stats.areas[a["code"]])))


def heat_raster(
    conn,
    area: Scope,
    box: basemap.Box,
    epsg: int,
    *,
    as_of: date,
    bandwidth_m: float | None = None,
    k: int | None = None,
    measure: str = "migrants",
) -> heat.HeatRaster:
    """The safe heat raster of ``measure`` over a metric ``box`` of ``area``."""
    k = k or aggregates.threshold()
    bw = max(bandwidth_m or (box[2] - box[0]) / 150.0, heat.min_bandwidth_m())
    margin = 3 * bw
    fetch = (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)
    cells = heat_cells(
        conn,
        area,
        measure,
        epsg=epsg,
        cell_m=heat.cell_size_m(bw),
        as_of=as_of,
        bbox_lonlat=basemap.to_lonlat(fetch, epsg),
    )
    return heat.smooth(cells, box, k=k, bandwidth_m=bw)


def framed_area(conn, area: Scope, view: basemap.Box) -> str:
    """The code of the area a lon/lat ``view`` of ``area`` shows.

    Of the areas under the view's centre: the one the view frames (its extent matches
    the view best, as after the web map's drill-down fits the view to it), or the
    deepest one that contains the view, whichever is deeper; else ``area`` itself."""
    vw, vh = max(view[2] - view[0], 1e-12), max(view[3] - view[1], 1e-12)
    framed, framed_fit, contains = None, FRAMED, None
    for depth, a in enumerate(basemap.areas_under_view(conn, area.like, view)):
        x0, y0, x1, y1 = a["extent"]
        both = max(min(x1, view[2]) - max(x0, view[0]), 0.0) * max(
            min(y1, view[3]) - max(y0, view[1]), 0.0
        )
        fit = both / ((x1 - x0) * (y1 - y0) + vw * vh - both)  # intersection over union
        if fit >= framed_fit:
            framed, framed_fit = (depth, a["code"]), fit
        if a["cover"] >= VIEW_CONTAINED:
            contains = (depth, a["code"])
    best = max((c for c in (framed, contains) if c), default=None)
    return best[1] if best else area.area_code


def clip_view(conn, area: Scope, bbox: tuple[float, float, float, float]) -> basemap.Box:
    """A lon/lat view (west, south, east, north) cut to ``area``'s extent. A view that is
    empty or shows nothing of the area is refused (422)."""
    if not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
        raise InvalidInput(_("bbox {bbox} is empty; expected west,south,east,north", bbox=bbox))
    clipped = basemap.view_in_area(conn, area.area_code, bbox)
    if clipped is None:
        raise InvalidInput(
            _(
                "the view {bbox} shows nothing of {area}; move the map to it and export again",
                bbox=",".join(f"{v:g}" for v in bbox),
                area=basemap.area_names(conn, area.area_code)[-1],
            ),
            status=422,
            code="outside_area",
        )
    return clipped


def prepare(
    conn,
    scope: Scope,
    layer: str,
    *,
    area_code: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    as_of: date | None = None,
    aspect: float = 1.414,
    stats: aggregates.Statistics | None = None,
    per: str | None = None,
) -> MapSpec:
    """Gather the data of one map (no drawing). ``bbox`` is a lon/lat view
    (west, south, east, north) of the area, cut to it (a view entirely outside it is
    refused); else the whole area is shown. The title names ``area_code`` if given,
    else the area the view frames (see :func:`framed_area`), else the user's area.
    ``per`` (village or grid) chooses the units of a choropleth."""
    info = check_layer(layer)
    if per not in (None, "", "village", "grid"):
        raise InvalidInput(_("per={per!r}; expected village or grid", per=per))
    area = area_scope(conn, scope, area_code)
    as_of = as_of or aggregates.today(conn)
    k = aggregates.threshold()
    epsg = basemap.metric_epsg(conn, area.area_code)
    shown = area.area_code
    if bbox is not None:
        bbox = clip_view(conn, area, bbox)
        if not area_code:
            shown = framed_area(conn, area, bbox)
        raw = basemap.to_metric(bbox, epsg)
    else:
        raw = basemap.area_box(conn, area.area_code, epsg)
    # a margin around the area leaves room for the north arrow, scale bar and legend
    box = fit_box(raw, aspect, pad=0.0 if bbox is not None else 0.07)
    names = basemap.area_names(conn, shown)
    synthetic = "（演示数据，合成）" if basemap.is_synthetic(conn, area.area_code) else ""
    bw_floor = heat.min_bandwidth_m()
    spec = MapSpec(
        layer=layer,
        title=f"{names[-1]} {info.title}",
        subtitle=(
            f"辖区：{' '.join(names)}{'（当前视图）' if bbox else ''}　　"
            f"数据截至：{as_of:%Y年%m月%d日}"
        ),
        footer_left=SOURCE.format(k=k, bw=bw_floor) + synthetic,
        footer_right=(
            f"导出：{scope.user}　{datetime.now():%Y-%m-%d %H:%M}　坐标系 WGS 84 / UTM EPSG:{epsg}"
        ),
        epsg=epsg,
        box=box,
        area_code=shown,
        area_name=names[-1],
    )
    tol = (box[2] - box[0]) / 4000.0
    found = _area_lines(conn, spec, area, tol, grids=per == "grid")
    spec.roads = basemap.roads(conn, box, epsg, tol)
    spec.buildings = basemap.buildings(conn, box, epsg)
    if info.kind == "heat":
        spec.heat = heat_raster(conn, area, box, epsg, as_of=as_of, k=k)
        vis = spec.heat.density[np.isfinite(spec.heat.density)]
        spec.heat_vmax = float(np.percentile(vis, 99)) if vis.size else 1.0
        spec.note = f"核带宽 {spec.heat.bandwidth_m:.0f} 米；周边少于 {k} 户处不着色"
    elif info.kind == "choropleth":
        stats = stats or aggregates.statistics(conn, area, as_of=as_of)
        _choropleth(conn, spec, area, found, stats, per)
        spec.note = f"斜线：数据已抑制（小于 {k} 或可被推算）"
    else:
        spec.points = basemap.service_points(conn, area.like, epsg, box)
    return spec


# --------------------------------------------------------------------------- drawing
@dataclass(frozen=True)
class Classes:
    """Classes of a choropleth: ``bounds`` strictly rising (class i holds the values
    ``bounds[i] <= v < bounds[i + 1]`` once rounded to ``decimals``) and one legend label
    per class, whose ranges never overlap."""

    bounds: list[float]
    labels: list[str]
    decimals: int

    def rounded(self, values) -> np.ndarray:
        """``values`` rounded as the classes count them."""
        return np.round(np.asarray(values, dtype=float), self.decimals)


def _floor2(x: float, step: float) -> float:
    """``x`` rounded down to two significant digits (and to a multiple of ``step``)."""
    if x <= 0:
        return float(np.floor(x / step) * step)
    unit = max(10.0 ** (np.floor(np.log10(x)) - 1), step)
    return float(np.floor(x / unit + 1e-9) * unit)


def classes(values: list[float], n: int = 5) -> Classes:
    """At most ``n`` classes at quantiles, breaks rounded to two significant digits.

    Values are counted rounded to whole numbers (one decimal when all are below 100),
    so a class ends one step below the next one's start: labels read "0 – 1,199",
    "1,200 – 3,399". Breaks that round to the same number collapse into one, and so do
    classes that would hold no value."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return Classes([0.0, 1.0], [], 0)
    decimals = 0 if v.max() >= 100 else 1
    step = 10.0**-decimals
    v = np.round(v, decimals)
    top = float(v.max())
    bounds = [round(_floor2(float(v.min()), step), decimals)]
    for q in np.quantile(v, np.linspace(0, 1, n + 1))[1:-1]:
        r = round(float(f"{q:.2g}"), decimals)
        if bounds[-1] < r <= top:
            bounds.append(r)
    bounds.append(round(top + step, decimals))
    # a class no value falls in (quantiles between two far-apart values) joins the one
    # below it: the legend lists no empty range
    counts = np.histogram(v, bins=bounds)[0]
    bounds = [b for i, b in enumerate(bounds) if i == 0 or i == len(bounds) - 1 or counts[i]]
    fmt = f"{{:,.{decimals}f}}"
    labels = []
    for i in range(len(bounds) - 1):
        lo, hi = bounds[i], round(bounds[i + 1] - step, decimals)
        if i == len(bounds) - 2:
            hi = top
        labels.append(fmt.format(lo) if hi <= lo else f"{fmt.format(lo)} – {fmt.format(hi)}")
    return Classes(bounds, labels, decimals)


class Page:
    """One reusable page: fixed layout of title, subtitle, map axes and footer."""

    def __init__(self, size: str = "A4", landscape: bool = False, image_px: int = 900):
        self.width, self.height = cartography.paper_inches(size, landscape)
        # width in pixels of the heat image after smoothing up-sampling ("none"
        # interpolation embeds it as it is: small for atlas pages, fine for maps)
        self.image_px = image_px
        self.f = self.width * self.height / (8.27 * 11.69)  # 1 on A4, 2 on A3
        self.fs = self.f**0.5
        self.fig = Figure(figsize=(self.width, self.height), dpi=cartography.DPI)
        m = 0.45
        top, bottom = 1.05 * self.fs, 0.6 * self.fs
        self.ax = self.fig.add_axes(
            (
                m / self.width,
                bottom / self.height,
                1 - 2 * m / self.width,
                1 - (top + bottom) / self.height,
            )
        )
        self.aspect = ((1 - 2 * m / self.width) * self.width) / (
            (1 - (top + bottom) / self.height) * self.height
        )
        self.title = self.fig.text(
            0.5,
            1 - 0.42 * self.fs / self.height,
            "",
            ha="center",
            va="center",
            fontsize=20 * self.fs,
            fontweight="bold",
        )
        self.subtitle = self.fig.text(
            0.5,
            1 - 0.82 * self.fs / self.height,
            "",
            ha="center",
            va="center",
            fontsize=11 * self.fs,
        )
        self.footer_left = self.fig.text(
            m / self.width,
            0.3 * self.fs / self.height,
            "",
            ha="left",
            va="center",
            fontsize=6.5 * self.fs,
            wrap=True,
        )
        self.footer_right = self.fig.text(
            1 - m / self.width,
            0.12 * self.fs / self.height,
            "",
            ha="right",
            va="center",
            fontsize=6 * self.fs,
            color="#555555",
        )

    def draw(self, spec: MapSpec) -> None:
        """Draw ``spec`` on the page (clearing what was there)."""
        ax, fs = self.ax, self.fs
        ax.cla()
        for extra in self.fig.axes[1:]:  # colour bars of the previous page
            extra.remove()
        ax.set_facecolor("#f7f7f4")
        x0, y0, x1, y1 = spec.box
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_linewidth(0.8)
        self.title.set_text(spec.title)
        self.subtitle.set_text(spec.subtitle)
        self.footer_left.set_text(spec.footer_left)
        self.footer_right.set_text(spec.footer_right)
        handles = []
        if spec.choropleth:
            handles += self._draw_choropleth(spec)
        if spec.buildings:
            ax.add_collection(
                PolyCollection(
                    spec.buildings, facecolor="#9e9e9e", edgecolor="none", alpha=0.45, zorder=2
                )
            )
        self._draw_roads(spec)
        if spec.heat is not None:
            self._draw_heat(spec)
        for lines, width, color, z in (
            (spec.grid_lines, 0.25, "#8d8d8d", 4),
            (spec.village_lines, 0.35, "#6b6b6b", 4),
            (spec.township_lines, 0.9, "#333333", 5),
            (spec.outline, 1.6, "#000000", 6),
        ):
            if lines:
                ax.add_collection(
                    LineCollection(
                        lines, linewidths=width * fs, colors=color, zorder=z, capstyle="round"
                    )
                )
        if spec.points:
            handles += self._draw_points(spec)
        handles += self._basemap_handles(spec)
        for x, y, text in spec.labels:
            ax.text(
                x,
                y,
                text,
                ha="center",
                va="center",
                fontsize=5.5 * fs,
                zorder=8,
                color="#222222",
                path_effects=HALO,
                clip_on=True,
            )
        if handles:
            # the heat map's colour bar sits in the corner: its legend goes above it
            title = "图例" if spec.heat is not None else LAYERS[spec.layer].legend
            anchor = (0.985, 0.135) if spec.heat is not None else (0.985, 0.035)
            leg = ax.legend(
                handles=handles,
                loc="lower right",
                bbox_to_anchor=anchor,
                fontsize=6.5 * fs,
                title=title,
                title_fontsize=7 * fs,
                framealpha=0.9,
                borderpad=0.8,
            )
            leg.set_zorder(30)
        if spec.note:
            ax.text(
                0.978 if spec.heat is not None else 0.985,  # inside the colour bar's card
                0.014,
                spec.note,
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=5.5 * fs,
                zorder=31,
                color="#444444",
                path_effects=HALO,
            )
        cartography.scale_bar(ax, fontsize=7 * fs)
        cartography.north_arrow(ax, fontsize=8 * fs)

    def _basemap_handles(self, spec: MapSpec) -> list:
        fs = self.fs
        out: list = [Line2D([], [], color="#000000", linewidth=1.6 * fs, label="辖区界")]
        if spec.township_lines:
            out.append(Line2D([], [], color="#333333", linewidth=0.9 * fs, label="乡镇（街道）界"))
        if spec.village_lines:
            out.append(Line2D([], [], color="#6b6b6b", linewidth=0.5 * fs, label="村（社区）界"))
        if spec.grid_lines:
            out.append(Line2D([], [], color="#8d8d8d", linewidth=0.35 * fs, label="网格界"))
        if spec.roads:
            out.append(Line2D([], [], color="#c9a66b", linewidth=1.2 * fs, label="道路"))
        if spec.buildings:
            out.append(Patch(facecolor="#9e9e9e", alpha=0.45, label="建筑"))
        return out

    def _draw_roads(self, spec: MapSpec) -> None:
        by_class: dict[str, list] = {}
        for highway, xy in spec.roads:
            by_class.setdefault(highway if highway in ROAD_STYLE else "other", []).append(xy)
        for highway, lines in by_class.items():
            width, color = ROAD_STYLE[highway]
            self.ax.add_collection(
                LineCollection(lines, linewidths=width * self.fs, colors=color, zorder=3)
            )

    def _draw_heat(self, spec: MapSpec) -> None:
        raster = spec.heat
        assert raster is not None  # drawn only for a heat map
        data = raster.density
        finite = np.isfinite(data)
        # upsample so that the image is smooth on paper; the mask with nearest neighbour
        zoom = float(np.clip(self.image_px / max(data.shape[1], 1), 1, 25))
        smooth = ndimage.zoom(np.where(finite, data, 0.0), zoom, order=1)
        mask = ndimage.zoom(finite.astype(np.uint8), zoom, order=0).astype(bool)
        image = np.ma.masked_where(~mask, smooth)
        norm = Normalize(vmin=0, vmax=max(spec.heat_vmax or 1.0, 1e-9))
        x0, x1, y0, y1 = raster.extent
        im = self.ax.imshow(
            image,
            extent=(x0, x1, y0, y1),
            origin="upper",
            cmap=HEAT_CMAP,
            norm=norm,
            zorder=3.5,
            interpolation="none",
            resample=False,
        )
        if spec.outline_geom is not None:  # no colour outside the jurisdiction
            im.set_clip_path(PathPatch(_path(spec.outline_geom), transform=self.ax.transData))
        self.ax.set_xlim(spec.box[0], spec.box[2])
        self.ax.set_ylim(spec.box[1], spec.box[3])
        # the colour bar on a white card: no boundary or road runs through its labels
        card = self.ax.inset_axes((0.715, 0.008, 0.27, 0.118))
        card.set_facecolor((1, 1, 1, 0.92))
        card.set_xticks([])
        card.set_yticks([])
        for spine in card.spines.values():
            spine.set_linewidth(0.4)
            spine.set_edgecolor("#9a9a9a")
        card.set_zorder(29)
        cax = self.ax.inset_axes((0.73, 0.09, 0.24, 0.018))
        # the gradient of the map (and of the web map's heat layer), opaque: the image's
        # fading low end would make the bar look flat on its white card
        cb = self.fig.colorbar(
            ScalarMappable(norm=norm, cmap=HEAT_LEGEND_CMAP), cax=cax, orientation="horizontal"
        )
        # Drawn as vectors: a rasterized colour bar (matplotlib's default for 50+ colours)
        # is cut from a whole-page bitmap that a PDF keeps until it is closed, 34 MB
        # per atlas page (a 546-page atlas grew to 19 GB).
        if cb.solids is not None:
            cb.solids.set_rasterized(False)
        cb.set_label(LAYERS[spec.layer].legend, fontsize=6.5 * self.fs)
        cb.ax.tick_params(labelsize=5.5 * self.fs, length=2)
        cb.outline.set_linewidth(0.4)
        cax.set_zorder(30)

    def _draw_choropleth(self, spec: MapSpec) -> list:
        published = [v for _x, v in spec.choropleth if v is not None]
        cls = classes(published)
        bounds = cls.bounds
        n = len(bounds) - 1
        base = "Blues" if spec.layer == "density" else "Greens"
        cmap = ListedColormap(colormaps[base](np.linspace(0.2, 0.9, max(n, 2)))[-n:])
        norm = BoundaryNorm(bounds, n)
        shown: list = []
        held: list = []
        for geom, v in spec.choropleth:
            (held if v is None else shown).append((geom, v))
        if shown:
            coll = PatchCollection(
                [PathPatch(_path(g)) for g, _x in shown],
                cmap=cmap,
                norm=norm,
                edgecolor="none",
                zorder=1.5,
            )
            coll.set_array(cls.rounded([v for _x, v in shown]))
            self.ax.add_collection(coll)
        if held:
            self.ax.add_collection(
                PatchCollection(
                    [PathPatch(_path(g)) for g, _x in held],
                    facecolor="#eeeeee",
                    edgecolor="#9a9a9a",
                    hatch="////",
                    linewidth=0,
                    zorder=1.5,
                )
            )
        handles = (
            [Patch(facecolor=cmap(i), label=label) for i, label in enumerate(cls.labels)]
            if published
            else []
        )
        if held:
            handles.append(
                Patch(facecolor="#eeeeee", hatch="////", edgecolor="#9a9a9a", label="已抑制")
            )
        return handles

    def _draw_points(self, spec: MapSpec) -> list:
        handles: list = []
        fs = self.fs
        for kind, (color, label) in KIND_STYLE.items():
            pts = [p for p in spec.points if p["kind"] == kind]
            if not pts:
                continue
            on = np.array([(p["x"], p["y"]) for p in pts if p["active"]]).reshape(-1, 2)
            off = np.array([(p["x"], p["y"]) for p in pts if not p["active"]]).reshape(-1, 2)
            self.ax.scatter(
                on[:, 0], on[:, 1], s=24 * fs, c=color, edgecolors="white", linewidths=0.3, zorder=7
            )
            # coverage: the kind's service radius around each active point (as on the map)
            r = SERVICE_RADIUS_M.get(kind)
            if r and len(on):
                self.ax.add_collection(
                    PatchCollection(
                        [Circle((x, y), r) for x, y in on],
                        facecolor=color,
                        alpha=0.08,
                        edgecolor=color,
                        linewidth=0.4 * fs,
                        zorder=6,
                    )
                )
            if len(off):
                self.ax.scatter(
                    off[:, 0],
                    off[:, 1],
                    s=24 * fs,
                    facecolors="none",
                    edgecolors=color,
                    linewidths=0.6,
                    zorder=7,
                )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor=color,
                    markeredgecolor="white",
                    markersize=5 * fs,
                    label=f"{label}　{len(on)} 个"
                    + (f"（另停用 {len(off)} 个）" if len(off) else ""),
                )
            )
        if handles:
            handles.append(
                Patch(
                    facecolor="#adb5bd",
                    alpha=0.35,
                    edgecolor="#868e96",
                    label="淡色圆：服务半径（覆盖范围）",
                )
            )
        return handles

    def save(self, out, fmt: str) -> None:
        self.fig.savefig(out, format=fmt, dpi=cartography.DPI)


FORMATS = ("png", "pdf")


@dataclass(frozen=True)
class MapFile:
    """A rendered map and the names to save it under: ``name`` in ASCII (layer, area
    code, paper, orientation, date) and ``local_name`` the same in Chinese."""

    data: bytes
    name: str
    local_name: str


PER_LABEL = {"village": "（按村）", "grid": "（按网格）"}


def file_names(
    spec: MapSpec, fmt: str, size: str, landscape: bool, per: str | None, on: date
) -> tuple[str, str]:
    """(ASCII name, Chinese name) of a map file: every size and orientation its own."""
    orient = "landscape" if landscape else "portrait"
    unit = f"-{per}" if per and LAYERS[spec.layer].kind == "choropleth" else ""
    name = f"popgis-map-{spec.layer}{unit}-{spec.area_code}-{size}-{orient}-{on:%Y%m%d}.{fmt}"
    local = (
        f"{spec.area_name}-{LAYERS[spec.layer].title}{PER_LABEL.get(unit[1:], '')}-"
        f"{size}{'横向' if landscape else '纵向'}-{on:%Y%m%d}.{fmt}"
    )
    return name, local


def render_map_file(
    conn,
    scope: Scope,
    layer: str,
    *,
    area_code: str | None = None,
    fmt: str = "png",
    size: str = "A4",
    landscape: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
    as_of: date | None = None,
    per: str | None = None,
) -> MapFile:
    """One briefing map as PNG or PDF (300 dpi) with its file names; the export is
    logged with the area it shows.

    Parameters
    ----------
    layer : migrants | density | coverage | service-points
    area_code : the area to show (default the user's jurisdiction); must be inside it.
    bbox : optional lon/lat view (west, south, east, north), e.g. the web map's view;
        one that shows nothing of the area is refused (422).
    """
    if fmt not in FORMATS:
        raise InvalidInput(_("unknown map format {fmt!r}; expected png or pdf", fmt=fmt))
    size = size.upper()
    with cartography.style():
        page = Page(size, landscape)
        spec = prepare(
            conn,
            scope,
            layer,
            area_code=area_code,
            bbox=bbox,
            as_of=as_of,
            aspect=page.aspect,
            per=per,
        )
        page.draw(spec)
        buf = io.BytesIO()
        page.save(buf, fmt)
    log_export(
        conn,
        scope,
        f"map:{layer}",
        spec.area_code,
        {"format": fmt, "size": size, "landscape": landscape, "bbox": bbox},
    )
    name, local = file_names(spec, fmt, size, landscape, per, as_of or aggregates.today(conn))
    return MapFile(buf.getvalue(), name, local)


def render_map(conn, scope: Scope, layer: str, **options) -> bytes:
    """One briefing map as PNG or PDF bytes: :func:`render_map_file` without the names."""
    return render_map_file(conn, scope, layer, **options).data
