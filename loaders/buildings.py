"""Building footprints from a vector file (or from OSM, see :mod:`loaders.osm`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis import ingest
from gis.messages import _
from loaders.reports import Rejection
from loaders.vector import VectorLoader, column, ewkb_hex, geom_key, wkb_hex

USES = {
    "residential": "residential",
    "住宅": "residential",
    "house": "residential",
    "apartments": "residential",
    "detached": "residential",
    "yes": None,
    "market": "market",
    "市场": "market",
    "retail": "market",
    "commercial": "market",
    "enterprise": "enterprise",
    "企业": "enterprise",
    "industrial": "enterprise",
    "factory": "enterprise",
    "warehouse": "enterprise",
    "dormitory": "dormitory",
    "宿舍": "dormitory",
    "school": "school",
    "学校": "school",
    "university": "school",
    "public": "public",
    "公共": "public",
    "civic": "public",
    "government": "public",
    "hospital": "public",
    "other": "other",
}


def stage_buildings(conn, gdf, file: str, source: str, rejected: list) -> pd.DataFrame:
    wkb = pd.Series(wkb_hex(gdf.geometry.values), index=gdf.index)
    # Shapefile field names are cut to 10 characters, hence the short aliases.
    ext = column(gdf, "building_id", "building_i", "id", "osm_id", "编号")
    ext = ext.where(ext != "", geom_key(wkb))
    if source == "osm":
        ext = "osm:" + ext
    floors = pd.to_numeric(
        column(gdf, "floors", "levels", "building:levels", "层数"), errors="coerce"
    )
    use_raw = column(gdf, "use", "building", "用途").str.lower()
    use = use_raw.map(USES)
    unknown = use_raw.ne("") & ~use_raw.isin(list(USES))
    use = use.where(~unknown, "other").fillna("residential")
    dup = ext.duplicated(keep="first")
    for i in np.flatnonzero(dup.to_numpy()):
        rejected.append(
            Rejection(
                file,
                int(gdf["_row"].iat[i]),
                "building_id",
                str(ext.iat[i]),
                _("duplicate building id in this file"),
                _("give each building its own id"),
            )
        )
    df = pd.DataFrame(
        {
            "row_no": gdf["_row"],
            "ext_id": ext,
            "village_code": column(gdf, "village_code", "village_co", "村居代码"),
            "compound": column(gdf, "compound", "小区"),
            "building_no": column(gdf, "building_no", "building_n", "楼号", "addr:housenumber"),
            "address": column(gdf, "address", "地址"),
            "floors": floors.where((floors >= 0) & (floors <= 200)).map(
                lambda v: "" if pd.isna(v) else str(int(v))
            ),
            "use": use,
            "source": source,
            "geom": ewkb_hex(gdf.geometry.values),
        }
    )[~dup.to_numpy()]
    ingest.copy_frame(conn, "stage_buildings", df, list(df.columns))
    return df


class BuildingLoader(VectorLoader):
    kind = "buildings"
    stage_sql = ingest.BUILDING_STAGE

    def stage(self, conn, gdf, file, rejected):
        stage_buildings(conn, gdf, file, "file", rejected)

    def upsert(self, conn):
        return ingest.upsert_buildings(conn)
