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
    rng = stage_rng(seed, 1)
    county_ll = county_outline_lonlat()
    county = shapely.transform(county_ll, lonlat_to_xy_coords)
    shapely.prepare(county)

    # ---- townships
    towns = div.towns.copy()
    towns["code12"] = towns["code"] + "000"
    towns["short"] = towns["name"].str.replace(r"(街道|镇|乡)$", "", regex=True)
    towns["is_street"] = towns["name"].str.endswith("街道")
    seeds = []
    jit = float(recipe["township_seed_jitter_m"])
    for code in towns["code"]:
        lon, lat = recipe["townships"][code]
        x, y = to_xy(lon, lat)
        x, y = float(x) + rng.normal(0, jit), float(y) + rng.normal(0, jit)
        for _ in range(50):
            if shapely.contains_xy(county, x, y):
                break
            x, y = x * 0.9, y * 0.9
        seeds.append((x, y))
    tseed = np.array(seeds)
    tgeom = voronoi_cells(tseed, county)
    towns["seed_x"], towns["seed_y"] = tseed[:, 0], tseed[:, 1]
    towns["geom"] = tgeom
    n_t = len(towns)

    # ---- villages
    vills = div.vills.copy()
    vills["short"] = vills["name"].map(short_village_name)
    vills["urban"] = vills["name"].map(is_urban_name)
    vills["town_idx"] = vills["streetCode"].map({c: i for i, c in enumerate(towns["code"])}).astype(int)
    nv = len(vills)
    vseed = np.zeros((nv, 2))
    vgeom = [None] * nv
    a_u = float(recipe["urban_area_per_community_km2"]) * 1e6
    kbest = int(recipe["village_best_candidate_k"])
    for t in range(n_t):
        T = towns.at[t, "geom"]
        centre = tseed[t]
        idx = np.flatnonzero(vills["town_idx"].to_numpy() == t)
        urb = idx[vills["urban"].to_numpy()[idx]]
        rur = idx[~vills["urban"].to_numpy()[idx]]
        seeds_t = np.empty((0, 2))
        urban_region = T
        if len(urb):
            core_r = math.sqrt(len(urb) * a_u / math.pi)
            core = polygonal_part(shapely.intersection(T, shapely.buffer(shapely.points(centre), core_r)))
            if len(rur) and core is not None and shapely.area(core) < 0.8 * shapely.area(T):
                urban_region = core
            us = best_candidates(urban_region, len(urb), rng, None, kbest)
            order = np.argsort(np.hypot(us[:, 0] - centre[0], us[:, 1] - centre[1]), kind="stable")
            vseed[urb] = us[order]
            seeds_t = us
        if len(rur):
            rural_region = T
            if len(urb) and urban_region is not T:
                rr = polygonal_part(shapely.difference(T, shapely.buffer(urban_region, 150)))
                if rr is not None and shapely.area(rr) > 0.25 * shapely.area(T):
                    rural_region = rr
            rs = best_candidates(rural_region, len(rur), rng, seeds_t, kbest)
            ang = np.arctan2(rs[:, 1] - centre[1], rs[:, 0] - centre[0])
            order = np.argsort(ang, kind="stable")
            vseed[rur] = rs[order]
        cells = voronoi_cells(vseed[idx], T)
        for k, i in enumerate(idx):
            vgeom[i] = cells[k]
    vills["seed_x"], vills["seed_y"] = vseed[:, 0], vseed[:, 1]
    vills["geom"] = vgeom
    vills["area"] = shapely.area(np.array(vgeom, dtype=object))
    vills["weight"] = rng.lognormal(0.0, 0.45, nv)

    # aliases and former names
    aliases, formers = [], []
    fparts = recipe["former_name_parts"]
    has_former = rng.random(nv) < float(recipe["former_name_share"])
    fp = rng.integers(0, 1 << 30, size=(nv, 3))
    for i in range(nv):
        name, short = vills.at[i, "name"], vills.at[i, "short"]
        aliases.append(";".join(village_aliases(name, short)))
        if not has_former[i]:
            formers.append("")
            continue
        if vills.at[i, "urban"]:
            base = short[:-2] if short.endswith("社区") else short
            formers.append(base + ("村" if not base.endswith("村") else ""))
        else:
            p = fparts["prefix"][fp[i, 0] % len(fparts["prefix"])]
            m = fparts["middle"][fp[i, 1] % len(fparts["middle"])]
            sfx = fparts["suffix"][fp[i, 2] % len(fparts["suffix"])]
            cand = p + m + sfx + "村"
            if cand == short:
                cand = m + sfx + "村"
            formers.append(cand)
    vills["aliases"] = aliases
    vills["former"] = formers

    # homophone typo variant of each short name (used for address noise)
    homo = recipe["homophones"]
    typo = []
    tp = rng.random(nv)
    for i in range(nv):
        s = vills.at[i, "short"]
        pos = [k for k, ch in enumerate(s) if ch in homo and k < len(s) - (2 if s.endswith("社区") else 1)]
        if not pos:
            pos = [k for k, ch in enumerate(s) if ch in homo]
        if pos:
            k = pos[int(tp[i] * len(pos))]
            typo.append(s[:k] + homo[s[k]] + s[k + 1:])
        else:
            typo.append(s)
    vills["typo"] = typo

    # ---- grids (urban communities)
    g0, g1 = recipe["grids_per_community"]
    grid_rows = []
    for i in np.flatnonzero(vills["urban"].to_numpy()):
        k = int(rng.integers(g0, g1 + 1))
        V = vills.at[i, "geom"]
        pts = best_candidates(V, k, rng, None, 10)
        order = np.lexsort((pts[:, 0], -pts[:, 1]))  # north to south
        pts = pts[order]
        cells = voronoi_cells(pts, V)
        for m, g in enumerate(cells):
            if g is None:
                continue
            grid_rows.append((vills.at[i, "code"] + f"{m + 1:03d}", f"{vills.at[i, 'short']}第{m + 1}网格",
                              vills.at[i, "code"], g))
    grids = pd.DataFrame(grid_rows, columns=["code", "name", "parent_code", "geom"])

    world = SimpleNamespace(county=county, county_ll=county_ll, towns=towns, vills=vills, grids=grids)
    build_layout(world, recipe, rng)
    world.roads = build_roads(world, recipe, rng)
    return world

