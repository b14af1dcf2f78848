"""Scale-independent lattices inside the villages: industrial parks, urban blocks,
markets, rural house groups."""

from __future__ import annotations

import math

import numpy as np
import shapely

from loaders.demo.plane import best_candidates, lattice_cells, polygonal_part


def build_layout(world, recipe: dict, rng) -> None:
    """Scale-independent lattices: industrial parks, urban blocks, markets, rural groups
    and cells (stored on ``world``)."""
    vills = world.vills
    village_geoms = np.array(vills["geom"].tolist(), dtype=object)
    world.parks = industrial_parks(world, recipe, rng, village_geoms)
    parks = ParkAreas(world.parks)
    world.park_cells = park_plots(world, recipe, rng, village_geoms)
    world.ucells, world.urban_geom = urban_blocks(world, recipe, rng, village_geoms, parks)
    world.markets, world.market_blocks = markets(world, recipe)
    world.groups, world.rcells = rural_groups(world, recipe, rng, village_geoms, parks)


class ParkAreas:
    """The industrial parks' discs: homes and village lattices keep out of them."""

    def __init__(self, parks: list[dict]):
        self.xy = np.array([[p["x"], p["y"]] for p in parks])
        self.radius = np.array([p["r"] for p in parks])
        self.count = len(parks)

    def outside(self, x, y, margin):
        ok = np.ones(len(x), dtype=bool)
        for (px, py), r in zip(self.xy, self.radius, strict=True):
            ok &= np.hypot(x - px, y - py) > r + margin
        return ok


def industrial_parks(world, recipe, rng, village_geoms) -> list[dict]:
    """Each park centred in the largest rural village of its township."""
    towns, vills = world.towns, world.vills
    urban = vills["urban"].to_numpy()
    town_idx = vills["town_idx"].to_numpy()
    parks = []
    for name, tcode, radius in recipe["industrial_parks"]:
        t = int(np.flatnonzero(towns["code"].to_numpy() == tcode)[0])
        cand = np.flatnonzero((town_idx == t) & ~urban)
        if len(cand) == 0:
            cand = np.flatnonzero(town_idx == t)
        host = int(cand[np.argmax(vills["area"].to_numpy()[cand])])
        parts = shapely.get_parts(village_geoms[host])
        big = parts[int(np.argmax(shapely.area(parts)))]
        circle = shapely.maximum_inscribed_circle(big, 5.0)
        cx, cy = shapely.get_coordinates(circle)[0]
        parks.append(
            dict(
                name=name,
                town=t,
                host=host,
                x=float(cx),
                y=float(cy),
                r=float(radius),
                theta=float(rng.uniform(0, math.pi / 2)),
            )
        )
    return parks


def park_plots(world, recipe, rng, village_geoms) -> list[dict]:
    """Plots of each park, each assigned to the village it lies in."""
    layout = recipe["park_layout"]
    town_idx = world.vills["town_idx"].to_numpy()
    plot_w, plot_h = float(layout["cell_w_m"]), float(layout["cell_h_m"])
    half = math.hypot(plot_w / 2, plot_h / 2) + 1.0
    shrunk = shapely.buffer(village_geoms, -half)
    plots = []
    for p in world.parks:
        disk = shapely.buffer(shapely.points(p["x"], p["y"]), p["r"] - half)
        region = polygonal_part(shapely.intersection(disk, world.towns.at[p["town"], "geom"]))
        c = lattice_cells(
            region, (p["x"], p["y"]), p["theta"], plot_w, plot_h, [plot_w / 2], [plot_h / 2]
        )
        village = np.full(len(c["x"]), -1)
        for i in np.flatnonzero(town_idx == p["town"]):
            if shapely.is_empty(shrunk[i]):
                continue
            m = (village < 0) & shapely.contains_xy(shrunk[i], c["x"], c["y"])
            village[m] = i
        keep = village >= 0
        d = np.hypot(c["x"][keep] - p["x"], c["y"][keep] - p["y"])
        plots.append(
            dict(
                x=c["x"][keep],
                y=c["y"][keep],
                v=village[keep],
                d=d,
                noise=rng.lognormal(0, 0.25, int(keep.sum())),
            )
        )
    return plots


