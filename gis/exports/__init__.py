"""Briefing exports that are safe to hand out: maps, atlases, tables and GIS layers.

Everything here works on aggregates: counts per admin area with small counts suppressed
(:mod:`gis.exports.aggregates`) and heat maps built from counts per metric cell with a
kernel bandwidth floor (:mod:`gis.exports.heat`). No individual point, name, ID or phone
number is ever read by this package; the counts come from :mod:`gis.gate.aggregates`.
Every export is written to ``access_log`` (action ``export``) by :func:`log_export`.
"""

from __future__ import annotations

import os

from gis import audit, settings
from gis.errors import Forbidden, InvalidInput, NotFound
from gis.gate import Scope, scope_for_area
from gis.messages import _, role_name
from gis.scope import jurisdiction, not_in_jurisdiction

#: levels above the county: their users see aggregates on the map, and export one county
#: at a time (the exports' statistics, suppression and layout are made per county)
REGIONAL_LEVELS = frozenset({"province", "city"})


def source_line(k: int, bw: float) -> str:
    """The source line of every map and table, in the current language (``k``: the
    suppression threshold, ``bw``: the heat maps' bandwidth floor in metres)."""
    return _(
        "Source: popgis population and family-planning services information system "
        "(population register, service points and service records). Aggregates only: "
        "counts below {k} withheld; heat maps with a kernel bandwidth of at least {bw:g} m, "
        "no colour where fewer than {k} households.",
        k=k,
        bw=bw,
    )


def synthetic_note(synthetic: bool) -> str:
    """What follows the source line when the area is demo data (else nothing)."""
    return _(" (demo data, synthetic)") if synthetic else ""


def long_date(day) -> str:
    """A date as exports print it (2026年12月06日 / 2026-12-06)."""
    return _("{year}-{month:02d}-{day:02d}", year=day.year, month=day.month, day=day.day)


def orientation_name(landscape: bool) -> str:
    """Landscape or portrait, as file names and titles give it."""
    return _("landscape") if landscape else _("portrait")


def paper_part(size: str, landscape: bool) -> tuple[str, str]:
    """The paper of a map or an atlas in its file names: ``(A4-landscape, A4 landscape)``
    (A4横向 in Chinese), one part of :func:`file_names` for both."""
    orient = "landscape" if landscape else "portrait"
    local = _("{size} {orientation}", size=size, orientation=orientation_name(landscape))
    return f"{size}-{orient}", local


def file_names(
    conn, what: str, local_what: str, area_code: str, on, fmt: str, *parts: tuple[str, str]
) -> tuple[str, str]:
    """``(ASCII name, local name)`` of an export file, every export by this one rule:
    ``popgis-WHAT-CODE[-PART…]-YYYYMMDD.FMT`` (``what``: the export and its details in
    ASCII, ``map-density-grid``) for every client, and ``AREA-KIND[-PART…]-YYYYMMDD.FMT``
    for those that read a UTF-8 name: the area's official name (untranslated, a grid's
    included: :func:`basemap.official_name`), the kind of export in the current language
    (``local_what``), each of ``parts`` (ASCII, local) in its place (the paper)."""
    from gis.exports import basemap

    day = f"{on:%Y%m%d}"
    name = "-".join([f"popgis-{what}", area_code, *(a for a, _z in parts), day])
    area = basemap.official_name(conn, area_code)
    local = "-".join([area, local_what, *(z for _a, z in parts), day])
    return f"{name}.{fmt}", f"{local}.{fmt}"


