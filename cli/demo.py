"""``popgis demo`` (generate once, load, add the demo users) and ``popgis generate``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.common import prepare
from gis import settings

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


@click.command("demo")
@SCALE
@SEED
@click.option("--serve/--no-serve", default=False, help="serve the map afterwards (gunicorn)")
@click.option("--dev", is_flag=True, help="serve with Flask's development server instead")
def demo(scale, seed, serve, dev):
    """Generate (once) and load the demo county 义乌市 (synthetic people), add demo users."""
    from loaders import demo_county

    prepare()
    scale, seed = scale_and_seed(scale, seed)
    demo_county.ensure(scale, seed, echo=click.echo)
    click.echo(demo_county.accounts_text())
    if serve:
        from cli.serve import run_server

        run_server(settings.get("POPGIS_HOST"), int(settings.get("POPGIS_PORT")), dev=dev)


@click.command("generate")
@click.argument("out", type=click.Path(path_type=Path))
@SCALE
@SEED
def generate(out, scale, seed):
    """Write the demo county's input files to OUT (no database needed); prints the counts
    as JSON."""
    from loaders import demo as demo_gen

    scale, seed = scale_and_seed(scale, seed)
    out.mkdir(parents=True, exist_ok=True)
    counts = demo_gen.generate(out, scale=scale, seed=seed)
    click.echo(json.dumps(counts, ensure_ascii=False))