def urban_blocks(world, recipe, rng, village_geoms, parks: ParkAreas):
    """Block lattices of the urban communities (one orientation per township): cells per
    village index, and the lattice's measures."""
    towns, vills = world.towns, world.vills
    layout = recipe["urban_layout"]
    pitch, street = float(layout["block_pitch_m"]), float(layout["street_width_m"])
    margin = float(layout["block_margin_m"])
    cw, ch = float(layout["cell_w_m"]), float(layout["cell_h_m"])
    ncol = int((pitch - street - 2 * margin) // cw)
    nrow = int((pitch - street - 2 * margin) // ch)
    offs_u = street / 2 + margin + (np.arange(ncol) + 0.5) * cw
    offs_v = street / 2 + margin + (np.arange(nrow) + 0.5) * ch
    half = math.hypot(cw / 2, ch / 2) + 1.0
    shrunk = shapely.buffer(village_geoms, -half)
    town_theta = rng.uniform(0, math.pi / 2, len(towns))
    town_idx = vills["town_idx"].to_numpy()
    cells = {}
    for i in np.flatnonzero(vills["urban"].to_numpy()):
        t = town_idx[i]
        origin = (towns.at[t, "seed_x"], towns.at[t, "seed_y"])
        c = lattice_cells(
            shrunk[i],
            origin,
            town_theta[t],
            pitch,
            pitch,
            offs_u,
            offs_v,
            bounds_geom=village_geoms[i],
        )
        keep = parks.outside(c["x"], c["y"], half + 30)
        c = {k: v[keep] for k, v in c.items()}
        c["block"] = (c["bi"] - c["bi"].min() if len(c["bi"]) else c["bi"]) * 100000 + (
            c["bj"] - c["bj"].min() if len(c["bj"]) else c["bj"]
        )
        c["theta"] = town_theta[t]
        c["origin"] = origin
        cells[i] = c
    measures = dict(
        P=pitch, sw=street, mg=margin, cw=cw, ch=ch, ncol=ncol, nrow=nrow, town_theta=town_theta
    )
    return cells, measures


def markets(world, recipe):
    """Each market takes a complete block near its township centre: the markets, and
    (village index, block) → market number."""
    towns, vills = world.towns, world.vills
    town_idx = vills["town_idx"].to_numpy()
    urban = vills["urban"].to_numpy()
    centre = vills[["seed_x", "seed_y"]].to_numpy()
    full_block = world.urban_geom["ncol"] * world.urban_geom["nrow"]
    placed, used_blocks = [], {}
    for number, (name, tcode) in enumerate(recipe["market_names"]):
        t = int(np.flatnonzero(towns["code"].to_numpy() == tcode)[0])
        cand = np.flatnonzero((town_idx == t) & urban)
        if len(cand) == 0:
            continue
        cand = cand[
            np.argsort(
                np.hypot(
                    centre[cand, 0] - towns.at[t, "seed_x"], centre[cand, 1] - towns.at[t, "seed_y"]
                ),
                kind="stable",
            )
        ]
        for i in cand:
            c = world.ucells[i]
            if len(c["block"]) == 0:
                continue
            blocks, counts = np.unique(c["block"], return_counts=True)
            full = blocks[counts == full_block]
            full = np.array(
                [b for b in full if (int(i), int(b)) not in used_blocks], dtype=np.int64
            )
            if len(full) == 0:
                continue
            bx = np.array([c["x"][c["block"] == b].mean() for b in full])
            by = np.array([c["y"][c["block"] == b].mean() for b in full])
            b = int(full[np.argmin(np.hypot(bx - centre[i, 0], by - centre[i, 1]))])
            used_blocks[(int(i), b)] = number
            m = c["block"] == b
            placed.append(
                dict(
                    name=name,
                    v=int(i),
                    block=b,
                    bi=int(c["bi"][m][0]),
                    bj=int(c["bj"][m][0]),
                    x=float(c["x"][m].mean()),
                    y=float(c["y"][m].mean()),
                )
            )
            break
    return placed, used_blocks


def rural_groups(world, recipe, rng, village_geoms, parks: ParkAreas):
    """House groups (村民小组) of each rural village and the house cells around them."""
    vills = world.vills
    layout = recipe["rural_layout"]
    centre = vills[["seed_x", "seed_y"]].to_numpy()
    cell = float(layout["cell_m"])
    half = math.hypot(cell / 2, cell / 2) + 1.0
    shrunk = shapely.buffer(village_geoms, -half)
    inner = shapely.buffer(village_geoms, -40.0)
    g0, g1 = layout["groups"]
    cluster_radius = float(layout["cluster_radius_m"])
    park_union = (
        shapely.union_all(shapely.buffer(shapely.points(parks.xy), parks.radius + 120))
        if parks.count
        else None
    )
    groups, cells = {}, {}
    theta = rng.uniform(0, math.pi / 2, len(vills))
    for i in range(len(vills)):
        if vills["urban"].to_numpy()[i]:
            continue
        n_groups = int(rng.integers(g0, g1 + 1))
        region = polygonal_part(inner[i]) or village_geoms[i]
        if park_union is not None:
            outside = polygonal_part(shapely.difference(region, park_union))
            if outside is not None and shapely.area(outside) > 0.1 * shapely.area(region):
                region = outside
        gc = best_candidates(region, n_groups, rng, centre[i][None, :], 10)
        groups[i] = gc
        c = lattice_cells(
            shrunk[i],
            (centre[i, 0], centre[i, 1]),
            theta[i],
            cell,
            cell,
            [cell / 2],
            [cell / 2],
            bounds_geom=village_geoms[i],
        )
        x, y = c["x"], c["y"]
        d = np.sqrt(((x[:, None] - gc[None, :, 0]) ** 2 + (y[:, None] - gc[None, :, 1]) ** 2))
        near = d.min(1) if len(gc) else np.full(len(x), np.inf)
        from_centre = np.hypot(x - centre[i, 0], y - centre[i, 1])
        keep = ((near <= cluster_radius) | (from_centre <= cluster_radius * 0.6)) & parks.outside(
            x, y, half + 30
        )
        cells[i] = dict(
            x=x[keep],
            y=y[keep],
            g=np.argmin(d[keep], 1) if len(gc) else np.zeros(int(keep.sum()), int),
            dg=near[keep],
            dseed=from_centre[keep],
            gumbel=rng.gumbel(size=int(keep.sum())),
            theta=theta[i],
        )
    return groups, cells
