"""Coverage of every county of a province or a city: a batch, county by county.

Coverage is a county's work: its demand, its service points, its roads, metres in its
own UTM zone (:func:`gis.analysis.instance.county_epsg`; 浙江 spans zones 50 and 51).
For an area above county level each county's coverage is computed as
:func:`gis.analysis.coverage.coverage_in_db` computes it for that county alone, and the
area's totals are the sums of the counties'. The counties run one after the other in
this process (:func:`coverage_by_county`), or one Dask task per county
(:func:`coverage_by_county_on_dask`: a local cluster by default, any scheduler by
address); each task opens its own connection from the database URL. Both give the same
result, value for value (:func:`county_entry` makes every county's entry, wherever it
runs).

A county without located demand, or without roads when coverage is along roads, gets
its problem in its entry and no figures; one without active service points of the
chosen kinds gets its figures (nothing covered) and says so. Neither fails the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa

from gis.analysis import coverage as cov
from gis.analysis import instance, network
from gis.errors import InvalidInput
from gis.messages import _, speaking

__all__ = [
    "Params",
    "check_params",
    "counties_in",
    "county_entry",
    "coverage_by_county",
    "coverage_by_county_on_dask",
    "coverage_of_area",
    "is_above_county",
]

_TOTALS = ("demand", "covered", "uncovered", "units", "unlocated")


@dataclass(frozen=True)
class Params:
    """What every county's coverage is computed with (plain values: they travel to the
    Dask workers). ``radius``: the ``--radius`` text; ``user``: who the access log names;
    ``lang``: the language of the counties' problems."""

    kinds: tuple[str, ...]
    radius: str
    population: str = "households"
    use_network: bool = False
    as_of: date | None = None
    cell_m: float = cov.GAP_CELL_M
    user: str = "system"
    lang: str | None = None


def is_above_county(scope) -> bool:
    """Whether ``scope`` is a province or a city (several counties), not a county or
    a part of one."""
    return scope.county is None


def counties_in(conn, scope) -> list[tuple[str, str, int]]:
    """``(code, name, households)`` of every county loaded in ``scope``'s subtree, by
    code; ``households`` from the area counts (summed over its townships; 0 when not
    counted yet), to hand the biggest counties out first."""
    rows = conn.execute(
        sa.text("""
        SELECT a.code, a.name, coalesce(c.households, 0)
        FROM admin_area a
        LEFT JOIN (SELECT county_code, sum(households) AS households
                   FROM area_counts GROUP BY county_code) c ON c.county_code = a.county_code
        WHERE a.level = 'county' AND a.path LIKE :p
        ORDER BY a.code"""),
        {"p": scope.like},
    ).all()
    return [(r[0], r[1], int(r[2])) for r in rows]


def check_params(params: Params) -> dict[str, float]:
    """The kinds and radius, checked once before any county (bad input fails the
    batch, not every county: :class:`InvalidInput`); the radius per kind."""
    kinds = instance.check_kinds(list(params.kinds))
    return cov.parse_radius(params.radius, kinds)


def county_entry(conn, code: str, name: str, params: Params) -> dict:
    """One county's entry: its coverage report's totals, villages, grids and gaps (as
    ``popgis coverage --area`` gives them for that county), the number of its active
    service points of the kinds, and ``problem`` (None, or what kept it from figures or
    from any covered demand)."""
    from gis.analysis import plans
    from gis.scope import scope_for_area

    with speaking(params.lang):
        entry: dict = {"code": code, "name": name, "sites": 0, "problem": None}
        scope = scope_for_area(conn, code, user=params.user, role="county")
        try:
            res = cov.coverage_in_db(
                conn,
                scope,
                list(params.kinds),
                params.radius,
                population=params.population,
                use_network=params.use_network,
                as_of=params.as_of,
                cell_m=params.cell_m,
            )
        except InvalidInput as exc:
            entry["problem"] = exc.message
            return entry
        report = plans.coverage_report(res)
        entry["sites"] = res.sites
        if res.sites == 0:
            entry["problem"] = _(
                "no active service points of the kinds {kinds} in this county: none of its "
                "demand is covered",
                kinds=", ".join(params.kinds),
            )
        for key in ("totals", "villages", "grids", "gaps"):
            entry[key] = report[key]
        return entry


