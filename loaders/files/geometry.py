"""Repairing invalid polygons (with a note) and rejecting what cannot be repaired."""

from __future__ import annotations

import re
from typing import NamedTuple

from gis.messages import _
from loaders.files.problems import FileProblem


class RepairResult(NamedTuple):
    """Result of :func:`repair_geometries`."""

    gdf: object
    notes: list[str]
    rejected: list[FileProblem]


_REASON_AT = re.compile(r"^(?P<what>.*?)\[(?P<x>[-+0-9.eE]+) (?P<y>[-+0-9.eE]+)\]")


def repair_geometries(gdf, file) -> RepairResult:
    """Make polygon geometries valid; return (gdf, notes, rejected).

    Invalid polygons (self-intersections, bow-ties, bad rings) are repaired with
    ``shapely.make_valid``, keeping only their polygonal parts (several parts →
    MultiPolygon), and noted as 'feature N: self-intersection at (x, y) repaired' in
    the layer's CRS units. Features that are empty, None, or not polygonal after repair
    are removed from the returned GeoDataFrame and reported in ``rejected`` as
    :class:`FileProblem` with ``row`` = the feature number: the ``_row`` column if the
    caller numbered the features, else the 1-based position. The index is preserved.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(gdf.geometry.array, dtype=object)
    out = geoms.copy()
    notes: list[str] = []
    rejected: list[FileProblem] = []
    keep = np.ones(len(geoms), dtype=bool)
    if "_row" in gdf.columns:
        numbers = [int(n) for n in gdf["_row"]]
    else:
        numbers = list(range(1, len(gdf) + 1))
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    valid = shapely.is_valid(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon

    for i in np.flatnonzero(missing):
        keep[i] = False
        rejected.append(
            FileProblem(
                file,
                row=numbers[i],
                column="geometry",
                reason=_("the feature has no geometry"),
                fix=_("draw the shape or delete the feature"),
            )
        )
    for i in np.flatnonzero(~missing & valid & ~polygonal):
        keep[i] = False
        rejected.append(
            FileProblem(
                file,
                row=numbers[i],
                column="geometry",
                value=geoms[i].geom_type,
                reason=_("is not a polygon"),
                fix=_("this layer needs polygons"),
            )
        )

    bad = np.flatnonzero(~missing & ~valid)
    if len(bad):
        reasons = shapely.is_valid_reason(geoms[bad])
        fixed = shapely.make_valid(geoms[bad])
        for i, why, g in zip(bad, reasons, fixed, strict=True):
            n = numbers[i]
            poly = _polygonal_part(g)
            if poly is None:
                keep[i] = False
                rejected.append(
                    FileProblem(
                        file,
                        row=n,
                        column="geometry",
                        value=_short_reason(why),
                        reason=_("the geometry is invalid and has no area left after repair"),
                        fix=_("redraw the shape"),
                    )
                )
                continue
            out[i] = poly
            notes.append(_("feature {n}: {problem} repaired", n=n, problem=_short_reason(why)))

    result = gdf.copy()
    result[result.geometry.name] = _geoseries(out, gdf)
    result = result[keep]
    return RepairResult(result, notes, rejected)


def _geoseries(geoms, like):
    import geopandas as gpd

    return gpd.GeoSeries(list(geoms), index=like.index, crs=like.crs)


def _short_reason(why: str) -> str:
    m = _REASON_AT.match(why)
    if not m:
        return why[:1].lower() + why[1:]
    what = m.group("what").strip()
    what = what[:1].lower() + what[1:]
    return f"{what} at ({float(m.group('x')):g}, {float(m.group('y')):g})"


def _polygonal_part(g):
    import shapely
    from shapely.geometry import MultiPolygon

    if g is None or g.is_empty:
        return None
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    if g.geom_type == "GeometryCollection":
        polys = []
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon":
                polys.append(part)
            elif part.geom_type == "MultiPolygon":
                polys.extend(part.geoms)
        polys = [p for p in polys if not p.is_empty]
        if polys:
            return MultiPolygon(polys)
    return None
