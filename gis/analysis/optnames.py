"""How a planning message names the settings the user gave: the command line's flags
(``--cover``) by default, the web API's parameters (``cover_pct``) inside
:func:`named_as` (the planner API wraps its calls in it), so that a message tells the
user the name they can actually change."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

CLI = {"cover": "--cover", "k": "--k", "time_limit": "--time-limit"}
WEB = {"cover": "cover_pct", "k": "k", "time_limit": "time_limit"}

_names: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar(
    "popgis_option_names", default=CLI
)


def option(key: str) -> str:
    """The name of setting ``key`` (``cover``, ``k``, ``time_limit``) as the user gave it."""
    return _names.get().get(key, key)


def on_web() -> bool:
    """Whether the settings are named as the web API names them: a message that points
    to a command-line input (``--candidates``, ``--demand-file``) has a web wording too."""
    return _names.get() is WEB


@contextlib.contextmanager
def named_as(names: dict[str, str]) -> Iterator[None]:
    """Name the settings as in ``names`` (e.g. :data:`WEB`) inside the block."""
    token = _names.set(names)
    try:
        yield
    finally:
        _names.reset(token)
