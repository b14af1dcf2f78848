"""Strict parsing of request parameters: anything odd is InvalidInput (a 400 with a
message), never a 500 further down.

Numbers are ASCII digits only (``str.isdigit`` also accepts '²' and '٣'), bounded, and
finite; text has no NUL or other control characters and a bounded length. Views call
these instead of ``int()``/``float()`` on request values.

Unknown query parameters are ignored by the app's own routes and refused by the OGC API
(its standard asks for a 400); see ``refuse_unknown``.
"""

from __future__ import annotations

import math
import re

from flask import request

from gis.errors import InvalidInput
from gis.messages import _

_INT = re.compile(r"[+-]?[0-9]{1,18}")
# a plain decimal number: no exponent, no inf/nan, no underscores, ASCII only
_NUM = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 500
#: bigint, the type of every id column
BIGINT_MAX = 2**63 - 1


def integer(raw, name: str, *, low: int = 0, high: int = BIGINT_MAX,
            default: int | None = None) -> int | None:
    """A whole number from a query string (or a JSON int) within [low, high]."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise InvalidInput(_("{name} must be a whole number", name=name))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _INT.fullmatch(raw.strip()):
        value = int(raw.strip())
    else:
        raise InvalidInput(_("{name} must be a whole number in digits 0-9; got {show}", name=name, show=_show(raw)))
    if not low <= value <= high:
        raise InvalidInput(_("{name}={value} is outside [{low}, {high}]", name=name, value=value, low=low, high=high))
    return value


def number(raw, name: str, *, low: float = -1e12, high: float = 1e12,
           default: float | None = None) -> float | None:
    """A finite decimal number within [low, high] (no inf, nan or exponent)."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise InvalidInput(_("{name} must be a number", name=name))
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str) and _NUM.fullmatch(raw.strip()):
        value = float(raw.strip())
    else:
        raise InvalidInput(_("{name} must be a number; got {show}", name=name, show=_show(raw)))
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidInput(_("{name}={show} is outside [{low:g}, {high:g}]", name=name, show=_show(raw), low=low, high=high))
    return value


def text(raw, name: str, *, max_len: int = MAX_TEXT, default: str | None = None) -> str | None:
    """A string without control characters (NUL included), at most ``max_len`` long."""
    if raw is None:
        return default
    if not isinstance(raw, str):
        raise InvalidInput(_("{name} must be text, not {kind}", name=name, kind=type(raw).__name__))
    if _CONTROL.search(raw):
        raise InvalidInput(_("{name} contains a control character (e.g. NUL)", name=name))
    if len(raw) > max_len:
        raise InvalidInput(_("{name} is longer than {max_len} characters", name=name, max_len=max_len))
    return raw


def bbox(raw, name: str = "bbox", *, allow_3d: bool = False):
    """``minlon,minlat,maxlon,maxlat`` in WGS-84 degrees, finite and ordered."""
    if raw in (None, ""):
        return None
    parts = text(raw, name).split(",")
    if allow_3d and len(parts) == 6:  # 3D bbox: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise InvalidInput(_("{name}={show}: expected 4 numbers minlon,minlat,maxlon,maxlat", name=name, show=_show(raw)))
    w, s, e, n = (number(p, name, low=-180, high=180) for p in parts)
    if not (-90 <= s <= 90 and -90 <= n <= 90):
        raise InvalidInput(_("{name}={show}: latitudes must be within [-90, 90]", name=name, show=_show(raw)))
    if s > n:
        raise InvalidInput(_("{name}={show}: minlat is above maxlat", name=name, show=_show(raw)))
    return (w, s, e, n)


def arg_int(name: str, **kw) -> int | None:
    return integer(request.args.get(name), name, **kw)


def arg_text(name: str, **kw) -> str | None:
    return text(request.args.get(name), name, **kw)


def json_object() -> dict:
    """The request's JSON body, which must be an object."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(_("expected a JSON object body"))
    return body


def refuse_unknown(allowed) -> None:
    """400 when the query string names a parameter not in ``allowed``."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise InvalidInput(_("unknown query parameter {show}; this resource takes {allowed}", show=_show(unknown[0]), allowed=', '.join(sorted(allowed)) or 'none'))


def check_request() -> None:
    """Before every request: no NUL or other control characters in the query string or
    the path's parts (PostgreSQL refuses NUL in text), and every ``<int:…>`` of the path
    within bigint (ids are bigint; a larger number would fail in SQL)."""
    for key, value in request.args.items(multi=True):
        if _CONTROL.search(key) or _CONTROL.search(value):
            raise InvalidInput(_("query parameter {show} contains a control character", show=_show(key)))
    for key, value in (request.view_args or {}).items():
        if isinstance(value, int) and not -BIGINT_MAX <= value <= BIGINT_MAX:
            raise InvalidInput(_("{key}={value} is too large", key=key, value=value))
        if isinstance(value, str) and _CONTROL.search(value):
            raise InvalidInput(_("{key} contains a control character", key=key))


def _show(raw) -> str:
    s = repr(raw)
    return s if len(s) <= 60 else s[:57] + "…'"
