"""Buildings (scale dependent, seeded with ``[seed, 2]``): markets, urban compounds,
rural houses, enterprises and dormitories, schools and public buildings, then their ids
and addresses.

Each kind is placed by its own function, in a fixed order (the order of the random draws
is part of the output: the same seed gives the same buildings).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd

from loaders.demo.draws import allocate, stage_rng
from loaders.demo.wording import as_text, cn_number

# building use categories (order is also the building-id sort order inside a village)
USE_ORDER = ["residential", "dormitory", "market", "enterprise", "school", "public"]
ENTERPRISE_FORMS = ["有限公司", "有限公司", "实业有限公司", "制品厂"]
ENTERPRISE_NAME_CHARS = list(
    "华鑫恒达金辉新光宏泰盛源天宇伟业锦永佳美鼎瑞丰富康中辰明海纳博远众诚浩隆昌嘉凯通"
)


class BuildingFrames:
    """Collects the placed buildings (one DataFrame per batch) and numbers compounds."""

    def __init__(self):
        self.batches: list[dict] = []
        self.next_compound = 0

    def new_compounds(self, n: int) -> np.ndarray:
        ids = np.arange(self.next_compound, self.next_compound + n)
        self.next_compound += n
        return ids

    def add(self, **cols) -> None:
        """A batch of buildings; columns a kind does not use get their neutral value."""
        n = len(cols["x"])
        base = dict(
            group=np.zeros(n, np.int64),
            house_no=np.zeros(n, np.int64),
            units=np.zeros(n, np.int64),
            rooms_pf=np.zeros(n, np.int64),
            park=np.full(n, "", dtype=object),
        )
        base.update(cols)
        self.batches.append({k: np.asarray(v) for k, v in base.items()})

    def table(self) -> pd.DataFrame:
        # a frame per batch cost a millisecond each (about 500 batches a county): the
        # columns are joined here instead, as pandas would join the frames (the same
        # columns in every batch; a column whose parts differ in dtype is left to pandas)
        names = list(self.batches[0])
        if any(list(b) != names for b in self.batches):
            raise AssertionError("every batch of buildings has the same columns")
        cols = {}
        for name in names:
            parts = [b[name] for b in self.batches]
            if all(p.dtype == parts[0].dtype for p in parts):
                cols[name] = np.concatenate(parts)
            else:
                cols[name] = pd.concat([pd.Series(p) for p in parts], ignore_index=True)
        b = pd.DataFrame(cols)
        for col in ("group", "house_no", "units", "rooms_pf", "building_no", "floors", "cid", "v"):
            b[col] = b[col].astype(np.int64)
        return b


def build_buildings(world, recipe: dict, scale: float, seed: int) -> pd.DataFrame:
    """Every building of the county at ``scale``, sorted, with its id and address."""
    rng = stage_rng(seed, 2)
    full = recipe["full_scale"]["buildings"]

    def count(kind):
        return int(round(full[kind] * scale))

    out = BuildingFrames()
    place_markets(world, rng, out)
    free_urban = place_urban_compounds(world, recipe, rng, out, count("urban_residential"))
    free_rural = place_rural_houses(world, recipe, rng, out, count("rural_house"))
    place_park_buildings(world, recipe, rng, out, count("enterprise"), count("dormitory"))
    place_schools_and_public(
        world, recipe, rng, out, free_urban, free_rural, count("school"), count("public")
    )
    return number_and_address(world, out.table())


def _turned(x, y, du, dv, theta):
    """Points (x, y) moved by (du, dv) in a frame turned by ``theta``."""
    return (
        x + du * math.cos(theta) - dv * math.sin(theta),
        y + du * math.sin(theta) + dv * math.cos(theta),
    )


def place_markets(world, rng, out: BuildingFrames) -> None:
    """Markets (fixed): two big buildings filling each market block."""
    grid = world.urban_geom
    cw, ch = grid["cw"], grid["ch"]
    for m in world.markets:
        c = world.ucells[m["v"]]
        th, (ox, oy) = c["theta"], c["origin"]
        pitch, street, margin = grid["P"], grid["sw"], grid["mg"]
        u0 = m["bi"] * pitch + street / 2 + margin
        v0 = m["bj"] * pitch + street / 2 + margin
        n_buildings = max(1, grid["nrow"] // 2)
        rows_each = grid["nrow"] // n_buildings
        u_centre = u0 + grid["ncol"] * cw / 2
        v_centres = v0 + (np.arange(n_buildings) + 0.5) * rows_each * ch
        x, y = _turned(ox, oy, u_centre, v_centres, th)
        cid = out.new_compounds(1)[0]
        n = n_buildings
        out.add(
            x=x,
            y=y,
            L=np.full(n, grid["ncol"] * cw - 6),
            W=np.full(n, rows_each * ch - 6),
            theta=np.full(n, th),
            v=np.full(n, m["v"]),
            use=np.full(n, "market", dtype=object),
            compound=np.full(n, m["name"], dtype=object),
            cid=np.full(n, cid),
            building_no=np.arange(1, n + 1),
            floors=rng.integers(4, 6, n),
            cat=np.full(n, "market", dtype=object),
        )


def place_urban_compounds(world, recipe, rng, out: BuildingFrames, total: int) -> SimpleNamespace:
    """Residential compounds filling urban blocks nearest each community's centre.

    Returns the cells still free (``available`` minus ``used``, per village index) for
    schools and public buildings."""
    vills = world.vills
    centre = vills[["seed_x", "seed_y"]].to_numpy()
    villages = np.array(sorted(world.ucells), dtype=np.int64)
    cell_size = (world.urban_geom["cw"], world.urban_geom["ch"])
    available = {}
    for i in villages:
        c = world.ucells[i]
        ok = np.ones(len(c["x"]), dtype=bool)
        for vi, block in world.market_blocks:
            if vi == i:
                ok &= c["block"] != block
        available[i] = ok
    caps = np.array([available[i].sum() for i in villages])
    budget = allocate(total, vills["weight"].to_numpy()[villages], caps, minimum=1)
    used = {}
    for k, i in enumerate(villages):
        c = world.ucells[i]
        used[i] = np.zeros(len(c["x"]), dtype=bool)
        if int(budget[k]) == 0:
            continue
        ok = available[i]
        blocks = np.unique(c["block"][ok])
        bx = np.array([c["x"][ok & (c["block"] == b)].mean() for b in blocks])
        by = np.array([c["y"][ok & (c["block"] == b)].mean() for b in blocks])
        key = np.hypot(bx - centre[i, 0], by - centre[i, 1]) * rng.lognormal(0, 0.35, len(blocks))
        blocks_by_nearness = blocks[np.argsort(key, kind="stable")]
        _fill_blocks(
            recipe, rng, out, cell_size, c, i, ok, used[i], blocks_by_nearness, int(budget[k])
        )
    return SimpleNamespace(available=available, used=used)


def _fill_blocks(recipe, rng, out, cell_size, c, village, ok, used, blocks, wanted: int) -> None:
    """One compound per block, block after block, until ``wanted`` buildings stand."""
    layout = recipe["urban_layout"]
    cw, ch = cell_size
    length_range, width_range = layout["building_length_m"], layout["building_width_m"]
    floor_classes = np.array(layout["floors_classes"], dtype=float)
    prefixes, suffixes = recipe["compound_prefixes"], recipe["compound_suffixes"]
    taken = 0
    names_used = set()
    for block in blocks:
        if taken >= wanted:
            break
        sel = np.flatnonzero(ok & (c["block"] == block))
        sel = sel[np.lexsort((c["a"][sel], -c["b"][sel]))][: wanted - taken]
        if len(sel) == 0:
            continue
        used[sel] = True
        taken += len(sel)
        for _ in range(20):
            name = (
                prefixes[int(rng.integers(len(prefixes)))]
                + suffixes[int(rng.integers(len(suffixes)))]
            )
            if name not in names_used:
                break
        names_used.add(name)
        n = len(sel)
        cls = floor_classes[
            int(rng.choice(len(floor_classes), p=floor_classes[:, 2] / floor_classes[:, 2].sum()))
        ]
        floors = rng.integers(int(cls[0]), int(cls[1]) + 1, n)
        length = rng.uniform(*length_range, n)
        width = rng.uniform(*width_range, n)
        ju = rng.uniform(-1, 1, n) * np.maximum(0, (cw - length) / 2 - 2)
        jv = rng.uniform(-1, 1, n) * np.maximum(0, (ch - width) / 2 - 2)
        th = c["theta"]
        x, y = _turned(c["x"][sel], c["y"][sel], ju, jv, th)
        units = np.where(length >= float(layout["two_unit_min_length_m"]), 2, 1)
        out.add(
            x=x,
            y=y,
            L=length,
            W=width,
            theta=np.full(n, th),
            v=np.full(n, village),
            use=np.full(n, "residential", dtype=object),
            compound=np.full(n, name, dtype=object),
            cid=np.full(n, out.new_compounds(1)[0]),
            building_no=np.arange(1, n + 1),
            floors=floors,
            cat=np.full(n, "urban", dtype=object),
            units=units,
        )


def place_rural_houses(world, recipe, rng, out: BuildingFrames, total: int) -> dict:
    """Village houses clustered around the house groups; returns the used cells per village."""
    rural = recipe["rural_layout"]
    villages = np.array(sorted(world.rcells), dtype=np.int64)
    caps = np.array([len(world.rcells[i]["x"]) for i in villages])
    budget = allocate(total, world.vills["weight"].to_numpy()[villages], caps, minimum=1)
    sigma = float(rural["cluster_sigma_m"])
    floor_probs = np.array(rural["floors"], dtype=float)
    cell = float(rural["cell_m"])
    used_cells = {}
    for k, i in enumerate(villages):
        c = world.rcells[i]
        used = np.zeros(len(c["x"]), dtype=bool)
        used_cells[i] = used
        n = int(budget[k])
        if n == 0:
            continue
        key = -((c["dg"] / sigma) ** 2) + c["gumbel"]
        sel = np.argsort(-key, kind="stable")[:n]
        used[sel] = True
        group = c["g"][sel]
        order = np.lexsort((c["dg"][sel], group))
        sel, group = sel[order], group[order]
        first = np.r_[True, group[1:] != group[:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        house_no = np.arange(n) - start + 1
        length = rng.uniform(*rural["house_length_m"], n)
        width = rng.uniform(*rural["house_width_m"], n)
        ju = rng.uniform(-1, 1, n) * ((cell - length) / 2 - 1.5)
        jv = rng.uniform(-1, 1, n) * ((cell - width) / 2 - 1.5)
        th = c["theta"]
        x, y = _turned(c["x"][sel], c["y"][sel], ju, jv, th)
        floors = floor_probs[
            rng.choice(len(floor_probs), n, p=floor_probs[:, 1] / floor_probs[:, 1].sum()), 0
        ]
        out.add(
            x=x,
            y=y,
            L=length,
            W=width,
            theta=np.full(n, th),
            v=np.full(n, i),
            use=np.full(n, "residential", dtype=object),
            compound=np.full(n, "", dtype=object),
            cid=np.full(n, -1),
            building_no=house_no,
            floors=floors.astype(np.int64),
            cat=np.full(n, "rural", dtype=object),
            group=group + 1,
            house_no=house_no,
        )
    return used_cells


def place_park_buildings(
    world, recipe, rng, out: BuildingFrames, n_enterprise: int, n_dormitory: int
) -> None:
    """Enterprises (companies of 1-3 buildings) and dormitories in the industrial parks."""
    plot_caps = np.array([len(pc["x"]) for pc in world.park_cells])
    per_park = allocate(n_enterprise + n_dormitory, np.maximum(plot_caps, 1), plot_caps, minimum=2)
    dorms_per_park = allocate(
        n_dormitory,
        np.maximum(per_park, 1),
        per_park,
        minimum=1 if n_dormitory >= len(per_park) else 0,
    )
    names = EnterpriseNames(recipe, rng, int(per_park.sum()))
    for k, (park, plots) in enumerate(zip(world.parks, world.park_cells, strict=True)):
        n = int(per_park[k])
        if n == 0:
            continue
        order = np.argsort(plots["d"] * plots["noise"], kind="stable")[:n]
        is_dorm = np.zeros(n, dtype=bool)
        n_dorm = int(min(dorms_per_park[k], n))
        is_dorm[rng.choice(n, n_dorm, replace=False)] = True
        _place_enterprises(recipe, rng, out, park, plots, order[~is_dorm], names)
        if n_dorm:
            _place_dormitories(recipe, rng, out, park, plots, order[is_dorm])


class EnterpriseNames:
    """Distinct company names '义乌市' + two characters + industry + legal form, drawn
    without repetition for as long as the combinations last."""

    def __init__(self, recipe, rng, wanted: int):
        self.chars = recipe.get("enterprise_name_chars") or ENTERPRISE_NAME_CHARS
        self.industries = recipe["enterprise_industries"]
        self.county = recipe["county"]["name"]
        chars, forms = self.chars, ENTERPRISE_FORMS
        n_combo = len(chars) * (len(chars) - 1) * len(self.industries) * len(forms)
        combo = rng.choice(n_combo, size=min(wanted, n_combo), replace=False)
        self.combos = np.concatenate([combo, rng.integers(0, n_combo, max(0, wanted - len(combo)))])
        self.used = 0

    def take(self, n: int) -> np.ndarray:
        chars, forms, industries = self.chars, ENTERPRISE_FORMS, self.industries
        names = []
        for combo in self.combos[self.used : self.used + n]:
            combo = int(combo)
            form = combo % len(forms)
            combo //= len(forms)
            industry = combo % len(industries)
            combo //= len(industries)
            a, b = divmod(combo, len(chars) - 1)
            b = b + (b >= a)
            names.append(self.county + chars[a] + chars[b] + industries[industry] + forms[form])
        self.used += n
        return np.array(names, dtype=object)


def _in_plots(recipe, rng, plots, sel, lengths, widths, th):
    """Buildings of random size, one in each plot ``plots[sel]``, moved at random within
    it (2 m from its edges), turned by ``th``: x, y, length, width."""
    park = recipe["park_layout"]
    plot_w, plot_h = float(park["cell_w_m"]), float(park["cell_h_m"])
    n = len(sel)
    length = rng.uniform(*lengths, n)
    width = rng.uniform(*widths, n)
    ju = rng.uniform(-1, 1, n) * np.maximum(0, (plot_w - length) / 2 - 2)
    jv = rng.uniform(-1, 1, n) * np.maximum(0, (plot_h - width) / 2 - 2)
    x, y = _turned(plots["x"][sel], plots["y"][sel], ju, jv, th)
    return x, y, length, width


def _place_enterprises(recipe, rng, out, park, plots, sel, names: EnterpriseNames) -> None:
    """Consecutive plots grouped into companies of 1-3 buildings."""
    layout = recipe["park_layout"]
    n = len(sel)
    if not n:
        return
    sizes = rng.integers(1, 4, n)
    company = np.repeat(np.arange(n), sizes)[:n]
    building_no = np.arange(n) - np.searchsorted(company, company) + 1
    n_companies = int(company.max()) + 1
    company_names = names.take(n_companies)
    cids = out.new_compounds(n_companies)
    th = park["theta"]
    x, y, length, width = _in_plots(
        recipe,
        rng,
        plots,
        sel,
        tuple(layout["enterprise_length_m"]),
        tuple(layout["enterprise_width_m"]),
        th,
    )
    f0, f1 = layout["enterprise_floors"]
    out.add(
        x=x,
        y=y,
        L=length,
        W=width,
        theta=np.full(n, th),
        v=plots["v"][sel],
        use=np.full(n, "enterprise", dtype=object),
        compound=company_names[company],
        cid=cids[company],
        building_no=building_no,
        floors=rng.integers(f0, f1 + 1, n),
        cat=np.full(n, "enterprise", dtype=object),
        park=np.full(n, park["name"], dtype=object),
    )


def _place_dormitories(recipe, rng, out, park, plots, sel) -> None:
    layout = recipe["park_layout"]
    n = len(sel)
    th = park["theta"]
    x, y, length, width = _in_plots(
        recipe, rng, plots, sel, tuple(layout["dorm_length_m"]), tuple(layout["dorm_width_m"]), th
    )
    f0, f1 = layout["dorm_floors"]
    out.add(
        x=x,
        y=y,
        L=length,
        W=width,
        theta=np.full(n, th),
        v=plots["v"][sel],
        use=np.full(n, "dormitory", dtype=object),
        compound=np.full(n, park["name"] + "员工宿舍", dtype=object),
        cid=np.full(n, out.new_compounds(1)[0]),
        building_no=np.arange(1, n + 1),
        floors=rng.integers(f0, f1 + 1, n),
        cat=np.full(n, "dorm", dtype=object),
        rooms_pf=np.full(n, int(layout["dorm_rooms_per_floor"])),
        park=np.full(n, park["name"], dtype=object),
    )


def place_schools_and_public(
    world, recipe, rng, out: BuildingFrames, free_urban, free_rural, n_schools: int, n_public: int
) -> None:
    """Schools and public buildings on the free cells nearest each village centre."""
    vills = world.vills
    urban = vills["urban"].to_numpy()
    weight = vills["weight"].to_numpy()
    free_caps = np.zeros(len(vills), dtype=np.int64)
    for i in world.ucells:
        free_caps[i] = int((free_urban.available[i] & ~free_urban.used[i]).sum())
    for i in world.rcells:
        free_caps[i] = int((~free_rural[i]).sum())
    schools = allocate(n_schools, np.where(urban, 2.5, 1.0) * weight, free_caps, minimum=0)
    public = allocate(n_public, np.where(urban, 1.5, 1.0) * weight, free_caps - schools, minimum=0)
    for i in range(len(vills)):
        if int(schools[i]) + int(public[i]) == 0:
            continue
        if urban[i]:
            cells = world.ucells[i]
            free = np.flatnonzero(free_urban.available[i] & ~free_urban.used[i])
            sizes = (44, 22, 28, 14)
        else:
            cells = world.rcells[i]
            free = np.flatnonzero(~free_rural[i])
            sizes = (16, 13, 14, 10)
        _place_village_buildings(
            world, recipe, rng, out, i, cells, free, sizes, int(schools[i]), int(public[i])
        )


def _place_village_buildings(
    world, recipe, rng, out, village, cells, free, sizes, n_schools: int, n_public: int
) -> None:
    """One village's schools then public buildings, named after the village."""
    school_length, school_width, public_length, public_width = sizes
    centre = world.vills[["seed_x", "seed_y"]].to_numpy()[village]
    free = free[
        np.argsort(
            np.hypot(cells["x"][free] - centre[0], cells["y"][free] - centre[1]), kind="stable"
        )
    ]
    sel = free[: n_schools + n_public]
    n = len(sel)
    is_school = np.arange(n) < n_schools
    base = world.vills.at[village, "short"]
    stem = (
        base[:-2]
        if base.endswith("社区")
        else (base[:-1] if base.endswith("村") and len(base) > 2 else base)
    )
    school_kinds, public_kinds = recipe["schools"], recipe["public_buildings"]
    kinds_s = [school_kinds[int(q)] for q in rng.integers(0, len(school_kinds), n_schools)]
    kinds_p = [public_kinds[int(q)] for q in rng.integers(0, len(public_kinds), n_public)]
    names = [stem + s for s in kinds_s] + [base + s for s in kinds_p]
    # de-duplicate names inside the village
    seen = {}
    for q, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[q] = name + ("分部" if is_school[q] else f"{cn_number(seen[name])}号楼")
    length = np.where(is_school, school_length, public_length).astype(float)
    width = np.where(is_school, school_width, public_width).astype(float)
    out.add(
        x=cells["x"][sel],
        y=cells["y"][sel],
        L=length,
        W=width,
        theta=np.full(n, cells["theta"]),
        v=np.full(n, village),
        use=np.where(is_school, "school", "public").astype(object),
        compound=np.array(names, dtype=object),
        cid=out.new_compounds(n),
        building_no=np.ones(n, np.int64),
        floors=np.where(is_school, rng.integers(3, 6, n), rng.integers(1, 4, n)),
        cat=np.where(is_school, "school", "public").astype(object),
    )


