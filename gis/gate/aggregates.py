"""Counts of households and persons for exports: the only SQL of the export package that
reads personal tables.

Every function here is restricted to a :class:`~gis.gate.Scope` (``admin_path LIKE
scope.path || '%'``) and returns *counts*, never a row of a person or a household: per
admin path (for statistics tables) or per square cell of a metric grid (for heat maps).
Small counts are suppressed afterwards, in :mod:`gis.exports.aggregates`, before anything
leaves the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from gis.gate import Scope, enter

# Days ahead in which a valid certificate counts as "expiring" (the map's filter uses 30).
EXPIRING_DAYS = 30
# Window of distribution events that make a household "served" for coverage.
COVERAGE_DAYS = 365

# Which persons a heat layer counts; SQL on persons p with the as-of bounds bound.
MEASURES = {
    "persons": "true",
    "migrants": "p.is_migrant",
    "women15_49": "p.sex = 'F' AND p.birth_date > :w_lo AND p.birth_date <= :w_hi",
}

_CERT_ISSUE = " OR ".join(
    f"p.{c} IN ('missing', 'expired') OR (p.{c} = 'valid' AND p.{c}_expiry <= :exp)"
    for c in ("cert_marriage", "cert_id", "cert_residence", "cert_migrant")
)

COUNT_COLUMNS = ("households", "population", "migrants", "women15_49", "cert_issues", "served")


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _params(scope: Scope, as_of: date) -> dict:
    return {
        "p": scope.like,
        "w_lo": _years_before(as_of, 50),
        "w_hi": _years_before(as_of, 15),
        "exp": as_of + timedelta(days=EXPIRING_DAYS),
        "d0": as_of - timedelta(days=COVERAGE_DAYS),
        "d1": as_of,
    }


def path_counts(conn, scope: Scope, as_of: date) -> dict[str, dict[str, int]]:
    """Counts per ``admin_path`` (the grid, village or higher node a household sits at).

    Returns ``{admin_path: {households, population, migrants, women15_49, cert_issues,
    served}}`` for households in ``scope``: population = persons living there; women
    aged 15–49 on ``as_of``; cert_issues = persons with a certificate missing, expired or
    expiring within 30 days of ``as_of``; served = households with a distribution event
    in the 365 days up to ``as_of``. Counts only; never a household or person row.
    """
    enter(conn, scope)
    # Persons are grouped straight into admin paths (a few hundred groups), not into
    # households first: half the work of the obvious per-household query.
    rows = conn.execute(
        sa.text(f"""
        WITH pp AS (
            SELECT h.admin_path, count(*) AS population,
                   count(*) FILTER (WHERE p.is_migrant) AS migrants,
                   count(*) FILTER (WHERE {MEASURES["women15_49"]}) AS women15_49,
                   count(*) FILTER (WHERE {_CERT_ISSUE}) AS cert_issues
            FROM persons p JOIN households h ON h.id = p.household_id
            WHERE h.admin_path LIKE :p GROUP BY h.admin_path),
        hh AS (
            SELECT h.admin_path, count(*) AS households,
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM events e WHERE e.household_id = h.id
                         AND e.kind = 'distribution' AND e.event_date > :d0
                         AND e.event_date <= :d1)) AS served
            FROM households h WHERE h.admin_path LIKE :p GROUP BY h.admin_path)
        SELECT hh.admin_path, hh.households, coalesce(pp.population, 0) AS population,
               coalesce(pp.migrants, 0) AS migrants,
               coalesce(pp.women15_49, 0) AS women15_49,
               coalesce(pp.cert_issues, 0) AS cert_issues, hh.served
        FROM hh LEFT JOIN pp ON pp.admin_path = hh.admin_path"""),
        _params(scope, as_of),
    )
    return {r.admin_path: {c: int(getattr(r, c)) for c in COUNT_COLUMNS} for r in rows}


@dataclass(frozen=True)
class Cells:
    """Counts per square cell of ``cell_m`` metres in EPSG ``epsg``.

    ``ix``, ``iy`` are cell indices (x = ix * cell_m is the cell's west edge);
    ``households`` are households with at least one person of the measure in the cell,
    ``persons`` the persons of the measure.
    """

    epsg: int
    cell_m: float
    ix: np.ndarray
    iy: np.ndarray
    households: np.ndarray
    persons: np.ndarray


def heat_cells(
    conn,
    scope: Scope,
    measure: str,
    *,
    epsg: int,
    cell_m: float,
    as_of: date,
    bbox_lonlat: tuple[float, float, float, float] | None = None,
) -> Cells:
    """Households and persons of ``measure`` per metric cell, inside ``scope``.

    Households are binned into cells in SQL, so no individual position leaves the
    database. ``bbox_lonlat`` (west, south, east, north in WGS-84) limits the search.
    Households without a position are not counted (they have no place on a map).
    """
    enter(conn, scope)
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected {', '.join(MEASURES)}")
    params = {**_params(scope, as_of), "epsg": int(epsg), "cell": float(cell_m)}
    where_box = ""
    if bbox_lonlat is not None:
        where_box = " AND h.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"
        params.update(zip(("x0", "y0", "x1", "y1"), map(float, bbox_lonlat), strict=True))
    rows = conn.execute(
        sa.text(f"""
        WITH per_household AS (
            SELECT h.geom, count(*) AS n
            FROM households h JOIN persons p ON p.household_id = h.id
            WHERE h.admin_path LIKE :p AND h.geom IS NOT NULL{where_box}
              AND ({MEASURES[measure]})
            GROUP BY h.id, h.county_code),
        projected AS (SELECT ST_Transform(geom, :epsg) AS g, n FROM per_household),
        binned AS (
            SELECT floor(ST_X(g) / :cell)::int AS ix, floor(ST_Y(g) / :cell)::int AS iy,
                   count(*)::int AS households, sum(n)::int AS persons
            FROM projected GROUP BY 1, 2)
        SELECT array_agg(ix), array_agg(iy), array_agg(households), array_agg(persons)
        FROM binned"""),
        params,
    ).one()
    # four arrays in one row: much faster to fetch than one row per cell
    ix, iy, hh, pp = (np.asarray(a if a is not None else [], dtype=np.int64) for a in rows)
    return Cells(epsg=int(epsg), cell_m=float(cell_m), ix=ix, iy=iy, households=hh, persons=pp)
