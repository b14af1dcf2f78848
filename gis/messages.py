"""User-facing messages in Chinese (the default) and English, from one catalogue.

Code writes the English text, gettext-style, and passes it through :func:`_`::

    raise InvalidInput(_("{file}: row {row}: {column} is empty", file=name, row=3, column="address"))

The Chinese text for each English message lives in ``gis/catalogue/`` (one module per
area so that people working on different parts add entries in different files); a test
checks that every literal message given to ``_`` has its Chinese text with the same
placeholders. The language is chosen per call site's context: the web app sets it for
each request (the user's choice, else ``Accept-Language``), the CLI from ``--lang`` or
``POPGIS_LANG``; everywhere else ``POPGIS_LANG`` (default ``zh``).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import string
import unicodedata
from collections.abc import Iterator

from gis.catalogue import ZH

LANGUAGES = ("zh", "en")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("popgis_lang", default=None)


def language() -> str:
    """The language messages are given in now: the context's, else ``POPGIS_LANG``."""
    lang = _current.get() or os.environ.get("POPGIS_LANG", "zh")
    return lang if lang in LANGUAGES else "zh"


def set_language(lang: str | None) -> contextvars.Token:
    """Make ``lang`` (``zh`` or ``en``; anything else means the default) current."""
    return _current.set(lang if lang in LANGUAGES else None)


@contextlib.contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Give messages in ``lang`` inside the block."""
    token = set_language(lang)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str, /, **params: object) -> str:
    """``message`` in the current language, with ``params`` filled in.

    An English message without a Chinese entry is given in English rather than failing
    (the catalogue test catches it before it ships).
    """
    text = message
    if language() == "zh":
        text = ZH.get(message, message)
    return text.format(**params) if params else text


def clip(value: object, limit: int = 60) -> object:
    """``value`` as a message shows what was sent: text longer than ``limit`` cut with
    "…" (a 5,000-character parameter was echoed whole in its refusal); anything else as
    it is."""
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def placeholders(message: str) -> set[str]:
    """The ``{names}`` a message uses (the catalogue test compares them)."""
    return {name for _t, name, _f, _c in string.Formatter().parse(message) if name}


def role_name(role: str | None) -> str:
    """A user role's name in the current language (``planner`` → 规划人员 / Planner);
    anything that is not a role comes back as it is."""
    names = {
        "province": _("Province staff"),
        "city": _("City staff"),
        "county": _("County staff"),
        "township": _("Township staff"),
        "village": _("Village staff"),
        "planner": _("Planner"),
        "auditor": _("Auditor"),
    }
    return names.get(role or "", role or "")


def role_names(roles) -> str:
    """Role names joined as alternatives ("Auditor or Planner")."""
    return _(" or ").join(role_name(r) for r in roles)


_CHINESE_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


def _chinese_number(text: str) -> int | None:
    """十二 → 12 (the numbers grids are named with, as webmap/static/map/areas.js reads
    them); None when it is none."""
    if text.isascii() and text.isdigit():
        return int(text)
    m = re.fullmatch(r"([一二三四五六七八九]?)(十?)([一二三四五六七八九]?)", text)
    if not m or not text:
        return None
    if not m[2]:
        return _CHINESE_DIGITS.get(m[1])
    return (_CHINESE_DIGITS[m[1]] if m[1] else 1) * 10 + (_CHINESE_DIGITS[m[3]] if m[3] else 0)


#: the number in a grid's Chinese name (…第3网格, …第十二网格)
_GRID_NUMBER = re.compile(r"第([0-9一二三四五六七八九十]+)网格")


def area_label(name: str | None, code: str) -> str:
    """An area's name as the map shows it: in English a grid (a 15-digit code) is
    "Grid N", its number read from its Chinese name "…第N网格" (else its number in the
    village), as the map's popups and breadcrumb do; any other area keeps its name."""
    if len(code) != 15 or language() != "en":
        return name or code
    m = _GRID_NUMBER.search(name or "")
    n = _chinese_number(m[1]) if m else None
    return _("Grid {n}", n=n if n is not None else int(code[-3:]))


#: what ends a village's official name and not the name people use (江滨社区居委会)
_VILLAGE_COMMITTEE = re.compile(r"(居民委员会|村民委员会|居委会|村委会)$")


def grid_label(name: str | None, code: str, village: str | None = None) -> str:
    """A grid as the exports name it, with its village: "Grid 3" alone is ambiguous in a
    county's layer or a file name (every village has a grid 3). In English
    "江滨社区 Grid 3", the village taken from the grid's Chinese name "江滨社区第3网格"
    (the part before 第N网格), else from ``village`` (its village's name, without
    居委会/村委会); in Chinese the official name, with the village before it when the
    name does not already hold it ("江滨社区 第3网格"). Any other area: its
    :func:`area_label`."""
    if len(code) != 15:
        return area_label(name, code)
    m = _GRID_NUMBER.search(name or "")
    prefix = (name or "")[: m.start()].strip() if m else ""
    owner = prefix or _VILLAGE_COMMITTEE.sub("", (village or "").strip())
    base = area_label(name, code)
    if not owner or (language() != "en" and owner in base):
        return base
    return f"{owner} {base}"


#: the event kinds (the codes of events.kind, gis.scope.EVENT_KINDS) in their order
EVENT_KIND_CODES = ("visit", "distribution", "follow_up", "move_in", "move_out")


def event_kind_name(kind: str) -> str:
    """An event kind's word in the current language (``follow_up`` → 随访 / follow-up), as
    the map's panel shows it and an events file may write it; anything else comes back
    as it is."""
    names = {
        "visit": _("visit"),
        "distribution": _("distribution"),
        "follow_up": _("follow-up"),
        "move_in": _("move-in"),
        "move_out": _("move-out"),
    }
    return names.get(kind, kind)


def event_kind_names() -> str:
    """Every event kind's word, as a list in the current language."""
    return _(", ").join(event_kind_name(k) for k in EVENT_KIND_CODES)


def who(user: str, role: str, area_name: str) -> str:
    """The user line of a page header: name, role name and area; the name is left out
    when it is the role's own code (the demo accounts), so no code ever shows."""
    parts = [role_name(role), area_name]
    if user != role:
        parts.insert(0, user)
    return " · ".join(p for p in parts if p)


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two): for tables."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(rows: list[list[str]]) -> list[str]:
    """``rows`` (the first the headers) as aligned lines, a rule under the headers."""
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = (c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
