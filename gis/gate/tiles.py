"""Vector tiles of personal data, restricted to a scope: households (points at street
zooms, counts per cell below) and migrant density (hexagon cells, aggregates only).

Filters (all optional) follow the map's classification (分类明晰) and as-of date
(动静结合): population (residents, migrants), women aged 15–49, certificates missing or
expiring within 30 days, not visited for N days, geocode level, and an as-of date at
which moves and visits are counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from gis import audit, disclosure, rules
from gis.gate import Scope, enter, in_county, require_people
from gis.tiles import BUFFER, EXTENT, check_tile, datum_shift

#: the households of the scope's county only, as the planner sees it (gis.scope.in_county)
IN_COUNTY = in_county("h.county_code")

STREET_ZOOM = 15
GEOCODE_LEVELS = (
    "building",
    "compound",
    "group",
    "village",
    "township",
    "county",
    "unmatched",
    "none",
)


@dataclass(frozen=True)
class Filters:
    """What the map shows. Frozen so it can be part of a cache key."""

    population: str | None = None  # 'residents' | 'migrants'
    women15_49: bool = False
    certificates: str | None = None  # 'missing' | 'expiring'
    not_visited_days: int | None = None
    level: str | None = None  # a geocode level, or 'none'
    as_of: dt.date | None = None

    def sql(self) -> tuple[str, dict]:
        """SQL conditions on households `h` and their parameters."""
        conds: list[str] = []
        params: dict[str, object] = {}
        as_of = self.as_of or rules.today()  # China's today, as every default as-of
        params["as_of"] = as_of
        person = []
        if self.population == "migrants":
            person.append("p.is_migrant")
        elif self.population == "residents":
            person.append("NOT p.is_migrant")
        if self.women15_49:
            person.append(
                "p.sex = 'F' AND p.birth_date > CAST(:as_of AS date) - interval '50 years'"
                " AND p.birth_date <= CAST(:as_of AS date) - interval '15 years'"
            )
        if self.certificates == "missing":
            person.append(
                "'missing' IN (p.cert_marriage, p.cert_id, p.cert_residence, "
                "p.cert_migrant) OR 'expired' IN (p.cert_marriage, p.cert_id, "
                "p.cert_residence, p.cert_migrant)"
            )
        elif self.certificates == "expiring":
            person.append(
                "least(p.cert_marriage_expiry, p.cert_id_expiry, "
                "p.cert_residence_expiry, p.cert_migrant_expiry) BETWEEN "
                "CAST(:as_of AS date) AND CAST(:as_of AS date) + 30"
            )
        if person:
            conds.append(
                "EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id AND "
                + " AND ".join(f"({c})" for c in person)
                + ")"
            )
        if self.not_visited_days is not None:
            params["nv"] = int(self.not_visited_days)
            conds.append(
                "NOT EXISTS (SELECT 1 FROM events e WHERE e.household_id = h.id "
                "AND e.kind IN ('visit', 'follow_up', 'distribution') "
                "AND e.event_date <= CAST(:as_of AS date) "
                "AND e.event_date > CAST(:as_of AS date) - :nv)"
            )
        if self.level == "none":
            conds.append("h.geocode_level IS NULL")
        elif self.level:
            params["lvl"] = self.level
            conds.append("h.geocode_level = :lvl")
        if self.as_of is not None:
            # The last move up to the date decides; a household whose first move is an
            # arrival after the date was not here yet.
            conds.append("""coalesce((SELECT e.kind FROM events e WHERE e.household_id = h.id
                              AND e.kind IN ('move_in', 'move_out')
                              AND e.event_date <= CAST(:as_of AS date)
                              ORDER BY e.event_date DESC, e.id DESC LIMIT 1),
                             CASE WHEN EXISTS (SELECT 1 FROM events e
                                  WHERE e.household_id = h.id AND e.kind = 'move_in'
                                  AND e.event_date > CAST(:as_of AS date))
                                  THEN 'move_out' END, 'here') <> 'move_out'""")
        return (" AND ".join(conds) or "true"), params


_ENVELOPE = """bounds AS (SELECT ST_Translate(ST_TileEnvelope(:z, :x, :y), :sx, :sy) AS g3857,
                          ST_Transform(ST_Translate(ST_TileEnvelope(:z, :x, :y), :sx, :sy),
                                       4326) AS g)"""


def households_tile(
    conn, scope: Scope, z: int, x: int, y: int, filters: Filters = Filters(), datum: str = "wgs84"
) -> bytes:
    """Households of the scope in one tile (see :func:`households_tile_counted`)."""
    return households_tile_counted(conn, scope, z, x, y, filters, datum)[0]


def households_tile_counted(
    conn,
    scope: Scope,
    z: int,
    x: int,
    y: int,
    filters: Filters = Filters(),
    datum: str = "wgs84",
    *,
    audit: bool = True,
) -> tuple[bytes, int]:
    """Households of the scope in one tile, and how many households it carries.

    From zoom 15 each household is a point (id, building, geocode level, persons,
    migrants, manual flag); below, households are counted per cell of 1/32 tile so the
    browser never receives every household of a county. People roles only. The read is
    written to the access log in the same statement (the tile and its household count);
    ``audit=False`` exists for the benchmark that measures what the log costs.
    """
    require_people(scope)
    check_tile(z, x, y)
    enter(conn, scope, reading=True)
    where, params = filters.sql()
    sx, sy = datum_shift(z, x, y, datum)
    params.update(
        {
            "z": z,
            "x": x,
            "y": y,
            "p": scope.like,
            "county": scope.county,
            "sx": sx,
            "sy": sy,
            "tile": f"households/{z}/{x}/{y}",
        }
    )
    if z >= STREET_ZOOM:
        rows = f"""
            SELECT ST_AsMVTGeom(ST_Transform(h.geom, 3857), b.g3857, {EXTENT}, {BUFFER},
                                true) AS geom,
                   h.id, h.building_id, coalesce(h.geocode_level, 'none') AS level,
                   h.placed_manually AS manual, h.persons_count AS persons,
                   h.migrants_count AS migrants, 1 AS n
            FROM households h, bounds b
            WHERE h.geom && b.g AND h.admin_path LIKE :p AND {IN_COUNTY} AND {where}"""
    else:
        params["cell"] = 40075016.686 / 2**z / 32
        rows = f"""
            SELECT ST_AsMVTGeom(ST_Centroid(ST_Collect(c.g)), b.g3857, {EXTENT}, {BUFFER},
                                true) AS geom, count(*)::int AS households, count(*) AS n
            FROM (SELECT ST_Transform(h.geom, 3857) AS g FROM households h, bounds b
                  WHERE h.geom && b.g AND h.admin_path LIKE :p AND {IN_COUNTY}
                    AND {where}) c, bounds b
            GROUP BY b.g3857, ST_SnapToGrid(c.g, :cell)"""
    sql = f"""
        WITH {_ENVELOPE}, t AS MATERIALIZED ({rows}),
        logged AS ({_LOG_TILE if audit else _NO_LOG})
        SELECT (SELECT ST_AsMVT(t, 'households', {EXTENT}, 'geom') FROM
                    (SELECT geom, {_TILE_COLUMNS[z >= STREET_ZOOM]} FROM t) t),
               coalesce((SELECT sum(households) FROM logged), 0)"""
    data, n = conn.execute(sa.text(sql), params).one()
    return bytes(data or b""), int(n)


_LOG_TILE = """
            INSERT INTO access_log (action, target_kind, target_id, households)
            SELECT 'household_tile', 'tile', :tile, sum(n) FROM t HAVING sum(n) > 0
            RETURNING households"""
_NO_LOG = "SELECT sum(n) AS households FROM t"
_TILE_COLUMNS = {True: "id, building_id, level, manual, persons, migrants", False: "households"}


def log_tile_read(conn, scope: Scope, z: int, x: int, y: int, households: int) -> None:
    """Log a household tile served from the cache (the read happened all the same)."""
    if households:
        enter(conn, scope, reading=True)
        audit.record(
            conn,
            scope,
            "household_tile",
            kind="tile",
            target=f"households/{z}/{x}/{y}",
            households=households,
        )


def density_tile(
    conn, scope: Scope, z: int, x: int, y: int, filters: Filters = Filters(), datum: str = "wgs84"
) -> bytes:
    """Migrant density: residents (persons), migrants and migrants per km² per cell.

    People roles get hexagons about 1/16 tile wide. Roles without people access get the
    disclosure rule (:mod:`gis.disclosure`): square cells on a fixed grid at least
    ``MIN_CELL_M`` wide aligned with the tile pyramid (a cell is always counted whole),
    protected counts, nothing above ``MAX_ZOOM``.
    """
    check_tile(z, x, y)
    if not scope.can_read_people:
        return _protected_density_tile(conn, scope, z, x, y, filters, datum)
    enter(conn, scope, reading=True)
    where, params = filters.sql()
    sx, sy = datum_shift(z, x, y, datum)
    params.update(
        {
            "z": z,
            "x": x,
            "y": y,
            "p": scope.like,
            "county": scope.county,
            "sx": sx,
            "sy": sy,
            "size": 40075016.686 / 2**z / 16,
        }
    )
    sql = f"""
    WITH {_ENVELOPE},
    hex AS (SELECT hx.geom FROM bounds b, ST_HexagonGrid(:size, b.g3857) hx),
    pts AS (SELECT ST_Transform(h.geom, 3857) AS g,
                   h.persons_count AS persons, h.migrants_count AS migrants
            FROM households h, bounds b
            WHERE h.geom && b.g AND h.admin_path LIKE :p AND {IN_COUNTY} AND {where})
    SELECT ST_AsMVT(t, 'migrant_density', {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(hex.geom, b.g3857, {EXTENT}, 0, true) AS geom,
               sum(pts.persons)::int AS persons, sum(pts.migrants)::int AS migrants,
               round((sum(pts.migrants) / (ST_Area(hex.geom)
                      * cos(radians(ST_Y(ST_Transform(ST_Centroid(hex.geom), 4326)))) ^ 2
                      / 1e6))::numeric, 1)::float AS migrants_per_km2
        FROM hex JOIN pts ON ST_Intersects(hex.geom, pts.g), bounds b
        GROUP BY hex.geom, b.g3857) t"""
    return bytes(conn.execute(sa.text(sql), params).scalar() or b"")


def _protected_density_tile(
    conn, scope: Scope, z: int, x: int, y: int, filters: Filters, datum: str
) -> bytes:
    if z > disclosure.MAX_ZOOM:
        return b""
    enter(conn, scope, reading=True)
    where, params = filters.sql()
    sx, sy = datum_shift(z, x, y, datum)
    cell = disclosure.cell_size_m(z)
    params.update(
        {
            "z": z,
            "x": x,
            "y": y,
            "p": scope.like,
            "county": scope.county,
            "sx": sx,
            "sy": sy,
            "cell": cell,
            "o": disclosure.ORIGIN_M,
        }
    )
    k = disclosure.threshold()
    persons = disclosure.protect_sql("sum(c.persons)", "sum(c.pkey)", k)
    migrants = disclosure.protect_sql("sum(c.migrants)", "sum(c.mkey)", k)
    # Households are taken from the tile grown by one cell, so that every cell touching
    # the tile is counted whole (the same count whichever tile draws it).
    sql = f"""
    WITH {_ENVELOPE},
    c AS (
        SELECT floor((ST_X(g) - :o) / :cell)::bigint AS ix,
               floor((ST_Y(g) - :o) / :cell)::bigint AS iy, persons, pkey, migrants, mkey
        FROM (SELECT ST_Transform(h.geom, 3857) AS g, s.*
              FROM households h, bounds b,
                   LATERAL (SELECT count(*) AS persons, coalesce(sum(p.rkey), 0) AS pkey,
                                   count(*) FILTER (WHERE p.is_migrant) AS migrants,
                                   coalesce(sum(p.rkey) FILTER (WHERE p.is_migrant), 0)
                                       AS mkey
                            FROM persons p WHERE p.household_id = h.id) s
              WHERE h.geom && ST_Transform(ST_Expand(b.g3857, :cell), 4326)
                AND h.admin_path LIKE :p AND {IN_COUNTY} AND {where}) x),
    noised AS (
        SELECT ix, iy, {persons} AS persons, {migrants} AS migrants FROM c GROUP BY ix, iy),
    cells AS (
        SELECT ix, iy, persons, {disclosure.AT_MOST_PERSONS} AS migrants FROM noised)
    SELECT ST_AsMVT(t, 'migrant_density', {EXTENT}, 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_MakeEnvelope(:o + ix * :cell, :o + iy * :cell,
                                            :o + (ix + 1) * :cell, :o + (iy + 1) * :cell,
                                            3857), b.g3857, {EXTENT}, 0, true) AS geom,
               persons, migrants,
               round((migrants / (:cell * :cell * cos(radians(ST_Y(ST_Transform(
                   ST_SetSRID(ST_MakePoint(:o + (ix + 0.5) * :cell, :o + (iy + 0.5) * :cell),
                              3857), 4326)))) ^ 2 / 1e6))::numeric, 1)::float
                   AS migrants_per_km2
        FROM cells, bounds b WHERE persons IS NOT NULL AND persons > 0) t
    WHERE t.geom IS NOT NULL"""
    return bytes(conn.execute(sa.text(sql), params).scalar() or b"")
