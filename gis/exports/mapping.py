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
from dataclasses import dataclass
from datetime import date

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

from gis import rules
from gis.analysis.instance import kind_name
from gis.errors import InvalidInput
from gis.exports import cartography, log_export, paper_part
from gis.exports import file_names as export_file_names
from gis.exports.map_spec import LAYERS, MapSpec, lines_in_view, prepare, unit_label
from gis.gate import Scope
from gis.layers import SERVICE_RADIUS_M
from gis.messages import _

# Colour per service point kind (the same as the web map's); the label is the kind's
# name in the current language (kind_name)
KIND_STYLE = {
    "distribution_point": "#d6336c",
    "service_station": "#1971c2",
    "clinic": "#2f9e44",
    "pharmacy": "#f08c00",
    "machine": "#7048e8",
    "outreach": "#0c8599",
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
#: the outline of the area a view frames (a grid drilled into), in the blue the web map
#: outlines the current area with (webmap/static/map/core.js, COLOURS.highlight)
FRAMED_COLOUR, FRAMED_WIDTH = "#1c7ed6", 1.4
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

    Values are counted rounded to whole numbers (one decimal when all are below 100
    and some are fractions: counts stay whole, "0 – 2", "3"), so a class ends one step
    below the next one's start: labels read "0 – 1,199",
    "1,200 – 3,399". Breaks that round to the same number collapse into one, and so do
    classes that would hold no value."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return Classes([0.0, 1.0], [], 0)
    decimals = 0 if v.max() >= 100 or np.all(v == np.round(v)) else 1
    step = 10.0**-decimals
    v = np.round(v, decimals)
    top = float(v.max())
    bounds = [round(_floor2(float(v.min()), step), decimals)]
    ranked, nq = v, n
    low = float(v.min())
    if (v == low).sum() > 1 and np.quantile(v, 1 / n) <= low < top:
        # the lowest value fills a class or more by itself (grids where nobody lives: most
        # of a county's grids have a density of 0): it is a class of its own and the
        # other values are classed at their own quantiles, or every break would be 0
        bounds.append(round(low + step, decimals))
        ranked, nq = v[v > low], n - 1
    for q in np.quantile(ranked, np.linspace(0, 1, nq + 1))[1:-1]:
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


def class_colours(base: str, n: int, top: float) -> np.ndarray:
    """Colours of ``n`` classes from the colour map ``base``, light to dark. One class
    alone is drawn dark (what there is stands out), unless its values are all 0: an
    empty area must never look like the densest one."""
    colours = colormaps[base](np.linspace(0.2, 0.9, max(n, 2)))
    return colours[:n] if top <= 0 else colours[-n:]


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
            (spec.framed_outline, FRAMED_WIDTH, FRAMED_COLOUR, 7),
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
            title = _("Legend") if spec.heat is not None else LAYERS[spec.layer].legend
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
        """A legend entry for each line and fill drawn in the view, in its style."""
        fs = self.fs
        out: list = []
        if lines_in_view(spec.outline, spec.box):
            line = _("Jurisdiction boundary")
            out.append(Line2D([], [], color="#000000", linewidth=1.6 * fs, label=line))
        if lines_in_view(spec.framed_outline, spec.box):
            line = _("Boundary of {area}", area=spec.area_name)
            out.append(Line2D([], [], color=FRAMED_COLOUR, linewidth=FRAMED_WIDTH * fs, label=line))
        if spec.township_lines:
            line = _("Township boundaries")
            out.append(Line2D([], [], color="#333333", linewidth=0.9 * fs, label=line))
        if spec.village_lines:
            line = _("Village boundaries")
            out.append(Line2D([], [], color="#6b6b6b", linewidth=0.5 * fs, label=line))
        if spec.grid_lines:
            line = _("Grid boundaries")
            out.append(Line2D([], [], color="#8d8d8d", linewidth=0.35 * fs, label=line))
        if spec.roads:
            out.append(Line2D([], [], color="#c9a66b", linewidth=1.2 * fs, label=_("Roads")))
        if spec.buildings:
            out.append(Patch(facecolor="#9e9e9e", alpha=0.45, label=_("Buildings")))
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
        cmap = ListedColormap(class_colours(base, n, max(published, default=0.0)))
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
                Patch(facecolor="#eeeeee", hatch="////", edgecolor="#9a9a9a", label=_("Withheld"))
            )
        return handles

    def _draw_points(self, spec: MapSpec) -> list:
        handles: list = []
        fs = self.fs
        for kind, color in KIND_STYLE.items():
            label = kind_name(kind)
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
                    label=_("{kind}  {n}", kind=label, n=len(on))
                    + (_(" ({n} more inactive)", n=len(off)) if len(off) else ""),
                )
            )
        if handles:
            handles.append(
                Patch(
                    facecolor="#adb5bd",
                    alpha=0.35,
                    edgecolor="#868e96",
                    label=_("Pale circles: service radius (area covered)"),
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


def file_names(
    conn, spec: MapSpec, fmt: str, size: str, landscape: bool, on: date
) -> tuple[str, str]:
    """(ASCII name, name in the current language) of a map file
    (:func:`gis.exports.file_names`): every size and orientation its own, a
    choropleth's units (:attr:`MapSpec.units`) as in its title."""
    unit = f"-{spec.units}" if spec.units else ""
    kind = f"{LAYERS[spec.layer].title}{unit_label(unit[1:])}"
    paper = paper_part(size, landscape)
    return export_file_names(conn, f"map-{spec.layer}{unit}", kind, spec.area_code, on, fmt, paper)


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
    drilled: str | None = None,
) -> MapFile:
    """One briefing map as PNG or PDF (300 dpi) with its file names; the export is
    logged with the area it shows.

    Parameters
    ----------
    layer : migrants | density | coverage | service-points
    area_code : the area to show (default the user's jurisdiction); must be inside it.
    bbox : optional lon/lat view (west, south, east, north), e.g. the web map's view;
        one that shows nothing of the area is refused (422).
    drilled : the area the web map is drilled into: the title names it while the view
        still frames it (see :func:`gis.exports.map_spec.framed_area`).
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
            drilled=drilled,
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
    name, local = file_names(conn, spec, fmt, size, landscape, as_of or rules.today())
    return MapFile(buf.getvalue(), name, local)


def render_map(conn, scope: Scope, layer: str, **options) -> bytes:
    """One briefing map as PNG or PDF bytes: :func:`render_map_file` without the names."""
    return render_map_file(conn, scope, layer, **options).data
