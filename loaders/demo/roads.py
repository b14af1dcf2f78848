"""Roads: trunk roads between townships, village links, urban streets along the
blocks, rural tracks and park roads."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely


def build_roads(world, recipe: dict, rng) -> pd.DataFrame:
    towns, vills = world.towns, world.vills
    rows = []  # (highway, name, geometry)
    tseed = towns[["seed_x", "seed_y"]].to_numpy()
    trunk_names = recipe["trunk_road_names"]

    def delaunay_edges(pts):
        if len(pts) < 2:
            return np.empty((0, 2, 2))
        if len(pts) == 2:
            return pts[None]
        e = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(pts), only_edges=True))
        coords = np.array([shapely.get_coordinates(x)[:2] for x in e])
        # canonical orientation and order for determinism
        swap = (coords[:, 0, 0] > coords[:, 1, 0]) | ((coords[:, 0, 0] == coords[:, 1, 0]) &
                                                       (coords[:, 0, 1] > coords[:, 1, 1]))
        coords[swap] = coords[swap][:, ::-1]
        order = np.lexsort((coords[:, 1, 1], coords[:, 1, 0], coords[:, 0, 1], coords[:, 0, 0]))
        return coords[order]

    # trunk roads between township centres
    for k, e in enumerate(delaunay_edges(tseed)):
        rows.append(("trunk", trunk_names[k % len(trunk_names)], shapely.linestrings(e)))

    # primary/secondary: triangulation of village seeds + township centre, per township
    vseed = vills[["seed_x", "seed_y"]].to_numpy()
    town_idx = vills["town_idx"].to_numpy()
    short = vills["short"].to_numpy()
    for t in range(len(towns)):
        idx = np.flatnonzero(town_idx == t)
        pts = np.vstack([tseed[t][None], vseed[idx]])
        names = np.concatenate([[towns.at[t, "short"]], short[idx]])
        lookup = {(round(p[0], 6), round(p[1], 6)): n for p, n in zip(pts, names, strict=True)}
        for e in delaunay_edges(pts):
            a = lookup.get((round(e[0, 0], 6), round(e[0, 1], 6)), "")
            b = lookup.get((round(e[1, 0], 6), round(e[1, 1], 6)), "")
            is_primary = (np.allclose(e[0], tseed[t]) or np.allclose(e[1], tseed[t]))
            name = f"{a[:1]}{b[:1]}线" if a and b else ""
            rows.append(("primary" if is_primary else "secondary", name, shapely.linestrings(e)))

    # urban streets along block edges
    ug = world.urban_geom
    P = ug["P"]
    words = recipe["street_words"]
    su, sv = recipe["street_suffix_u"], recipe["street_suffix_v"]
    for i, c in world.ucells.items():
        if len(c["x"]) == 0:
            continue
        V = vills.at[i, "geom"]
        th, (ox, oy) = c["theta"], c["origin"]
        cs, sn = math.cos(th), math.sin(th)
        t = int(town_idx[i])
        bi0, bi1 = int(c["bi"].min()), int(c["bi"].max()) + 1
        bj0, bj1 = int(c["bj"].min()), int(c["bj"].max()) + 1
        segs, names = [], []
        for bi in range(bi0, bi1 + 1):
            for bj in range(bj0, bj1 + 1):
                for du, dv, sfx, key in ((1, 0, su, bj), (0, 1, sv, bi)):
                    if (du and bi == bi1) or (dv and bj == bj1):
                        continue
                    u0, v0, u1, v1 = bi * P, bj * P, (bi + du) * P, (bj + dv) * P
                    segs.append([[ox + u0 * cs - v0 * sn, oy + u0 * sn + v0 * cs],
                                 [ox + u1 * cs - v1 * sn, oy + u1 * sn + v1 * cs]])
                    names.append(words[(t * 37 + key * 11 + (7 if du else 0)) % len(words)] + sfx)
        segs = np.array(segs)
        lines = shapely.linestrings(segs)
        keep = shapely.contains(V, lines)
        if not keep.any():
            continue
        for ln, nm in zip(lines[keep], np.array(names, dtype=object)[keep], strict=True):
            rows.append(("residential", nm, ln))
        ends = segs[keep].reshape(-1, 2)
        k = int(np.argmin(np.hypot(ends[:, 0] - vseed[i, 0], ends[:, 1] - vseed[i, 1])))
        if np.hypot(ends[k, 0] - vseed[i, 0], ends[k, 1] - vseed[i, 1]) > 1:
            rows.append(("residential", f"{short[i]}路", shapely.linestrings([vseed[i], ends[k]])))

    # rural tracks: village centre -> group centres
    for i, gc in world.groups.items():
        for g in range(len(gc)):
            rows.append(("track", "", shapely.linestrings([vseed[i], gc[g]])))

    # industrial parks: a cross of secondary roads and a link to the township centre
    for p in world.parks:
        c, s, r = math.cos(p["theta"]), math.sin(p["theta"]), p["r"] * 0.8
        for k, (ux, uy) in enumerate(((c, s), (-s, c))):
            rows.append(("secondary", f"{p['name'][:2]}{'一二'[k]}路",
                         shapely.linestrings([[p["x"] - ux * r, p["y"] - uy * r], [p["x"] + ux * r, p["y"] + uy * r]])))
        rows.append(("primary", f"{p['name'][:2]}大道", shapely.linestrings([[p["x"], p["y"]], tseed[p["town"]]])))

    roads = pd.DataFrame(rows, columns=["highway", "name", "geom"])
    roads["road_id"] = [f"R{k + 1:06d}" for k in range(len(roads))]
    return roads[["road_id", "name", "highway", "geom"]]

