"""Roads (LineString features) from a vector file (or from OSM, see :mod:`loaders.osm`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gis import ingest
from gis.messages import _
from loaders.reports import Rejection
from loaders.vector import VectorLoader, column, ewkb_hex, geom_key, wkb_hex


def stage_roads(conn, gdf, source: str, rejected: list, file: str) -> None:
    lines = gdf.geometry.values
    kind = shapely.get_type_id(lines)
    ok = np.isin(kind, [1, 5]) & ~shapely.is_empty(lines)  # LineString, MultiLineString
    for i in np.flatnonzero(~ok):
        rejected.append(
            Rejection(
                file,
                int(gdf["_row"].iat[i]),
                "geometry",
                shapely.get_type_id(lines[i]).__str__(),
                _("is not a line"),
                _("roads must be LineString features"),
            )
        )
    gdf = gdf[ok]
    wkb = pd.Series(wkb_hex(gdf.geometry.values), index=gdf.index)
    ext = column(gdf, "road_id", "id", "osm_id")
    ext = ext.where(ext != "", geom_key(wkb))
    if source == "osm":
        ext = "osm:" + ext
    dup = ext.duplicated()
    df = pd.DataFrame(
        {
            "row_no": gdf["_row"],
            "ext_id": ext,
            "name": column(gdf, "name", "名称"),
            "highway": column(gdf, "highway", "类型"),
            "source": source,
            "geom": ewkb_hex(gdf.geometry.values),
        }
    )[~dup.to_numpy()]
    ingest.copy_frame(conn, "stage_roads", df, list(df.columns))


class RoadLoader(VectorLoader):
    kind = "roads"
    polygons = False
    stage_sql = ingest.ROAD_STAGE

    def stage(self, conn, gdf, file, rejected):
        stage_roads(conn, gdf, "file", rejected, file)

    def upsert(self, conn):
        return ingest.upsert_roads(conn)
