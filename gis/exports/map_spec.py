"""What one printed map shows, gathered from the database without drawing anything:
the layers on offer, the :class:`MapSpec` of a page (area, title lines, boundaries,
roads, buildings and the layer's heat raster, choropleth or points, in metres of a UTM
zone) and :func:`prepare`, which fills it. :mod:`gis.exports.mapping` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import shapely

from gis import rules
from gis.errors import InvalidInput
from gis.exports import (
    aggregates,
    area_scope,
    basemap,
    heat,
    long_date,
    source_line,
    synthetic_note,
)
from gis.gate import Scope, scope_for_area
from gis.gate.aggregates import heat_cells
from gis.messages import _, clip, grid_label


@dataclass(frozen=True)
class Layer:
    """A map layer; its title and legend in the current language (read when drawn)."""

    key: str
    kind: str  # heat, choropleth, points

    @property
    def title(self) -> str:
        return _layer_texts()[self.key][0]

    @property
    def legend(self) -> str:
        return _layer_texts()[self.key][1]


def _layer_texts() -> dict[str, tuple[str, str]]:
    return {
        "migrants": (
            _("Migrant population heat map"),
            _("Migrant density (persons/km²)"),
        ),
        "density": (_("Population density map"), _("Population density (persons/km²)")),
        "coverage": (
            _("Contraceptive distribution coverage map"),
            _("Distribution coverage in the last year (%, of households)"),
        ),
        "service-points": (_("Family-planning service points map"), _("Service points")),
    }


def unit_label(per: str | None) -> str:
    """ " (by village)" / " (by grid)" after a choropleth's title and in its file name."""
    return {"village": _(" (by village)"), "grid": _(" (by grid)")}.get(per or "", "")


def map_title(area_name: str, layer: str, units: str = "") -> str:
    """A map's title: the area, the layer and, for a choropleth, the units it is drawn
    in (``units``: the level of the areas coloured, :attr:`MapSpec.units`), so that a
    map per village and one per grid are two maps. The one title of the web's and the
    command line's maps: both come from :func:`prepare`, whatever asked for the units
    (the web's ``per``, or an area of grids on the command line)."""
    return f"{area_name} {LAYERS[layer].title}{unit_label(units)}"


LAYERS = {
    "migrants": Layer("migrants", "heat"),
    "density": Layer("density", "choropleth"),
    "coverage": Layer("coverage", "choropleth"),
    "service-points": Layer("service-points", "points"),
}


def heat_note(bandwidth_m: float, k: int) -> str:
    """The note under a heat map."""
    return _(
        "Kernel bandwidth {bw:.0f} m; no colour where fewer than {k} households are around",
        bw=bandwidth_m,
        k=k,
    )


def withheld_note(k: int) -> str:
    """The note under a choropleth."""
    return _("Hatched: withheld (fewer than {k}, or could be worked out)", k=k)


def subtitle_line(names: list[str], as_of, view: bool = False) -> str:
    """The jurisdiction and the date the data refer to."""
    return _(
        "Jurisdiction: {names}{view}    Data as of: {date}",
        names=" ".join(names),
        view=_(" (current view)") if view else "",
        date=long_date(as_of),
    )


# A lon/lat view "frames" the area whose extent matches it best, if their intersection is
# at least this share of their union (the web map's drill-down fits the view to an area,
# and a wide screen leaves margins); an area "contains" the view when it covers nearly
# all of it.
FRAMED = 0.25
#: the area the web map is drilled into names a view while its extent fills at least
#: this share of it (intersection over union): right after a drill into a grid twice as
#: tall as wide, the open part of a 1440 or 1920 px screen is a fifth grid or more; one
#: zoom step out, a twentieth
DRILLED_FRAMED = 0.15
VIEW_CONTAINED = 0.98


