"""Vector tiles: /tiles/<layer>/<z>/<x>/<y>.pbf (Mapbox Vector Tile, EPSG:3857).

Non-personal layers (boundaries, buildings, roads, service_points) come from gis.tiles
and are cached for everyone (roads and buildings for each county, cut to it;
boundaries for each scope, holding only its areas);
households and migrant_density come through the gate, restricted to the user's
jurisdiction and cached per scope and filter.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict

from flask import Blueprint, Response, request

from gis import tiles as gis_tiles
from gis.errors import Forbidden, InvalidInput, NotFound
from gis.gate import PEOPLE_ROLES, Scope, require_people
from gis.gate import tiles as gate_tiles
from gis.messages import _, clip, role_name, role_names
from webmap import params
from webmap.auth import current_scope
from webmap.dbconn import get_conn, read_conn
from webmap.ogc import auth_required

bp = Blueprint("tiles", __name__)
PERSONAL = {
    "households": gate_tiles.households_tile_counted,
    "migrant_density": gate_tiles.density_tile,
}
LAYERS = tuple(gis_tiles.LAYERS) + tuple(PERSONAL)
MVT = "application/vnd.mapbox-vector-tile"


class TileCache:
    """A byte-bounded LRU of tiles. Entries expire after ``ttl`` seconds, and all go
    when ``bump()`` records a change made through the app (e.g. a manual placement)."""

    def __init__(self, max_bytes: int = 256 << 20, ttl: float = 300.0):
        self.max_bytes, self.ttl = max_bytes, ttl
        self._data: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.version = 0

    def get(self, key):
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if time.monotonic() - hit[1] > self.ttl:
                self._drop(key)
                return None
            self._data.move_to_end(key)
            return hit[0]

    def put(self, key, value: bytes) -> None:
        with self._lock:
            if key in self._data:
                self._drop(key)
            self._data[key] = (value, time.monotonic())
            self._bytes += _size(value)
            while self._bytes > self.max_bytes and self._data:
                self._drop(next(iter(self._data)))

    def _drop(self, key) -> None:
        value, _x = self._data.pop(key)
        self._bytes -= _size(value)

    def bump(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0
            self.version += 1


def _size(value) -> int:
    """Bytes of a cached tile (household tiles are kept with their household count)."""
    return len(value[0]) if isinstance(value, tuple) else len(value)


CACHE = TileCache()


#: the filters that pick households by personal attributes (certificates, visits,
#: how well the address was placed): for the roles that see households only, since an
#: aggregate filtered by them tells a planner about the few households behind it
HOUSEHOLD_FILTERS = ("certificates", "not_visited_days", "geocode_level")


def refuse_household_filters(args, scope: Scope) -> None:
    """Forbidden, naming them, when a role that sees aggregates only sends any of
    :data:`HOUSEHOLD_FILTERS` with a value (empty ones are the map's "all")."""
    sent = [name for name in HOUSEHOLD_FILTERS if args.get(name)]
    if sent and not scope.can_read_people:
        raise Forbidden(
            _(
                "{filters}: filters of households, for the roles that see households"
                " ({roles}); {role} accounts see aggregates only: leave them out",
                filters=", ".join(sent),
                roles=role_names(sorted(PEOPLE_ROLES)),
                role=role_name(scope.role),
            )
        )


def parse_filters(args, scope: Scope) -> gate_tiles.Filters:
    """The map's filters from query parameters; InvalidInput naming a bad one, Forbidden
    for the household filters of a role that sees aggregates only."""
    refuse_household_filters(args, scope)

    def choice(name, allowed):
        v = args.get(name) or None
        if v is not None and v not in allowed:
            raise InvalidInput(
                _(
                    "{name}={v!r}; expected one of {items}",
                    name=name,
                    v=clip(v),
                    items=", ".join(allowed),
                )
            )
        return v

    nv = params.integer(args.get("not_visited_days"), "not_visited_days", high=36500)
    as_of = args.get("as_of") or None
    if as_of:
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InvalidInput(
                _("as_of={as_of!r}; expected a date YYYY-MM-DD", as_of=as_of)
            ) from None
    return gate_tiles.Filters(
        population=choice("population", ("residents", "migrants")),
        women15_49=params.boolean(args.get("women15_49"), "women15_49"),
        certificates=choice("certificates", ("missing", "expiring")),
        not_visited_days=nv,
        level=choice("geocode_level", gate_tiles.GEOCODE_LEVELS),
        as_of=as_of,
    )


def render_tile(layer: str, z: int, x: int, y: int, scope, filters, datum: str = "wgs84") -> bytes:
    """Tile bytes from the cache or the database. Personal layers are read in a
    transaction that carries the caller's scope (row-level security), and every
    household tile served, from the cache too, is written to the access log."""
    # roads and buildings are cut to the user's county (or province, city): cached per
    # that area
    area = (
        gis_tiles.cut_area(scope.area_code, scope.path) if layer in gis_tiles.CUT_TO_AREA else None
    )
    # boundaries hold only the areas of the user's scope (as /api/layers/boundaries)
    within = scope.like if layer in gis_tiles.SCOPED else None
    if layer in PERSONAL:
        key = (layer, z, x, y, datum, scope.path, scope.role, filters, CACHE.version)
    else:
        key = (layer, z, x, y, datum, area, within, CACHE.version)
    hit = CACHE.get(key)
    try:
        if layer == "households":
            if hit is None:
                data, n = gate_tiles.households_tile_counted(
                    get_conn(), scope, z, x, y, filters, datum
                )
                CACHE.put(key, (data, n))
                return data
            gate_tiles.log_tile_read(get_conn(), scope, z, x, y, hit[1])
            return hit[0]
        if hit is not None:
            return hit
        if layer in PERSONAL:
            data = PERSONAL[layer](get_conn(), scope, z, x, y, filters, datum)
        else:
            data = gis_tiles.tile(read_conn(), layer, z, x, y, datum, area, within)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    CACHE.put(key, data)
    return data


@bp.route("/tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf")
@auth_required  # the web login, or an API token (QGIS and other desktop tools)
def tile(layer, z, x, y):
    if layer not in LAYERS:
        raise NotFound(
            _(
                "tile layer {layer!r} (layers: {layers})",
                layer=clip(layer),
                layers=", ".join(LAYERS),
            )
        )
    scope = current_scope()
    if layer == "households":
        require_people(scope)  # before any lookup
    datum = request.args.get("datum", "wgs84")
    if datum not in ("wgs84", "gcj02"):
        raise InvalidInput(_("datum={datum!r}; expected wgs84 or gcj02", datum=datum))
    # the filters shape the personal layers only (the others ignore them)
    filters = parse_filters(request.args, scope) if layer in PERSONAL else gate_tiles.Filters()
    data = render_tile(layer, z, x, y, scope, filters, datum)
    # households are people's data (and move when staff place them): never kept by the
    # browser; the rest may be for a minute
    cache = "no-store" if layer == "households" else "private, max-age=60"
    return Response(data, mimetype=MVT, headers={"Cache-Control": cache})
