"""The access log: every read of personal data, every export, append-only.

Who (user and role, from the gate's per-transaction settings), what (an action, the
household ids read, or a tile and how many households it carried), when and from which
address. The web app's database role may INSERT and SELECT ``access_log`` but never
UPDATE or DELETE it. Auditors read it through :func:`entries` and :func:`unusual`.
"""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa

from gis.errors import InvalidInput
from gis.messages import _
from gis.rules import in_china
from gis.scope import enter, find_household_ids

# Reads of personal data (as opposed to exports and writes).
READ_ACTIONS = (
    "view_household",
    "search",
    "view_building",
    "household_tile",
    "review_items",
    "view_placements",
)


def console(by: str) -> SimpleNamespace:
    """The author of an entry written from the command line (``cli:<login>``, see
    ``cli.common``): no role, no address, for :func:`record`."""
    return SimpleNamespace(user=by, role=None, address=None)


def record(
    conn,
    scope,
    action: str,
    *,
    kind: str | None = None,
    target=None,
    household_ids=None,
    households: int | None = None,
    detail: dict | None = None,
) -> None:
    """Append one entry for ``scope``'s user (role and address come with the scope)."""
    ids = None if household_ids is None else [int(i) for i in household_ids]
    conn.execute(
        sa.text("""
        INSERT INTO access_log (user_name, role, client_addr, action, target_kind,
                                target_id, household_ids, households, detail)
        VALUES (:u, :r, :a, :action, :k, :t, :ids, :n, CAST(:d AS jsonb))"""),
        {
            "u": scope.user,
            "r": scope.role,
            "a": scope.address,
            "action": action,
            "k": kind,
            "t": None if target is None else str(target),
            "ids": ids,
            "n": households if households is not None else (len(ids) if ids else None),
            "d": json.dumps(detail or {}, ensure_ascii=False, default=str),
        },
    )


#: detail keys no reader of the log is shown: a household's place (entries written
#: before placements stopped logging it; the place is in placement_history)
PLACE_KEYS = ("lon", "lat")


def entries(
    conn,
    *,
    scope=None,
    user: str | None = None,
    household: str | None = None,
    since: datetime | None = None,
    limit: int = 1000,
) -> list[dict]:
    """Log entries, newest first. ``scope`` (an auditor's): only entries of users whose
    area lies in it (none: all, for the console). ``since``: from this time on, China
    time when it has no zone. ``household``: a household number or
    id whose reads to list. ``target_name``: the name of the area an entry's target
    (an export's area) is, else None."""
    conds = ["true"]
    params: dict[str, object] = {"limit": min(int(limit), 100000)}
    if scope is not None:
        enter(conn, scope)
        # an auditor sees the users of the jurisdiction; a county's auditor also the
        # names that belong to no account (failed logins of guessed names)
        conds.append("(u.area_path LIKE :w OR (u.name IS NULL AND :county))")
        params.update({"w": scope.path + "%", "county": scope.level == "county"})
    if user:
        conds.append("l.user_name = :user")
        params["user"] = user
    if since:
        conds.append("l.at >= :since")
        # a day a person gave is a day in the counties (from 00:00 China time, which is
        # 16:00 UTC the day before), not the server's UTC day
        params["since"] = in_china(since)
    if household:
        ids = find_household_ids(conn, household)
        if not ids:
            # "nobody read it" would be a false all-clear for a mistyped number
            raise InvalidInput(
                _(
                    "household={show} is no household number or id in your jurisdiction; "
                    "give a household number (户号) or id",
                    show=repr(household)[:60],
                )
            )
        conds.append("l.household_ids && CAST(:hids AS bigint[])")
        params["hids"] = ids
    rows = conn.execute(
        sa.text(f"""
        SELECT l.id, l.at, l.user_name, l.role, l.client_addr, l.action, l.target_kind,
               l.target_id, t.name AS target_name, l.households, l.household_ids,
               l.detail - ARRAY[{", ".join(repr(k) for k in PLACE_KEYS)}] AS detail
        FROM access_log l
        LEFT JOIN (SELECT u.name, a.path AS area_path FROM app_users u
                   JOIN admin_area a ON a.code = u.area_code) u ON u.name = l.user_name
        -- exports (and other area targets) are named, not only coded
        LEFT JOIN admin_area t ON t.code = l.target_id
        WHERE {" AND ".join(conds)}
        ORDER BY l.at DESC, l.id DESC LIMIT :limit"""),
        params,
    )
    return [dict(r._mapping) for r in rows]


def unusual(
    conn, *, scope=None, days: int = 30, factor: float = 5.0, minimum: int = 50
) -> list[dict]:
    """Accounts whose reads of personal data in one hour of the last day are far above
    their own usual level: more than ``factor`` times their median hourly reads over the
    ``days`` before (hours with any reads), and at least ``minimum`` households. An
    account with fewer than 5 such hours of history is listed only from ten times
    ``minimum`` households in an hour."""
    within = scope.path if scope is not None else ""
    params = {
        "days": int(days),
        "factor": float(factor),
        "minimum": int(minimum),
        "actions": list(READ_ACTIONS),
        "w": within + "%",
        "baseline": 5,
    }
    rows = conn.execute(
        sa.text("""
        WITH hourly AS (
            SELECT user_name, date_trunc('hour', at) AS hour,
                   sum(coalesce(households, cardinality(household_ids), 1)) AS reads
            FROM access_log
            WHERE action = ANY(:actions) AND at > now() - make_interval(days => :days + 1)
            GROUP BY 1, 2),
        usual AS (
            SELECT user_name, percentile_cont(0.5) WITHIN GROUP (ORDER BY reads) AS median,
                   count(*) AS hours
            FROM hourly WHERE hour < date_trunc('hour', now()) - interval '24 hours'
            GROUP BY 1)
        SELECT h.user_name, u.role, h.hour, h.reads::int AS reads,
               coalesce(s.median, 0)::float AS usual_per_hour,
               coalesce(s.hours, 0)::int AS baseline_hours
        FROM hourly h
        JOIN (SELECT x.name, x.role, a.path FROM app_users x
              JOIN admin_area a ON a.code = x.area_code) u ON u.name = h.user_name
        LEFT JOIN usual s ON s.user_name = h.user_name
        WHERE h.hour >= date_trunc('hour', now()) - interval '24 hours'
          AND u.path LIKE :w AND h.reads >= :minimum
          AND CASE WHEN coalesce(s.hours, 0) >= :baseline
                   THEN h.reads > :factor * s.median
                   -- no usual level yet: only a volume no one reads by hand
                   ELSE h.reads >= :minimum * 10 END
        ORDER BY h.reads DESC"""),
        params,
    )
    return [dict(r._mapping) for r in rows]
