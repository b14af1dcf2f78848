"""Service points, service teams and dated events, from CSV or XLSX."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from tqdm import tqdm

from gis import crs as crs_mod
from gis import ingest
from loaders import files
from loaders.base import Loader, LoadError, register, rejections_from_sql
from loaders.validate import Checker

KINDS = {
    "distribution_point": "distribution_point", "药具发放点": "distribution_point",
    "发放点": "distribution_point", "service_station": "service_station",
    "服务站": "service_station", "计生服务站": "service_station", "clinic": "clinic",
    "卫生院": "clinic", "诊所": "clinic", "卫生室": "clinic", "pharmacy": "pharmacy",
    "药店": "pharmacy", "药房": "pharmacy", "machine": "machine", "自助发放机": "machine",
    "自助机": "machine", "outreach": "outreach", "外展点": "outreach", "流动服务点": "outreach",
}
EVENT_KINDS = {"visit": "visit", "走访": "visit", "上门服务": "visit",
               "distribution": "distribution", "发放": "distribution",
               "follow_up": "follow_up", "follow-up": "follow_up", "随访": "follow_up",
               "move_in": "move_in", "迁入": "move_in", "move_out": "move_out",
               "迁出": "move_out"}


class TableLoader(Loader):
    """Shared loop for tabular kinds: read chunks, clean, COPY into a staging table."""

    columns: dict[str, list[str]] = {}
    required: set[str] = set()
    stage_sql = ""
    stage_table = ""
    stage_columns: list[str] = []

    def clean(self, file: str, df: pd.DataFrame, crs: str | None):
        raise NotImplementedError

    def upsert(self, conn, report):
        raise NotImplementedError

    def load_into(self, conn, path, report, crs, progress):
        if crs:
            crs = crs_mod.normalize_crs(crs)
        report.source_crs = crs
        conn.exec_driver_sql(self.stage_sql)
        mapping = None
        bar = tqdm(unit=" rows", disable=not progress, desc=f"load {path.name}")
        # As for households: the COPY of one chunk overlaps with reading the next.
        pool = ThreadPoolExecutor(max_workers=1)
        pending = None
        try:
            for chunk in files.read_table(path):
                if mapping is None:
                    header = [c for c in chunk.columns if c != "_row"]
                    mapping = files.match_columns(path.name, header, self.columns,
                                                  self.required)
                    if mapping.extra:
                        report.notes.append("ignored columns: " + ", ".join(mapping.extra))
                chunk = chunk.rename(columns={v: k for k, v in mapping.items()})
                report.rows_total += len(chunk)
                clean, rejected = self.clean(path.name, chunk, crs)
                report.rejected += rejected
                if pending is not None:
                    pending.result()
                pending = pool.submit(ingest.copy_frame, conn, self.stage_table, clean,
                                      self.stage_columns)
                bar.update(len(chunk))
            if pending is not None:
                pending.result()
        except files.FileProblem as exc:
            raise LoadError(str(exc)) from exc
        finally:
            pool.shutdown(wait=True)
            bar.close()
        ins, upd, rejected = self.upsert(conn, report)
        report.rejected += rejections_from_sql(path.name, rejected)
        report.inserted, report.updated = ins, upd
        report.unchanged = (report.rows_total - report.rows_rejected - ins - upd)


@register
class ServicePointLoader(TableLoader):
    kind = "service-points"
    suffixes = (".csv", ".txt", ".xlsx")
    columns = {
        "point_id": ["编号", "id", "point id", "code"], "kind": ["类型", "type"],
        "name": ["名称"], "address": ["地址"], "lon": ["经度", "longitude", "lng", "x"],
        "lat": ["纬度", "latitude", "y"], "crs": ["坐标系"],
        "opening_hours": ["开放时间", "hours"], "capacity": ["服务能力", "容量"],
        "active": ["启用", "状态", "in use"],
    }
    required = {"point_id", "kind", "name", "lon", "lat"}
    stage_sql = ingest.SERVICE_POINT_STAGE
    stage_table = "stage_service_points"
    stage_columns = ["row_no", "ext_id", "kind", "name", "address", "lon", "lat",
                     "opening_hours", "capacity", "active"]

    def clean(self, file, df, crs):
        c = Checker(file, df)
        out = pd.DataFrame({"row_no": df["_row"].to_numpy()}, index=df.index)
        out["ext_id"] = c.text("point_id", required=True, max_len=64)
        out["kind"] = c.choice("kind", KINDS, label="service point kind")
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


@register
class TeamLoader(TableLoader):
    kind = "teams"
    suffixes = (".csv", ".txt", ".xlsx")
    columns = {"team_id": ["编号", "id", "team"], "name": ["名称", "队名"],
               "base_code": ["驻地代码", "base", "area code"], "members": ["人数"]}
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


@register
class EventLoader(TableLoader):
    kind = "events"
    suffixes = (".csv", ".txt", ".xlsx")
    columns = {"event_id": ["编号", "id"], "household_no": ["户号"],
               "kind": ["类型", "type"], "date": ["日期", "event_date"],
               "team_id": ["服务队", "team"], "id_number": ["身份证号"], "note": ["备注"]}
    required = {"household_no", "kind", "date"}
    stage_sql = ingest.EVENT_STAGE
    stage_table = "stage_events"
    stage_columns = ["row_no", "ext_id", "household_no", "kind", "event_date", "team",
                     "id_number", "note"]

    def clean(self, file, df, crs):
        c = Checker(file, df)
        out = pd.DataFrame({"row_no": df["_row"].to_numpy()}, index=df.index)
        eid = c.text("event_id", max_len=64)
        out["household_no"] = c.text("household_no", required=True, max_len=64)
        out["kind"] = c.choice("kind", EVENT_KINDS, label="event kind")
        out["event_date"] = c.date("date", required=True)
        out["team"] = c.text("team_id", max_len=64)
        out["id_number"] = c.text("id_number", max_len=18)
        out["note"] = c.text("note", max_len=500)
        # Without an event id the natural key is the event itself, so re-loading the
        # same file does not duplicate events.
        fallback = (out["household_no"] + "|" + out["kind"] + "|" + out["event_date"] + "|"
                    + out["team"] + "|" + out["id_number"])
        out["ext_id"] = eid.where(eid.ne(""), fallback)
        return out[c.good], c.rejected

    def upsert(self, conn, report):
        return ingest.upsert_events(conn, None)