def setting(name: str, default: str) -> str:
    """A setting declared in :mod:`gis.settings`, or (until it is declared there) read
    from the environment with ``default``."""
    try:
        value = settings.get(name)
    except KeyError:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def area_scope(
    conn,
    scope: Scope,
    area_code: str | None,
    *,
    option: str | None = None,
    given: str | None = None,
) -> Scope:
    """The scope of ``area_code`` for ``scope``'s user: the area must lie inside the
    user's jurisdiction; an area outside it is reported exactly like a missing one (one
    message naming the code and one to send instead). A province or city user must name
    one of its counties (a 400 naming ``area``). ``option`` (``--area``): the messages
    speak of the command's option and `popgis areas` instead of the web's ``area=``;
    ``given``: the code as typed there (``--area 33``), which they echo (the 12-digit
    form after it in brackets when they differ).

    Given ``scope`` itself (an area already checked by this function: the command line
    checks ``--area`` first, for its messages), only the county rule is applied: no
    second lookup."""
    said = as_given(area_code, given)
    if not area_code or area_code == scope.area_code:
        county_required(conn, scope, said, option=option)
        return scope
    try:
        inner = scope_for_area(conn, area_code, user=scope.user, role=scope.role)
    except NotFound:
        inner = None
    if inner is None or not inner.path.startswith(scope.path):
        raise not_in_jurisdiction(conn, scope, said or area_code, option=option)
    county_required(conn, inner, said, option=option)
    return inner


def as_given(area_code: str | None, given: str | None) -> str | None:
    """``area_code`` as messages echo it: as the user typed it (``33``), followed by the
    12-digit code it stands for when that differs (``33 (330000000000)``)."""
    if given is None or area_code is None or given.strip() == area_code:
        return area_code
    return f"{given.strip()} ({area_code})"


def county_required(conn, scope: Scope, given: str | None, *, option: str | None = None) -> None:
    """A 400 naming ``area`` (``option`` on the command line) when ``scope`` is a
    province or a city: its exports are made one county at a time, so ``area`` is a
    parameter it must send (absent, or the code of the province or city itself, it is
    missing, not forbidden). The message shows a county code of the user's to send."""
    if scope.level not in REGIONAL_LEVELS:
        return
    name, example = jurisdiction(conn, scope)
    if option is not None:
        raise InvalidInput(_county_required_cli(scope, given, option, name, example))
    if not given:
        raise InvalidInput(
            _(
                "area is missing: exports are made one county at a time; send "
                "area=<12-digit county code> with one of your counties, e.g. area={example}",
                example=example,
            )
        )
    raise InvalidInput(
        _(
            "area={code} is {name}, not a county: exports are made one county at a time; "
            "send area=<12-digit county code> with one of its counties, e.g. area={example}",
            code=given,
            name=name,
            example=example,
        )
    )


def _county_required_cli(
    scope: Scope, given: str | None, option: str, name: str, example: str
) -> str:
    """:func:`county_required`'s message in the command line's terms."""
    if not given:
        return _(
            "{option} is missing: a {role} account exports one county at a time; give {option} "
            "with one of its counties, e.g. {option} {example} (`popgis areas --under "
            "{own}` lists them)",
            option=option,
            role=role_name(scope.role),
            example=example,
            own=scope.area_code,
        )
    return _(
        "{option} {code} is {name}, not a county: exports are made one county at a time; "
        "give {option} with one of its counties, e.g. {option} {example} (`popgis areas "
        "--under {under}` lists them)",
        option=option,
        code=given,
        name=name,
        example=example,
        under=scope.area_code,
    )


def require_county_or_below(scope: Scope) -> None:
    """Forbidden for a province or city as a whole: exports are made per county (a
    guard for callers that did not go through :func:`area_scope`)."""
    if scope.level in REGIONAL_LEVELS:
        raise Forbidden(
            _(
                "exports are made for one county at a time: give area=<county code> "
                "(one of your counties)"
            )
        )


def log_export(conn, scope: Scope, what: str, area_code: str, detail: dict | None = None) -> None:
    """Record an export in ``access_log``: who (user, role, address), what, which area,
    when."""
    audit.record(
        conn,
        scope,
        "export",
        kind=what,
        target=area_code,
        detail={"role": scope.role, **(detail or {})},
    )
