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
    rng = stage_rng(seed, 4)
    vills, towns = world.vills, world.towns
    total = max(int(recipe["service_point_floor"]), int(round(recipe["full_scale"]["service_points"] * scale)))
    kinds = recipe["service_point_kinds"]
    n_st = len(towns)
    counts = allocate(max(total - n_st, 0), list(kinds.values()), [10 ** 9] * len(kinds), minimum=0)
    rows = []  # kind, name, address, x, y, v_idx
    vseed = vills[["seed_x", "seed_y"]].to_numpy()
    town_name = towns["name"].to_numpy()
    vtown = vills["town_idx"].to_numpy()
    # service stations at township centres
    for t in range(n_st):
        d = np.hypot(vseed[:, 0] - towns.at[t, "seed_x"], vseed[:, 1] - towns.at[t, "seed_y"])
        d[vtown != t] = np.inf
        v = int(np.argmin(d))
        rows.append(("service_station", f"{town_name[t]}计划生育服务站",
                     f"义乌市{town_name[t]}{vills.at[v, 'short']}便民服务中心", towns.at[t, "seed_x"],
                     towns.at[t, "seed_y"], v))

    bx, by = b["x"].to_numpy(), b["y"].to_numpy()
    bv = b["v"].to_numpy()
    bL, bW, bth = b["L"].to_numpy(), b["W"].to_numpy(), b["theta"].to_numpy()

    def point_in_building(k):
        uu = rng.uniform(-0.35, 0.35) * bL[k]
        vv = rng.uniform(-0.35, 0.35) * bW[k]
        return (bx[k] + uu * math.cos(bth[k]) - vv * math.sin(bth[k]),
                by[k] + uu * math.sin(bth[k]) + vv * math.cos(bth[k]))

    kc = dict(zip(kinds, counts, strict=True))
    # distribution points near village centres
    nd = int(kc.get("distribution_point", 0))
    vsel = np.sort(rng.permutation(len(vills))[:nd])
    for v in vsel:
        V = vills.at[v, "geom"]
        x, y = vseed[v]
        for _ in range(10):
            cx, cy = x + rng.normal(0, 25), y + rng.normal(0, 25)
            if shapely.contains_xy(V, cx, cy):
                x, y = cx, cy
                break
        rows.append(("distribution_point", f"{vills.at[v, 'short']}药具发放点",
                     f"义乌市{town_name[vtown[v]]}{vills.at[v, 'short']}", x, y, int(v)))
    use = b["use"].to_numpy()
    cat = b["cat"].to_numpy()
    urban_res = np.flatnonzero(cat == "urban")
    if len(urban_res) == 0:
        urban_res = np.flatnonzero(use == "residential")
    markets = np.flatnonzero(use == "market")
    parks = np.flatnonzero((use == "enterprise") | (use == "dormitory"))
    brands = recipe["pharmacy_brands"]

    def pick(pool, n):
        if len(pool) == 0 or n == 0:
            return np.empty(0, dtype=np.int64)
        return np.sort(rng.choice(pool, n, replace=n > len(pool)))

    for k in pick(urban_res, int(kc.get("clinic", 0))):
        vs = vills.at[bv[k], "short"]
        name = f"{vs}卫生服务站" if rng.random() < 0.5 else f"{b.at[k, 'compound']}诊所"
        rows.append(("clinic", name, b.at[k, "address"], *point_in_building(k), int(bv[k])))
    for k in pick(urban_res, int(kc.get("pharmacy", 0))):
        name = f"{brands[int(rng.integers(len(brands)))]}({b.at[k, 'compound']}店)"
        rows.append(("pharmacy", name, b.at[k, "address"], *point_in_building(k), int(bv[k])))
    busy = np.concatenate([markets, markets, parks[: max(1, len(parks) // 4)] if len(parks) else parks, urban_res])
    for k in pick(busy, int(kc.get("machine", 0))):
        place = b.at[k, "compound"] if use[k] != "enterprise" else b.at[k, "park"]
        rows.append(("machine", f"{place}自助药具发放机", b.at[k, "address"], *point_in_building(k), int(bv[k])))
    hot = np.concatenate([markets, parks]) if len(markets) + len(parks) else urban_res
    for k in pick(hot, int(kc.get("outreach", 0))):
        place = b.at[k, "compound"] if use[k] == "market" else (b.at[k, "park"] or b.at[k, "compound"])
        rows.append(("outreach", f"{place}流动服务点", b.at[k, "address"], *point_in_building(k), int(bv[k])))

    sp = pd.DataFrame(rows, columns=["kind", "name", "address", "x", "y", "v"])
    # disambiguate duplicate names
    dup = sp.groupby("name").cumcount().to_numpy()
    sp["name"] = np.where(dup > 0, sp["name"] + "(" + pd.Series(dup + 1).map(cn_number).to_numpy() + ")",
                          sp["name"])
    sp["vcode"] = vills["code"].to_numpy()[sp["v"].to_numpy()]
    kind_rank = {k: i for i, k in enumerate(["service_station"] + list(kinds))}
    sp["_k"] = sp["kind"].map(kind_rank)
    sp = sp.sort_values(["vcode", "_k", "name", "x", "y"], kind="stable").reset_index(drop=True)
    n = len(sp)
    sp["point_id"] = [f"SP{k + 1:05d}" for k in range(n)]
    sp["lon"] = degrees_text(sp["x"].to_numpy() / KX + LON0)
    sp["lat"] = degrees_text(sp["y"].to_numpy() / KY + LAT0)
    hours = recipe["opening_hours"]
    capr = recipe["capacity"]
    sp["opening_hours"] = sp["kind"].map(hours)
    lo = sp["kind"].map(lambda k: capr[k][0]).to_numpy()
    hi = sp["kind"].map(lambda k: capr[k][1]).to_numpy()
    sp["capacity"] = rng.integers(lo, hi + 1)
    sp["active"] = np.where(rng.random(n) < float(recipe["inactive_share"]), "false", "true")
    return sp[["point_id", "kind", "name", "address", "lon", "lat", "opening_hours", "capacity", "active"]]


def build_teams(world, recipe, seed) -> pd.DataFrame:
    rng = stage_rng(seed, 5)
    towns, vills = world.towns, world.vills
    n = int(recipe["teams"])
    nvt = np.bincount(vills["town_idx"].to_numpy(), minlength=len(towns))
    per = allocate(n, nvt, [10 ** 6] * len(towns), minimum=1)
    nums = recipe["team_numbers"]
    m0, m1 = recipe["team_members"]
    rows = []
    for t in range(len(towns)):
        for k in range(int(per[t])):
            num = nums[k] if k < len(nums) else cn_number(k + 1)
            rows.append((f"{towns.at[t, 'name']}服务{num}队", towns.at[t, "code12"]))
    teams = pd.DataFrame(rows, columns=["name", "base_code"])
    teams.insert(0, "team_id", [f"T{k + 1:02d}" for k in range(len(teams))])
    teams["members"] = rng.integers(m0, m1 + 1, len(teams))
    return teams

