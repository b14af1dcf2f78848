"""The top-level ``popgis`` group: ``--version``, ``--lang``, and every command group."""

from __future__ import annotations

from importlib import metadata
from typing import NoReturn

import click

from cli import (
    clicktext,
    database,
    demo,
    export,
    geocode,
    interrupt,
    load,
    planning,
    serve,
    stats,
    users,
)
from cli.common import INTERRUPTED, fail
from cli.helptext import lang_callback, translate_tree
from gis import db
from gis.errors import PopgisError
from gis.messages import LANGUAGES, _, speaking


def _version() -> str:
    try:
        return metadata.version("popgis")
    except metadata.PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


class PopgisGroup(click.Group):
    """The ``popgis`` group: Ctrl-C ends any command with one line in the user's language
    and exit 130 (the shell's code for SIGINT), not click's English "Aborted!" and 1,
    also while the command line is read and when a Ctrl-C was swallowed on the way (a
    command that returns after one: :func:`cli.interrupt.came`). Commands that leave
    something half done say so themselves (``geocode``)."""

    def main(self, *args, **kwargs):
        # --lang sets the language for the whole run, click's last "Error:" line included;
        # it ends with the run (one process may run several, as the tests do)
        with speaking(None):
            return super().main(*args, **kwargs)

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            interrupted()

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()
        except PopgisError as exc:
            # a refusal of the input (a number, a code) that the command did not catch
            # itself: its one line, as the commands say theirs, never a traceback
            if interrupt.came():
                interrupted()
            fail(exc.message)
        except Exception:
            # a Ctrl-C that a library turned into its own error: pybind11 makes one during
            # a C extension's import (highspy's) "ImportError: initialization failed"
            if interrupt.came():
                interrupted()
            raise
        if interrupt.came():  # a Ctrl-C swallowed on the way: the user asked to stop
            interrupted()
        return result


def interrupted() -> NoReturn:
    """End the command for Ctrl-C: one line, exit 130. Later Ctrl-Cs are ignored first
    (:func:`cli.interrupt.calm`): one sent again after a finaliser, landing while the
    exit unwinds, was raised past every handler and killed the process by the signal
    (exit -2 after the line, CI of stop 25)."""
    interrupt.calm()
    fail(_("interrupted (Ctrl-C)"), INTERRUPTED)


@click.group(cls=PopgisGroup)
@click.version_option(_version(), "--version", prog_name="popgis")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    is_eager=True,  # before --help, so that the help is in this language
    callback=lang_callback,
    help="language of messages: zh (default) or en; default POPGIS_LANG",
)
@click.pass_context
def main(ctx, lang):
    """popgis: population GIS for county population and family-planning services."""
    # messages in the chosen language until the command ends (POPGIS_LANG otherwise)
    ctx.with_resource(speaking(lang))
    if not db.uses_local_cluster():
        try:  # a malformed POPGIS_DATABASE_URL is said once, with the fix, not as a traceback
            db.database_url()
        except PopgisError as exc:
            fail(exc.message)


for command in (
    database.db_group,
    load.load,
    demo.demo,
    demo.generate,
    stats.stats_cmd,
    stats.areas_cmd,
    users.users_group,
    users.audit,
    geocode.parse_address,
    geocode.geocode,
    geocode.gazetteer_group,
    planning.coverage_cmd,
    planning.place_cmd,
    export.export_group,
    serve.serve,
):
    main.add_command(command)
translate_tree(main)
clicktext.install()

if __name__ == "__main__":
    main()
