"""What every command shares: the error exit, preparing the database, JSON output,
progress bars and the scope a command acts in."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from cli.interrupt import INTERRUPTED  # noqa: F401  (the exit code of Ctrl-C, for commands)
from gis import db, rules
from gis.errors import PopgisError
from gis.messages import _, text_table
from gis.progress import bar  # noqa: F401  (the one progress bar style, for commands)

#: ``--json``: print the result as JSON instead of text (every command that prints results)
json_option = click.option("--json", "as_json", is_flag=True, help="print the result as JSON")


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command: ``message`` on standard error, exit ``code`` (2: bad input or a
    problem to fix; 1 is kept for a load that rejected its file)."""
    click.echo(_("error: {message}", message=message), err=True)
    sys.exit(code)


class OutFile(click.ParamType):
    """A file a command writes (``--out``, ``--csv``), checked when the option is read,
    before any work: not a folder (an existing one, or a path ending in ``/``), in a
    folder that exists and that the user may write in. Each refusal is one line naming
    the path and the fix; otherwise the write would fail only at the end, on the hidden
    part file's name (:func:`write_whole`). ``example``: a file name for the fix."""

    name = "file"

    def __init__(self, example: str) -> None:
        self.example = example

    def _example(self, ctx) -> str:
        """The example file name, with the suffix of ``--format`` when it was given."""
        fmt = ctx.params.get("fmt") if ctx is not None else None  # (click may hold a sentinel)
        return (
            str(Path(self.example).with_suffix(f".{fmt}")) if isinstance(fmt, str) else self.example
        )

    def convert(self, value, param, ctx) -> Path:
        text = os.fspath(value)
        option = param.opts[0] if param is not None and param.opts else "--out"
        path = Path(text)
        if text.endswith(("/", os.sep)) or path.is_dir():
            fail(
                _(
                    "{option} {path} is a folder; give a file in it, e.g. {option} {example}",
                    option=option,
                    path=text,
                    example=Path(text) / self._example(ctx),
                )
            )
        folder = path.parent
        if not folder.is_dir():
            fail(
                _(
                    "the folder {folder} does not exist; create it first (mkdir -p {folder}) "
                    "or give {option} a file in an existing folder",
                    folder=folder,
                    option=option,
                )
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            fail(
                _(
                    "cannot write in the folder {folder} (no permission); give {option} a "
                    "file in a folder you may write in",
                    folder=folder,
                    option=option,
                )
            )
        return path


def write_whole(path: Path, write) -> None:
    """Write ``path`` whole or not at all: ``write(part)`` fills a hidden part file beside
    it (``.NAME.part``), renamed to ``path`` once complete, so that a Ctrl-C or a full
    disk in the middle leaves no partial file under the name the user gave (nor the
    part file). A write that fails (a full disk, the folder removed or made read-only
    since OUT was checked: :class:`OutFile`) ends the command naming OUT."""
    part = path.with_name(f".{path.name}.part")
    try:
        write(part)
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        fail(_("cannot write {file}: {problem}", file=path, problem=exc.strerror or exc))
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def dask_options(engine_help: str):
    """``--engine local|dask``, ``--scheduler`` and ``--workers``, as the batch commands
    (``geocode``, ``coverage``) take them; ``engine_help`` says what each engine does."""

    def wrap(command):
        for option in reversed(
            (
                click.option(
                    "--engine",
                    type=click.Choice(["local", "dask"]),
                    default="local",
                    show_default=True,
                    help=engine_help,
                ),
                click.option(
                    "--scheduler",
                    help="with --engine dask: a Dask scheduler's address (default: a local cluster)",
                ),
                click.option(
                    "--workers",
                    type=click.IntRange(1, 64),
                    default=2,
                    show_default=True,
                    help="with --engine dask and no --scheduler: worker processes of the local cluster",
                ),
            )
        ):
            command = option(command)
        return command

    return wrap


def checked_dask_options(engine: str, scheduler: str | None) -> str | None:
    """``--scheduler`` checked (:func:`checked_scheduler`); the command ends when
    ``--scheduler`` or ``--workers`` is given without ``--engine dask``, or ``--workers``
    with ``--scheduler`` (ignored, they would let the user think the work ran on Dask,
    or on that many workers: a scheduler's workers are those started with it)."""
    source = click.get_current_context().get_parameter_source("workers")
    workers_given = source not in (None, click.core.ParameterSource.DEFAULT)
    if engine != "dask":
        if scheduler is not None:
            fail(_("--scheduler goes with --engine dask"))
        if workers_given:
            fail(_("--workers goes with --engine dask"))
    elif scheduler is not None and workers_given:
        fail(
            _(
                "--workers is the number of worker processes of the local cluster; with "
                "--scheduler the tasks run on the workers started with that scheduler (`dask "
                "worker ADDRESS`, as many as you start): leave out --workers, or --scheduler "
                "for a local cluster"
            )
        )
    return None if scheduler is None else checked_scheduler(scheduler)


def checked_scheduler(text: str) -> str:
    """``--scheduler``: a Dask scheduler's address, or the command ends saying the
    expected form."""
    from gis.dask_cluster import scheduler_address

    try:
        return scheduler_address(text)
    except PopgisError as exc:
        fail(exc.message)


def scheduler_unreachable(address: str) -> NoReturn:
    """End the command: the Dask scheduler at ``address`` did not answer in time."""
    from gis.dask_cluster import CONNECT_SECONDS

    fail(
        _(
            "cannot reach the Dask scheduler at {address} within {seconds} s: check that "
            "it is running (`dask scheduler`) and that the host and port are right",
            address=address,
            seconds=CONNECT_SECONDS,
        )
    )


def dask_client(dask: dict, *, preload: tuple[str, ...] = ()):
    """``(client, cluster)`` of :func:`gis.dask_cluster.start_client` for ``dask``
    (``{"scheduler": address or None, "workers": n}``; ``preload``: the modules of the
    tasks, imported once for a local cluster's workers); a scheduler that cannot be
    reached ends the command saying so."""
    from gis.dask_cluster import start_client

    try:
        return start_client(dask["scheduler"], dask["workers"], preload=preload)
    except OSError:  # the scheduler's address cannot be reached (Dask: "Timed out …")
        if dask["scheduler"] is None:
            raise
        scheduler_unreachable(dask["scheduler"])


def level_name(level: str) -> str:
    """An admin level's or a geocode level's name in the user's language (the codes
    stay in --json)."""
    names = {
        "building": _("building"),
        "compound": _("compound"),
        "group": _("group"),
        "grid": _("grid"),
        "village": _("village"),
        "township": _("township"),
        "county": _("county"),
        "city": _("city"),
        "province": _("province"),
        "unmatched": _("unmatched"),
        "none": _("not geocoded"),
    }
    return names.get(level, level)


def stop_marker():
    """The file ``popgis db stop`` leaves in the cluster's folder (``db start`` removes
    it): the cluster was stopped on purpose and is not to be started behind one's back."""
    return db.cluster_dir() / "stopped_on_purpose"


def prepare() -> None:
    """Make the database usable: start the local cluster when needed, migrate. A database
    that cannot be reached ends the command within a few seconds with the fix.

    A cluster never started (first run, ``make demo``) is started; one stopped with
    ``popgis db stop`` is not: the command ends saying so and how to start it."""
    try:
        if db.uses_local_cluster():
            if stop_marker().exists() and not db.cluster_status()["running"]:
                fail(
                    _(
                        "the database was stopped on purpose (popgis db stop); "
                        "start it with: popgis db start"
                    )
                )
            db.cluster_start()
        db.wait_until_up(db.database_url())
        db.migrate()
    except PopgisError as exc:
        fail(exc.message)


def echo_json(value) -> None:
    """``value`` as indented JSON (Chinese as it is, dates as text)."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value) -> str:
    """Times in ISO 8601 with China's offset (``2026-12-07T08:47:54+08:00``), as the web
    API gives them; other values as text."""
    if isinstance(value, dt.datetime):
        return rules.in_china(value).isoformat(timespec="seconds")
    return str(value)


def _labels() -> dict[str, str]:
    """Headers of the columns commands print, in the user's language."""
    return {
        "id": _("id"),
        "at": _("time"),
        "name": _("name"),
        "user_name": _("user"),
        "role": _("role"),
        "area_code": _("area code"),
        "area_name": _("area"),
        "area_level": _("level"),
        "active": _("active"),
        "created_at": _("created"),
        "last_seen_at": _("last used"),
        "expires_at": _("expires"),
        "ended_at": _("ended"),
        "end_reason": _("why ended"),
        "live": _("open"),
        "client_addr": _("address"),
        "user_agent": _("browser"),
        "action": _("action"),
        "target_kind": _("target kind"),
        "target_id": _("target"),
        "target_name": _("target name"),
        "households": _("households"),
        "household_ids": _("household ids"),
        "detail": _("detail"),
        "hour": _("hour"),
        "reads": _("reads"),
        "usual_per_hour": _("usual per hour"),
        "baseline_hours": _("hours of baseline"),
        "label": _("label"),
        "scope": _("scope"),
        "revoked_at": _("revoked"),
    }


def _pairs(value: dict) -> str:
    """A dict (an access-log entry's detail) for people: ``key=value`` in its order,
    the keys whose value is null or empty left out (``{"reason": null, "unmasked":
    false}`` → ``unmasked=no``); --json and --csv keep the JSON."""
    parts = []
    for key, item in value.items():
        if item in (None, "", [], {}):
            continue
        if isinstance(item, dict):
            shown = json.dumps(item, ensure_ascii=False, default=str, separators=(",", ":"))
        else:
            shown = _cell(item, limit=10**6)
        parts.append(f"{key}={shown}")
    return " ".join(parts)


def _cell(value, limit: int = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        # China time with its zone: the server's UTC read as local time was 8 hours off
        return rules.shown(value, seconds=True)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        text = ",".join(str(v) for v in value[:5]) + ("…" if len(value) > 5 else "")
    elif isinstance(value, dict):
        text = _pairs(value)
    else:
        text = str(value)
    text = " ".join(text.split())  # one line per row
    return text if len(text) <= limit else text[: limit - 1] + "…"


def echo_table(rows: list[dict]) -> None:
    """``rows`` as an aligned table with headers in the user's language (``--json`` gives
    the machine keys); columns empty in every row are left out."""
    if not rows:
        click.echo(_("(none)"))
        return
    labels = _labels()
    keys = [k for k in rows[0] if any(r.get(k) not in (None, "", [], {}) for r in rows)]
    table = [[labels.get(k, k) for k in keys]] + [[_cell(r.get(k)) for k in keys] for r in rows]
    for line in text_table(table):
        click.echo(line)


def operator() -> str:
    """The name a console job acts under in the access log: ``cli:<login>``."""
    return f"cli:{getpass.getuser()}"


def scope(conn, area: str | None = None):
    """The scope of a command (see :func:`gis.gate.command_scope`); a problem ends the
    command with its message."""
    from gis.gate import command_scope

    try:
        return command_scope(conn, area, user=operator())
    except PopgisError as exc:
        fail(exc.message)
