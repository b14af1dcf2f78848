"""Bulk writes of field teams and their events."""

from __future__ import annotations

import sqlalchemy as sa

from gis import rules
from gis.ingest.core import _counts, _rejects, indexes_after, single_county, trusted_keys
from gis.messages import _

TEAM_STAGE = """
DROP TABLE IF EXISTS stage_teams;
CREATE TEMP TABLE stage_teams (row_no int, ext_id text, name text, base_code text,
                               members int) ON COMMIT DROP
"""


def upsert_teams(conn) -> tuple[int, int, list[tuple]]:
    rejected = _rejects(
        conn.execute(
            sa.text("""
        DELETE FROM stage_teams s WHERE base_code IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM admin_area a WHERE a.code = s.base_code)
        RETURNING row_no, base_code AS value""")
        ),
        "base_code",
        _("unknown area code"),
        _("use a code of the loaded admin areas"),
    )
    county = single_county(conn)
    ins, upd = _counts(
        conn,
        """
        INSERT INTO service_teams AS t (ext_id, county_code, name, base_code, members)
        SELECT ext_id, coalesce(left(base_code, 6), :c, '000000'), name, base_code, members
        FROM stage_teams
        ON CONFLICT (ext_id) DO UPDATE SET name = EXCLUDED.name,
            base_code = EXCLUDED.base_code, members = EXCLUDED.members
        WHERE (t.name, t.base_code, t.members) IS DISTINCT FROM
              (EXCLUDED.name, EXCLUDED.base_code, EXCLUDED.members)
        RETURNING (xmax = 0) AS inserted""",
        {"c": county},
    )
    return ins, upd, rejected


EVENT_STAGE = """
DROP TABLE IF EXISTS stage_events;
CREATE TEMP TABLE stage_events (row_no int, ext_id text, household_no text, kind text,
    event_date date, team text, id_number text, note text, bad_cols text) ON COMMIT DROP
"""

# Every row is staged, also those the file checks rejected (``bad_cols``: the columns
# already reported, as ",kind,date,"), so that one pass reports every problem of a row:
# the checks against the database skip only the cells already reported.
_NOT_REPORTED = "strpos(coalesce(s.bad_cols, ''), ',{col},') = 0"


def _event_rejects(conn) -> list[tuple]:
    """Set-based checks of the staged events against the database (household, team,
    member): every problem of every row, as (row, column, value, reason, fix)."""
    rejected = _rejects(
        conn.execute(
            sa.text(f"""
        SELECT row_no, household_no AS value FROM stage_events s
        WHERE household_no IS NOT NULL AND {_NOT_REPORTED.format(col="household_no")}
          AND NOT EXISTS (SELECT 1 FROM households h WHERE h.household_no = s.household_no)""")
        ),
        "household_no",
        _("unknown household"),
        _("load the households file first, or correct the household number"),
    )
    rejected += _rejects(
        conn.execute(
            sa.text(f"""
        SELECT row_no, team AS value FROM stage_events s
        WHERE team IS NOT NULL AND {_NOT_REPORTED.format(col="team_id")}
          AND NOT EXISTS (SELECT 1 FROM service_teams t WHERE t.ext_id = s.team)""")
        ),
        "team_id",
        _("unknown service team"),
        _("load the teams file first, or correct the team id"),
    )
    # a map- key is the map's (gis.rules.MAP_EVENT_PREFIX): a file may name one only to
    # correct that event (in its household's county), never make one of its own
    rejected += _rejects(
        conn.execute(
            sa.text(f"""
        SELECT s.row_no, s.ext_id AS value FROM stage_events s
        WHERE s.ext_id ~ :key
          AND {_NOT_REPORTED.format(col="event_id")}
          AND NOT EXISTS (SELECT 1 FROM events e
                          JOIN households h ON h.county_code = e.county_code
                          WHERE e.ext_id = s.ext_id AND h.household_no = s.household_no)"""),
            {"key": rules.MAP_EVENT_KEY},
        ),
        "event_id",
        _("no event recorded on the map has this event_id"),
        _(
            "event ids starting with {prefix} are those of events recorded on the map; "
            "give a new event another id",
            prefix=rules.MAP_EVENT_PREFIX,
        ),
    )
    # as the web API: the person named must be a member of the event's household
    rejected += _rejects(
        conn.execute(
            sa.text(f"""
        SELECT s.row_no, s.id_number AS value, s.household_no FROM stage_events s
        JOIN households h ON h.household_no = s.household_no
        WHERE s.id_number IS NOT NULL AND {_NOT_REPORTED.format(col="id_number")}
          AND NOT EXISTS (SELECT 1 FROM persons p
                          WHERE p.household_id = h.id AND p.county_code = h.county_code
                            AND p.id_number = s.id_number)""")
        ),
        "id_number",
        lambda m: _("not a member of household {household}", household=m["household_no"]),
        _("use the ID number of a member of that household, or leave it empty"),
    )
    return rejected


def upsert_events(conn, loaded_by: str | None) -> tuple[int, int, list[tuple]]:
    """Check the staged events (see :func:`_event_rejects`), drop every rejected row,
    write the rest → (inserted, updated, rejections)."""
    rejected = _event_rejects(conn)
    conn.execute(
        sa.text("DELETE FROM stage_events WHERE bad_cols IS NOT NULL OR row_no = ANY(:rows)"),
        {"rows": sorted({r[0] for r in rejected})},
    )
    # (the person's county is the household's: a lookup probes that partition only)
    with trusted_keys(conn), indexes_after(conn, "events") as idx:
        ins, upd = _counts(
            conn,
            """
            INSERT INTO events AS ev (ext_id, county_code, admin_path, household_id,
                                      person_id, team_id, kind, event_date, note, recorded_by)
            SELECT s.ext_id, h.county_code, h.admin_path, h.id, p.id, t.id, s.kind,
                   s.event_date, s.note, :u
            FROM stage_events s
            JOIN households h ON h.household_no = s.household_no
            LEFT JOIN persons p ON p.id_number = s.id_number AND p.household_id = h.id
                                AND p.county_code = h.county_code
            LEFT JOIN service_teams t ON t.ext_id = s.team
            ON CONFLICT (ext_id, county_code) DO UPDATE SET household_id = EXCLUDED.household_id,
                admin_path = EXCLUDED.admin_path, person_id = EXCLUDED.person_id, team_id = EXCLUDED.team_id,
                kind = EXCLUDED.kind, event_date = EXCLUDED.event_date, note = EXCLUDED.note
            WHERE (ev.household_id, ev.person_id, ev.team_id, ev.kind, ev.event_date, ev.note)
                  IS DISTINCT FROM (EXCLUDED.household_id, EXCLUDED.person_id,
                  EXCLUDED.team_id, EXCLUDED.kind, EXCLUDED.event_date, EXCLUDED.note)
            RETURNING ev.ext_id, ev.county_code""",
            {"u": loaded_by},
            empty=idx.empty,
            keys=("events", "ext_id, county_code"),
        )
    return ins, upd, rejected
