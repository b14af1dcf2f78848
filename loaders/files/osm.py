"""OpenStreetMap .pbf extracts: buildings, roads and land cover."""

from __future__ import annotations

import os

import pandas as pd

from gis.messages import _
from loaders.files.problems import FileProblem, check_exists

_ADDR_ORDER = (
    "addr:country",
    "addr:province",
    "addr:state",
    "addr:city",
    "addr:district",
    "addr:subdistrict",
    "addr:suburb",
    "addr:street",
    "addr:place",
    "addr:housenumber",
    "addr:unit",
    "addr:floor",
    "addr:door",
)


def read_osm(path) -> dict:
    """Buildings and roads from an OSM .osm.pbf extract, in WGS-84 (EPSG:4326).

    Returns ``{'buildings': GeoDataFrame[osm_id, use, name, address, levels, geometry]
    (Polygon/MultiPolygon), 'roads': GeoDataFrame[osm_id, name, highway, geometry]
    (LineString)}``. ``use`` is the OSM building tag, ``address`` the addr:* tags joined
    from large to small, ``levels`` building:levels as a number (NaN if absent).
    """
    import geopandas as gpd
    import pyrosm

    check_exists(path)
    try:
        osm = pyrosm.OSM(os.fspath(path))
        b = osm.get_buildings()
        r = osm.get_network(network_type="all")
    except Exception as e:
        raise FileProblem(
            path,
            reason=_("cannot be read as an OSM PBF extract ({error})", error=e),
            fix=_("download the extract again (e.g. from Geofabrik, .osm.pbf)"),
        ) from None

    bcols = ["osm_id", "use", "name", "address", "levels"]
    if b is None or len(b) == 0:
        buildings = gpd.GeoDataFrame(columns=bcols, geometry=[], crs="EPSG:4326")
    else:
        b = b[b.geometry.notna() & b.geom_type.isin(["Polygon", "MultiPolygon"])]
        addr_cols = [c for c in _ADDR_ORDER if c in b.columns]
        addr_cols += sorted(c for c in b.columns if c.startswith("addr:") and c not in addr_cols)
        if addr_cols:
            parts = b[addr_cols].astype(object).where(b[addr_cols].notna(), None)
            address = [
                " ".join(str(v).strip() for v in row if v is not None and str(v).strip())
                for row in parts.itertuples(index=False, name=None)
            ]
        else:
            address = [""] * len(b)
        buildings = gpd.GeoDataFrame(
            {
                "osm_id": b["id"].astype("int64").to_numpy(),
                "use": _col(b, "building"),
                "name": _col(b, "name"),
                "address": address,
                "levels": pd.to_numeric(_col(b, "building:levels"), errors="coerce"),
            },
            geometry=b.geometry.to_numpy(),
            crs=b.crs or "EPSG:4326",
        )
        buildings["address"] = buildings["address"].replace("", None)

    rcols = ["osm_id", "name", "highway"]
    if r is None or len(r) == 0:
        roads = gpd.GeoDataFrame(columns=rcols, geometry=[], crs="EPSG:4326")
    else:
        r = r[r.geometry.notna()]
        roads = gpd.GeoDataFrame(
            {
                "osm_id": r["id"].astype("int64").to_numpy(),
                "name": _col(r, "name"),
                "highway": _col(r, "highway"),
            },
            geometry=r.geometry.to_numpy(),
            crs=r.crs or "EPSG:4326",
        )
        roads = roads.explode(index_parts=False, ignore_index=True)
        roads = roads[roads.geom_type == "LineString"].reset_index(drop=True)
    return {
        "buildings": buildings.reset_index(drop=True),
        "roads": roads,
        "landcover": _osm_landcover(osm),
    }


def _osm_landcover(osm):
    """Water, woods and land use polygons of an extract: osm_id, kind, name, geometry."""
    import geopandas as gpd

    parts = []
    for getter, tag in ((osm.get_landuse, "landuse"), (osm.get_natural, "natural")):
        try:
            df = getter()
        except Exception:  # an extract without such features
            df = None
        if df is None or len(df) == 0:
            continue
        df = df[df.geometry.notna() & df.geom_type.isin(["Polygon", "MultiPolygon"])]
        parts.append(
            gpd.GeoDataFrame(
                {
                    "osm_id": tag[0] + df["id"].astype("int64").astype(str).to_numpy(),
                    "kind": _col(df, tag),
                    "name": _col(df, "name"),
                },
                geometry=df.geometry.to_numpy(),
                crs="EPSG:4326",
            )
        )
    if not parts:
        return gpd.GeoDataFrame(columns=["osm_id", "kind", "name"], geometry=[], crs="EPSG:4326")
    return pd.concat(parts, ignore_index=True)


def _col(df, name):
    if name in df.columns:
        return df[name].to_numpy()
    return [None] * len(df)