def _result(scope, area_name: str, params: Params, entries: list[dict]) -> dict:
    radius = check_params(params)
    # summed in county order, whatever order they were computed in (floats)
    entries = sorted(entries, key=lambda e: e["code"])
    totals = {k: 0.0 for k in _TOTALS}
    for e in entries:
        for k in _TOTALS:
            totals[k] += e["totals"][k] if "totals" in e else 0
    totals["units"] = int(totals["units"])
    totals["pct_covered"] = (
        round(100.0 * totals["covered"] / totals["demand"], 2) if totals["demand"] else 0.0
    )
    totals["counties"] = len(entries)
    totals["counties_with_figures"] = sum("totals" in e for e in entries)
    # the counties' own service points and gap areas: none is shared between counties
    # (each county is covered by its own points, its gaps are its own cells)
    totals["sites"] = sum(e["sites"] for e in entries)
    totals["gap_areas"] = sum(len(e["gaps"]["features"]) for e in entries if "gaps" in e)
    return {
        "area": {"code": scope.area_code, "name": area_name, "level": scope.level},
        "population": params.population,
        "kinds": list(params.kinds),
        "radius_m": radius,
        "network": params.use_network,
        "walk_kmh": network.WALK_KMH if params.use_network else None,
        "totals": totals,
        "counties": entries,
    }


def _area_name(conn, scope) -> str:
    return cov.area_names(conn, [scope.area_code]).get(scope.area_code, "")


def coverage_by_county(
    conn,
    scope,
    params: Params,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Coverage of every county in ``scope`` (a province or a city), one after the other
    in this process: ``area``, the shared ``population``, ``kinds``, ``radius_m``,
    ``network``, ``walk_kmh``, the area's ``totals`` (sums of the counties' figures,
    with ``counties``, ``counties_with_figures``, ``sites`` (service points) and
    ``gap_areas``) and ``counties`` (by code, each as
    :func:`county_entry` gives it). Bad kinds or radius: :class:`InvalidInput`, before
    any county. ``progress(done, total)`` after each county."""
    check_params(params)
    counties = counties_in(conn, scope)
    entries = []
    for done, (code, name, _households) in enumerate(counties, start=1):
        entries.append(county_entry(conn, code, name, params))
        if progress is not None:
            progress(done, len(counties))
    return _result(scope, _area_name(conn, scope), params, entries)


def county_task(url: str, code: str, name: str, params: dict) -> dict:
    """One Dask task: :func:`county_entry` for one county, on a connection of this
    worker's own to the database at ``url`` (nothing of the client's travels but plain
    values)."""
    from gis import db

    with db.engine(url).connect() as conn:
        return county_entry(conn, code, name, Params(**params))


def coverage_by_county_on_dask(
    url: str,
    scope,
    area_name: str,
    counties: list[tuple[str, str, int]],
    params: Params,
    client,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """:func:`coverage_by_county` with one Dask task per county on ``client``
    (see :func:`gis.dask_cluster.start_client`), the biggest counties handed out first so
    that the workers finish together; the same result. ``counties``: from
    :func:`counties_in`, read by the caller. A task that fails (a worker died too often,
    the database unreachable from the workers) raises here."""
    from distributed import as_completed

    check_params(params)
    plain = asdict(params)
    order = sorted(counties, key=lambda c: (-c[2], c[0]))
    futures = [
        client.submit(county_task, url, code, name, plain, pure=False, priority=len(order) - i)
        for i, (code, name, _households) in enumerate(order)
    ]
    entries = []
    for future in as_completed(futures):
        entries.append(future.result())
        future.release()
        if progress is not None:
            progress(len(entries), len(futures))
    return _result(scope, area_name, params, entries)


def coverage_of_area(
    url: str,
    scope,
    params: Params,
    *,
    client=None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Coverage of every county in ``scope`` (a province or a city) in the database at
    ``url``: in this process when ``client`` is None (:func:`coverage_by_county`), else
    one task per county on that Dask client (:func:`coverage_by_county_on_dask`; the
    caller starts and closes it, :func:`gis.dask_cluster.start_client`). The same
    result either way. Reads only (the connections are rolled back)."""
    from gis import db

    with db.engine(url).connect() as conn:
        if client is None:
            return coverage_by_county(conn, scope, params, progress=progress)
        counties = counties_in(conn, scope)
        name = _area_name(conn, scope)
    return coverage_by_county_on_dask(url, scope, name, counties, params, client, progress=progress)
