"""Scale-independent lattices inside the villages: industrial parks, urban blocks,
markets, rural house groups."""

from __future__ import annotations

import math

import numpy as np
import shapely

from loaders.demo.plane import best_candidates, lattice_cells, polygonal_part


def build_layout(world, recipe: dict, rng) -> None:
    """Scale-independent lattices: industrial parks, urban blocks, markets, rural groups and cells."""
    towns, vills = world.towns, world.vills
    nv = len(vills)
    ul, rl, pl = recipe["urban_layout"], recipe["rural_layout"], recipe["park_layout"]
    vg = np.array(vills["geom"].tolist(), dtype=object)
    vseed = vills[["seed_x", "seed_y"]].to_numpy()
    urban = vills["urban"].to_numpy()
    town_idx = vills["town_idx"].to_numpy()

    # ---- industrial parks
    parks = []
    for name, tcode, radius in recipe["industrial_parks"]:
        t = int(np.flatnonzero(towns["code"].to_numpy() == tcode)[0])
        cand = np.flatnonzero((town_idx == t) & ~urban)
        if len(cand) == 0:
            cand = np.flatnonzero(town_idx == t)
        host = int(cand[np.argmax(vills["area"].to_numpy()[cand])])
        parts = shapely.get_parts(vg[host])
        big = parts[int(np.argmax(shapely.area(parts)))]
        mic = shapely.maximum_inscribed_circle(big, 5.0)
        cx, cy = shapely.get_coordinates(mic)[0]
        parks.append(dict(name=name, town=t, host=host, x=float(cx), y=float(cy), r=float(radius),
                          theta=float(rng.uniform(0, math.pi / 2))))
    park_xy = np.array([[p["x"], p["y"]] for p in parks])
    park_r = np.array([p["r"] for p in parks])

    def outside_parks(x, y, margin):
        ok = np.ones(len(x), dtype=bool)
        for (px, py), r in zip(park_xy, park_r, strict=True):
            ok &= np.hypot(x - px, y - py) > r + margin
        return ok

    # park cells
    pw, ph = float(pl["cell_w_m"]), float(pl["cell_h_m"])
    half_p = math.hypot(pw / 2, ph / 2) + 1.0
    shrunk_p = shapely.buffer(vg, -half_p)
    pcells = []
    for p in parks:
        disk = shapely.buffer(shapely.points(p["x"], p["y"]), p["r"] - half_p)
        region = polygonal_part(shapely.intersection(disk, towns.at[p["town"], "geom"]))
        c = lattice_cells(region, (p["x"], p["y"]), p["theta"], pw, ph, [pw / 2], [ph / 2])
        vidx = np.full(len(c["x"]), -1)
        for i in np.flatnonzero(town_idx == p["town"]):
            if shapely.is_empty(shrunk_p[i]):
                continue
            m = (vidx < 0) & shapely.contains_xy(shrunk_p[i], c["x"], c["y"])
            vidx[m] = i
        keep = vidx >= 0
        d = np.hypot(c["x"][keep] - p["x"], c["y"][keep] - p["y"])
        pcells.append(dict(x=c["x"][keep], y=c["y"][keep], v=vidx[keep], d=d,
                           noise=rng.lognormal(0, 0.25, int(keep.sum()))))
    world.parks, world.park_cells = parks, pcells

    # ---- urban block lattices (one orientation per township)
    P, sw, mg = float(ul["block_pitch_m"]), float(ul["street_width_m"]), float(ul["block_margin_m"])
    cw, ch = float(ul["cell_w_m"]), float(ul["cell_h_m"])
    ncol = int((P - sw - 2 * mg) // cw)
    nrow = int((P - sw - 2 * mg) // ch)
    offs_u = sw / 2 + mg + (np.arange(ncol) + 0.5) * cw
    offs_v = sw / 2 + mg + (np.arange(nrow) + 0.5) * ch
    half_u = math.hypot(cw / 2, ch / 2) + 1.0
    shrunk_u = shapely.buffer(vg, -half_u)
    town_theta = rng.uniform(0, math.pi / 2, len(towns))
    ucells = {}
    for i in np.flatnonzero(urban):
        t = town_idx[i]
        origin = (towns.at[t, "seed_x"], towns.at[t, "seed_y"])
        c = lattice_cells(shrunk_u[i], origin, town_theta[t], P, P, offs_u, offs_v, bounds_geom=vg[i])
        keep = outside_parks(c["x"], c["y"], half_u + 30)
        c = {k: v[keep] for k, v in c.items()}
        c["block"] = (c["bi"] - c["bi"].min() if len(c["bi"]) else c["bi"]) * 100000 + (
            c["bj"] - c["bj"].min() if len(c["bj"]) else c["bj"])
        c["theta"] = town_theta[t]
        c["origin"] = origin
        ucells[i] = c
    world.ucells = ucells
    world.urban_geom = dict(P=P, sw=sw, mg=mg, cw=cw, ch=ch, ncol=ncol, nrow=nrow, town_theta=town_theta)

    # ---- markets: a complete block near the township centre
    markets = []
    used_blocks = {}
    for mi, (mname, tcode) in enumerate(recipe["market_names"]):
        t = int(np.flatnonzero(towns["code"].to_numpy() == tcode)[0])
        cand = np.flatnonzero((town_idx == t) & urban)
        if len(cand) == 0:
            continue
        cand = cand[np.argsort(np.hypot(vseed[cand, 0] - towns.at[t, "seed_x"],
                                        vseed[cand, 1] - towns.at[t, "seed_y"]), kind="stable")]
        placed = False
        for i in cand:
            c = ucells[i]
            if len(c["block"]) == 0:
                continue
            blocks, counts = np.unique(c["block"], return_counts=True)
            full = blocks[counts == ncol * nrow]
            full = np.array([b for b in full if (int(i), int(b)) not in used_blocks], dtype=np.int64)
            if len(full) == 0:
                continue
            bx = np.array([c["x"][c["block"] == b].mean() for b in full])
            by = np.array([c["y"][c["block"] == b].mean() for b in full])
            b = int(full[np.argmin(np.hypot(bx - vseed[i, 0], by - vseed[i, 1]))])
            used_blocks[(int(i), b)] = mi
            m = c["block"] == b
            markets.append(dict(name=mname, v=int(i), block=b, bi=int(c["bi"][m][0]), bj=int(c["bj"][m][0]),
                                x=float(c["x"][m].mean()), y=float(c["y"][m].mean())))
            placed = True
            break
        if not placed:
            continue
    world.markets = markets
    world.market_blocks = used_blocks

    # ---- rural groups and house lattices
    cell = float(rl["cell_m"])
    half_r = math.hypot(cell / 2, cell / 2) + 1.0
    shrunk_r = shapely.buffer(vg, -half_r)
    inner = shapely.buffer(vg, -40.0)
    g0, g1 = rl["groups"]
    crad = float(rl["cluster_radius_m"])
    park_union = shapely.union_all(shapely.buffer(shapely.points(park_xy), park_r + 120)) if len(parks) else None
    groups, rcells = {}, {}
    vtheta = rng.uniform(0, math.pi / 2, nv)
    for i in range(nv):
        if urban[i]:
            continue
        ng = int(rng.integers(g0, g1 + 1))
        region = polygonal_part(inner[i]) or vg[i]
        if park_union is not None:
            r2 = polygonal_part(shapely.difference(region, park_union))
            if r2 is not None and shapely.area(r2) > 0.1 * shapely.area(region):
                region = r2
        gc = best_candidates(region, ng, rng, vseed[i][None, :], 10)
        groups[i] = gc
        c = lattice_cells(shrunk_r[i], (vseed[i, 0], vseed[i, 1]), vtheta[i], cell, cell, [cell / 2], [cell / 2],
                   bounds_geom=vg[i])
        x, y = c["x"], c["y"]
        d = np.sqrt(((x[:, None] - gc[None, :, 0]) ** 2 + (y[:, None] - gc[None, :, 1]) ** 2))
        near = d.min(1) if len(gc) else np.full(len(x), np.inf)
        dseed = np.hypot(x - vseed[i, 0], y - vseed[i, 1])
        keep = ((near <= crad) | (dseed <= crad * 0.6)) & outside_parks(x, y, half_r + 30)
        rcells[i] = dict(x=x[keep], y=y[keep], g=np.argmin(d[keep], 1) if len(gc) else np.zeros(int(keep.sum()), int),
                         dg=near[keep], dseed=dseed[keep], gumbel=rng.gumbel(size=int(keep.sum())),
                         theta=vtheta[i])
    world.groups, world.rcells = groups, rcells

