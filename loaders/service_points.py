"""Service points (distribution points, stations, clinics, pharmacies, machines,
outreach) from CSV or XLSX."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis import ingest
from gis.messages import _
from loaders.base import TableLoader
from loaders.validate import Checker

KINDS = {
    "distribution_point": "distribution_point",
    "药具发放点": "distribution_point",
    "发放点": "distribution_point",
    "service_station": "service_station",
    "服务站": "service_station",
    "计生服务站": "service_station",
    "clinic": "clinic",
    "卫生院": "clinic",
    "诊所": "clinic",
    "卫生室": "clinic",
    "pharmacy": "pharmacy",
    "药店": "pharmacy",
    "药房": "pharmacy",
    "machine": "machine",
    "自助发放机": "machine",
    "自助机": "machine",
    "outreach": "outreach",
    "外展点": "outreach",
    "外展服务点": "outreach",
    # the words the fix lists (lower case, spaces dropped, as Checker.choice compares)
    "distributionpoint": "distribution_point",
    "servicestation": "service_station",
    "self-servicemachine": "machine",
    "outreachpoint": "outreach",
    "流动服务点": "outreach",
}


class ServicePointLoader(TableLoader):
    kind = "service-points"
    suffixes = (".csv", ".txt", ".xlsx")
    columns = {
        "point_id": ["编号", "id", "point id", "code"],
        "kind": ["类型", "type"],
        "name": ["名称"],
        "address": ["地址"],
        "lon": ["经度", "longitude", "lng", "x"],
        "lat": ["纬度", "latitude", "y"],
        "crs": ["坐标系"],
        "opening_hours": ["开放时间", "hours"],
        "capacity": ["服务能力", "容量"],
        "active": ["启用", "状态", "in use"],
    }
    required = {"point_id", "kind", "name", "lon", "lat"}
    stage_sql = ingest.SERVICE_POINT_STAGE
    stage_table = "stage_service_points"
    stage_columns = [
        "row_no",
        "ext_id",
        "kind",
        "name",
        "address",
        "lon",
        "lat",
        "opening_hours",
        "capacity",
        "active",
    ]

    def clean(self, file, df, crs):
        c = Checker(file, df)
        out = pd.DataFrame({"row_no": df["_row"].to_numpy()}, index=df.index)
        out["ext_id"] = c.text("point_id", required=True, max_len=64)
        # the fix names the kinds in the user's language, each of the words accepted
        out["kind"] = c.choice(
            "kind",
            KINDS,
            label=_("service point kind"),
            accepted=_(
                "distribution point, service station, clinic, pharmacy, self-service "
                "machine, outreach point"
            ),
        )
        out["name"] = c.text("name", required=True, max_len=200)
        out["address"] = c.text("address", max_len=300)
        out["opening_hours"] = c.text("opening_hours", max_len=100)
        out["capacity"] = c.integer("capacity", lo=0, hi=1_000_000)
        out["active"] = c.boolean("active", default=True)
        lon, lat = c.coordinates("lon", "lat", "crs", crs, required=True)
        out["lon"], out["lat"] = np.round(lon, 8), np.round(lat, 8)
        return out[c.good], c.rejected

    def upsert(self, conn, report):
        return ingest.upsert_service_points(conn)