def check_layer(layer: str) -> Layer:
    if layer not in LAYERS:
        raise InvalidInput(
            _(
                "unknown map layer {layer!r}; expected {items}",
                layer=clip(layer),
                items=", ".join(LAYERS),
            )
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
    #: the outline of the area the view frames when it is not the user's own (a grid
    #: drilled into): drawn as the web map outlines the current area
    framed_outline: list = field(default_factory=list)
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
    #: the level of the areas a choropleth colours (village or grid), empty for the
    #: other layers: named in the title and the file names
    units: str = ""


# --------------------------------------------------------------------------- geometry
def _lines(geoms) -> list[np.ndarray]:
    """Boundary lines of polygons as coordinate arrays (for one LineCollection)."""
    out = []
    for g in geoms:
        for part in shapely.get_parts(shapely.boundary(g)):
            for line in shapely.get_parts(part):
                out.append(shapely.get_coordinates(line))
    return out


def lines_in_view(lines: list[np.ndarray], box: basemap.Box) -> bool:
    """Whether any of ``lines`` (coordinate arrays) runs through ``box``: a legend entry
    for a line the map does not show would name what the reader cannot find (a county's
    boundary on the map of one of its grids)."""
    if not lines:
        return False
    return bool(shapely.intersects(shapely.box(*box), shapely.linestrings(lines)).any())


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
                # a grid with its village ("江滨社区 Grid 3" in English), as the title
                label = grid_label(a["short_name"] or a["name"], a["code"], a["parent_name"])
                spec.labels.append((p.x, p.y, label))
    return found


def _choropleth(
    conn, spec: MapSpec, area: Scope, found: list[dict], stats, per: str | None = None
) -> str:
    """Colour the villages (or grids: ``per`` grid, or an area of grids) of ``found``;
    the level coloured is returned (the area's own for a village without grids)."""
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
        return area.level
    return level


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


def framed_area(conn, area: Scope, view: basemap.Box, drilled: str | None = None) -> str:
    """The code of the area a lon/lat ``view`` of ``area`` shows.

    ``drilled``: the area the web map is drilled into (its breadcrumb), taken when it is
    under the view's centre and still frames the view (intersection over union at least
    DRILLED_FRAMED): a screen wider than a narrow grid also shows much of its village, whose
    extent may then match the view better than the grid's. Else, of the areas under the
    view's centre: the one the view frames (its extent matches the view best), or the
    deepest one that contains the view, whichever is deeper; else ``area`` itself."""
    vw, vh = max(view[2] - view[0], 1e-12), max(view[3] - view[1], 1e-12)
    framed, framed_fit, contains = None, FRAMED, None
    for depth, a in enumerate(basemap.areas_under_view(conn, area.like, view)):
        x0, y0, x1, y1 = a["extent"]
        both = max(min(x1, view[2]) - max(x0, view[0]), 0.0) * max(
            min(y1, view[3]) - max(y0, view[1]), 0.0
        )
        fit = both / ((x1 - x0) * (y1 - y0) + vw * vh - both)  # intersection over union
        if drilled is not None and a["code"] == drilled and fit >= DRILLED_FRAMED:
            return drilled
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
    drilled: str | None = None,
) -> MapSpec:
    """Gather the data of one map (no drawing). ``bbox`` is a lon/lat view
    (west, south, east, north) of the area, cut to it (a view entirely outside it is
    refused); else the whole area is shown. The title names ``area_code`` if given,
    else the area the view frames (see :func:`framed_area`), else the user's area.
    ``per`` (village or grid) chooses the units of a choropleth; ``drilled`` is the area
    the web map is drilled into (see :func:`framed_area`)."""
    info = check_layer(layer)
    if per not in (None, "", "village", "grid"):
        raise InvalidInput(_("per={per!r}; expected village or grid", per=clip(per)))
    area = area_scope(conn, scope, area_code)
    as_of = as_of or rules.today()
    k = aggregates.threshold()
    epsg = basemap.metric_epsg(conn, area.area_code)
    shown = area.area_code
    if bbox is not None:
        bbox = clip_view(conn, area, bbox)
        if not area_code:
            shown = framed_area(conn, area, bbox, drilled)
        raw = basemap.to_metric(bbox, epsg)
    else:
        raw = basemap.area_box(conn, area.area_code, epsg)
    # a margin around the area leaves room for the north arrow, scale bar and legend
    box = fit_box(raw, aspect, pad=0.0 if bbox is not None else 0.07)
    names = basemap.area_names(conn, shown)
    synthetic = synthetic_note(basemap.is_synthetic(conn, area.area_code))
    bw_floor = heat.min_bandwidth_m()
    spec = MapSpec(
        layer=layer,
        title=map_title(names[-1], layer),  # with its units once the choropleth is drawn
        subtitle=subtitle_line(names, as_of, view=bbox is not None),
        footer_left=source_line(k, bw_floor) + synthetic,
        footer_right=_(
            "Exported by {user}  {time}  CRS WGS 84 / UTM EPSG:{epsg}",
            user=scope.user,
            time=rules.clock(),
            epsg=epsg,
        ),
        epsg=epsg,
        box=box,
        area_code=shown,
        area_name=names[-1],
    )
    tol = (box[2] - box[0]) / 4000.0
    framed = (
        scope_for_area(conn, shown, user=scope.user, role=scope.role)
        if shown != area.area_code
        else None
    )
    if framed is not None and framed.level == "grid":
        # a view titled with a grid is drawn by grid, as a map cut to one is: by village
        # its grid took the village's colour (a grid where nobody lives shown at the
        # village's 130–559/km², under a title naming the grid)
        per = "grid"
    found = _area_lines(conn, spec, area, tol, grids=per == "grid")
    if framed is not None:
        spec.framed_outline = _lines(
            a["geom"] for a in basemap.areas(conn, framed.path, (framed.level,), epsg, tol)
        )
    spec.roads = basemap.roads(conn, box, epsg, tol, area.path[:6])
    spec.buildings = basemap.buildings(conn, box, epsg, area.path[:6])
    if info.kind == "heat":
        spec.heat = heat_raster(conn, area, box, epsg, as_of=as_of, k=k)
        vis = spec.heat.density[np.isfinite(spec.heat.density)]
        spec.heat_vmax = float(np.percentile(vis, 99)) if vis.size else 1.0
        spec.note = heat_note(spec.heat.bandwidth_m, k)
    elif info.kind == "choropleth":
        stats = stats or aggregates.statistics(conn, area, as_of=as_of)
        spec.units = _choropleth(conn, spec, area, found, stats, per)
        spec.title = map_title(names[-1], layer, spec.units)
        spec.note = withheld_note(k)
    else:
        spec.points = basemap.service_points(conn, area.like, epsg, box)
    return spec
