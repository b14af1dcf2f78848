"""Buildings, roads and land cover from an OpenStreetMap .pbf extract (WGS-84 by
definition)."""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from gis import crs as crs_mod
from gis import ingest
from gis.messages import _
from loaders import files
from loaders.base import Loader
from loaders.buildings import stage_buildings
from loaders.landcover import stage_landcover
from loaders.reports import LoadError, rejections_from_sql
from loaders.roads import stage_roads
from loaders.vector import repair


class OsmLoader(Loader):
    """Buildings and roads from an OpenStreetMap .pbf extract (WGS-84 by definition)."""

    kind = "osm"
    suffixes = (".pbf",)

    def load_into(self, conn, path, report, crs, progress):
        if path.suffix.lower() != ".pbf":
            raise LoadError(_("{file}: expected an OSM .pbf extract", file=path.name))
        if crs and crs_mod.normalize_crs(crs) not in ("wgs84", "cgcs2000"):
            raise LoadError(_("OSM data is always WGS-84; drop --crs"))
        with tqdm(total=2, disable=not progress, desc=f"read {path.name}") as bar:
            layers = files.read_osm(path)
            bar.update(2)
        b = layers["buildings"].reset_index(drop=True)
        r = layers["roads"].reset_index(drop=True)
        b["_row"] = np.arange(1, len(b) + 1)
        r["_row"] = np.arange(len(b) + 1, len(b) + len(r) + 1)
        b = repair(b, report, path.name)
        lc = layers.get("landcover")
        lc = lc.reset_index(drop=True) if lc is not None else lc
        if lc is not None:
            lc["_row"] = np.arange(len(b) + len(r) + 1, len(b) + len(r) + len(lc) + 1)
            lc = repair(lc, report, path.name)
        report.rows_total = (
            len(layers["buildings"]) + len(r) + (len(layers["landcover"]) if lc is not None else 0)
        )
        conn.exec_driver_sql(ingest.BUILDING_STAGE)
        stage_buildings(conn, b, path.name, "osm", report.rejected)
        bi, bu, rb = ingest.upsert_buildings(conn)
        conn.exec_driver_sql(ingest.ROAD_STAGE)
        stage_roads(conn, r, "osm", report.rejected, path.name)
        ri, ru, rr = ingest.upsert_roads(conn)
        li = lu = 0
        rl = []
        if lc is not None and len(lc):
            conn.exec_driver_sql(ingest.LANDCOVER_STAGE)
            stage_landcover(conn, lc, "osm", report.rejected, path.name)
            li, lu, rl = ingest.upsert_landcover(conn)
        report.rejected += rejections_from_sql(path.name, rb + rr + rl)
        report.details = {
            "buildings": {"inserted": bi, "updated": bu},
            "roads": {"inserted": ri, "updated": ru},
            "landcover": {"inserted": li, "updated": lu},
        }
        report.inserted, report.updated = bi + ri + li, bu + ru + lu
        report.unchanged = (
            report.rows_total - report.rows_rejected - report.inserted - report.updated
        )
