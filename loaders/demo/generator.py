"""``generate``: every stage in order, then the files and the manifest."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import shapely

from loaders.demo.buildings import build_buildings
from loaders.demo.events import build_events
from loaders.demo.geography import build_geography
from loaders.demo.inputs import (
    DIVISION_DIR,
    RECIPE_PATH,
    load_division,
    load_recipe,
)
from loaders.demo.plane import lineal_part, to_lonlat_geom
from loaders.demo.population import build_population
from loaders.demo.services import build_service_points, build_teams
from loaders.demo.writing import (
    write_admin,
    write_buildings,
    write_csv,
    write_feature_collection,
    write_households,
)


def generate(
    out_dir: Path,
    scale: float = 0.053,
    seed: int = 1,
    division_dir: Path | str = DIVISION_DIR,
    recipe_path: Path | str = RECIPE_PATH,
    verbose: bool = False,
    *,
    recipe: dict | None = None,
    national=None,
    taken_ids: set[int] | None = None,
) -> dict:
    """Write the synthetic 义乌市 demo county's input files into out_dir; return the counts.

    For another county (:mod:`loaders.demo.province`): ``recipe`` made for it,
    ``national`` the division list read once, ``taken_ids`` the ID numbers (first 17
    digits as int) of the counties already made, which this one avoids and then joins.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    t0 = time.perf_counter()
    timings = {}

    def lap(name):
        timings[name] = round(time.perf_counter() - t0, 2)
        if verbose:
            print(f"[demo] {name}: {timings[name]:.2f}s", flush=True)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recipe = recipe if recipe is not None else load_recipe(recipe_path)
    div = load_division(Path(division_dir), recipe["county"]["code"], national)
    lap("inputs")
    world = build_geography(div, recipe, seed)
    lap("geography")
    b = build_buildings(world, recipe, scale, seed)
    lap("buildings")
    households, persons = build_population(world, b, div, recipe, scale, seed, taken_ids)
    lap("population")
    sp = build_service_points(world, b, recipe, scale, seed)
    teams = build_teams(world, recipe, seed)
    events = build_events(world, households, persons, teams, recipe, seed)
    lap("points/teams/events")

    write_admin(world, out_dir / "admin.geojson", recipe)
    write_roads(world, out_dir / "roads.geojson")
    write_buildings(b, out_dir / "buildings.gpkg")
    lap("write geo")
    write_households(households, persons, out_dir / "households.csv")
    write_csv(sp, out_dir / "service_points.csv")
    write_csv(teams, out_dir / "teams.csv")
    write_csv(events, out_dir / "events.csv")
    lap("write csv")
    counts = {
        "townships": int(len(world.towns)),
        "villages": int(len(world.vills)),
        "grids": int(len(world.grids)),
        "buildings": int(len(b)),
        "households": int(len(households)),
        "persons": int(len(persons)),
        "service_points": int(len(sp)),
        "teams": int(len(teams)),
        "events": int(len(events)),
        "roads": int(len(world.roads)),
    }
    write_manifest(out_dir / "manifest.json", counts, recipe, scale, seed)
    lap("total")
    return counts


def write_roads(world, path: Path) -> None:
    """roads.geojson: the part of each road inside the county (a road between village
    centres may cut across a bend of the border)."""
    roads = world.roads
    geoms = [
        lineal_part(g)
        for g in shapely.intersection(
            to_lonlat_geom(roads["geom"].to_numpy()), shapely.make_valid(world.county_ll)
        )
    ]
    write_feature_collection(
        path,
        [
            (dict(road_id=r, name=n, highway=h), g)
            for r, n, h, g in zip(
                roads["road_id"], roads["name"], roads["highway"], geoms, strict=True
            )
            if g is not None
        ],
    )


def write_manifest(path: Path, counts: dict, recipe: dict, scale: float, seed: int) -> None:
    manifest = {
        "county_code": recipe["county"]["code"],
        "county_name": recipe["county"]["name"],
        "seed": int(seed),
        "scale": float(scale),
        "as_of": recipe["as_of"],
        "counts": counts,
        "synthetic": True,
        "files": [
            "admin.geojson",
            "buildings.gpkg",
            "roads.geojson",
            "households.csv",
            "service_points.csv",
            "teams.csv",
            "events.csv",
        ],
    }
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m loaders.demo",
        description="Generate the synthetic 义乌市 demo county input files.",
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--scale", type=float, default=0.053, help="1.0 = full county (~1.9 M persons)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--division-dir", type=Path, default=DIVISION_DIR)
    ap.add_argument("--recipe", type=Path, default=RECIPE_PATH)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(
        args.out_dir,
        scale=args.scale,
        seed=args.seed,
        division_dir=args.division_dir,
        recipe_path=args.recipe,
        verbose=not args.quiet,
    )
    print(
        json.dumps(
            {"counts": counts, "seconds": round(time.perf_counter() - t0, 2)}, ensure_ascii=False
        )
    )
    return 0
