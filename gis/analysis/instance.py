"""Planning instances: demand points and sites (existing points, candidates) as arrays.

Coordinates arrive as WGS-84 lon/lat degrees and are projected once to a UTM zone
(:func:`gis.crs.utm_epsg_for`), so that every distance in ``gis.analysis`` is in metres
on a metric grid, never degrees. Instances come from the database (demand through the
jurisdiction gate, sites from the non-personal tables) or from tables a planner supplies
(``id, lon, lat`` + ``weight`` or ``fixed``/``capacity``), checked with messages that
name the file, row and column.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import sqlalchemy as sa

from gis.crs import looks_swapped, utm_epsg_for
from gis.errors import InvalidInput
from gis.gate import Scope
from gis.gate.demand import demand_by_building
from gis.messages import _, clip

SERVICE_KINDS = (
    "distribution_point",
    "service_station",
    "clinic",
    "pharmacy",
    "machine",
    "outreach",
)


def kind_name(kind: str) -> str:
    """A service point kind's name in the current language (the code when unknown)."""
    names = {
        "distribution_point": _("Distribution point"),
        "service_station": _("Service station"),
        "clinic": _("Clinic"),
        "pharmacy": _("Pharmacy"),
        "machine": _("Self-service machine"),
        "outreach": _("Outreach point"),
    }
    return names.get(kind, kind)


def kind_names() -> str:
    """Every service point kind by name, its code in brackets (the API takes the code)."""
    return _(", ").join(f"{kind_name(k)} ({k})" for k in SERVICE_KINDS)


CANDIDATE_USES = ("market", "enterprise", "dormitory", "public")
DEFAULT_CANDIDATE_USES = CANDIDATE_USES


