"""Strict parsing of request parameters: anything odd is InvalidInput (a 400 with a
message), never a 500 further down.

Numbers are ASCII digits only (``str.isdigit`` also accepts '²' and '٣'), without a
plus sign or spaces, bounded, and finite; switches are 1/0/true/false in a query string,
JSON true/false in a body (``json_switch``); text has no NUL
or other control characters and a bounded length; a bbox is four such numbers; JSON
bodies come through ``json_body``/``json_object``; every ``<int:…>`` of a path is
``AsciiIntConverter`` (registered in ``create_app``). Views call these instead of
``int()``/``float()``/``get_json()`` on request values.

Unknown query parameters are ignored by the app's own routes and refused by the OGC API
and the planner (the OGC standard asks for a 400); see ``refuse_unknown``. A parameter
given twice is refused on every route (``check_request``), except those a route marks
``repeatable``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import re
import unicodedata

from flask import current_app, request
from werkzeug.routing import IntegerConverter

from gis.errors import InvalidInput
from gis.messages import _
from gis.scope import suggested_area
from webmap.dbconn import get_conn

# ASCII digits only, no sign and no surrounding spaces (re's \d and str.isdigit accept
# '١٢' and '１２'); a query string never needs a sign: every count and id is >= 0. Up to
# 30 digits, so that a number too large is told so (the range check below)
_INT = re.compile(r"[0-9]{1,30}")
# a decimal number read as in a JSON body: an optional minus (longitudes west, offsets)
# and exponent (120.07e0 is 120.07, 1e308 a number out of range); no plus, no inf/nan,
# no underscores, no spaces, ASCII only
_NUM = re.compile(r"-?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})(?:[eE][+-]?[0-9]{1,5})?")
# a date as YYYY-MM-DD, ASCII digits (fromisoformat also takes 20260230 and 2026-W09)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 500
#: bigint, the type of every id column
BIGINT_MAX = 2**63 - 1


def integer(
    raw, name: str, *, low: int = 0, high: int = BIGINT_MAX, default: int | None = None
) -> int | None:
    """A whole number from a query string (ASCII digits, no sign, no spaces) or a JSON
    int, within [low, high]."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise InvalidInput(_("{name} must be a whole number", name=name))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _INT.fullmatch(raw):
        value = int(raw)
    else:
        raise InvalidInput(
            _("{name} must be a whole number in digits 0-9; got {show}", name=name, show=_show(raw))
        )
    if not low <= value <= high:
        raise InvalidInput(
            _(
                "{name}={value} is outside [{low}, {high}]",
                name=name,
                value=value,
                low=low,
                high=high,
            )
        )
    return value


