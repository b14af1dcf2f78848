"""Writing the files: GeoJSON by hand (fixed precision, stable order), the buildings
GeoPackage with a fixed date, CSVs with ``\\n`` line ends — so the same seed and scale give
the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from loaders.demo.plane import polygonal_part, rectangles, to_lonlat_geom

HOUSEHOLD_COLUMNS = [
    "household_no",
    "address",
    "registered_address",
    "village_code",
    "building_id",
    "lon",
    "lat",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "relation",
    "status",
    "origin_code",
    "arrival_date",
    "cert_marriage",
    "cert_marriage_expiry",
    "cert_id",
    "cert_id_expiry",
    "cert_residence",
    "cert_residence_expiry",
    "cert_migrant",
    "cert_migrant_expiry",
]


def coordinates_json(coords: np.ndarray) -> str:
    return "[" + ",".join(f"[{x:.7f},{y:.7f}]" for x, y in coords) + "]"


def geometry_json(g) -> str:
    t = shapely.get_type_id(g)
    if t == 1:
        return (
            '{"type":"LineString","coordinates":'
            + coordinates_json(shapely.get_coordinates(g))
            + "}"
        )
    if t == 5:
        return (
            '{"type":"MultiLineString","coordinates":['
            + ",".join(coordinates_json(shapely.get_coordinates(p)) for p in shapely.get_parts(g))
            + "]}"
        )

    def poly(p):
        rings = [shapely.get_exterior_ring(p)] + [
            shapely.get_interior_ring(p, k) for k in range(shapely.get_num_interior_rings(p))
        ]
        return "[" + ",".join(coordinates_json(shapely.get_coordinates(r)) for r in rings) + "]"

    if t == 3:
        return '{"type":"Polygon","coordinates":' + poly(g) + "}"
    if t == 6:
        return (
            '{"type":"MultiPolygon","coordinates":['
            + ",".join(poly(p) for p in shapely.get_parts(g))
            + "]}"
        )
    raise ValueError(f"unsupported geometry type {shapely.get_type_id(g)}")


def write_feature_collection(path: Path, features: list[tuple[dict, object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for k, (props, geom) in enumerate(features):
            f.write(
                '{"type":"Feature","properties":'
                + json.dumps(props, ensure_ascii=False)
                + ',"geometry":'
                + geometry_json(geom)
                + "}"
                + (",\n" if k + 1 < len(features) else "\n")
            )
        f.write("]}\n")


def write_admin(world, path: Path, recipe: dict) -> None:
    towns, vills, grids = world.towns, world.vills, world.grids
    county = recipe["county"]

    outline = shapely.make_valid(world.county_ll)

    def ll(g):
        # clipped to the county outline in lon/lat: no area may stick out of the county
        # (the metric round trip and repairs leave slivers along the border otherwise)
        g = polygonal_part(shapely.intersection(shapely.make_valid(to_lonlat_geom(g)), outline))
        return shapely.orient_polygons(g, exterior_cw=False)

    feats = [
        (
            dict(
                code=county["code"] + "000000",
                name=county["name"],
                level="county",
                parent_code=county["parent_code"],
                aliases=";".join(county["aliases"]),
                former_names="",
                synthetic=False,
            ),
            shapely.orient_polygons(world.county_ll, exterior_cw=False),
        )
    ]
    for t in range(len(towns)):
        feats.append(
            (
                dict(
                    code=towns.at[t, "code12"],
                    name=towns.at[t, "name"],
                    level="township",
                    parent_code=county["code"] + "000000",
                    aliases=towns.at[t, "short"],
                    former_names="",
                    synthetic=True,
                ),
                ll(towns.at[t, "geom"]),
            )
        )
    tcode = towns["code12"].to_numpy()
    for i in range(len(vills)):
        feats.append(
            (
                dict(
                    code=vills.at[i, "code"],
                    name=vills.at[i, "name"],
                    level="village",
                    parent_code=tcode[vills.at[i, "town_idx"]],
                    aliases=vills.at[i, "aliases"],
                    former_names=vills.at[i, "former"],
                    synthetic=True,
                ),
                ll(vills.at[i, "geom"]),
            )
        )
    for i in range(len(grids)):
        feats.append(
            (
                dict(
                    code=grids.at[i, "code"],
                    name=grids.at[i, "name"],
                    level="grid",
                    parent_code=grids.at[i, "parent_code"],
                    aliases="",
                    former_names="",
                    synthetic=True,
                ),
                ll(grids.at[i, "geom"]),
            )
        )
    write_feature_collection(path, feats)


def write_buildings(b: pd.DataFrame, path: Path) -> None:
    geoms = to_lonlat_geom(
        rectangles(
            b["x"].to_numpy(),
            b["y"].to_numpy(),
            b["L"].to_numpy(),
            b["W"].to_numpy(),
            b["theta"].to_numpy(),
        )
    )
    gdf = gpd.GeoDataFrame(
        {
            "building_id": b["building_id"].to_numpy(),
            "village_code": b["village_code"].to_numpy(),
            "compound": b["compound"].to_numpy(),
            "building_no": b["building_no"].to_numpy(),
            "address": b["address"].to_numpy(),
            "floors": b["floors"].to_numpy(),
            "use": b["use"].to_numpy(),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    if path.exists():
        path.unlink()
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2026-11-24T00:00:00Z"})
    try:
        pyogrio.write_dataframe(gdf, path, layer="buildings", driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def write_households(
    households: pd.DataFrame, persons: pd.DataFrame, path: Path, chunk: int = 200_000
) -> None:
    """households.csv: one row per person with the household columns repeated (written in chunks)."""
    hcols = [
        "household_no",
        "address",
        "registered_address",
        "village_code",
        "building_id",
        "lon",
        "lat",
    ]
    pcols = [c for c in HOUSEHOLD_COLUMNS if c not in hcols]
    hh = households[hcols]
    hidx = persons["_h"].to_numpy()
    with open(path, "w", encoding="utf-8", newline="") as f:
        for k, start in enumerate(range(0, max(len(persons), 1), chunk)):
            sl = slice(start, start + chunk)
            rows = hh.iloc[hidx[sl]].reset_index(drop=True)
            part = persons[pcols].iloc[sl].reset_index(drop=True)
            table = pd.concat([rows, part], axis=1)[HOUSEHOLD_COLUMNS]
            table.to_csv(f, index=False, header=(k == 0), lineterminator="\n")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
