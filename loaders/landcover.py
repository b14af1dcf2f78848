"""Land cover polygons for the basemap (water, woods, parks, land use), from a vector
file or from OSM."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis import ingest
from gis.messages import _
from loaders.reports import Rejection
from loaders.vector import VectorLoader, column, ewkb_hex, geom_key, wkb_hex


def stage_landcover(conn, gdf, source: str, rejected: list, file: str) -> None:
    wkb = pd.Series(wkb_hex(gdf.geometry.values), index=gdf.index)
    ext = column(gdf, "landcover_id", "id", "osm_id")
    ext = ext.where(ext != "", geom_key(wkb))
    if source == "osm":
        ext = "osm:" + ext
    kind = column(gdf, "kind", "landuse", "natural", "类型").str.lower()
    for i in np.flatnonzero((kind == "").to_numpy()):
        rejected.append(
            Rejection(
                file,
                int(gdf["_row"].iat[i]),
                "kind",
                "",
                _("is empty"),
                _("say what the area is: water, forest, park, farmland, …"),
            )
        )
    keep = (kind != "").to_numpy() & ~ext.duplicated().to_numpy()
    df = pd.DataFrame(
        {
            "row_no": gdf["_row"],
            "ext_id": ext,
            "kind": kind,
            "name": column(gdf, "name", "名称"),
            "source": source,
            "geom": ewkb_hex(gdf.geometry.values),
        }
    )[keep]
    ingest.copy_frame(conn, "stage_landcover", df, list(df.columns))


class LandcoverLoader(VectorLoader):
    """Water, woods, parks and land use polygons for the basemap (property ``kind``)."""

    kind = "landcover"
    stage_sql = ingest.LANDCOVER_STAGE

    def stage(self, conn, gdf, file, rejected):
        stage_landcover(conn, gdf, "file", rejected, file)

    def upsert(self, conn):
        return ingest.upsert_landcover(conn)