def number(
    raw, name: str, *, low: float = -1e12, high: float = 1e12, default: float | None = None
) -> float | None:
    """A finite decimal number within [low, high] (an exponent is read as JSON reads
    it; no inf or nan)."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise InvalidInput(_("{name} must be a number", name=name))
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str) and _NUM.fullmatch(raw):
        value = float(raw)
    elif _far_out(raw, low, high):
        # 1e308, -inf: a number, just not one in range (before: "must be a number"):
        # refused below as out of range
        value = math.inf
    else:
        raise InvalidInput(_("{name} must be a number; got {show}", name=name, show=_show(raw)))
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidInput(
            _(
                "{name}={show} is outside [{low:g}, {high:g}]",
                name=name,
                show=_show(raw),
                low=low,
                high=high,
            )
        )
    return value


def _far_out(raw, low: float, high: float) -> bool:
    """Whether ``raw`` is text of a number outside [low, high] in a form :func:`number`
    does not take (an exponent, infinity), or NaN: a number in no range (the README's
    "NaN or infinity a number out of range"; it was "must be a number" here while a
    JSON body's NaN was out of range)."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return False
    return math.isnan(value) or not low <= value <= high


def json_number(
    raw, name: str, *, low: float = -1e12, high: float = 1e12, default: float | None = None
) -> float | None:
    """A JSON number (not text such as "120.08", not true/false) within [low, high]."""
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise InvalidInput(
            _("{name} must be a JSON number, not {show}", name=name, show=_show(raw))
        )
    return number(raw, name, low=low, high=high)


def json_integer(
    raw, name: str, *, low: int = 0, high: int = BIGINT_MAX, default: int | None = None
) -> int | None:
    """A JSON whole number (not text, not true/false) within [low, high]."""
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput(
            _("{name} must be a whole JSON number, not {show}", name=name, show=_show(raw))
        )
    return integer(raw, name, low=low, high=high)


def day(raw: str, name: str) -> dt.date:
    """A date ``YYYY-MM-DD``. One in that form that the calendar lacks (``2026-02-30``)
    is told as such: "no such day", not "wrong format" (which the sender then rechecks
    in vain)."""
    if not _DAY.fullmatch(raw):
        raise InvalidInput(_("{name} must be YYYY-MM-DD", name=name))
    year, month, mday = (int(p) for p in raw.split("-"))
    if not 1 <= month <= 12:
        raise InvalidInput(
            _("{name}={show}: there is no month {month}", name=name, show=raw, month=month)
        )
    days = calendar.monthrange(max(year, 1), month)[1]
    if not 1 <= mday <= days or year < 1:
        raise InvalidInput(
            _(
                "{name}={show}: there is no such day ({year}-{month:02d} has {days} days)",
                name=name,
                show=raw,
                year=year,
                month=month,
                days=days,
            )
        )
    return dt.date(year, month, mday)


def text(raw, name: str, *, max_len: int = MAX_TEXT, default: str | None = None) -> str | None:
    """A string without control characters (NUL included), at most ``max_len`` long."""
    if raw is None:
        return default
    if not isinstance(raw, str):
        raise InvalidInput(_("{name} must be text, not {kind}", name=name, kind=type(raw).__name__))
    if _CONTROL.search(raw):
        raise InvalidInput(_("{name} contains a control character (e.g. NUL)", name=name))
    if len(raw) > max_len:
        raise InvalidInput(
            _("{name} is longer than {max_len} characters", name=name, max_len=max_len)
        )
    return raw


def bbox(raw, name: str = "bbox", *, allow_3d: bool = False):
    """``minlon,minlat,maxlon,maxlat`` in WGS-84 degrees, finite and ordered."""
    if raw in (None, ""):
        return None
    parts = text(raw, name).split(",")
    if allow_3d and len(parts) == 6:  # 3D bbox: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise InvalidInput(
            _(
                "{name}={show}: expected 4 numbers minlon,minlat,maxlon,maxlat",
                name=name,
                show=_show(raw),
            )
        )
    if any(p == "" for p in parts):
        raise InvalidInput(
            _(
                "{name}={show}: expected 4 numbers minlon,minlat,maxlon,maxlat",
                name=name,
                show=_show(raw),
            )
        )
    w, s, e, n = (number(p, name, low=-180, high=180) for p in parts)
    if not (-90 <= s <= 90 and -90 <= n <= 90):
        raise InvalidInput(
            _("{name}={show}: latitudes must be within [-90, 90]", name=name, show=_show(raw))
        )
    if s > n:
        raise InvalidInput(_("{name}={show}: minlat is above maxlat", name=name, show=_show(raw)))
    return (w, s, e, n)


def area_code(raw, name: str, scope, *, grids: bool = True, counties: bool = False) -> str | None:
    """An area code (``area=``): 12 ASCII digits (an area) or 15 (a grid, unless not
    ``grids``); absent or empty: None. Anything else is a 400 naming the parameter and a
    code to send: what was typed written out to 12 digits when that is an area of
    ``scope``'s jurisdiction (``3307`` → 330700000000, '３３０７' and ``3307x`` alike),
    else the nearest one that is (:func:`gis.scope.suggested_area`; ``counties``: a
    county or smaller, as a province's or city's exports take). Before, ``area=123`` was
    answered "admin area not found", and ``within=3307`` suggested the user's province.

    Given empty (``area=``, ``{"area": ""}``) it is a 400 naming it, as every empty
    parameter is: a value left out by mistake, never a silent "the whole area" (the map's
    own requests leave an unset area out)."""
    if raw is None:
        return None
    if isinstance(raw, str) and not raw.strip():
        raise InvalidInput(
            _(
                "{name}= is empty: leave {name} out, or give the code of an area in your "
                "jurisdiction, e.g. {example}",
                name=name,
                example=suggested_area(get_conn(), scope, "", grids=grids, counties=counties),
            )
        )
    code = text(raw, name, max_len=60)
    if code.isascii() and code.isdigit() and len(code) in ((12, 15) if grids else (12,)):
        return code
    example = suggested_area(
        get_conn(), scope, leading_digits(code), grids=grids, counties=counties
    )
    if grids:
        message = _(
            "{name}={show}: expected the 12-digit code of an area (or the 15-digit code of a "
            "grid) in your jurisdiction, e.g. {example}",
            name=name,
            show=_show(raw),
            example=example,
        )
    else:
        message = _(
            "{name}={show}: expected the 12-digit code of an area in your jurisdiction, "
            "e.g. {example}",
            name=name,
            show=_show(raw),
            example=example,
        )
    raise InvalidInput(message)


