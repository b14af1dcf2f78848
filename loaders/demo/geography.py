"""Townships, villages (with aliases, former names and typos) and urban grids: the
scale-independent map, seeded with ``[seed, 1]``."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import shapely

from loaders.demo.draws import stage_rng
from loaders.demo.inputs import county_outline_lonlat
from loaders.demo.layout import build_layout
from loaders.demo.plane import (
    best_candidates,
    lonlat_to_xy_coords,
    polygonal_part,
    to_xy,
    voronoi_cells,
)
from loaders.demo.roads import build_roads
from loaders.demo.wording import is_urban_name, short_village_name, village_aliases


def build_geography(div, recipe: dict, seed: int) -> SimpleNamespace:
    """The county map: townships, villages, grids, then the lattices and the roads."""
    rng = stage_rng(seed, 1)
    county_ll = county_outline_lonlat(recipe["county"]["code"], recipe["county"]["name"])
    county = shapely.transform(county_ll, lonlat_to_xy_coords)
    shapely.prepare(county)
    towns = townships(div, recipe, rng, county)
    vills = villages(div, recipe, rng, towns)
    name_villages(recipe, rng, vills)
    grids = urban_grids(recipe, rng, vills)
    world = SimpleNamespace(
        county=county,
        county_ll=county_ll,
        towns=towns,
        vills=vills,
        grids=grids,
        county_code=recipe["county"]["code"],
        county_name=recipe["county"]["name"],
        # ids (buildings, roads, points, teams, events) are prefixed in a province, so
        # that two counties never share one; the demo county keeps B000001…
        id_prefix=recipe["county"].get("id_prefix", ""),
    )
    build_layout(world, recipe, rng)
    world.roads = build_roads(world, recipe, rng)
    return world


def townships(div, recipe, rng, county) -> pd.DataFrame:
    """Townships as Voronoi cells of their (jittered) real centres, clipped to the county
    (without recorded centres: well-spread points inside it)."""
    towns = div.towns.copy()
    towns["code12"] = towns["code"] + "000"
    towns["short"] = towns["name"].str.replace(r"(街道|镇|乡)$", "", regex=True)
    towns["is_street"] = towns["name"].str.endswith("街道")
    seeds = []
    jitter = float(recipe["township_seed_jitter_m"])
    known = recipe["townships"]
    # a county without recorded township centres: well-spread points inside it
    spread = iter(best_candidates(county, int(sum(c not in known for c in towns["code"])), rng))
    for code in towns["code"]:
        if code not in known:  # inside the county already, and spread
            seeds.append(tuple(next(spread)))
            continue
        x, y = to_xy(*known[code])
        x, y = float(x) + rng.normal(0, jitter), float(y) + rng.normal(0, jitter)
        for _ in range(50):
            if shapely.contains_xy(county, x, y):
                break
            x, y = x * 0.9, y * 0.9
        seeds.append((x, y))
    centres = np.array(seeds)
    towns["seed_x"], towns["seed_y"] = centres[:, 0], centres[:, 1]
    towns["geom"] = voronoi_cells(centres, county)
    return towns


def villages(div, recipe, rng, towns) -> pd.DataFrame:
    """Villages as Voronoi cells inside their township: urban communities packed around
    the township centre, rural villages spread around them (ordered by angle)."""
    vills = div.vills.copy()
    vills["short"] = vills["name"].map(short_village_name)
    vills["urban"] = vills["name"].map(is_urban_name)
    vills["town_idx"] = (
        vills["streetCode"].map({c: i for i, c in enumerate(towns["code"])}).astype(int)
    )
    n = len(vills)
    centres = np.zeros((n, 2))
    cells = [None] * n
    for t in range(len(towns)):
        idx = np.flatnonzero(vills["town_idx"].to_numpy() == t)
        centres[idx] = _village_centres(recipe, rng, towns, vills, t, idx)
        for k, cell in zip(idx, voronoi_cells(centres[idx], towns.at[t, "geom"]), strict=True):
            cells[k] = cell
    vills["seed_x"], vills["seed_y"] = centres[:, 0], centres[:, 1]
    vills["geom"] = cells
    vills["area"] = shapely.area(np.array(cells, dtype=object))
    vills["weight"] = rng.lognormal(0.0, 0.45, n)
    return vills


def _village_centres(recipe, rng, towns, vills, t, idx) -> np.ndarray:
    township = towns.at[t, "geom"]
    centre = towns[["seed_x", "seed_y"]].to_numpy()[t]
    area_each = float(recipe["urban_area_per_community_km2"]) * 1e6
    k_best = int(recipe["village_best_candidate_k"])
    is_urban = vills["urban"].to_numpy()[idx]
    urban, rural = idx[is_urban], idx[~is_urban]
    out = np.zeros((len(vills), 2))
    placed = np.empty((0, 2))
    urban_region = township
    if len(urban):
        core_r = math.sqrt(len(urban) * area_each / math.pi)
        core = polygonal_part(
            shapely.intersection(township, shapely.buffer(shapely.points(centre), core_r))
        )
        if len(rural) and core is not None and shapely.area(core) < 0.8 * shapely.area(township):
            urban_region = core
        pts = best_candidates(urban_region, len(urban), rng, None, k_best)
        order = np.argsort(np.hypot(pts[:, 0] - centre[0], pts[:, 1] - centre[1]), kind="stable")
        out[urban] = pts[order]
        placed = pts
    if len(rural):
        rural_region = township
        if len(urban) and urban_region is not township:
            rest = polygonal_part(shapely.difference(township, shapely.buffer(urban_region, 150)))
            if rest is not None and shapely.area(rest) > 0.25 * shapely.area(township):
                rural_region = rest
        pts = best_candidates(rural_region, len(rural), rng, placed, k_best)
        angle = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
        out[rural] = pts[np.argsort(angle, kind="stable")]
    return out[idx]


def name_villages(recipe, rng, vills) -> None:
    """Aliases, former names (for some villages) and a homophone typo of each short name
    (used for address noise)."""
    n = len(vills)
    aliases, formers = [], []
    parts = recipe["former_name_parts"]
    has_former = rng.random(n) < float(recipe["former_name_share"])
    picks = rng.integers(0, 1 << 30, size=(n, 3))
    for i in range(n):
        name, short = vills.at[i, "name"], vills.at[i, "short"]
        aliases.append(";".join(village_aliases(name, short)))
        if not has_former[i]:
            formers.append("")
            continue
        if vills.at[i, "urban"]:
            base = short[:-2] if short.endswith("社区") else short
            formers.append(base + ("村" if not base.endswith("村") else ""))
        else:
            prefix = parts["prefix"][picks[i, 0] % len(parts["prefix"])]
            middle = parts["middle"][picks[i, 1] % len(parts["middle"])]
            suffix = parts["suffix"][picks[i, 2] % len(parts["suffix"])]
            former = prefix + middle + suffix + "村"
            if former == short:
                former = middle + suffix + "村"
            formers.append(former)
    vills["aliases"] = aliases
    vills["former"] = formers
    homophones = recipe["homophones"]
    typos = []
    draw = rng.random(n)
    for i in range(n):
        s = vills.at[i, "short"]
        pos = [
            k
            for k, ch in enumerate(s)
            if ch in homophones and k < len(s) - (2 if s.endswith("社区") else 1)
        ]
        if not pos:
            pos = [k for k, ch in enumerate(s) if ch in homophones]
        if pos:
            k = pos[int(draw[i] * len(pos))]
            typos.append(s[:k] + homophones[s[k]] + s[k + 1 :])
        else:
            typos.append(s)
    vills["typo"] = typos


def urban_grids(recipe, rng, vills) -> pd.DataFrame:
    """Grids of the urban communities, numbered north to south."""
    g0, g1 = recipe["grids_per_community"]
    rows = []
    for i in np.flatnonzero(vills["urban"].to_numpy()):
        k = int(rng.integers(g0, g1 + 1))
        village = vills.at[i, "geom"]
        pts = best_candidates(village, k, rng, None, 10)
        pts = pts[np.lexsort((pts[:, 0], -pts[:, 1]))]
        for m, cell in enumerate(voronoi_cells(pts, village)):
            if cell is None:
                continue
            rows.append(
                (
                    vills.at[i, "code"] + f"{m + 1:03d}",
                    f"{vills.at[i, 'short']}第{m + 1}网格",
                    vills.at[i, "code"],
                    cell,
                )
            )
    return pd.DataFrame(rows, columns=["code", "name", "parent_code", "geom"])
