"""Who is asking and where: the caller's scope and the per-transaction settings that
carry it to the database (the row-level-security policies key on them).

Below :mod:`gis.gate` and :mod:`gis.audit`, which both need it (the gate re-exports
every name here, so ``from gis.gate import Scope, enter`` keeps working). The gate's
ground floor: :func:`find_household_ids` is the one query of a personal table outside
``gis/gate/`` (for the access log, under the caller's row-level security).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from gis.errors import Forbidden, InvalidInput, NotFound
from gis.messages import EVENT_KIND_CODES, _, role_name
from gis.rules import CHINA_TIME, today  # noqa: F401  (re-exported: the date rules live in gis.rules)
from gis.rules import EARLIEST as EARLIEST_EVENT  # noqa: F401

PEOPLE_ROLES = frozenset({"county", "township", "village"})
EVENT_KINDS = EVENT_KIND_CODES


@dataclass(frozen=True)
class Scope:
    """Who is asking and which subtree of the admin tree they may see."""

    user: str
    role: str
    area_code: str
    path: str
    level: str
    address: str | None = None  # the client's address, for the access log
    token_scope: str | None = None  # 'read' when the caller came with an API token

    @property
    def can_read_people(self) -> bool:
        """Planners and auditors work with aggregates only."""
        return self.role in PEOPLE_ROLES

    @property
    def like(self) -> str:
        return self.path + "%"

    @property
    def county(self) -> str | None:
        """The county code when the scope lies within one county, else None (a province
        or a city): the ``:county`` of :func:`in_county`."""
        return self.path[:6] if len(self.path) >= 6 else None


def in_county(column: str) -> str:
    """SQL: ``column`` (a county_code) is the scope's county, when it has one (bind
    ``county=scope.county``). A constant the planner sees: it prunes the partitioned
    tables to that county's partitions while planning. The row-level-security policies
    prune only when the query runs, after every county's partitions were planned (a
    household search planned 90 counties' partitions for 230 ms, against 2 ms)."""
    return f"(CAST(:county AS bpchar) IS NULL OR {column} = CAST(:county AS bpchar))"


def enter(conn, scope: Scope, *, reading: bool = False) -> None:
    """Set ``scope`` for the rest of the transaction: the row-level-security policies
    on households, persons, events and the review queue key on it, and the access log
    takes the user, role and address from it.

    ``reading``: an interactive read (a tile, a search, a panel) that at most logs
    itself. Its commit need not wait for the disk, so a crash at that instant may lose
    the last fraction of a second of access-log entries, never a write of data (events
    and placements always wait). And it runs without parallel workers: for the few
    thousand rows of a tile, starting them cost more than they saved (a busy street
    tile took 30 ms with two workers, 7 ms without) and under load they take the cores
    other requests are waiting for.
    """
    conn.execute(
        sa.text(
            "SELECT set_config('popgis.scope', :p, true), set_config('popgis.user', :u, true),"
            " set_config('popgis.role', :r, true), set_config('popgis.addr', :a, true),"
            " set_config('synchronous_commit', CASE WHEN :reading THEN 'off' ELSE "
            "current_setting('synchronous_commit') END, true),"
            " set_config('max_parallel_workers_per_gather', CASE WHEN :reading THEN '0' ELSE "
            "current_setting('max_parallel_workers_per_gather') END, true)"
        ),
        {
            "p": scope.path,
            "u": scope.user,
            "r": scope.role,
            "a": scope.address or "",
            "reading": reading,
        },
    )


@contextmanager
def widened(conn, scope: Scope):
    """Work in ``scope`` (wider than the caller's) for a block, then restore the caller's
    settings: for counts that must be computed over a whole county and are suppressed
    before anything is cut to the caller's jurisdiction (export tables)."""
    before = conn.execute(
        sa.text(
            "SELECT current_setting('popgis.scope', true), current_setting('popgis.user', true),"
            " current_setting('popgis.role', true), current_setting('popgis.addr', true)"
        )
    ).one()
    enter(conn, scope)
    try:
        yield
    finally:
        conn.execute(
            sa.text(
                "SELECT set_config('popgis.scope', coalesce(:p, ''), true), "
                "set_config('popgis.user', coalesce(:u, ''), true), "
                "set_config('popgis.role', coalesce(:r, ''), true), "
                "set_config('popgis.addr', coalesce(:a, ''), true)"
            ),
            {"p": before[0], "u": before[1], "r": before[2], "a": before[3]},
        )


