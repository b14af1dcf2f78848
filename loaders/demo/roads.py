"""Roads: trunk roads between townships, village links, urban streets along the
blocks, rural tracks and park roads."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely


def build_roads(world, recipe: dict, rng) -> pd.DataFrame:
    """Every road, in a fixed order, with ids R000001…"""
    rows = []  # (highway, name, geometry)
    rows += trunk_roads(world, recipe)
    rows += village_links(world)
    rows += urban_streets(world, recipe)
    rows += rural_tracks(world)
    rows += park_roads(world)
    roads = pd.DataFrame(rows, columns=["highway", "name", "geom"])
    roads["road_id"] = [f"{world.id_prefix}R{k + 1:06d}" for k in range(len(roads))]
    return roads[["road_id", "name", "highway", "geom"]]


def delaunay_edges(pts) -> np.ndarray:
    """Edges of the Delaunay triangulation of ``pts`` as (n, 2, 2), in a canonical
    orientation and order (for determinism)."""
    if len(pts) < 2:
        return np.empty((0, 2, 2))
    if len(pts) == 2:
        return pts[None]
    edges = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(pts), only_edges=True))
    coords = np.array([shapely.get_coordinates(x)[:2] for x in edges])
    swap = (coords[:, 0, 0] > coords[:, 1, 0]) | (
        (coords[:, 0, 0] == coords[:, 1, 0]) & (coords[:, 0, 1] > coords[:, 1, 1])
    )
    coords[swap] = coords[swap][:, ::-1]
    order = np.lexsort((coords[:, 1, 1], coords[:, 1, 0], coords[:, 0, 1], coords[:, 0, 0]))
    return coords[order]


def trunk_roads(world, recipe) -> list:
    """Trunk roads between township centres."""
    centres = world.towns[["seed_x", "seed_y"]].to_numpy()
    names = recipe["trunk_road_names"]
    return [
        ("trunk", names[k % len(names)], shapely.linestrings(e))
        for k, e in enumerate(delaunay_edges(centres))
    ]


def village_links(world) -> list:
    """Primary (to the township centre) and secondary roads: the triangulation of the
    village centres and the township centre, per township; named after both ends."""
    towns, vills = world.towns, world.vills
    town_centres = towns[["seed_x", "seed_y"]].to_numpy()
    centres = vills[["seed_x", "seed_y"]].to_numpy()
    town_idx = vills["town_idx"].to_numpy()
    short = vills["short"].to_numpy()
    rows = []
    for t in range(len(towns)):
        idx = np.flatnonzero(town_idx == t)
        pts = np.vstack([town_centres[t][None], centres[idx]])
        names = np.concatenate([[towns.at[t, "short"]], short[idx]])
        lookup = {(round(p[0], 6), round(p[1], 6)): n for p, n in zip(pts, names, strict=True)}
        for e in delaunay_edges(pts):
            a = lookup.get((round(e[0, 0], 6), round(e[0, 1], 6)), "")
            b = lookup.get((round(e[1, 0], 6), round(e[1, 1], 6)), "")
            is_primary = np.allclose(e[0], town_centres[t]) or np.allclose(e[1], town_centres[t])
            name = f"{a[:1]}{b[:1]}线" if a and b else ""
            rows.append(("primary" if is_primary else "secondary", name, shapely.linestrings(e)))
    return rows


def urban_streets(world, recipe) -> list:
    """Streets along the block edges inside each urban community, and a road from the
    community's centre to its nearest street end."""
    vills = world.vills
    centres = vills[["seed_x", "seed_y"]].to_numpy()
    rows = []
    for i, c in world.ucells.items():
        if len(c["x"]) == 0:
            continue
        segs, names = _block_edges(world, recipe, i, c)
        lines = shapely.linestrings(segs)
        keep = shapely.contains(vills.at[i, "geom"], lines)
        if not keep.any():
            continue
        for line, name in zip(lines[keep], np.array(names, dtype=object)[keep], strict=True):
            rows.append(("residential", name, line))
        ends = segs[keep].reshape(-1, 2)
        k = int(np.argmin(np.hypot(ends[:, 0] - centres[i, 0], ends[:, 1] - centres[i, 1])))
        if np.hypot(ends[k, 0] - centres[i, 0], ends[k, 1] - centres[i, 1]) > 1:
            rows.append(
                (
                    "residential",
                    f"{vills.at[i, 'short']}路",
                    shapely.linestrings([centres[i], ends[k]]),
                )
            )
    return rows


def _block_edges(world, recipe, village, c):
    """Segments along the block grid of one community (as (n, 2, 2)) and their names."""
    pitch = world.urban_geom["P"]
    words = recipe["street_words"]
    suffix_u, suffix_v = recipe["street_suffix_u"], recipe["street_suffix_v"]
    th, (ox, oy) = c["theta"], c["origin"]
    cs, sn = math.cos(th), math.sin(th)
    t = int(world.vills["town_idx"].to_numpy()[village])
    bi0, bi1 = int(c["bi"].min()), int(c["bi"].max()) + 1
    bj0, bj1 = int(c["bj"].min()), int(c["bj"].max()) + 1
    segs, names = [], []
    for bi in range(bi0, bi1 + 1):
        for bj in range(bj0, bj1 + 1):
            for du, dv, sfx, key in ((1, 0, suffix_u, bj), (0, 1, suffix_v, bi)):
                if (du and bi == bi1) or (dv and bj == bj1):
                    continue
                u0, v0, u1, v1 = bi * pitch, bj * pitch, (bi + du) * pitch, (bj + dv) * pitch
                segs.append(
                    [
                        [ox + u0 * cs - v0 * sn, oy + u0 * sn + v0 * cs],
                        [ox + u1 * cs - v1 * sn, oy + u1 * sn + v1 * cs],
                    ]
                )
                names.append(words[(t * 37 + key * 11 + (7 if du else 0)) % len(words)] + sfx)
    return np.array(segs), names


def rural_tracks(world) -> list:
    """Tracks from each village centre to its house groups."""
    centres = world.vills[["seed_x", "seed_y"]].to_numpy()
    return [
        ("track", "", shapely.linestrings([centres[i], gc[g]]))
        for i, gc in world.groups.items()
        for g in range(len(gc))
    ]


def park_roads(world) -> list:
    """Industrial parks: a cross of secondary roads and a link to the township centre."""
    town_centres = world.towns[["seed_x", "seed_y"]].to_numpy()
    rows = []
    for p in world.parks:
        c, s, r = math.cos(p["theta"]), math.sin(p["theta"]), p["r"] * 0.8
        for k, (ux, uy) in enumerate(((c, s), (-s, c))):
            rows.append(
                (
                    "secondary",
                    f"{p['name'][:2]}{'一二'[k]}路",
                    shapely.linestrings(
                        [[p["x"] - ux * r, p["y"] - uy * r], [p["x"] + ux * r, p["y"] + uy * r]]
                    ),
                )
            )
        rows.append(
            (
                "primary",
                f"{p['name'][:2]}大道",
                shapely.linestrings([[p["x"], p["y"]], town_centres[p["town"]]]),
            )
        )
    return rows
