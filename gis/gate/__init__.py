"""The jurisdiction gate: the one way to read or write households and persons.

Every query here is restricted to the caller's scope, a node of the admin tree and its
subtree (``admin_path LIKE scope.path || '%'``). A record outside the scope is treated
exactly like a missing one: the same ``NotFound`` with the same message. Personal tables
are read only by the modules of this package (and, for counts, by the loaders' bulk
writes in :mod:`gis.ingest`).

The second wall is the database's row-level security: :func:`enter` sets the caller's
scope path for the transaction (``set_config('popgis.scope', …, true)``), and the web
app's role ``popgis_app`` sees only rows under it, whatever a query forgets.

ID and phone numbers are masked unless a caller asks for them with a reason; every read
of personal data is written to ``access_log`` (:mod:`gis.audit`).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from gis import audit, rules
from gis.errors import Conflict, InvalidInput, NotFound
from gis.gate import placement  # history: who, when, from where
from gis.messages import _, event_kind_name

# The scope and its settings live below the gate and the audit (both use them); the
# gate's callers import them from here as before.
from gis.scope import (  # noqa: F401
    CHINA_TIME,
    EARLIEST_EVENT,
    EVENT_KINDS,
    PEOPLE_ROLES,
    Scope,
    command_scope,
    enter,
    find_household_ids,
    in_county,
    require_people,
    scope_for_area,
    today,
    widened,
)


def mask_id_number(value: str | None) -> str | None:
    """``330782199001011234`` → ``330782********1234`` (region kept, birth date hidden)."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * (len(value) - 4) + value[-4:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_birth_date(value) -> str | None:
    """``1981-04-04`` → ``1981-**-**``: with the month and day the masked middle of an ID
    number (its birth date) could be read back."""
    if not value:
        return None
    return f"{str(value)[:4]}-**-**"


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return value
    if len(value) < 8:
        return "*" * (len(value) - 2) + value[-2:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


_HOUSEHOLD_COLS = """
    h.id, h.household_no, h.address, h.registered_address, h.village_code,
    h.admin_path, h.building_id, ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
    h.geocode_level, h.geocode_score, h.geocode_method, h.placed_manually,
    h.placed_by, h.placed_at, v.name AS village_name
"""

_PERSON_COLS = """
    p.id, p.name, p.sex, p.birth_date, p.id_number, p.phone, p.relation, p.is_migrant,
    p.origin_code, o.name AS origin_name, p.arrival_date,
    p.cert_marriage, p.cert_marriage_expiry, p.cert_id, p.cert_id_expiry,
    p.cert_residence, p.cert_residence_expiry, p.cert_migrant, p.cert_migrant_expiry
"""


def _origin_namer():
    """code → '省 市 县' from the national division list (for migrants' 户籍地)."""
    try:
        from gis.geocode.division import load_division

        d = load_division()
    except Exception:  # the list is optional here: the code is shown instead
        return lambda code: None

    def name(code: str) -> str | None:
        parts = [d.provinces.get(code[:2]), d.cities.get(code[:4]), d.areas.get(code[:6])]
        if len(code) >= 9:
            parts.append(d.streets.get(code[:9]))
        names = [p for p in parts if p and p not in ("市辖区", "县")]
        return "".join(names) or None

    return name


def _unknown_kind(kind) -> InvalidInput:
    """An event kind the API does not know: the kinds named in the user's language, each
    with the code the API takes."""
    items = _(", ").join(
        name if name == code else f"{name} ({code})"
        for code in EVENT_KINDS
        for name in [event_kind_name(code)]
    )
    return InvalidInput(
        _("unknown event kind {kind!r}; expected one of: {items}", kind=kind, items=items)
    )


class Gate:
    """Scoped access to personal data for one request or job.

    Parameters
    ----------
    conn : sqlalchemy.engine.Connection
        The connection (and transaction) to work in.
    scope : Scope
        The caller's jurisdiction; every query is limited to its subtree.
    """

    def __init__(self, conn, scope: Scope):
        self.conn = conn
        self.scope = scope
        enter(conn, scope)

    # ---------------------------------------------------------------- helpers
    def _require_people(self) -> None:
        require_people(self.scope)

    def _log(
        self, action: str, kind: str, target, detail: dict | None = None, household_ids=None
    ) -> None:
        audit.record(
            self.conn,
            self.scope,
            action,
            kind=kind,
            target=target,
            household_ids=household_ids,
            detail=detail,
        )

    def _in_scope_id(self, household_id: int) -> int:
        hid = self.conn.execute(
            sa.text("SELECT id FROM households WHERE id = :id AND admin_path LIKE :p"),
            {"id": household_id, "p": self.scope.like},
        ).scalar()
        if hid is None:
            raise NotFound("household")
        return hid

    # ---------------------------------------------------------------- reads
    def count_households(self) -> int:
        """Number of households in scope."""
        return self.conn.execute(
            sa.text("SELECT count(*) FROM households WHERE admin_path LIKE :p"),
            {"p": self.scope.like},
        ).scalar()

    def count_persons(self, *, migrants: bool | None = None) -> int:
        """Number of persons in scope (optionally only migrants or only residents)."""
        sql = (
            "SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id "
            "WHERE h.admin_path LIKE :p"
        )
        params: dict[str, object] = {"p": self.scope.like}
        if migrants is not None:
            sql += " AND p.is_migrant = :m"
            params["m"] = migrants
        return self.conn.execute(sa.text(sql), params).scalar()

    def list_households(
        self, *, village_code: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict]:
        """Households in scope, ordered by household number; no personal details."""
        self._require_people()
        sql = (
            f"SELECT {_HOUSEHOLD_COLS} FROM households h "
            "LEFT JOIN admin_area v ON v.code = h.village_code "
            "WHERE h.admin_path LIKE :p"
        )
        params = {
            "p": self.scope.like,
            "limit": min(int(limit), 1000),
            "offset": max(int(offset), 0),
        }
        if village_code:
            sql += " AND h.village_code = :v"
            params["v"] = village_code
        sql += " ORDER BY h.household_no LIMIT :limit OFFSET :offset"
        return [dict(r._mapping) for r in self.conn.execute(sa.text(sql), params)]

    def household(
        self, household_id: int, *, unmask: bool = False, reason: str | None = None
    ) -> dict:
        """One household with its members; NotFound if missing or out of scope.

        ID and phone numbers (and the month and day of birth, which are the ID's masked
        middle) are masked unless ``unmask`` is given with a ``reason``.
        The view is logged in ``access_log``.
        """
        self._require_people()
        if unmask and not reason:
            raise InvalidInput(_("showing full ID or phone numbers needs a reason"))
        row = self.conn.execute(
            sa.text(
                f"SELECT {_HOUSEHOLD_COLS} FROM households h "
                "LEFT JOIN admin_area v ON v.code = h.village_code "
                f"WHERE h.id = :id AND h.admin_path LIKE :p AND {in_county('h.county_code')}"
            ),
            {"id": household_id, "p": self.scope.like, "county": self.scope.county},
        ).one_or_none()
        if row is None:
            raise NotFound("household")
        result = dict(row._mapping)
        members = []
        origin = _origin_namer()
        for p in self.conn.execute(
            sa.text(
                f"SELECT {_PERSON_COLS} FROM persons p "
                "LEFT JOIN admin_area o ON o.code = rpad(p.origin_code, 12, '0') "
                f"WHERE p.household_id = :id AND {in_county('p.county_code')} ORDER BY p.id"
            ),
            {"id": household_id, "county": self.scope.county},
        ):
            m = dict(p._mapping)
            if not m["origin_name"] and m["origin_code"]:
                m["origin_name"] = origin(m["origin_code"])
            if not unmask:
                m["id_number"] = mask_id_number(m["id_number"])
                m["phone"] = mask_phone(m["phone"])
                # the birth date is the ID's hidden middle: only its year is shown
                m["birth_date"] = mask_birth_date(m["birth_date"])
            members.append(m)
        result["members"] = members
        result["events"] = [
            dict(r._mapping)
            for r in self.conn.execute(
                sa.text(
                    "SELECT e.id, e.kind, e.event_date, e.note, e.recorded_by, t.name AS team "
                    "FROM events e LEFT JOIN service_teams t ON t.id = e.team_id "
                    f"WHERE e.household_id = :id AND {in_county('e.county_code')} "
                    "ORDER BY e.event_date DESC, e.id DESC LIMIT 20"
                ),
                {"id": household_id, "county": self.scope.county},
            )
        ]
        self._log(
            "view_household",
            "household",
            household_id,
            {"unmasked": bool(unmask), "reason": reason},
            [household_id],
        )
        return result

    # ---------------------------------------------------------------- writes
    def place_household(
        self,
        household_id: int,
        lon: float,
        lat: float,
        *,
        building_id: int | None = None,
        move_village: bool = False,
    ) -> dict:
        """Manual placement by staff: the point (WGS-84) and the building under it.

        The household must stay inside the caller's scope; manual placements win over
        automatic geocoding and survive re-runs. A place in another village than the
        household's is refused (Conflict, code ``confirm_village_move``) unless
        ``move_village``: it hands the family's record to that village's staff, and a
        slip of the mouse must not do that silently.
        """
        self._require_people()
        hid = self._in_scope_id(household_id)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput(
                _("lon/lat {lon}, {lat} out of range; expected WGS-84 degrees", lon=lon, lat=lat)
            )
        if building_id is not None:
            self._in_scope_building(building_id)
            # first, before the question of a move to another village: a place that
            # cannot be saved needs no confirmation
            placement.check_building_distance(self.conn, lon, lat, building_id)
        target = self.conn.execute(
            sa.text("""
            WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS g)
            SELECT b.id AS building_id, coalesce(b.admin_path, gr.path, v.path) AS path,
                   coalesce(b.village_code, v.code) AS village_code
            FROM pt
            LEFT JOIN LATERAL (SELECT id, admin_path, village_code FROM buildings
                               WHERE (CAST(:bid AS bigint) IS NULL AND ST_Intersects(geom, pt.g))
                                  OR id = CAST(:bid AS bigint) LIMIT 1) b ON true
            LEFT JOIN LATERAL (SELECT code, path FROM admin_area WHERE level = 'village'
                               AND ST_Intersects(geom, pt.g) LIMIT 1) v ON true
            LEFT JOIN LATERAL (SELECT path FROM admin_area WHERE level = 'grid'
                               AND ST_Intersects(geom, pt.g) LIMIT 1) gr ON true
            """),
            {"lon": lon, "lat": lat, "bid": building_id},
        ).one()
        if target.path is None or not target.path.startswith(self.scope.path):
            raise InvalidInput(_("that place is outside your jurisdiction"))
        if not move_village:
            self._check_same_village(hid, target.village_code)
        placement.record(self.conn, hid, self.scope.user, "manual", lon, lat, target.building_id)
        self.conn.execute(
            sa.text("""
            UPDATE households SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
                   building_id = CAST(:b AS bigint), village_code = :v, admin_path = :path,
                   geocode_level = CASE WHEN CAST(:b AS bigint) IS NULL THEN 'village'
                                        ELSE 'building' END,
                   geocode_score = 1.0, geocode_method = 'manual', placed_manually = true,
                   placed_by = :u, placed_at = now(), updated_at = now()
            WHERE id = :id"""),
            {
                "lon": lon,
                "lat": lat,
                "b": target.building_id,
                "v": target.village_code,
                "path": target.path,
                "u": self.scope.user,
                "id": hid,
            },
        )
        # A household placed by hand leaves the geocoding review queue.
        self.conn.execute(
            sa.text("""
            UPDATE geocode_review SET status = 'resolved', resolved_at = now(),
                   resolved_by = :u
            WHERE household_id = :id AND status = 'open'"""),
            {"u": self.scope.user, "id": hid},
        )
        # who placed which household, not where: the log is read by auditors (an
        # aggregate role); the place itself is in placement_history (people roles)
        self._log("place_household", "household", hid, None, [hid])
        return self.household(hid)

    def _in_scope_building(self, building_id: int) -> None:
        # a building of another jurisdiction is answered exactly as one that does not
        # exist (as the building popup does): the refusal must not tell which it is
        found = self.conn.execute(
            sa.text(
                "SELECT 1 FROM buildings WHERE id = :b AND admin_path LIKE :p AND "
                + in_county("county_code")
            ),
            {"b": building_id, "p": self.scope.like, "county": self.scope.county},
        ).scalar()
        if found is None:
            raise NotFound("building")

    def _check_same_village(self, hid: int, village_code: str | None) -> None:
        moving = self.conn.execute(
            sa.text("""
            SELECT o.name AS old, n.name AS new
            FROM households h JOIN admin_area o ON o.code = h.village_code
            JOIN admin_area n ON n.code = :v
            WHERE h.id = :id AND h.village_code <> :v"""),
            {"id": hid, "v": village_code},
        ).one_or_none()
        if moving is not None:
            raise Conflict(
                _(
                    "this moves the household from {old} to {new}, whose staff will "
                    "then see it instead; confirm to move it",
                    old=moving.old,
                    new=moving.new,
                ),
                code="confirm_village_move",
            )

    def record_event(
        self,
        household_id: int,
        kind: str,
        event_date: date,
        *,
        note: str | None = None,
        person_id: int | None = None,
        id_number: str | None = None,
        team_id: int | None = None,
    ) -> int:
        """Record a dated event (visit, distribution, follow-up, move) for a household.

        The date obeys :data:`gis.rules.EVENT_DATE` (1900-01-01 to today in China); the person, named
        by ``person_id`` or ``id_number``, must be a member of that household, and
        ``team_id`` an existing service team of the household's county. InvalidInput
        otherwise."""
        self._require_people()
        if kind not in EVENT_KINDS:
            raise _unknown_kind(kind)
        if not rules.EVENT_DATE.accepts(event_date):
            raise InvalidInput(
                _(
                    "event date {day} is outside {low} to today ({today})",
                    day=event_date.isoformat(),
                    low=EARLIEST_EVENT.isoformat(),
                    today=today().isoformat(),
                )
            )
        hid = self._in_scope_id(household_id)
        if person_id is not None or id_number is not None:
            found = (
                self.conn.execute(
                    sa.text(
                        "SELECT id FROM persons WHERE household_id = :h AND "
                        "(id = :p OR id_number = :n)"
                    ),
                    {"p": person_id, "n": id_number, "h": hid},
                )
                .scalars()
                .all()
            )
            if len(found) != 1:
                raise InvalidInput(_("that person is not a member of household {hid}", hid=hid))
            person_id = found[0]
        if team_id is not None:
            ok = self.conn.execute(
                sa.text(
                    "SELECT 1 FROM service_teams t JOIN households h ON h.county_code = t.county_code "
                    "WHERE t.id = :t AND h.id = :h"
                ),
                {"t": team_id, "h": hid},
            ).scalar()
            if not ok:
                raise InvalidInput(
                    _("team_id={team_id}: no such service team in this county", team_id=team_id)
                )
        try:
            # keyed map-<row id> (gis.rules.MAP_EVENT_PREFIX): db check names it and an
            # events file can correct it; a file cannot make such a key (the loader)
            return self.conn.execute(
                sa.text("""
                WITH n AS (SELECT nextval(pg_get_serial_sequence('events', 'id')) AS id)
                INSERT INTO events (id, ext_id, county_code, admin_path, household_id,
                                    person_id, team_id, kind, event_date, note, recorded_by)
                SELECT n.id, CAST(:prefix AS text) || n.id, h.county_code, h.admin_path, h.id, :pid, :t,
                       :k, :d, :n, :u
                FROM households h, n
                WHERE h.id = :h
                RETURNING id"""),
                {
                    "pid": person_id,
                    "t": team_id,
                    "k": kind,
                    "d": event_date,
                    "n": note,
                    "u": self.scope.user,
                    "h": hid,
                    "prefix": rules.MAP_EVENT_PREFIX,
                },
            ).scalar()
        except sa.exc.IntegrityError as exc:
            raise _unknown_kind(kind) from exc

    def update_person(self, person_id: int, **fields) -> None:
        """Change a person's editable fields (phone, relation, certificates)."""
        self._require_people()
        allowed = {
            "phone",
            "relation",
            "cert_marriage",
            "cert_marriage_expiry",
            "cert_id",
            "cert_id_expiry",
            "cert_residence",
            "cert_residence_expiry",
            "cert_migrant",
            "cert_migrant_expiry",
        }
        bad = set(fields) - allowed
        if bad:
            raise InvalidInput(
                _(
                    "cannot change {fields}; editable: {editable}",
                    fields=", ".join(sorted(bad)),
                    editable=", ".join(sorted(allowed)),
                )
            )
        pid = self.conn.execute(
            sa.text(
                "SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id "
                "WHERE p.id = :id AND h.admin_path LIKE :p"
            ),
            {"id": person_id, "p": self.scope.like},
        ).scalar()
        if pid is None:
            raise NotFound("person")
        if fields:
            sets = ", ".join(f"{k} = :{k}" for k in fields)
            self.conn.execute(
                sa.text(f"UPDATE persons SET {sets}, updated_at = now() WHERE id = :id"),
                {**fields, "id": pid},
            )
            self._log("update_person", "person", pid, {"fields": sorted(fields)})