def require_people(scope: Scope) -> None:
    """Forbidden unless ``scope``'s role may see people (planners and auditors see
    aggregates only). Called before any lookup, so that existence is never revealed."""
    if not scope.can_read_people:
        raise Forbidden(_("{role} accounts see aggregates only", role=role_name(scope.role)))


def find_household_ids(conn, ref: str) -> list[int]:
    """Ids of the households numbered ``ref`` (or with id ``ref``) that the connection
    may see: for the access log's "who read this household"."""
    return list(
        conn.execute(
            sa.text(
                "SELECT coalesce(array_agg(id), '{}') FROM households "
                "WHERE household_no = :h OR id::text = :h"
            ),
            {"h": str(ref)},
        ).scalar()
    )


def scope_for_area(conn, area_code: str, *, user: str = "system", role: str = "county") -> Scope:
    """A scope rooted at ``area_code`` (12- or 15-digit code); raises NotFound if unknown."""
    row = conn.execute(
        sa.text("SELECT path, level FROM admin_area WHERE code = :c"), {"c": area_code}
    ).one_or_none()
    if row is None:
        raise NotFound("admin area")
    return Scope(user=user, role=role, area_code=area_code, path=row.path, level=row.level)


#: digits of an area code by level (the rest of its 12 are zeros): province, city,
#: county, township, village
AREA_DIGITS = (2, 4, 6, 9, 12)
GRID_DIGITS = 15


def _area_form() -> str:
    """What ``--area`` takes, said in every refusal of it."""
    return _(
        "expected the code of a province, city, county, township or village (2, 4, 6, 9 "
        "or 12 digits: 33, 3307, 330782, 330782001 or 330782001001; the first four also "
        "written out to 12 with zeros) or the 15-digit code of a grid"
    )


def checked_area_code(code: str, option: str = "--area") -> str:
    """The 12-digit code (15 for a grid) of ``code`` given as ``option`` on the command
    line: 2, 4, 6 or 9 digits (a province, city, county or township) are written out
    to 12 with zeros. Anything else, empty or blank included: :class:`InvalidInput`
    naming it, the form expected and `popgis areas`."""
    text = code.strip()
    if text.isascii() and text.isdigit() and len(text) in (*AREA_DIGITS, GRID_DIGITS):
        return text.ljust(12, "0")
    if not text:  # `--area ''` (a variable left unset in a script) is no area, not "all"
        raise InvalidInput(
            _(
                "{option} is empty: {form}; `popgis areas` lists the areas loaded (leave "
                "{option} out for the default)",
                option=option,
                form=_area_form(),
            )
        )
    raise InvalidInput(
        _(
            "{option} {code!r} is not an area code: {form}; `popgis areas` lists the areas loaded",
            option=option,
            code=code,
            form=_area_form(),
        )
    )


def area_scope_of(
    conn, code: str, option: str = "--area", *, user: str = "cli", role: str = "county"
) -> Scope:
    """:func:`scope_for_area` of ``code`` given as ``option`` on the command line (2 to
    12 digits, or a grid's 15: :func:`checked_area_code`): a malformed code refused by
    :func:`checked_area_code`; one of no area loaded a ``NotFound`` naming it, the form
    expected and `popgis areas`."""
    given, code = code, checked_area_code(code, option)
    try:
        return scope_for_area(conn, code, user=user, role=role)
    except NotFound:
        raise NotFound(
            message=_(
                "{option} {given}: no area {code} is loaded here; `popgis areas` lists "
                "the areas loaded ({form})",
                option=option,
                given=given,
                code=code,
                form=_area_form(),
            )
        ) from None


def command_scope(conn, area_code: str | None = None, *, user: str = "cli") -> Scope:
    """The scope a command-line job acts in, with the county role, as ``user``.

    The one rule for every command: the subtree of ``area_code`` (``--area``) when given;
    otherwise the one county loaded. No county loaded, or several and no ``--area``: an
    ``InvalidInput`` saying what to do; a malformed code: ``InvalidInput``; a code of no
    area loaded: ``NotFound`` (both naming the code, the form expected and `popgis
    areas`: :func:`area_scope_of`).
    """
    if area_code is not None:
        return area_scope_of(conn, area_code, user=user, role="county")
    codes = (
        conn.execute(sa.text("SELECT code FROM admin_area WHERE level = 'county' ORDER BY code"))
        .scalars()
        .all()
    )
    if not codes:
        raise InvalidInput(
            _("no county loaded; run `popgis load admin FILE` or `popgis demo` first")
        )
    if len(codes) > 1:
        raise InvalidInput(
            _(
                "several counties are loaded ({codes}); choose one with --area CODE",
                codes=", ".join(codes),
            )
        )
    return scope_for_area(conn, codes[0], user=user, role="county")