@functools.lru_cache(maxsize=8)
def _to_utm(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(4326, epsg, always_xy=True)


@functools.lru_cache(maxsize=8)
def _from_utm(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(epsg, 4326, always_xy=True)


def project(lon, lat, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 degrees → metres in ``epsg`` (a projected CRS, normally a UTM zone)."""
    x, y = _to_utm(epsg).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def unproject(x, y, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Metres in ``epsg`` → WGS-84 lon/lat degrees."""
    lon, lat = _from_utm(epsg).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


class _Points:
    """What demand units and sites share: points ``x``/``y`` in metres, one per ``ids``."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def xy(self) -> np.ndarray:
        """The points as an (n, 2) array of metres."""
        return np.column_stack([self.x, self.y])


@dataclass
class Demand(_Points):
    """Demand units: one point per building (or CSV row) with a weight.

    ``x``/``y`` are metres in ``epsg``; ``village``/``grid`` hold admin codes (None for
    file instances); ``unlocated`` is demand in scope that has no position.
    """

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray
    epsg: int
    population: str = "weight"
    village: np.ndarray | None = None
    grid: np.ndarray | None = None
    unlocated: float = 0.0
    key: np.ndarray | None = None  # per unit: its records' keys summed (gis.disclosure)
    x: np.ndarray = field(init=False)
    y: np.ndarray = field(init=False)

    def __post_init__(self):
        self.x, self.y = project(self.lon, self.lat, self.epsg)

    @property
    def total(self) -> float:
        return float(self.weight.sum())


#: the per-site columns of :class:`Sites` (``concat`` and ``subset`` take each of them)
_SITE_COLUMNS = ("ids", "lon", "lat", "fixed", "capacity", "label", "name")


@dataclass
class Sites(_Points):
    """Sites: existing service points (``fixed``) and candidates for new ones.

    ``capacity`` is the demand a site can serve (``inf`` = unlimited); ``label`` is
    the service-point kind or the candidate's source (building use, ``grid``, ``added``).
    """

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    fixed: np.ndarray
    epsg: int
    capacity: np.ndarray = None  # type: ignore[assignment]  # None: filled in __post_init__
    label: np.ndarray = None  # type: ignore[assignment]  # None: filled in __post_init__
    name: np.ndarray = None  # type: ignore[assignment]  # None: filled in __post_init__
    x: np.ndarray = field(init=False)
    y: np.ndarray = field(init=False)

    def __post_init__(self):
        n = len(self.ids)
        self.fixed = np.asarray(self.fixed, bool)
        if self.capacity is None:
            self.capacity = np.full(n, np.inf)
        if self.label is None:
            self.label = np.full(n, "", dtype=object)
        if self.name is None:
            self.name = np.full(n, "", dtype=object)
        self.x, self.y = project(self.lon, self.lat, self.epsg)

    def concat(self, other: Sites) -> Sites:
        """Both site sets in one (``other`` re-projected to this one's CRS)."""
        return self._with(
            {c: np.concatenate([getattr(self, c), getattr(other, c)]) for c in _SITE_COLUMNS}
        )

    def subset(self, mask) -> Sites:
        """The sites where ``mask`` is true (or at the indices ``mask``)."""
        return self._with({c: getattr(self, c)[mask] for c in _SITE_COLUMNS})

    def _with(self, columns: dict[str, Any]) -> Sites:
        """These sites' CRS with the per-site ``columns`` (projected again)."""
        return replace(self, **columns)


# ------------------------------------------------------------------ from the database
def county_epsg(conn, scope: Scope) -> int:
    """UTM zone of the scope's area (its centroid), for metric work."""
    row = conn.execute(
        sa.text("""
        SELECT ST_X(c), ST_Y(c) FROM (
          SELECT ST_Centroid(geom) AS c FROM admin_area WHERE code = :c) x"""),
        {"c": scope.area_code},
    ).one_or_none()
    if row is None or row[0] is None:
        raise InvalidInput(
            _(
                "admin area {area_code} has no outline; load the admin boundaries first",
                area_code=scope.area_code,
            )
        )
    return utm_epsg_for(row[0], row[1])


def demand_from_db(
    conn,
    scope: Scope,
    population: str = "households",
    *,
    as_of: date | None = None,
    epsg: int | None = None,
) -> Demand:
    """Demand of ``population`` per building in ``scope`` (through the gate)."""
    table = demand_by_building(conn, scope, population, as_of=as_of)
    u = table.units
    epsg = epsg or county_epsg(conn, scope)
    return Demand(
        ids=u["unit"].to_numpy(object),
        lon=u["lon"].to_numpy(float),
        lat=u["lat"].to_numpy(float),
        weight=u["weight"].to_numpy(float),
        epsg=epsg,
        population=population,
        village=u["village_code"].to_numpy(object),
        grid=u["grid_code"].to_numpy(object),
        unlocated=float(table.unlocated),
        key=u["key"].to_numpy(np.int64),
    )


def check_kinds(kinds) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in kinds if k and k.strip())
    bad = [k for k in kinds if k not in SERVICE_KINDS]
    if bad:
        raise InvalidInput(
            _(
                "unknown service point kind {kinds}; expected one or more of {expected}",
                kinds=", ".join(map(repr, bad)),
                expected=kind_names(),
            )
        )
    if not kinds:
        raise InvalidInput(
            _(
                "no service point kinds given; expected one or more of {items}",
                items=kind_names(),
            )
        )
    return kinds


def service_points(conn, scope: Scope, kinds, *, epsg: int) -> Sites:
    """Active service points of ``kinds`` in ``scope``: the fixed, existing sites."""
    kinds = check_kinds(kinds)
    rows = conn.execute(
        sa.text("""
        SELECT ext_id, ST_X(geom), ST_Y(geom), kind, name, capacity FROM service_points
        WHERE active AND kind = ANY(:k) AND admin_path LIKE :p ORDER BY ext_id"""),
        {"k": list(kinds), "p": scope.like},
    ).all()
    return _sites(rows, fixed=True, epsg=epsg)


def sites_in_db(
    conn,
    scope: Scope,
    *,
    kinds,
    uses=DEFAULT_CANDIDATE_USES,
    grid_centroids: bool = True,
    epsg: int,
) -> Sites:
    """The sites of a plan in ``scope``: its active service points of ``kinds`` (fixed,
    :func:`service_points`), then the candidates (:func:`candidate_sites`)."""
    fixed = service_points(conn, scope, kinds, epsg=epsg)
    return fixed.concat(
        candidate_sites(conn, scope, uses=uses, grid_centroids=grid_centroids, epsg=epsg)
    )


def candidate_sites(
    conn, scope: Scope, *, uses=DEFAULT_CANDIDATE_USES, grid_centroids: bool = True, epsg: int
) -> Sites:
    """Candidate sites in ``scope``: buildings of ``uses`` and grid centroids.

    A building candidate stands at a point on its surface; a grid candidate at a point
    on the grid's surface (its centroid when that lies inside).
    """
    bad = [u for u in uses if u not in CANDIDATE_USES + ("residential", "school", "other")]
    if bad:
        raise InvalidInput(
            _(
                "unknown building use {uses}; expected {expected}",
                uses=", ".join(repr(clip(u)) for u in bad[:5]),
                expected=", ".join(CANDIDATE_USES),
            )
        )
    rows = conn.execute(
        sa.text("""
        SELECT 'building:' || b.ext_id, ST_X(p), ST_Y(p), b.use,
               coalesce(b.address, b.compound, b.ext_id), NULL::int
        FROM buildings b, ST_PointOnSurface(b.geom) p
        WHERE b.use = ANY(:u) AND b.admin_path LIKE :p
        UNION ALL
        SELECT 'grid:' || a.code, ST_X(p), ST_Y(p), 'grid', a.name, NULL::int
        FROM admin_area a,
             LATERAL (SELECT CASE WHEN ST_Contains(a.geom, ST_Centroid(a.geom))
                             THEN ST_Centroid(a.geom) ELSE ST_PointOnSurface(a.geom) END) c(p)
        WHERE :g AND a.level = 'grid' AND a.path LIKE :p AND a.geom IS NOT NULL
        ORDER BY 1"""),
        {"u": list(uses), "p": scope.like, "g": grid_centroids},
    ).all()
    return _sites(rows, fixed=False, epsg=epsg)


def _sites(rows, *, fixed: bool, epsg: int) -> Sites:
    n = len(rows)
    cols: list = list(zip(*rows, strict=True)) if rows else [[]] * 6
    cap = np.array([np.inf if c is None else float(c) for c in cols[5]], float)
    return Sites(
        ids=np.array(cols[0], dtype=object),
        lon=np.array(cols[1], float),
        lat=np.array(cols[2], float),
        fixed=np.full(n, fixed),
        epsg=epsg,
        capacity=cap,
        label=np.array(cols[3], dtype=object),
        name=np.array(cols[4], dtype=object),
    )


# ------------------------------------------------------------------ from tables (CSV)
_TRUE = {"1", "true", "t", "yes", "y", "是", "fixed"}
_FALSE = {"0", "false", "f", "no", "n", "否", ""}


def _rows(frame: pd.DataFrame) -> np.ndarray:
    if "_row" in frame.columns:
        return frame["_row"].to_numpy()
    return np.arange(len(frame)) + 2  # header is row 1


def _numbers(frame, col, source, *, lo=None, hi=None, hint="") -> np.ndarray:
    raw = frame[col].astype(str).str.strip()
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    rows = _rows(frame)
    bad = ~np.isfinite(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInput(
            _(
                "{source} row {row}, column {col}: {cell!r} is not a number{hint} ({n} such rows)",
                source=source,
                row=rows[i],
                col=col,
                cell=raw.iloc[i],
                hint=hint,
                n=int(bad.sum()),
            )
        )
    for limit, op, word in ((lo, np.less, _("below")), (hi, np.greater, _("above"))):
        if limit is not None:
            out = op(vals, limit)
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise InvalidInput(
                    _(
                        "{source} row {row}, column {col}: {cell:g} is {word} {limit:g}{hint}",
                        source=source,
                        row=rows[i],
                        col=col,
                        cell=vals[i],
                        word=word,
                        limit=limit,
                        hint=hint,
                    )
                )
    return vals


def _table_points(frame: pd.DataFrame, source: str, optional: tuple[str, ...]):
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in ("id", "lon", "lat") if c not in frame.columns]
    if missing:
        found = ", ".join(c for c in frame.columns if c != "_row") or "(none)"
        raise InvalidInput(
            _(
                "{source}: missing column {missing}; expected columns id, lon, lat (WGS-84 degrees) and optional {optional}; found {found}",
                source=source,
                missing=", ".join(missing),
                optional=" or ".join(optional),
                found=found,
            )
        )
    if len(frame) == 0:
        raise InvalidInput(_("{source}: no rows", source=source))
    ids = frame["id"].astype(str).str.strip()
    rows = _rows(frame)
    if (ids == "").any():
        i = int(np.flatnonzero((ids == "").to_numpy())[0])
        raise InvalidInput(_("{source} row {row}, column id: empty id", source=source, row=rows[i]))
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InvalidInput(
            _(
                "{source} row {row}, column id: {id!r} appears twice; ids must be unique",
                source=source,
                row=rows[i],
                id=ids.iloc[i],
            )
        )
    lon = _numbers(
        frame, "lon", source, lo=-180, hi=180, hint=_("; expected WGS-84 longitude in degrees")
    )
    lat = _numbers(
        frame,
        "lat",
        source,
        lo=-90,
        hi=90,
        hint=_("; expected WGS-84 latitude in degrees (are lat and lon swapped?)"),
    )
    swapped = looks_swapped(lon, lat)
    if np.any(swapped):
        i = int(np.flatnonzero(swapped)[0])
        raise InvalidInput(
            _(
                "{source} row {row}: lon {lon:g}, lat {lat:g} lies outside China but would fit with lat and lon swapped; swap the columns",
                source=source,
                row=rows[i],
                lon=lon[i],
                lat=lat[i],
            )
        )
    return frame, ids.to_numpy(object), lon, lat


def demand_from_table(
    frame: pd.DataFrame, source: str = "demand file", *, epsg: int | None = None
) -> Demand:
    """Demand from a table with columns ``id, lon, lat`` and optional ``weight``
    (default 1). Raises :class:`InvalidInput` naming the row and column of a problem."""
    frame, ids, lon, lat = _table_points(frame, source, ("weight",))
    weight = (
        _numbers(frame, "weight", source, lo=0, hint=_("; expected a count ≥ 0"))
        if "weight" in frame.columns
        else np.ones(len(ids))
    )
    if weight.sum() <= 0:
        raise InvalidInput(_("{source}: empty demand (all weights are 0)", source=source))
    return Demand(
        ids=ids,
        lon=lon,
        lat=lat,
        weight=weight,
        epsg=epsg or utm_epsg_for(lon, lat),
        population="weight",
    )


def sites_from_table(frame: pd.DataFrame, source: str = "candidates file", *, epsg: int) -> Sites:
    """Sites from a table with columns ``id, lon, lat`` and optional ``fixed``
    (true/false: an existing site that stays) and ``capacity`` (demand it can serve)."""
    frame, ids, lon, lat = _table_points(frame, source, ("fixed", "capacity"))
    fixed = np.zeros(len(ids), bool)
    if "fixed" in frame.columns:
        raw = frame["fixed"].astype(str).str.strip().str.lower()
        ok = raw.isin(_TRUE | _FALSE).to_numpy()
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise InvalidInput(
                _(
                    "{source} row {row}, column fixed: {cell!r} is not true/false (or 1/0)",
                    source=source,
                    row=_rows(frame)[i],
                    cell=frame["fixed"].iloc[i],
                )
            )
        fixed = raw.isin(_TRUE).to_numpy()
    capacity = np.full(len(ids), np.inf)
    if "capacity" in frame.columns:
        raw = frame["capacity"].astype(str).str.strip()
        given = (raw != "").to_numpy()
        if given.any():
            capacity[given] = _numbers(
                frame[given],
                "capacity",
                source,
                lo=0,
                hint=_("; expected the demand a site can serve"),
            )
    label = np.where(fixed, "fixed", "candidate").astype(object)
    return Sites(ids=ids, lon=lon, lat=lat, fixed=fixed, epsg=epsg, capacity=capacity, label=label)
