"""Service teams (id, name, base area, members) from CSV or XLSX."""

from __future__ import annotations

import pandas as pd

from gis import ingest
from loaders.base import TableLoader
from loaders.validate import Checker


class TeamLoader(TableLoader):
    kind = "teams"
    suffixes = (".csv", ".txt", ".xlsx")
    columns = {
        "team_id": ["编号", "id", "team"],
        "name": ["名称", "队名"],
        "base_code": ["驻地代码", "base", "area code"],
        "members": ["人数"],
    }
    required = {"team_id", "name"}
    stage_sql = ingest.TEAM_STAGE
    stage_table = "stage_teams"
    stage_columns = ["row_no", "ext_id", "name", "base_code", "members"]

    def clean(self, file, df, crs):
        c = Checker(file, df)
        out = pd.DataFrame({"row_no": df["_row"].to_numpy()}, index=df.index)
        out["ext_id"] = c.text("team_id", required=True, max_len=64)
        out["name"] = c.text("name", required=True, max_len=200)
        out["base_code"] = c.text("base_code", max_len=15)
        out["members"] = c.integer("members", lo=0, hi=10_000)
        return out[c.good], c.rejected

    def upsert(self, conn, report):
        return ingest.upsert_teams(conn)
