"""Service points (seeded with ``[seed, 4]``) and service teams (``[seed, 5]``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from loaders.demo.draws import allocate, stage_rng
from loaders.demo.plane import KX, KY, LAT0, LON0
from loaders.demo.wording import cn_number, degrees_text


def build_service_points(world, b, recipe, scale, seed) -> pd.DataFrame:
    """A service station per township, then distribution points, clinics, pharmacies,
    machines and outreach points in the recipe's proportions; ids SP00001…"""
    rng = stage_rng(seed, 4)
    total = max(
        int(recipe["service_point_floor"]),
        int(round(recipe["full_scale"]["service_points"] * scale)),
    )
    kinds = recipe["service_point_kinds"]
    counts = allocate(
        max(total - len(world.towns), 0), list(kinds.values()), [10**9] * len(kinds), minimum=0
    )
    per_kind = dict(zip(kinds, counts, strict=True))
    rows = stations(world)  # kind, name, address, x, y, village index
    rows += distribution_points(world, rng, int(per_kind.get("distribution_point", 0)))
    rows += points_in_buildings(b, recipe, rng, world.vills, per_kind)
    return _service_point_table(world, recipe, rng, rows, kinds)


def stations(world) -> list:
    """Service stations at the township centres (in the nearest village)."""
    towns, vills = world.towns, world.vills
    centres = vills[["seed_x", "seed_y"]].to_numpy()
    town_of = vills["town_idx"].to_numpy()
    rows = []
    for t in range(len(towns)):
        name = towns["name"].to_numpy()[t]
        d = np.hypot(centres[:, 0] - towns.at[t, "seed_x"], centres[:, 1] - towns.at[t, "seed_y"])
        d[town_of != t] = np.inf
        v = int(np.argmin(d))
        rows.append(
            (
                "service_station",
                f"{name}计划生育服务站",
                f"{world.county_name}{name}{vills.at[v, 'short']}便民服务中心",
                towns.at[t, "seed_x"],
                towns.at[t, "seed_y"],
                v,
            )
        )
    return rows


def distribution_points(world, rng, n: int) -> list:
    """Distribution points near the centres of ``n`` villages drawn at random."""
    vills = world.vills
    centres = vills[["seed_x", "seed_y"]].to_numpy()
    town_name = world.towns["name"].to_numpy()
    town_of = vills["town_idx"].to_numpy()
    rows = []
    for v in np.sort(rng.permutation(len(vills))[:n]):
        x, y = centres[v]
        for _ in range(10):
            cx, cy = x + rng.normal(0, 25), y + rng.normal(0, 25)
            if shapely.contains_xy(vills.at[v, "geom"], cx, cy):
                x, y = cx, cy
                break
        rows.append(
            (
                "distribution_point",
                f"{vills.at[v, 'short']}药具发放点",
                f"{world.county_name}{town_name[town_of[v]]}{vills.at[v, 'short']}",
                x,
                y,
                int(v),
            )
        )
    return rows


