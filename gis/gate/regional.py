"""Figures per county or per township for the map of a province or city user (and any
user who looks at counties or townships): households, persons, migrants and
distribution points of each area, with its outline simplified for the zoom it is
shown at. Aggregates only, restricted to the scope; roles without people access get
every count through the disclosure rule (:mod:`gis.disclosure`).

The counts come from ``area_counts`` (per township and county, with the sums of the
records' keys that the disclosure rule needs), a few thousand rows for a province
instead of every person of it: a county's rows are counted again (set-based, one
statement, pruned to its partitions) after a province load
(:func:`gis.regions.ensure_regions`) and, as a view asks for them, when they are older
than ``POPGIS_AREA_COUNTS_TTL`` seconds (default 600; a few counties per view, the
oldest first).
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from gis import disclosure, settings
from gis.errors import InvalidInput
from gis.gate import Scope, enter, widened
from gis.messages import _, clip
from gis.scope import not_in_jurisdiction

#: length of an area's path at each level (a county's path is its 6-digit code)
PATH_LEN = {"county": 6, "township": 9}
#: outline simplification (degrees) per level: about 300 m for a province of counties,
#: about 50 m for the townships of one county
SIMPLIFY = {"county": 0.003, "township": 0.0005}


def _within_path(conn, scope: Scope, within: str | None) -> str:
    """The path under which the areas are counted: the scope's own, or that of area
    ``within`` inside it (an area outside the scope is missing, as elsewhere)."""
    if not within:
        return scope.path
    path = conn.execute(
        sa.text("SELECT path FROM admin_area WHERE code = :c AND starts_with(path, :p)"),
        {"c": within, "p": scope.path},
    ).scalar()
    if path is None:
        raise not_in_jurisdiction(conn, scope, within, param="within")
    return path


def _level_above(conn, level: str, path: str) -> InvalidInput:
    """The refusal of a ``level`` coarser than the area summed in (a village user's
    counties, a township's county): no such area lies inside it, and an empty answer
    read as "no figures" (session 25)."""
    code, name = conn.execute(
        sa.text("SELECT code, coalesce(short_name, name) FROM admin_area WHERE path = :p"),
        {"p": path},
    ).one()
    if len(path) <= PATH_LEN["township"]:
        return InvalidInput(
            _(
                "level={level} is above the area summed in, {name} ({code}): ask for "
                "level=township",
                level=level,
                name=name,
                code=code,
            )
        )
    return InvalidInput(
        _(
            "level={level}: {name} ({code}) is smaller than a township, and these figures "
            "are of counties and townships; villages and grids have theirs at "
            "/api/density/choropleth?level=village (or level=grid)",
            level=level,
            name=name,
            code=code,
        )
    )


def refresh_counts(conn, counties: list[str]) -> int:
    """Count again the households, persons and migrants of ``counties`` (6-digit
    codes) per township (the county itself for records placed at no township) into
    ``area_counts``; returns the rows written. Set-based: one statement per table."""
    if not counties:
        return 0
    params = {"c": list(counties)}
    conn.execute(sa.text("DELETE FROM area_counts WHERE county_code = ANY (:c)"), params)
    return conn.execute(
        sa.text("""
        INSERT INTO area_counts (county_code, path, households, hkey, persons, pkey,
                                 migrants, mkey)
        SELECT coalesce(pp.county_code, hh.county_code), coalesce(pp.path, hh.path),
               coalesce(hh.households, 0), coalesce(hh.hkey, 0), coalesce(pp.persons, 0),
               coalesce(pp.pkey, 0), coalesce(pp.migrants, 0), coalesce(pp.mkey, 0)
        FROM (SELECT county_code, left(admin_path, 9) AS path, count(*) AS persons,
                     count(*) FILTER (WHERE is_migrant) AS migrants,
                     sum(rkey) AS pkey, coalesce(sum(rkey) FILTER (WHERE is_migrant), 0) AS mkey
              FROM persons WHERE county_code = ANY (:c) GROUP BY 1, 2) pp
        FULL JOIN (SELECT county_code, left(admin_path, 9) AS path, count(*) AS households,
                          sum(rkey) AS hkey
                   FROM households WHERE county_code = ANY (:c) GROUP BY 1, 2) hh
          ON hh.county_code = pp.county_code AND hh.path = pp.path"""),
        params,
    ).rowcount


#: at most this many expired counties are counted again by one view (the oldest first; the
#: others are shown as last counted and follow on the next views), so that a province's
#: view never waits for all its counties at once; missing counts are always counted
REFRESH_PER_VIEW = 8


def _refresh_stale(conn, scope: Scope, path: str) -> None:
    """Count again the counties under ``path`` whose counts are missing, and up to
    :data:`REFRESH_PER_VIEW` of those older than ``POPGIS_AREA_COUNTS_TTL`` seconds. A
    user inside one county (township, village) has it counted whole (the scope widened
    to the county for the count, as the export tables do): counts kept for the county
    must not be those of the user's part."""
    ttl = float(settings.get("POPGIS_AREA_COUNTS_TTL") or 600)
    rows = conn.execute(
        sa.text("""
        SELECT a.county_code, max(c.computed_at) IS NULL AS missing
        FROM admin_area a LEFT JOIN area_counts c ON c.county_code = a.county_code
        WHERE a.level = 'county' AND starts_with(a.path, left(:p, 6))
        GROUP BY 1
        HAVING max(c.computed_at) IS NULL
            OR max(c.computed_at) <= now() - make_interval(secs => :ttl)
        ORDER BY max(c.computed_at) NULLS FIRST"""),
        {"p": path, "ttl": ttl},
    ).all()
    stale = [c for c, missing in rows if missing]
    stale += [c for c, missing in rows if not missing][:REFRESH_PER_VIEW]
    if not stale:
        return
    if len(scope.path) <= 6:
        refresh_counts(conn, stale)
        return
    county = scope.path[:6]
    with widened(conn, replace(scope, area_code=county.ljust(12, "0"), path=county)):
        refresh_counts(conn, [county])


def area_figures(conn, scope: Scope, level: str, within: str | None = None) -> str:
    """GeoJSON (text) of the counties or townships in ``scope`` (or inside area
    ``within`` of it), each with properties ``code, name, level, parent_code,
    households, persons, migrants, distribution_points, label`` ([lon, lat] inside the
    area). Counts are exact for people roles and protected otherwise (withheld below k,
    cell-key noise; an area with fewer than k persons withheld whole)."""
    if level not in PATH_LEN:
        raise InvalidInput(
            _("unknown level {level!r}; expected county or township", level=clip(level))
        )
    enter(conn, scope)
    path = _within_path(conn, scope, within)
    n = PATH_LEN[level]
    if len(path) > n:
        raise _level_above(conn, level, path)
    # inside one county: the county code too, so that the query prunes to its partitions
    county = "county_code = :county" if len(path) >= 6 else "true"
    if scope.can_read_people:
        published = "SELECT * FROM exact"
    else:
        k = disclosure.threshold()
        persons = disclosure.protect_sql("persons", "pkey", k)
        migrants = disclosure.protect_sql("migrants", "mkey", k)
        households = disclosure.protect_sql("households", "hkey", k)
        # the published migrants capped at the published persons, as in the tiles
        published = (
            f"SELECT path, households, persons, {disclosure.AT_MOST_PERSONS} AS migrants FROM ("
            f"SELECT path, CASE WHEN persons >= {k} THEN {households} END AS households, "
            f"CASE WHEN persons >= {k} THEN {persons} END AS persons, "
            f"CASE WHEN persons >= {k} THEN {migrants} END AS migrants FROM exact) noised"
        )
    _refresh_stale(conn, scope, path)
    sql = f"""
    WITH exact AS (
        SELECT left(path, {n}) AS path, sum(households) AS households, sum(hkey) AS hkey,
               sum(persons) AS persons, sum(pkey) AS pkey, sum(migrants) AS migrants,
               sum(mkey) AS mkey
        FROM area_counts WHERE path LIKE :like AND {county} GROUP BY 1),
    counts AS ({published}),
    sp AS (
        SELECT left(admin_path, {n}) AS path, count(*) AS points
        FROM service_points
        WHERE admin_path LIKE :like AND kind = 'distribution_point' AND active
        GROUP BY 1)
    SELECT json_build_object('type', 'FeatureCollection', 'features',
           coalesce(json_agg(json_build_object('type', 'Feature',
               'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, :tol), 5)::json,
               'properties', json_build_object(
                   'code', a.code, 'name', coalesce(a.short_name, a.name),
                   'level', a.level, 'parent_code', a.parent_code,
                   'households', CASE WHEN c.path IS NULL THEN 0 ELSE c.households END,
                   'persons', CASE WHEN c.path IS NULL THEN 0 ELSE c.persons END,
                   'migrants', CASE WHEN c.path IS NULL THEN 0 ELSE c.migrants END,
                   'distribution_points', coalesce(sp.points, 0),
                   'label', json_build_array(round(ST_X(ST_PointOnSurface(a.geom))::numeric, 5),
                                             round(ST_Y(ST_PointOnSurface(a.geom))::numeric, 5))))
               ORDER BY a.code), '[]'::json))::text
    FROM admin_area a
    LEFT JOIN counts c ON c.path = a.path
    LEFT JOIN sp ON sp.path = a.path
    WHERE a.level = :level AND starts_with(a.path, :p)"""
    return conn.execute(
        sa.text(sql),
        {"p": path, "like": path + "%", "county": path[:6], "level": level, "tol": SIMPLIFY[level]},
    ).scalar()
