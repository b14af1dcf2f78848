"""An atlas: one page per village (or township) of an area in one PDF, after an overview
page of the whole area.

Everything shared is computed once: the suppressed statistics, the area's boundaries,
service points and (for the heat layer) one heat raster of the whole area that each
page crops, so that all pages share one colour scale. Per page only the buildings and
roads of the page's box are read. One figure is reused for every page.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import numpy as np
import shapely
from matplotlib.backends.backend_pdf import PdfPages

from gis import rules
from gis.errors import InvalidInput
from gis.exports import (
    aggregates,
    area_scope,
    basemap,
    cartography,
    heat,
    log_export,
    source_line,
    synthetic_note,
)
from gis.exports.map_spec import (
    LAYERS,
    MapSpec,
    _lines,
    check_layer,
    fit_box,
    heat_note,
    heat_raster,
    subtitle_line,
    withheld_note,
)
from gis.exports.mapping import Page
from gis.gate import Scope
from gis.messages import _, clip
from gis.scope import holding_area

PER = ("village", "township")


def _fmt(v, suffix: str = "") -> str:
    if v is None:
        return "*"
    return (f"{v:,}" if isinstance(v, int) else f"{v:,.1f}") + suffix


def stats_line(a: aggregates.AreaStats) -> str:
    """The statistics box of a page (suppressed values as *)."""
    v = a.values
    return _(
        "Population {population}  Households {households}  Migrants {migrants} ({per_1000})\n"
        "Women 15–49 {women}  Certificates missing/expiring {certs}  "
        "Distribution coverage {coverage}  (* withheld)",
        population=_fmt(v["population"]),
        households=_fmt(v["households"]),
        migrants=_fmt(v["migrants"]),
        per_1000=_fmt(a.migrants_per_1000, "‰"),
        women=_fmt(v["women15_49"]),
        certs=_fmt(v["cert_issues"]),
        coverage=_fmt(a.coverage_pct, "%"),
    )


def render_atlas(
    conn,
    scope: Scope,
    layer: str = "migrants",
    *,
    area_code: str | None = None,
    per: str = "village",
    size: str = "A4",
    landscape: bool = True,
    as_of: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_pages: int | None = None,
) -> bytes:
    """The atlas PDF of an area: an overview page, then one page per village (or
    township), each with the map furniture of a briefing map and the area's
    (suppressed) statistics. ``progress(done, total)`` is called after each page.

    ``max_pages``: refuse (before drawing anything) an atlas with more pages, for
    callers that wait for the answer (a page takes about a second to draw)."""
    info = check_layer(layer)
    if per not in PER:
        raise InvalidInput(
            _("unknown atlas unit {per!r}; expected village or township", per=clip(per))
        )
    area = area_scope(conn, scope, area_code)
    as_of = as_of or rules.today()
    stats = aggregates.statistics(conn, area, as_of=as_of)
    units = _units(conn, stats, area, per, max_pages)
    book = _Atlas(conn, scope, area, layer, info, stats, as_of, per)
    total = len(units) + 1
    buf = io.BytesIO()
    with cartography.style():
        page = Page(size, landscape, image_px=450)
        with PdfPages(
            buf,
            metadata={
                "Title": _("{area} {layer} atlas", area=book.county_names[-1], layer=info.title),
                "Creator": "popgis",
            },
        ) as pdf:
            for number, unit in enumerate([None, *units], start=1):
                page.draw(book.page_spec(unit, number, total, page))
                _stats_box(page, unit or stats.get(area.area_code))
                pdf.savefig(page.fig)
                if progress:
                    progress(number, total)
    log_export(
        conn,
        scope,
        f"atlas:{layer}",
        area.area_code,
        {"per": per, "pages": total, "size": size, "landscape": landscape, "as_of": as_of},
    )
    return buf.getvalue()


def _units(
    conn, stats: aggregates.Statistics, area: Scope, per: str, max_pages: int | None
) -> list:
    """The areas that get a page (villages or townships), checked against ``max_pages``.
    An area below ``per`` (a grid's atlas by village) is refused naming what to ask for
    instead: the atlas of the ``per`` that holds it, or a map of the area itself."""
    units = sorted((a for a in stats.areas.values() if a.level == per), key=lambda a: a.code)
    if area.level == per:
        units = [stats.get(area.area_code)]
    if not units:
        word = _("village") if per == "village" else _("township")  # not the code (zh)
        holder = holding_area(conn, area.path, per)
        if holder is None:
            raise InvalidInput(
                _(
                    "area {area_code} has no {per} to make pages of",
                    area_code=area.area_code,
                    per=word,
                )
            )
        raise InvalidInput(
            _(
                "area {area_code} has no {per} to make pages of: it lies inside one; ask for "
                "the atlas of {holder} (its {per}), or for a map of {area_code} alone",
                area_code=area.area_code,
                per=word,
                holder=holder,
            )
        )
    if max_pages is not None and len(units) + 1 > max_pages:
        raise InvalidInput(
            _(
                "an atlas of {pages} pages is too large to make while you wait (at most "
                "{limit} here): choose a smaller area (area=a township's code) or "
                "per=township, or make it on the server with `popgis export atlas`",
                pages=len(units) + 1,
                limit=max_pages,
            )
        )
    return units


def _stats_box(page: Page, target: aggregates.AreaStats) -> None:
    page.ax.text(
        0.012,
        0.985,
        stats_line(target),
        transform=page.ax.transAxes,
        ha="left",
        va="top",
        fontsize=7 * page.fs,
        zorder=40,
        bbox={"facecolor": "white", "alpha": 0.88, "edgecolor": "#999999", "linewidth": 0.5},
    )


class _Atlas:
    """What every page of one atlas shares, read once: the area's boundaries and their
    index, service points, the heat raster (one colour scale for all pages), names and
    the page furniture's texts."""

    def __init__(
        self,
        conn,
        scope: Scope,
        area: Scope,
        layer: str,
        info,
        stats: aggregates.Statistics,
        as_of: date,
        per: str,
    ):
        self.conn, self.area, self.layer, self.info = conn, area, layer, info
        self.stats, self.as_of, self.per = stats, as_of, per
        self.k = aggregates.threshold()
        self.epsg = basemap.metric_epsg(conn, area.area_code)
        self.full_box = basemap.area_box(conn, area.area_code, self.epsg)
        self.shapes = basemap.areas(
            conn, area.like, ("township", "village", "grid"), self.epsg, 2.0
        )
        self.geom_of = {a["code"]: a["geom"] for a in self.shapes}
        self.names = {a["code"]: a["name"] for a in self.shapes}
        self.tree = shapely.STRtree([a["geom"] for a in self.shapes])
        self.points = (
            basemap.service_points(conn, area.like, self.epsg) if info.kind == "points" else []
        )
        self.raster, self.vmax = None, 1.0
        if info.kind == "heat":
            self.raster = heat_raster(
                conn,
                area,
                self.full_box,
                self.epsg,
                as_of=as_of,
                k=self.k,
                bandwidth_m=heat.min_bandwidth_m(),
            )
            vis = self.raster.density[np.isfinite(self.raster.density)]
            self.vmax = float(np.percentile(vis, 99)) if vis.size else 1.0
        self.county_names = basemap.area_names(conn, area.area_code)
        synthetic = synthetic_note(basemap.is_synthetic(conn, area.area_code))
        self.footer = source_line(self.k, heat.min_bandwidth_m()) + synthetic
        self.exported = _(
            "Exported by {user}  {time}  EPSG:{epsg}",
            user=scope.user,
            time=rules.clock(),
            epsg=self.epsg,
        )

    def page_spec(
        self, unit: aggregates.AreaStats | None, number: int, total: int, page: Page
    ) -> MapSpec:
        """The page of ``unit`` (None: the overview page of the whole area)."""
        code = unit.code if unit else self.area.area_code
        own = self.geom_of.get(code)
        raw = tuple(own.bounds) if own is not None else self.full_box
        box = fit_box(raw, page.aspect, pad=0.06)
        chain = self.county_names + (
            []
            if unit is None or unit.code == self.area.area_code
            else _chain(unit, self.stats, self.names)
        )
        title_name = unit.name if unit else self.county_names[-1]
        spec = MapSpec(
            layer=self.layer,
            title=f"{title_name} {self.info.title}",
            subtitle=subtitle_line(chain, self.as_of),
            footer_left=self.footer,
            footer_right=_(
                "{exported}  page {number} of {total}",
                exported=self.exported,
                number=number,
                total=total,
            ),
            epsg=self.epsg,
            box=box,
        )
        self._boundaries(spec, box, own, code if unit else "")
        width = box[2] - box[0]
        county = self.area.path[:6]
        spec.roads = basemap.roads(self.conn, box, self.epsg, width / 4000.0, county)
        spec.buildings = basemap.buildings(self.conn, box, self.epsg, county)
        self._layer(spec, box, unit, code)
        return spec

    def _boundaries(self, spec: MapSpec, box, own, label_prefix: str) -> None:
        """Township, village (and on narrow pages grid) lines, the page's own outline,
        and labels of the level the page's width suits."""
        width = box[2] - box[0]
        near = [self.shapes[i] for i in self.tree.query(shapely.box(*box))]
        spec.township_lines = _lines(a["geom"] for a in near if a["level"] == "township")
        spec.village_lines = _lines(a["geom"] for a in near if a["level"] == "village")
        if width <= 15_000:
            spec.grid_lines = _lines(a["geom"] for a in near if a["level"] == "grid")
        if own is not None:
            spec.outline = _lines([own])
            spec.outline_geom = own
        label_level = "township" if width > 15_000 else ("village" if width > 3_500 else "grid")
        for a in near:
            if a["level"] == label_level and a["code"].startswith(label_prefix):
                p = shapely.point_on_surface(a["geom"])
                if box[0] < p.x < box[2] and box[1] < p.y < box[3]:
                    spec.labels.append((p.x, p.y, a["short_name"] or a["name"]))

    def _layer(self, spec: MapSpec, box, unit, code: str) -> None:
        """The layer itself: heat cropped from the shared raster, a choropleth of the
        page's children, or the service points in the box."""
        if self.raster is not None:
            spec.heat = self.raster.crop(*box)
            spec.heat_vmax = self.vmax
            spec.note = heat_note(self.raster.bandwidth_m, self.k)
        elif self.info.kind == "choropleth":
            value = (
                (lambda s: s.density_km2) if self.layer == "density" else (lambda s: s.coverage_pct)
            )
            stats, geom_of = self.stats, self.geom_of
            kids = (
                [c for c in stats.children(code) if c.code in geom_of]
                if unit
                else [a for a in stats.areas.values() if a.level == self.per and a.code in geom_of]
            )
            for c in kids or ([unit] if unit and unit.code in geom_of else []):
                spec.choropleth.append((geom_of[c.code], value(c)))
            spec.note = withheld_note(self.k)
        else:
            spec.points = [
                p for p in self.points if box[0] <= p["x"] <= box[2] and box[1] <= p["y"] <= box[3]
            ]


def _chain(unit: aggregates.AreaStats, stats: aggregates.Statistics, names: dict) -> list:
    """Names between the area and ``unit`` (e.g. township, village) for the subtitle."""
    out = []
    a: aggregates.AreaStats | None = unit
    while a is not None and a.code != stats.scope.area_code:
        out.append(a.name)
        a = stats.areas.get(a.parent_code) if a.parent_code else None
    return out[::-1]


__all__ = ["render_atlas", "stats_line", "LAYERS"]
