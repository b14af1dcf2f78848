"""Finding households within a scope: by household number, person name, address
fragment, or the last 4 digits of an ID or phone number; and the households of a
building. Results are ranked and never leave the scope."""

from __future__ import annotations

import re

import sqlalchemy as sa

from gis import audit
from gis.errors import NotFound
from gis.gate import Scope, enter, in_county, mask_id_number, mask_phone

LIMIT = 20
#: rows taken from each kind of match before ranking (bounds a county-wide prefix)
ARM_LIMIT = 200

#: the scope's county as the planner sees it (gis.scope.in_county): the partitions of
#: that county only are planned
IN_COUNTY = in_county("h.county_code")
#: the persons' side too: the planner does not prune persons by the join's equality.
#: In the join's ON, not the WHERE: an arm switched off (``:last4`` false) folds its WHERE
#: to false, and with it these conditions, and then plans every county's partitions.
IN_COUNTY_P = in_county("p.county_code")

_SQL = f"""
WITH hits AS (
    -- household number: exact 100, prefix 90 (the first :arm in number order: an
    -- exact match sorts first, and a short prefix must not collect the whole county)
    (SELECT h.id, CASE WHEN h.household_no = :q THEN 100 ELSE 90 END AS score,
            'household_no' AS what, h.household_no AS matched
     FROM households h
     WHERE h.admin_path LIKE :p
       AND {IN_COUNTY} AND h.household_no COLLATE "C" LIKE :prefix
     ORDER BY h.household_no COLLATE "C" LIMIT :arm)
    UNION ALL
    -- person name: exact 80, prefix 60 (exact names sort first)
    (SELECT p.household_id, CASE WHEN p.name = :q THEN 80 ELSE 60 END, 'name', p.name
     FROM persons p JOIN households h ON h.id = p.household_id AND h.county_code = p.county_code
       AND {IN_COUNTY} AND {IN_COUNTY_P}
     WHERE h.admin_path LIKE :p AND p.name COLLATE "C" LIKE :prefix AND length(:q) >= 1
     ORDER BY p.name COLLATE "C" LIMIT :arm)
    UNION ALL
    -- last four digits of an ID or phone number
    SELECT p.household_id, 70, 'id_number', p.id_number
    FROM persons p JOIN households h ON h.id = p.household_id AND h.county_code = p.county_code
      AND {IN_COUNTY} AND {IN_COUNTY_P}
    WHERE :last4 AND h.admin_path LIKE :p AND right(p.id_number, 4) = upper(:q)
    UNION ALL
    SELECT p.household_id, 70, 'phone', p.phone
    FROM persons p JOIN households h ON h.id = p.household_id AND h.county_code = p.county_code
      AND {IN_COUNTY} AND {IN_COUNTY_P}
    WHERE :last4 AND h.admin_path LIKE :p AND right(p.phone, 4) = :q
    UNION ALL
    -- an address fragment of 3 characters or more (the trigram index needs 3); the
    -- first :arm found (a town's name matches tens of thousands); a shorter one takes
    -- none by its LIMIT, not by its WHERE (a WHERE folded to false would lose the county
    -- condition and plan every county's partitions)
    (SELECT h.id, 50, 'address', h.address
     FROM households h
     WHERE h.admin_path LIKE :p AND {IN_COUNTY} AND h.address LIKE :contains
     LIMIT CASE WHEN length(:q) >= 3 THEN :arm ELSE 0 END)
),
found AS (
SELECT h.id, h.household_no, h.address, h.building_id, h.village_code,
       v.name AS village_name, ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
       best.score, best.what, best.matched
FROM (SELECT DISTINCT ON (id) id, score, what, matched FROM hits
      ORDER BY id, score DESC) best
JOIN households h ON h.id = best.id AND {IN_COUNTY}
LEFT JOIN admin_area v ON v.code = h.village_code
ORDER BY best.score DESC, h.household_no
LIMIT :limit)"""
_LOGGED = """,
logged AS (
    INSERT INTO access_log (action, target_kind, target_id, household_ids, households)
    SELECT 'search', 'search', :qlog, array_agg(id), count(*) FROM found
    HAVING count(*) > 0)"""
_RESULT = """
SELECT * FROM found ORDER BY score DESC, household_no"""


def _escape_like(text: str) -> str:
    """Escape LIKE wildcards so that a search for '50%' means the characters."""
    return re.sub(r"([\\%_])", r"\\\1", text)


def search_text_for_log(q: str) -> str:
    """What the access log keeps of a search: its first character and its length.

    Staff search by a person's name or the last digits of an ID or phone number; the
    log is read by auditors, who see which households each search returned (their ids)
    but never the name or digits typed."""
    q = q[:100]
    return q[:1] + "*" * (len(q) - 1)


def search(conn, scope: Scope, q: str, limit: int = LIMIT, *, audit_log: bool = True) -> list[dict]:
    """Ranked households of the scope matching ``q``; identifiers in results masked.
    The households found are written to the access log (``audit_log=False`` only for
    the benchmark that measures what the log costs)."""
    enter(conn, scope, reading=True)
    q = (q or "").strip()
    if not q:
        return []
    esc = _escape_like(q)
    # the households found are logged by the same statement (one round trip)
    sql = _SQL + (_LOGGED if audit_log else "") + _RESULT
    rows = conn.execute(
        sa.text(sql),
        {
            "q": q,
            "p": scope.like,
            "county": scope.county,
            "prefix": esc + "%",
            "contains": "%" + esc + "%",
            "last4": bool(re.fullmatch(r"\d{3}[\dXx]", q)),
            "limit": min(int(limit), 100),
            "arm": ARM_LIMIT,
            "qlog": search_text_for_log(q),
        },
    )
    out = []
    for r in rows:
        d = dict(r._mapping)
        if d["what"] == "id_number":
            d["matched"] = mask_id_number(d["matched"])
        elif d["what"] == "phone":
            d["matched"] = mask_phone(d["matched"])
        out.append(d)
    return out


def building_households(conn, scope: Scope, building_id: int) -> dict:
    """A building with its households in scope (number, address, persons, migrants).

    Raises NotFound when the building has no household in scope and the scope does not
    contain the building, so another jurisdiction's building reveals nothing.
    """
    enter(conn, scope, reading=True)
    b = conn.execute(
        sa.text(
            """
        SELECT id, compound, building_no, address, floors, use, village_code, admin_path,
               ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
        FROM buildings WHERE id = :b AND admin_path LIKE :p AND """
            + in_county("county_code")
        ),
        {"b": building_id, "p": scope.like, "county": scope.county},
    ).one_or_none()
    if b is None:
        raise NotFound("building")
    households = [
        dict(r._mapping)
        for r in conn.execute(
            sa.text(f"""
        SELECT h.id, h.household_no, h.address, h.geocode_level, h.placed_manually,
               h.persons_count AS persons, h.migrants_count AS migrants
        FROM households h
        WHERE h.building_id = :b AND h.admin_path LIKE :p AND {IN_COUNTY}
        ORDER BY h.household_no"""),
            {"b": building_id, "p": scope.like, "county": scope.county},
        )
    ]
    audit.record(
        conn,
        scope,
        "view_building",
        kind="building",
        target=building_id,
        household_ids=[h["id"] for h in households],
    )
    return {**dict(b._mapping), "households": households}
