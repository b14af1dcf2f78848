"""Placement history of households: who placed a household by hand, when, and from
where; restoring the geocoded place; and the distance check of a manual point.

Part of the gate: every function takes the caller's :class:`~gis.gate.Scope` (or is
called by :meth:`gis.gate.Gate.place_household` after the scope check).
"""

from __future__ import annotations

import sqlalchemy as sa

from gis import audit
from gis.errors import InvalidInput, NotFound
from gis.messages import _
from gis.scope import enter

#: A manual point that names a building must lie within this many metres of it. Staff
#: click on or next to the building; 200 m allows a point on the far side of a large
#: compound or market block, and refuses a slip of the map (the 20 km case).
MAX_BUILDING_DISTANCE_M = 200.0


def check_building_distance(conn, lon: float, lat: float, building_id: int | None) -> None:
    """Refuse a manual point farther than MAX_BUILDING_DISTANCE_M from the building it
    names (metres on the spheroid). No building named: nothing to check."""
    if building_id is None:
        return
    dist = conn.execute(
        sa.text("""
        SELECT ST_Distance(geom::geography,
                           ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
        FROM buildings WHERE id = :b"""),
        {"lon": lon, "lat": lat, "b": building_id},
    ).scalar()
    if dist is None:
        raise InvalidInput(_("building {id} does not exist", id=building_id))
    if dist > MAX_BUILDING_DISTANCE_M:
        raise InvalidInput(
            _(
                "the point is {dist} m from the building; a household placed by "
                "hand must be within {limit} m of the building it names",
                dist=f"{dist:,.0f}",
                limit=f"{MAX_BUILDING_DISTANCE_M:.0f}",
            )
        )


def record(
    conn, household_id: int, user: str, action: str, lon: float, lat: float, building_id: int | None
) -> None:
    """Write one history row: the household's place *before* this change (read from the
    row as it still is) and the new point. Call before updating the household."""
    conn.execute(
        sa.text("""
        INSERT INTO placement_history (household_id, county_code, action, placed_by,
            from_geom, from_building_id, from_village_code, from_admin_path, from_level,
            from_score, from_method, from_manual, to_geom, to_building_id)
        SELECT id, county_code, :a, :u, geom, building_id, village_code, admin_path, geocode_level,
               geocode_score, geocode_method, coalesce(placed_manually, false),
               ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), CAST(:b AS bigint)
        FROM households WHERE id = :h"""),
        {"a": action, "u": user, "lon": lon, "lat": lat, "b": building_id, "h": household_id},
    )


def _geocoded_entry(conn, household_id: int):
    """The latest history row whose 'from' side is an automatic (geocoded) place."""
    return conn.execute(
        sa.text("""
        SELECT id, from_building_id, from_village_code, from_admin_path, from_level,
               from_score, from_method, from_geom
        FROM placement_history
        WHERE household_id = :h AND NOT from_manual AND action = 'manual'
        ORDER BY id DESC LIMIT 1"""),
        {"h": household_id},
    ).one_or_none()


def _not_placed_by_hand(conn, household_id: int) -> InvalidInput:
    """Why a household not placed by hand has nothing to restore: it never was (it said
    "has no geocoded place to restore", which it has: it is on it), or its manual place
    was undone already."""
    placed = conn.execute(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM placement_history WHERE household_id = :h "
            "AND action = 'manual')"
        ),
        {"h": household_id},
    ).scalar()
    if placed:
        return InvalidInput(
            _(
                "this household is on its geocoded place already (its manual place was "
                "undone): nothing to restore"
            )
        )
    return InvalidInput(
        _(
            "this household was never placed by hand: it is on its geocoded place, nothing to restore"
        )
    )


