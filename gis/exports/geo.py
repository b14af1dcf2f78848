"""GIS layers for desktop tools: aggregated statistics per village and grid (suppressed),
service points and admin boundaries, as GeoJSON features (for OGC API – Features and
``.geojson`` files) or a GeoPackage.

All geometry is WGS-84 longitude/latitude (CRS84), as GeoJSON and OGC API – Features
expect. No household or person appears in any layer.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass

import geopandas as gpd
import sqlalchemy as sa
from shapely.geometry import shape

from gis.analysis.instance import kind_name
from gis.errors import InvalidInput, NotFound
from gis.exports import aggregates, area_scope, log_export, require_county_or_below
from gis.gate import Scope
from gis.messages import _, grid_label


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    geometry: str  # GeoPackage geometry type


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(
            "village_stats",
            "村（社区）统计 Village statistics",
            "Population, households, migrants, women aged 15–49, certificate issues and "
            "distribution coverage per village; counts below the threshold and those "
            "that would reveal them are null (listed in `suppressed`).",
            "MultiPolygon",
        ),
        Collection(
            "grid_stats",
            "网格统计 Grid statistics",
            "The same statistics per grid (网格).",
            "MultiPolygon",
        ),
        Collection(
            "service_points",
            "服务点 Service points",
            "Contraceptive distribution points, service stations, clinics, pharmacies, "
            "machines and outreach sites.",
            "Point",
        ),
        Collection(
            "boundaries",
            "行政区划 Boundaries",
            "Admin areas: county, townships, villages and grids.",
            "MultiPolygon",
        ),
    )
}
STAT_LEVEL = {"village_stats": "village", "grid_stats": "grid"}
STAT_FIELDS = ("population", "households", "migrants", "women15_49", "cert_issues", "served")
MAX_LIMIT = 10_000


def collection(collection_id: str) -> Collection:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise NotFound("collection") from None


def _bbox_sql(bbox, params: dict, column: str = "geom") -> str:
    if bbox is None:
        return ""
    x0, y0, x1, y1 = (float(v) for v in bbox)
    if not (x0 <= x1 and y0 <= y1):
        raise InvalidInput(
            _("bbox {bbox} is empty; expected minlon,minlat,maxlon,maxlat", bbox=bbox)
        )
    params.update(x0=x0, y0=y0, x1=x1, y1=y1)
    return f" AND {column} && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"


def _stat_props(a: aggregates.AreaStats, as_of) -> dict:
    return {
        **{f: a.values[f] for f in STAT_FIELDS},
        "migrants_per_1000": a.migrants_per_1000,
        "coverage_pct": a.coverage_pct,
        "density_km2": a.density_km2,
        "suppressed": ",".join(sorted(a.suppressed)) or None,
        "as_of": as_of.isoformat(),
    }


def features(
    conn,
    scope: Scope,
    collection_id: str,
    *,
    bbox=None,
    limit: int | None = None,
    offset: int = 0,
    feature_id: str | None = None,
    stats: aggregates.Statistics | None = None,
) -> tuple[list[dict], int]:
    """GeoJSON features of a collection inside ``scope`` and the number matched.

    ``bbox`` (minlon, minlat, maxlon, maxlat) filters by intersection of bounding boxes;
    ``limit``/``offset`` page through features in a stable order (by code or id).
    """
    require_county_or_below(scope)
    col = collection(collection_id)
    limit = MAX_LIMIT if limit is None else max(0, min(int(limit), MAX_LIMIT))
    params = {"p": scope.like, "limit": limit, "offset": max(0, int(offset))}
    if col.id == "service_points":
        where = _bbox_sql(bbox, params)
        if feature_id is not None:
            where += " AND ext_id = :fid"
            params["fid"] = feature_id
        rows = conn.execute(
            sa.text(f"""
            SELECT ext_id AS id, ST_AsGeoJSON(geom, 7) AS g, count(*) OVER () AS matched,
                   kind, name, address, opening_hours, capacity, active, village_code
            FROM service_points WHERE admin_path LIKE :p{where}
            ORDER BY ext_id LIMIT :limit OFFSET :offset"""),
            params,
        ).fetchall()
        feats = [
            {
                "type": "Feature",
                "id": r.id,
                "geometry": json.loads(r.g),
                "properties": {
                    "point_id": r.id,
                    "kind": r.kind,
                    "kind_label": kind_name(r.kind),
                    "name": r.name,
                    "address": r.address,
                    "opening_hours": r.opening_hours,
                    "capacity": r.capacity,
                    "active": r.active,
                    "village_code": r.village_code,
                },
            }
            for r in rows
        ]
    else:
        where = _bbox_sql(bbox, params)
        if col.id in STAT_LEVEL:
            where += " AND level = :level"
            params["level"] = STAT_LEVEL[col.id]
        if feature_id is not None:
            where += " AND code = :fid"
            params["fid"] = feature_id
        rows = conn.execute(
            sa.text(f"""
            SELECT code AS id, ST_AsGeoJSON(geom, 7) AS g, count(*) OVER () AS matched,
                   name, level, parent_code, area_km2,
                   (SELECT coalesce(u.short_name, u.name) FROM admin_area u
                    WHERE u.code = a.parent_code) AS parent_name
            FROM admin_area a WHERE path LIKE :p AND geom IS NOT NULL{where}
            ORDER BY code LIMIT :limit OFFSET :offset"""),
            params,
        ).fetchall()
        if col.id in STAT_LEVEL and rows and stats is None:
            stats = aggregates.statistics(conn, scope)
        feats = []
        for r in rows:
            props = {
                "code": r.id,
                "name": r.name,
                # the name in the user's language, a grid with its village ("江滨社区
                # Grid 3" in English; a county's layer has a grid 3 in every village;
                # the official name stays in ``name``)
                "label": grid_label(r.name, r.id, r.parent_name),
                "level": r.level,
                "parent_code": r.parent_code,
                "area_km2": round(r.area_km2, 4) if r.area_km2 is not None else None,
            }
            if col.id in STAT_LEVEL and stats is not None:
                props.update(_stat_props(stats.areas[r.id], stats.as_of))
            feats.append(
                {"type": "Feature", "id": r.id, "geometry": json.loads(r.g), "properties": props}
            )
    matched = int(rows[0].matched) if rows else _count(conn, scope, col, bbox)
    if feature_id is not None and not feats:
        raise NotFound("feature")
    return feats, matched


def _count(conn, scope: Scope, col: Collection, bbox) -> int:
    """Features matched when the page itself is empty (offset past the end)."""
    params = {"p": scope.like}
    where = _bbox_sql(bbox, params)
    if col.id == "service_points":
        sql = f"SELECT count(*) FROM service_points WHERE admin_path LIKE :p{where}"
    else:
        if col.id in STAT_LEVEL:
            where += " AND level = :level"
            params["level"] = STAT_LEVEL[col.id]
        sql = f"SELECT count(*) FROM admin_area WHERE path LIKE :p AND geom IS NOT NULL{where}"
    return int(conn.execute(sa.text(sql), params).scalar())


def feature_collection(feats: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": feats}


def to_frame(feats: list[dict], col: Collection) -> gpd.GeoDataFrame:
    """Features as a GeoDataFrame in EPSG:4326 (for a GeoPackage layer)."""
    if not feats:
        return gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    frame = gpd.GeoDataFrame(
        [f["properties"] for f in feats],
        geometry=[shape(f["geometry"]) for f in feats],
        crs="EPSG:4326",
    )
    # counts stay integers with nulls where suppressed (not floats with NaN)
    for name in STAT_FIELDS + ("capacity",):
        if name in frame:
            frame[name] = frame[name].astype("Int64")
    for name in ("migrants_per_1000", "coverage_pct", "density_km2", "area_km2"):
        if name in frame:
            frame[name] = frame[name].astype("Float64")
    return frame


FORMATS = ("gpkg", "geojson")


def export_layers(
    conn,
    scope: Scope,
    area_code: str | None = None,
    fmt: str = "gpkg",
    layers: list[str] | None = None,
) -> bytes:
    """A GeoPackage with the chosen layers (default all), or one layer as GeoJSON."""
    if fmt not in FORMATS:
        raise InvalidInput(_("unknown layer format {fmt!r}; expected gpkg or geojson", fmt=fmt))
    layers = list(layers or COLLECTIONS)
    for name in layers:
        if name not in COLLECTIONS:
            raise InvalidInput(
                _(
                    "unknown layer {name!r}; expected {items}",
                    name=name,
                    items=", ".join(COLLECTIONS),
                )
            )
    if fmt == "geojson" and len(layers) != 1:
        raise InvalidInput(
            _(
                # in the web API's terms: the command checks this first, naming --layer
                "a GeoJSON file holds one layer: ask for one with layer= ({items}), or "
                "download layers.gpkg, which holds them all",
                items=", ".join(COLLECTIONS),
            )
        )
    area = area_scope(conn, scope, area_code)
    stats = aggregates.statistics(conn, area) if set(layers) & set(STAT_LEVEL) else None
    collected = {name: features(conn, area, name, stats=stats)[0] for name in layers}
    if fmt == "geojson":
        ((name, feats),) = collected.items()
        data = json.dumps({**feature_collection(feats), "name": name}, ensure_ascii=False).encode(
            "utf-8"
        )
    else:
        fd, path = tempfile.mkstemp(suffix=".gpkg")
        os.close(fd)
        os.unlink(path)  # GDAL creates the file itself
        try:
            for name, feats in collected.items():
                to_frame(feats, COLLECTIONS[name]).to_file(
                    path,
                    layer=name,
                    driver="GPKG",
                    engine="pyogrio",
                    geometry_type=COLLECTIONS[name].geometry,
                )
            with open(path, "rb") as f:
                data = f.read()
        finally:
            if os.path.exists(path):
                os.unlink(path)
    log_export(
        conn,
        scope,
        "layer",
        area.area_code,
        {"format": fmt, "layers": layers, "features": {n: len(f) for n, f in collected.items()}},
    )
    return data