def points_in_buildings(b, recipe, rng, vills, per_kind: dict) -> list:
    """Clinics and pharmacies in urban homes, machines where people pass (markets, parks,
    compounds), outreach points at markets and parks."""
    village = b["v"].to_numpy()
    use, cat = b["use"].to_numpy(), b["cat"].to_numpy()
    urban_homes = np.flatnonzero(cat == "urban")
    if len(urban_homes) == 0:
        urban_homes = np.flatnonzero(use == "residential")
    markets = np.flatnonzero(use == "market")
    parks = np.flatnonzero((use == "enterprise") | (use == "dormitory"))
    brands = recipe["pharmacy_brands"]

    def pick(pool, n):
        if len(pool) == 0 or n == 0:
            return np.empty(0, dtype=np.int64)
        return np.sort(rng.choice(pool, n, replace=n > len(pool)))

    def row(kind, name, k):
        return (kind, name, b.at[k, "address"], *_point_in_building(b, rng, k), int(village[k]))

    rows = []
    for k in pick(urban_homes, int(per_kind.get("clinic", 0))):
        short = vills.at[village[k], "short"]
        name = f"{short}卫生服务站" if rng.random() < 0.5 else f"{b.at[k, 'compound']}诊所"
        rows.append(row("clinic", name, k))
    for k in pick(urban_homes, int(per_kind.get("pharmacy", 0))):
        name = f"{brands[int(rng.integers(len(brands)))]}({b.at[k, 'compound']}店)"
        rows.append(row("pharmacy", name, k))
    busy = np.concatenate(
        [markets, markets, parks[: max(1, len(parks) // 4)] if len(parks) else parks, urban_homes]
    )
    for k in pick(busy, int(per_kind.get("machine", 0))):
        place = b.at[k, "compound"] if use[k] != "enterprise" else b.at[k, "park"]
        rows.append(row("machine", f"{place}自助药具发放机", k))
    hot = np.concatenate([markets, parks]) if len(markets) + len(parks) else urban_homes
    for k in pick(hot, int(per_kind.get("outreach", 0))):
        place = (
            b.at[k, "compound"] if use[k] == "market" else (b.at[k, "park"] or b.at[k, "compound"])
        )
        rows.append(row("outreach", f"{place}流动服务点", k))
    return rows


def _point_in_building(b, rng, k):
    """A random point inside building ``k`` (within 35 % of its length and width)."""
    du = rng.uniform(-0.35, 0.35) * b["L"].to_numpy()[k]
    dv = rng.uniform(-0.35, 0.35) * b["W"].to_numpy()[k]
    th = b["theta"].to_numpy()[k]
    x, y = b["x"].to_numpy()[k], b["y"].to_numpy()[k]
    return (x + du * math.cos(th) - dv * math.sin(th), y + du * math.sin(th) + dv * math.cos(th))


def _service_point_table(world, recipe, rng, rows, kinds) -> pd.DataFrame:
    """Unique names, sorted by village and kind, ids, lon/lat, hours, capacity, active."""
    sp = pd.DataFrame(rows, columns=["kind", "name", "address", "x", "y", "v"])
    dup = sp.groupby("name").cumcount().to_numpy()
    sp["name"] = np.where(
        dup > 0, sp["name"] + "(" + pd.Series(dup + 1).map(cn_number).to_numpy() + ")", sp["name"]
    )
    sp["vcode"] = world.vills["code"].to_numpy()[sp["v"].to_numpy()]
    kind_rank = {k: i for i, k in enumerate(["service_station"] + list(kinds))}
    sp["_k"] = sp["kind"].map(kind_rank)
    sp = sp.sort_values(["vcode", "_k", "name", "x", "y"], kind="stable").reset_index(drop=True)
    n = len(sp)
    sp["point_id"] = [f"{world.id_prefix}SP{k + 1:05d}" for k in range(n)]
    sp["lon"] = degrees_text(sp["x"].to_numpy() / KX + LON0)
    sp["lat"] = degrees_text(sp["y"].to_numpy() / KY + LAT0)
    capacity = recipe["capacity"]
    sp["opening_hours"] = sp["kind"].map(recipe["opening_hours"])
    lo = sp["kind"].map(lambda k: capacity[k][0]).to_numpy()
    hi = sp["kind"].map(lambda k: capacity[k][1]).to_numpy()
    sp["capacity"] = rng.integers(lo, hi + 1)
    sp["active"] = np.where(rng.random(n) < float(recipe["inactive_share"]), "false", "true")
    return sp[
        ["point_id", "kind", "name", "address", "lon", "lat", "opening_hours", "capacity", "active"]
    ]


def build_teams(world, recipe, seed) -> pd.DataFrame:
    rng = stage_rng(seed, 5)
    towns, vills = world.towns, world.vills
    n = int(recipe["teams"])
    nvt = np.bincount(vills["town_idx"].to_numpy(), minlength=len(towns))
    per = allocate(n, nvt, [10**6] * len(towns), minimum=1)
    nums = recipe["team_numbers"]
    m0, m1 = recipe["team_members"]
    rows = []
    for t in range(len(towns)):
        for k in range(int(per[t])):
            num = nums[k] if k < len(nums) else cn_number(k + 1)
            rows.append((f"{towns.at[t, 'name']}服务{num}队", towns.at[t, "code12"]))
    teams = pd.DataFrame(rows, columns=["name", "base_code"])
    teams.insert(0, "team_id", [f"{world.id_prefix}T{k + 1:02d}" for k in range(len(teams))])
    teams["members"] = rng.integers(m0, m1 + 1, len(teams))
    return teams
