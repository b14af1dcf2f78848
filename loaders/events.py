"""Dated service events of households (visits, distributions, follow-ups, moves) from
CSV or XLSX."""

from __future__ import annotations

import pandas as pd

from gis import ingest, rules
from gis.messages import _, event_kind_names
from loaders.base import TableLoader
from loaders.validate import Checker

EVENT_KINDS = {
    "visit": "visit",
    "走访": "visit",
    "上门服务": "visit",
    "distribution": "distribution",
    "发放": "distribution",
    "药具发放": "distribution",
    "follow_up": "follow_up",
    "follow-up": "follow_up",
    "随访": "follow_up",
    "move_in": "move_in",
    "move-in": "move_in",
    "迁入": "move_in",
    "move_out": "move_out",
    "move-out": "move_out",
    "迁出": "move_out",
}


class EventLoader(TableLoader):
    kind = "events"
    suffixes = (".csv", ".txt", ".xlsx")
    columns = {
        "event_id": ["编号", "id"],
        "household_no": ["户号"],
        "kind": ["类型", "type"],
        "date": ["日期", "event_date"],
        "team_id": ["服务队", "team"],
        "id_number": ["身份证号"],
        "note": ["备注"],
    }
    required = {"household_no", "kind", "date"}
    stage_sql = ingest.EVENT_STAGE
    stage_table = "stage_events"
    stage_columns = [
        "row_no",
        "ext_id",
        "household_no",
        "kind",
        "event_date",
        "team",
        "id_number",
        "note",
        "bad_cols",
    ]

    def clean(self, file, df, crs):
        c = Checker(file, df, self.day)
        out = pd.DataFrame({"row_no": df["_row"].to_numpy()}, index=df.index)
        eid = c.text("event_id", max_len=64)
        out["household_no"] = c.text("household_no", required=True, max_len=64)
        # the fix names the kinds as the map shows them, in the user's language (each
        # of those words is accepted)
        out["kind"] = c.choice(
            "kind", EVENT_KINDS, label=_("event kind"), accepted=event_kind_names()
        )
        # the web API's rule (gis.rules, gis.gate): not before 1900 nor after today in China
        out["event_date"] = c.date(
            "date",
            rule=rules.EVENT_DATE,
            required=True,
            long_term=False,
            fix=_("check the year (an event's date lies between 1900-01-01 and today)"),
        )
        out["team"] = c.text("team_id", max_len=64)
        out["id_number"] = c.text("id_number", max_len=18).str.upper()
        out["note"] = c.text("note", max_len=500)
        # Without an event id the natural key is the event itself, so re-loading the
        # same file does not duplicate events.
        fallback = (
            out["household_no"]
            + "|"
            + out["kind"]
            + "|"
            + out["event_date"]
            + "|"
            + out["team"]
            + "|"
            + out["id_number"]
        )
        out["ext_id"] = eid.where(eid.ne(""), fallback)
        # Rejected rows are staged too (marked): the database checks of upsert_events
        # then report their other problems in the same pass, and drop them.
        out["bad_cols"] = c.bad_columns()
        return out, c.rejected

    def upsert(self, conn, report):
        return ingest.upsert_events(conn, None)