def number_and_address(world, b: pd.DataFrame) -> pd.DataFrame:
    """Sort the buildings (village, use, compound, number), give ids B000001… and addresses."""
    vills, towns = world.vills, world.towns
    use_rank = b["use"].map({u: k for k, u in enumerate(USE_ORDER)}).to_numpy()
    order = np.lexsort(
        (
            b["house_no"].to_numpy(),
            b["group"].to_numpy(),
            b["building_no"].to_numpy(),
            b["cid"].to_numpy(),
            use_rank,
            b["v"].to_numpy(),
        )
    )
    b = b.iloc[order].reset_index(drop=True)
    b["building_id"] = [f"{world.id_prefix}B{k + 1:06d}" for k in range(len(b))]
    village = b["v"].to_numpy()
    b["village_code"] = vills["code"].to_numpy()[village]
    town = towns["name"].to_numpy()[vills["town_idx"].to_numpy()[village]]
    prefix = world.county_name + town + vills["short"].to_numpy()[village]
    cat = b["cat"].to_numpy()
    addr = np.empty(len(b), dtype=object)
    number = as_text(b["building_no"])
    compound = b["compound"].to_numpy()
    m = (cat == "urban") | (cat == "dorm")
    addr[m] = prefix[m] + compound[m] + number[m] + "栋"
    m = cat == "rural"
    addr[m] = (
        prefix[m]
        + as_text(b["group"].to_numpy()[m])
        + "组"
        + as_text(b["house_no"].to_numpy()[m])
        + "号"
    )
    m = cat == "market"
    addr[m] = prefix[m] + compound[m] + number[m] + "号楼"
    m = cat == "enterprise"
    addr[m] = prefix[m] + b["park"].to_numpy()[m] + compound[m] + number[m] + "号厂房"
    m = (cat == "school") | (cat == "public")
    addr[m] = prefix[m] + compound[m]
    b["address"] = addr
    return b
