"""click's own messages in the user's language.

click marks its messages for gettext (``from gettext import gettext as _`` in each of its
modules) but ships no catalogue, so its parse errors, ``Usage:``, ``Options`` and
``[default: …]`` came out in English under the Chinese default. :func:`install` points
those modules' ``_`` and ``ngettext`` at :func:`gettext`/:func:`ngettext` here, which look
click's English msgids up in :mod:`gis.catalogue.click_text` when the language is
Chinese (``--lang``, ``POPGIS_LANG``; Chinese by default) and leave them as they are in
English. A msgid without an entry stays English (tests/test_cli_click_text.py checks
that the installed click's msgids all have one).
"""

from __future__ import annotations

import re

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

from gis.catalogue import ZH
from gis.messages import language

#: click's modules whose messages are translated (each binds its own ``_``)
MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
    click.utils,
)


def gettext(message: str) -> str:
    """click's msgid ``message`` in the current language (click formats it itself)."""
    if language() == "zh":
        return ZH.get(message, message)
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural msgid for ``n``, in the current language."""
    return gettext(singular if n == 1 else plural)


_click_missing = click.exceptions.MissingParameter.format_message
#: the full stop click puts after the missing parameter's name ("{missing}{hint}.{msg}")
_AFTER_HINT = re.compile(r"\.(?: |$)")


def _missing_message(self: click.exceptions.MissingParameter) -> str:
    """click's "Missing option '--kinds'." with a Chinese full stop in Chinese
    (缺少选项 '--kinds'。): the "." is in click's code, not in a msgid."""
    text = _click_missing(self)
    if language() != "zh":
        return text
    return _AFTER_HINT.sub("。", text, count=1)


def install() -> None:
    """Give click's modules these functions in place of the standard gettext's."""
    for module in MODULES:
        module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    click.exceptions.MissingParameter.format_message = _missing_message  # type: ignore[method-assign]