def history(conn, scope, household_id: int) -> dict:
    """A household's placement history, newest first: action, who, when, the place it
    came from (lon, lat, level, method, building); and whether the geocoded place can
    be restored. NotFound outside the scope. The read is written to the access log."""
    enter(conn, scope, reading=True)
    row = conn.execute(
        sa.text("SELECT id, placed_manually FROM households WHERE id = :h AND admin_path LIKE :p"),
        {"h": household_id, "p": scope.like},
    ).one_or_none()
    if row is None:
        raise NotFound("household")
    items = [
        dict(r._mapping)
        for r in conn.execute(
            sa.text("""
        SELECT id, action, placed_by, placed_at, ST_X(from_geom) AS from_lon,
               ST_Y(from_geom) AS from_lat, from_building_id, from_level, from_method,
               from_manual, ST_X(to_geom) AS to_lon, ST_Y(to_geom) AS to_lat, to_building_id
        FROM placement_history WHERE household_id = :h ORDER BY id DESC"""),
            {"h": household_id},
        )
    ]
    can = bool(row.placed_manually) and _geocoded_entry(conn, household_id) is not None
    audit.record(
        conn,
        scope,
        "view_placements",
        kind="household",
        target=household_id,
        household_ids=[household_id],
    )
    return {"household_id": household_id, "history": items, "can_restore": can}


def restore(conn, scope, household_id: int) -> None:
    """Put a household placed by hand back on its geocoded place (the automatic place it
    had before the first of its latest manual placements), no longer marked manual; the
    restore itself is recorded. InvalidInput when there is nothing to restore."""
    enter(conn, scope)
    row = conn.execute(
        sa.text("SELECT id, placed_manually FROM households WHERE id = :h AND admin_path LIKE :p"),
        {"h": household_id, "p": scope.like},
    ).one_or_none()
    if row is None:
        raise NotFound("household")
    if not row.placed_manually:
        raise _not_placed_by_hand(conn, household_id)
    entry = _geocoded_entry(conn, household_id)
    if entry is None:
        raise InvalidInput(_("this household has no geocoded place to restore"))
    if entry.from_admin_path and not entry.from_admin_path.startswith(scope.path):
        raise InvalidInput(_("the geocoded place is outside your jurisdiction"))
    conn.execute(
        sa.text("""
        INSERT INTO placement_history (household_id, county_code, action, placed_by,
            from_geom, from_building_id, from_village_code, from_admin_path, from_level,
            from_score, from_method, from_manual, to_geom, to_building_id)
        SELECT h.id, h.county_code, 'restore', :u, h.geom, h.building_id, h.village_code, h.admin_path,
               h.geocode_level, h.geocode_score, h.geocode_method, h.placed_manually,
               e.from_geom, e.from_building_id
        FROM households h, placement_history e WHERE h.id = :h AND e.id = :e"""),
        {"u": scope.user, "h": household_id, "e": entry.id},
    )
    conn.execute(
        sa.text("""
        UPDATE households h SET geom = e.from_geom, building_id = e.from_building_id,
               village_code = e.from_village_code,
               admin_path = coalesce(e.from_admin_path, h.admin_path),
               geocode_level = e.from_level, geocode_score = e.from_score,
               geocode_method = e.from_method, placed_manually = false, placed_by = NULL,
               placed_at = NULL, updated_at = now()
        FROM placement_history e WHERE h.id = :h AND e.id = :e"""),
        {"h": household_id, "e": entry.id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO access_log (user_name, action, target_kind, target_id, detail) "
            "VALUES (:u, 'restore_household_place', 'household', :t, '{}'::jsonb)"
        ),
        {"u": scope.user, "t": str(household_id)},
    )


def open_reviews(conn, scope) -> int:
    """How many households of the scope wait in the geocoding review queue (the queue
    page shows a page of them; this is the whole number)."""
    enter(conn, scope)
    return int(
        conn.execute(
            sa.text(
                "SELECT count(*) FROM geocode_review WHERE status = 'open' AND admin_path LIKE :like"
            ),
            {"like": scope.like},
        ).scalar()
    )


def candidate_buildings(conn, ext_ids) -> dict:
    """Database id, address, compound and number of the buildings review candidates
    name (by their public id), for labelling the candidates and for the id the location
    route takes: {ext_id: {...}}."""
    ids = sorted({str(e) for e in ext_ids if e is not None})
    if not ids:
        return {}
    rows = conn.execute(
        sa.text(
            "SELECT id, ext_id, address, compound, building_no FROM buildings "
            "WHERE ext_id = ANY(:ids)"
        ),
        {"ids": ids},
    )
    return {r.ext_id: dict(r._mapping) for r in rows}
