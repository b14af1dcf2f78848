"""``popgis demo`` (generate once, load, add the demo users) and ``popgis generate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import click

from cli.common import INTERRUPTED, fail, prepare
from gis import settings
from gis.messages import _

SCALE = click.option(
    "--scale",
    type=float,
    default=None,
    help="1.0 = full county (about 1.9 M persons); default POPGIS_DEMO_SCALE",
)
SEED = click.option("--seed", type=int, default=None, help="default POPGIS_DEMO_SEED")


def scale_and_seed(scale: float | None, seed: int | None) -> tuple[float, int]:
    """The options given, else ``POPGIS_DEMO_SCALE`` and ``POPGIS_DEMO_SEED``."""
    return (
        scale if scale is not None else float(settings.get("POPGIS_DEMO_SCALE")),
        seed if seed is not None else int(settings.get("POPGIS_DEMO_SEED")),
    )


PROVINCE = click.option(
    "--province",
    help="a province instead of the demo county: every county of it (6-digit code, 330000)",
)
COUNTIES = click.option(
    "--counties",
    help="with --province: only these counties (6-digit codes, comma-separated)",
)


def _counties(counties: str | None) -> list[str] | None:
    """The codes of ``--counties`` (sorted, each once); None when the option is not given.
    A list with no code or a code that is not 6 ASCII digits is refused here, before any
    folder is made (an empty list would otherwise name the whole province's folder)."""
    if counties is None:
        return None
    codes = sorted({c.strip() for c in counties.split(",") if c.strip()})
    bad = [c for c in codes if not (c.isascii() and c.isdigit() and len(c) == 6)]
    if not codes or bad:
        fail(
            _(
                "--counties takes 6-digit county codes separated by commas "
                "(e.g. 330782,330783); got: {value}",
                value=counties,
            )
        )
    return codes


def _counties_need_province(province: str | None, counties: str | None) -> None:
    """--counties picks counties of --province: given alone it would be ignored (the demo
    county loaded instead), so it is refused before anything is made."""
    if counties is not None and not province:
        fail(
            _(
                "--counties picks counties of a province: give --province too (e.g. "
                "--province 330000 --counties {value}), or leave --counties out for the "
                "demo county",
                value=counties,
            )
        )


def _province_scale(scale: float | None) -> float:
    from loaders.demo.province import DEFAULT_SCALE

    return scale if scale is not None else DEFAULT_SCALE


def _interrupted(exc) -> NoReturn:
    """End ``demo --province`` for a Ctrl-C: what was loaded (each kind of file is its
    own transaction, kept) and that the same command completes it (it loads those
    counties again: :func:`loaders.demo_province.load`)."""
    if not exc.loaded:
        fail(_("interrupted (Ctrl-C): nothing was loaded"), INTERRUPTED)
    fail(
        _(
            "interrupted (Ctrl-C) while loading counties {codes}: loaded so far: {kinds}; "
            "run the same command again to complete the load",
            codes=", ".join(exc.counties),
            kinds=", ".join(exc.loaded),
        ),
        INTERRUPTED,
    )


@click.command("demo")
@SCALE
@SEED
@PROVINCE
@COUNTIES
@click.option("--serve/--no-serve", default=False, help="serve the map afterwards (gunicorn)")
@click.option("--dev", is_flag=True, help="serve with Flask's development server instead")
def demo(scale, seed, province, counties, serve, dev):
    """Generate (once) and load the demo county 义乌市 (synthetic people), add demo users;
    with --province, every county of the province (--scale 1.0 = its real population)."""
    _counties_need_province(province, counties)
    prepare()
    if province:
        from loaders import demo_province

        _scale, seed = scale_and_seed(scale, seed)  # not `_`: the messages function
        try:
            folder = demo_province.generate_files(
                province, _province_scale(scale), seed, _counties(counties), echo=click.echo
            )
        except ValueError as exc:
            fail(str(exc))
        try:
            result = demo_province.load(folder, echo=click.echo)
        except demo_province.LoadInterrupted as exc:
            _interrupted(exc)
        click.echo(
            _(
                "province {province} loaded from {folder} in {seconds} s",
                province=province,
                folder=folder,
                seconds=result["seconds"],
            )
        )
    else:
        from loaders import demo_county

        scale, seed = scale_and_seed(scale, seed)
        try:
            demo_county.ensure(scale, seed, echo=click.echo)
        except KeyboardInterrupt:
            # each file loaded is kept (its own transaction); the next run completes it
            fail(
                _(
                    "interrupted (Ctrl-C) while loading the demo county; run the same "
                    "command again to complete the load"
                ),
                INTERRUPTED,
            )
        click.echo(demo_county.accounts_text())
    if serve:
        from cli.serve import run_server

        run_server(settings.get("POPGIS_HOST"), int(settings.get("POPGIS_PORT")), dev=dev)


@click.command("generate")
@click.argument("out", type=click.Path(path_type=Path))
@SCALE
@SEED
@PROVINCE
@COUNTIES
def generate(out, scale, seed, province, counties):
    """Write the demo county's input files to OUT (no database needed); prints the counts
    as JSON. With --province: OUT/<county code>/ for every county of the province."""
    from loaders import demo as demo_gen
    from loaders.demo.whole import written_whole

    _counties_need_province(province, counties)
    codes = _counties(counties)
    # made in a hidden folder beside OUT, moved in once whole: a Ctrl-C leaves OUT as
    # it was (no empty county folder, none with only admin.geojson, no scratch folder)
    if province:
        from loaders.demo.province import generate_province

        _scale, seed = scale_and_seed(scale, seed)  # not `_`: the messages function
        try:
            with written_whole(out) as part:
                manifest = generate_province(part, province, _province_scale(scale), seed, codes)
        except ValueError as exc:
            fail(str(exc))
        click.echo(json.dumps(manifest["totals"], ensure_ascii=False))
        return
    scale, seed = scale_and_seed(scale, seed)
    with written_whole(out) as part:
        counts = demo_gen.generate(part, scale=scale, seed=seed)
    click.echo(json.dumps(counts, ensure_ascii=False))
