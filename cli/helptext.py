"""``--help`` in the user's language: click's help strings through the catalogue.

Help texts are written in English at the commands (as every message is) and looked up in
the catalogue (:mod:`gis.catalogue.cli_help`) when help is shown, not when the modules are
imported: only then is the language known (``--lang``, read before ``--help`` because it
is eager, or ``POPGIS_LANG``; Chinese by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import click

from gis.messages import _, set_language, speaking

#: the help option's text (click's msgid)
HELP_MSGID = "Show this message and exit."
#: where the eager ``--lang`` leaves its value on the root context
LANG_KEY = "popgis.lang"


def lang_callback(ctx: click.Context, _param, value):
    """``--lang``: kept for the help texts (the command's messages use it too), and made
    the current language at once, so that click's own parse errors that follow (and
    their "Error:" line, shown after the command's context has closed) use it too
    (``PopgisGroup.main`` restores the language when the run ends)."""
    if value:
        ctx.meta[LANG_KEY] = value
        set_language(value)
    return value


def _in_language(text: str | None) -> str | None:
    if not text:
        return text
    ctx = click.get_current_context(silent=True)
    lang = ctx.find_root().meta.get(LANG_KEY) if ctx else None
    with speaking(lang) if lang else nullcontext():
        return _(text)


@contextmanager
def _translated(cmd: click.Command) -> Iterator[None]:
    """The command's and its options' help texts in the user's language for a block."""
    saved = [(cmd, "help", cmd.help), (cmd, "short_help", cmd.short_help)]
    saved += [(p, "help", getattr(p, "help", None)) for p in cmd.params]
    for obj, attr, text in saved:
        setattr(obj, attr, _in_language(text))
    try:
        yield
    finally:
        for obj, attr, text in saved:
            setattr(obj, attr, text)


class TranslatedHelp:
    """Mixed into every command of the tree by :func:`translate_tree`."""

    def get_help(self, ctx):
        with _translated(self):  # type: ignore[arg-type]
            return super().get_help(ctx)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        english = self.short_help or self.help  # type: ignore[attr-defined]
        text = _in_language(english)
        if text and text != english and not self.short_help:  # type: ignore[attr-defined]
            # Chinese has no spaces for click to cut at: the first sentence, shortened
            first = text.replace("\n", "").split("。")[0]
            return first if len(first) <= limit else first[: limit - 1] + "…"
        with _translated(self):  # type: ignore[arg-type]
            return super().get_short_help_str(limit)  # type: ignore[misc]

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            # click's own "Show this message and exit." (click may have given it already
            # translated, in the language current when the option was made)
            msgid = getattr(option, "_popgis_msgid", None) or HELP_MSGID
            option._popgis_msgid = msgid
            option.help = _in_language(msgid)
        return option


def translate_tree(cmd: click.Command) -> None:
    """Give ``cmd`` and every command under it help in the user's language (their
    classes get :class:`TranslatedHelp` mixed in; nothing else changes)."""
    if not isinstance(cmd, TranslatedHelp):
        cmd.__class__ = type("Translated" + type(cmd).__name__, (TranslatedHelp, type(cmd)), {})
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            translate_tree(sub)