def leading_digits(code: str) -> str:
    """The digits a malformed code starts with, in ASCII (full-width '３３０７' and other
    scripts' digits read as what they are; what follows the first non-digit dropped)."""
    out = []
    for ch in code.strip():
        value = unicodedata.decimal(ch, None)
        if value is None:
            break
        out.append(str(value))
    return "".join(out)


def arg_int(name: str, **kw) -> int | None:
    return integer(request.args.get(name), name, **kw)


def arg_text(name: str, **kw) -> str | None:
    return text(request.args.get(name), name, **kw)


def boolean(raw, name: str, *, default: bool = False) -> bool:
    """A yes/no switch: 1/0/true/false (any case); anything else is refused, not taken
    as no."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("1", "true"):
        return True
    if isinstance(raw, str) and raw.lower() in ("0", "false"):
        return False
    raise InvalidInput(_("{name}={show}; expected 1, 0, true or false", name=name, show=_show(raw)))


def arg_bool(name: str, **kw) -> bool:
    return boolean(request.args.get(name), name, **kw)


def bbox_arg(name: str = "bbox", **kw):
    """The query string's bounding box (see ``bbox``), or None."""
    return bbox(request.args.get(name), name, **kw)


class _DuplicateMember(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_members(pairs: list) -> dict:
    # json.loads keeps the last of {"k": 2, "k": 3} silently: which one the sender meant
    # is unknown, so the body is refused
    seen: set = set()
    for key, _value in pairs:
        if key in seen:
            raise _DuplicateMember(key)
        seen.add(key)
    return dict(pairs)


def json_body():
    """The request's JSON body, parsed strictly: a body that is not JSON, is nested too
    deeply for the parser (RecursionError), gives an object member twice or holds text
    that is not valid Unicode (a lone surrogate such as "\\ud800", which no database or
    file can store) is a 400."""
    if not request.is_json:
        raise InvalidInput(_("expected a JSON body (Content-Type: application/json)"))
    try:
        body = json.loads(
            request.get_data(cache=True),
            object_pairs_hook=_unique_members,
            parse_float=_json_float,
        )
        # every string must be encodable: a lone surrogate fails here, not in SQL
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise InvalidInput(_("the JSON body is nested too deeply")) from None
    except _DuplicateMember as dup:
        raise InvalidInput(
            _("the JSON body gives member {show} more than once; send it once", show=_show(dup.key))
        ) from None
    except UnicodeError:
        raise InvalidInput(
            _("the JSON body holds text that is not valid Unicode (e.g. a lone surrogate)")
        ) from None
    except ValueError:
        raise InvalidInput(_("the body is not valid JSON")) from None
    return body


def json_object(allowed=None, *, optional: bool = False) -> dict:
    """The request's JSON body (see ``json_body``), which must be an object.

    With ``allowed`` (the members the route takes) a member not in it, or given as null,
    is a 400 naming it: a typo (``id_numbr``) or a field that failed to fill would
    otherwise be a silent default. ``optional``: no body at all is ``{}`` (a POST that
    needs no input, such as restore)."""
    if optional and not request.get_data(cache=True):
        return {}
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidInput(_("expected a JSON object body"))
    if allowed is not None:
        only_members(body, allowed)
        no_nulls(body)
    return body


def only_members(body: dict, allowed, *, where: str | None = None) -> None:
    """400 for a JSON body member the resource does not take (a typo would otherwise be
    a silent default); ``where`` names an item of a list (e.g. "added site 2")."""
    unknown = sorted(set(body) - set(allowed))
    if not unknown:
        return
    takes = ", ".join(sorted(allowed)) or "none"
    if where is not None:
        raise InvalidInput(
            _(
                "{where}: unknown member {show}; it takes {allowed}",
                where=where,
                show=_show(unknown[0]),
                allowed=takes,
            )
        )
    raise InvalidInput(
        _(
            "unknown member {show} in the JSON body; this resource takes {allowed}",
            show=_show(unknown[0]),
            allowed=takes,
        )
    )


def no_nulls(body: dict, required=()) -> None:
    """400 for a member given as null: leaving a member out gives its default, but
    ``"date": null`` is more likely a form field that failed to fill than a wish for the
    default, so it is not taken as one. A ``required`` member has no default to leave it
    out for: its message says it is required."""
    for key, value in body.items():
        if value is None and key in required:
            raise InvalidInput(_("{name} is null: give a value; {name} is required", name=key))
        if value is None:
            raise InvalidInput(
                _(
                    "{name} is null; leave the member out to get its default, or give a value",
                    name=key,
                )
            )


def not_text(raw, name: str, example: str) -> None:
    """A numeric JSON member sent as text ("2") is refused, naming the fix: JSON has
    numbers, and text taken as a number here would be taken differently elsewhere."""
    if isinstance(raw, str):
        raise InvalidInput(
            _(
                '{name}={show} is text; send {name} as a JSON number without quotes, e.g. "{name}": {example}',
                name=name,
                show=_show(raw),
                example=example,
            )
        )


def json_switch(raw, name: str, *, default: bool = False) -> bool:
    """A yes/no member of a JSON body: JSON true or false; absent: ``default``. Text
    ("yes", "true") and numbers (1) are refused, not taken as no: JSON has booleans, and
    a switch such as ``move_village`` hands a family to other staff."""
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    raise InvalidInput(
        _(
            "{name}={show}; send true or false (a JSON boolean, without quotes)",
            name=name,
            show=_show(raw),
        )
    )


class AsciiIntConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits 0-9 only (Werkzeug's ``\\d+`` also takes
    '١٢' and '１２' as 12), at most 30 of them (longer is no route: 404). Values above
    bigint are refused with a 400 by ``check_request``."""

    regex = r"[0-9]{1,30}"

    def __init__(self, map, *args, **kwargs):
        if kwargs.get("signed"):
            raise ValueError("signed <int> paths are not used")
        super().__init__(map, *args, **kwargs)


def refuse_unknown(allowed) -> None:
    """400 when the query string names a parameter not in ``allowed``."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise InvalidInput(
            _(
                "unknown query parameter {show}; this resource takes {allowed}",
                show=_show(unknown[0]),
                allowed=", ".join(sorted(allowed)) or "none",
            )
        )