def jurisdiction(conn, scope: Scope) -> tuple[str, str]:
    """``(name, example)``: the name of ``scope``'s area and a code an export of it
    takes: its first county (a province's or city's), else its own code."""
    row = conn.execute(
        sa.text("""
        SELECT (SELECT name FROM admin_area WHERE code = :c) AS name,
               (SELECT code FROM admin_area WHERE level = 'county' AND path LIKE :p
                ORDER BY code LIMIT 1) AS example"""),
        {"c": scope.area_code, "p": scope.like},
    ).one()
    example = row.example if scope.level in ("province", "city") else scope.area_code
    return row.name or scope.area_code, example or "330782000000"


def suggested_area(
    conn, scope: Scope, digits: str, *, grids: bool = True, counties: bool = False
) -> str:
    """The code to suggest to a user of ``scope`` who sent a malformed area code that
    starts with ``digits`` (ASCII; '3307' of '3307x'): the 12-digit form of what was
    typed (a province's 2, a city's 4, a county's 6, a township's 9 digits written out
    with zeros, a grid's 15 as they are) when that area is loaded and inside the
    jurisdiction, else the nearest such area that contains it (by the code's prefixes),
    else the jurisdiction's example (:func:`jurisdiction`). An area outside the
    jurisdiction is never named, so a refusal tells no more than a not-found does.
    ``grids``: a grid may be suggested; ``counties``: only a county or a smaller area
    is taken (a province's or city's exports): a province or city found gives its first
    county."""
    candidates = [digits[:GRID_DIGITS]] if grids and len(digits) >= GRID_DIGITS else []
    candidates += [digits[:n].ljust(12, "0") for n in AREA_DIGITS[::-1] if len(digits) >= n]
    row = conn.execute(
        sa.text("""
        SELECT a.code, a.level,
               (SELECT c.code FROM admin_area c
                WHERE c.level = 'county' AND c.path LIKE a.path || '%'
                ORDER BY c.code LIMIT 1) AS county
        FROM admin_area a
        WHERE a.code = ANY(:codes) AND a.path LIKE :like
        ORDER BY array_position(CAST(:codes AS text[]), a.code) LIMIT 1"""),
        {"codes": candidates, "like": scope.like},
    ).one_or_none()
    if row is None:
        return jurisdiction(conn, scope)[1]
    if counties and row.level in ("province", "city"):
        return row.county or jurisdiction(conn, scope)[1]
    return row.code


def not_in_jurisdiction(
    conn, scope: Scope, code: str, *, param: str = "area", option: str | None = None
) -> NotFound:
    """The one answer to an area that is not loaded and to one outside the user's
    jurisdiction (the two must not be told apart): the code, the jurisdiction and a code
    that is taken; the web's ``param=``, or the command line's ``option``."""
    name, example = jurisdiction(conn, scope)
    if option is None:
        message = _(
            "{param}={code}: no such area in your jurisdiction ({name}); send the 12-digit "
            "code of an area in it, e.g. {param}={example}",
            param=param,
            code=code,
            name=name,
            example=example,
        )
    else:
        message = _(
            "{option} {code}: no such area in the jurisdiction ({name}); give an area in "
            "it, e.g. {option} {example}; `popgis areas --under {own}` lists them",
            option=option,
            code=code,
            name=name,
            example=example,
            own=scope.area_code,
        )
    return NotFound(message=message)


def holding_area(conn, path: str, level: str) -> str | None:
    """The code of the area of ``level`` that holds the area at ``path`` (a grid's
    village, a village's township); None when there is none above it."""
    return conn.execute(
        sa.text(
            "SELECT code FROM admin_area WHERE level = :level AND :path LIKE path || '%' "
            "AND path <> :path ORDER BY length(path) DESC LIMIT 1"
        ),
        {"level": level, "path": path},
    ).scalar()
