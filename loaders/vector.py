"""Shared by the loaders of vector files (polygons and lines): reading, repairing,
staging helpers, and :class:`VectorLoader` (read → stage with COPY → upsert).

Reads GeoJSON, GeoPackage and zipped Shapefile (with .prj and .cpg). The CRS comes from
the file or ``--crs``; everything is stored in WGS-84 (EPSG:4326). Invalid polygons are
repaired with a note, or rejected when nothing polygonal is left.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import shapely

from gis import crs as crs_mod
from gis.messages import _
from loaders import files
from loaders.base import Loader
from loaders.reports import LoadError, Rejection, rejections_from_sql


def column(gdf, *names) -> pd.Series:
    lower = {c.lower(): c for c in gdf.columns}
    for n in names:
        if n.lower() in lower:
            return gdf[lower[n.lower()]].astype("string").fillna("").str.strip()
    return pd.Series("", index=gdf.index, dtype="string")


def repair(gdf, report, file: str):
    """Repair invalid polygons (noted in the report) and reject what cannot be."""
    gdf, notes, problems = files.repair_geometries(gdf, file)
    report.notes += notes
    report.rejected += [
        Rejection(p.file, p.row, p.column or "geometry", p.value, p.reason, p.fix) for p in problems
    ]
    return gdf


class VectorLoader(Loader):
    """read → stage (COPY) → upsert for polygon and line files; subclasses say how to
    stage their features and which upsert to run."""

    suffixes = (".geojson", ".json", ".gpkg", ".zip")
    polygons = True
    stage_sql = ""

    def stage(self, conn, gdf, file: str, rejected: list) -> None:
        raise NotImplementedError

    def upsert(self, conn):
        raise NotImplementedError

    def load_into(self, conn, path, report, crs, progress):
        gdf = self.read(path, crs, report)
        conn.exec_driver_sql(self.stage_sql)
        self.stage(conn, gdf, path.name, report.rejected)
        ins, upd, r = self.upsert(conn)
        report.rejected += rejections_from_sql(path.name, r)
        report.inserted, report.updated = ins, upd
        report.unchanged = report.rows_total - report.rows_rejected - ins - upd

    def read(self, path, crs, report):
        gdf = files.read_vector(path)
        if gdf.empty:
            raise LoadError(
                _(
                    "{file}: file is empty (no features); fix: export the layer "
                    "again with its features",
                    file=path.name,
                )
            )
        report.notes += list(gdf.attrs.get("notes", []))
        gdf = gdf.reset_index(drop=True)
        # Feature numbers as a person counts them in a GIS attribute table: from 1.
        gdf["_row"] = np.arange(1, len(gdf) + 1)
        if self.polygons:
            gdf = repair(gdf, report, path.name)
        report.rows_total = len(gdf) + report.rows_rejected
        return crs_mod.frame_to_wgs84(gdf, crs, report.notes)


def wkb_hex(geoms) -> np.ndarray:
    return shapely.to_wkb(np.asarray(geoms), hex=True, output_dimension=2)


def ewkb_hex(geoms) -> np.ndarray:
    """Hex EWKB with SRID 4326: COPY writes it straight into a geometry column."""
    return shapely.to_wkb(
        shapely.set_srid(np.asarray(geoms), 4326), hex=True, output_dimension=2, include_srid=True
    )


def geom_key(wkb_hex: pd.Series) -> pd.Series:
    """A stable id for features that have none: the hash of their geometry."""
    return wkb_hex.map(lambda h: "geom:" + hashlib.sha1(h.encode()).hexdigest()[:16])