def repeatable(*names: str):
    """Mark a view whose query parameters ``names`` may be given more than once (e.g.
    ``layer`` of a GeoPackage of several layers); every other parameter given twice is
    refused by ``check_request``. Put it right under ``@bp.route``."""

    def mark(view):
        view.repeatable_params = frozenset(names)
        return view

    return mark


def check_request() -> None:
    """Before every request: no NUL or other control characters in the query string or
    the path's parts (PostgreSQL refuses NUL in text), no query parameter given twice
    (``?bbox=a&bbox=b``: which one the sender meant is unknown, and ``request.args.get``
    would silently take the first) unless the route takes it several times
    (``repeatable``), and every ``<int:…>`` of the path within bigint (ids are bigint; a
    larger number would fail in SQL)."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    several = getattr(view, "repeatable_params", frozenset())
    for key in request.args:
        if key not in several and len(request.args.getlist(key)) > 1:
            raise InvalidInput(
                _("query parameter {name} is given more than once; send it once", name=key)
            )
    for key, value in request.args.items(multi=True):
        if _CONTROL.search(key) or _CONTROL.search(value):
            raise InvalidInput(
                _("query parameter {show} contains a control character", show=_show(key))
            )
    for key, value in (request.view_args or {}).items():
        if isinstance(value, int) and not -BIGINT_MAX <= value <= BIGINT_MAX:
            raise InvalidInput(_("{key}={value} is too large", key=key, value=value))
        if isinstance(value, str) and _CONTROL.search(value):
            raise InvalidInput(_("{key} contains a control character", key=key))


class SentAs(float):
    """A JSON number written with an exponent, or too large for a float (``1e308``,
    ``1e999``, which Python reads as inf): the float, keeping the text it was sent as,
    so that a message names it as the user wrote it (not "1e+308" or "inf")."""

    text: str

    def __new__(cls, text: str):
        number = super().__new__(cls, text)
        number.text = text
        return number


def _json_float(text: str) -> float:
    value = float(text)
    if "e" in text.lower() or not math.isfinite(value):
        return SentAs(text)
    return value


def json_show(value) -> str:
    """A member of a JSON body as JSON spells it (true, not True; ["a"], not ['a']; a
    number as it was sent), cut to 60 characters, for a message naming it."""
    s = value.text if isinstance(value, SentAs) else json.dumps(value, ensure_ascii=False)
    return s if len(s) <= 60 else s[:59] + "…"


def _show(raw) -> str:
    s = raw.text if isinstance(raw, SentAs) else repr(raw)
    return s if len(s) <= 60 else s[:57] + "…'"
