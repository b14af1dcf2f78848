"""Buildings (scale dependent, seeded with ``[seed, 2]``): markets, urban compounds,
rural houses, enterprises and dormitories, schools and public buildings, then their ids
and addresses."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from loaders.demo.draws import allocate, stage_rng
from loaders.demo.wording import as_text, cn_number

# building use categories (order is also the building-id sort order inside a village)
USE_ORDER = ["residential", "dormitory", "market", "enterprise", "school", "public"]


def build_buildings(world, recipe: dict, scale: float, seed: int) -> pd.DataFrame:
    rng = stage_rng(seed, 2)
    vills, towns = world.vills, world.towns
    nv = len(vills)
    full = recipe["full_scale"]["buildings"]
    ul, rl, pl = recipe["urban_layout"], recipe["rural_layout"], recipe["park_layout"]
    urban = vills["urban"].to_numpy()
    vseed = vills[["seed_x", "seed_y"]].to_numpy()
    vw = vills["weight"].to_numpy()
    frames = []
    compound_counter = [0]

    def new_compounds(n):
        ids = np.arange(compound_counter[0], compound_counter[0] + n)
        compound_counter[0] += n
        return ids

    def frame(**cols):
        n = len(cols["x"])
        base = dict(group=np.zeros(n, np.int64), house_no=np.zeros(n, np.int64), units=np.zeros(n, np.int64),
                    rooms_pf=np.zeros(n, np.int64), park=np.full(n, "", dtype=object))
        base.update(cols)
        frames.append(pd.DataFrame(base))

    def n_of(kind):
        return int(round(full[kind] * scale))

    ug = world.urban_geom
    cw, ch = ug["cw"], ug["ch"]
    L0, L1 = ul["building_length_m"]
    W0, W1 = ul["building_width_m"]
    fcls = np.array(ul["floors_classes"], dtype=float)

    # ---- markets (fixed): two big buildings per block
    for m in world.markets:
        c = world.ucells[m["v"]]
        th, (ox, oy) = c["theta"], c["origin"]
        P, sw, mg = ug["P"], ug["sw"], ug["mg"]
        u0 = m["bi"] * P + sw / 2 + mg
        v0 = m["bj"] * P + sw / 2 + mg
        nb = max(1, ug["nrow"] // 2)
        rows_per = ug["nrow"] // nb
        uc = u0 + ug["ncol"] * cw / 2
        vcs = v0 + (np.arange(nb) + 0.5) * rows_per * ch
        cs, sn = math.cos(th), math.sin(th)
        x = ox + uc * cs - vcs * sn
        y = oy + uc * sn + vcs * cs
        cid = new_compounds(1)[0]
        frame(x=x, y=y, L=np.full(nb, ug["ncol"] * cw - 6), W=np.full(nb, rows_per * ch - 6), theta=np.full(nb, th),
              v=np.full(nb, m["v"]), use=np.full(nb, "market", dtype=object),
              compound=np.full(nb, m["name"], dtype=object), cid=np.full(nb, cid), building_no=np.arange(1, nb + 1),
              floors=rng.integers(4, 6, nb), cat=np.full(nb, "market", dtype=object))

    # ---- urban residential compounds
    uidx = np.array(sorted(world.ucells), dtype=np.int64)
    avail = {}
    for i in uidx:
        c = world.ucells[i]
        ok = np.ones(len(c["x"]), dtype=bool)
        for (vi, b) in world.market_blocks:
            if vi == i:
                ok &= c["block"] != b
        avail[i] = ok
    caps = np.array([avail[i].sum() for i in uidx])
    budget = allocate(n_of("urban_residential"), vw[uidx], caps, minimum=1)
    prefixes, suffixes = recipe["compound_prefixes"], recipe["compound_suffixes"]
    used_cells = {}
    for k, i in enumerate(uidx):
        c = world.ucells[i]
        ok = avail[i]
        used = np.zeros(len(c["x"]), dtype=bool)
        used_cells[i] = used
        nb = int(budget[k])
        if nb == 0:
            continue
        blocks = np.unique(c["block"][ok])
        bx = np.array([c["x"][ok & (c["block"] == b)].mean() for b in blocks])
        by = np.array([c["y"][ok & (c["block"] == b)].mean() for b in blocks])
        key = np.hypot(bx - vseed[i, 0], by - vseed[i, 1]) * rng.lognormal(0, 0.35, len(blocks))
        border = blocks[np.argsort(key, kind="stable")]
        taken = 0
        names_used = set()
        for b in border:
            if taken >= nb:
                break
            sel = np.flatnonzero(ok & (c["block"] == b))
            sel = sel[np.lexsort((c["a"][sel], -c["b"][sel]))][: nb - taken]
            if len(sel) == 0:
                continue
            used[sel] = True
            taken += len(sel)
            for _ in range(20):
                nm = prefixes[int(rng.integers(len(prefixes)))] + suffixes[int(rng.integers(len(suffixes)))]
                if nm not in names_used:
                    break
            names_used.add(nm)
            n = len(sel)
            cls = fcls[int(rng.choice(len(fcls), p=fcls[:, 2] / fcls[:, 2].sum()))]
            floors = rng.integers(int(cls[0]), int(cls[1]) + 1, n)
            length = rng.uniform(L0, L1, n)
            width = rng.uniform(W0, W1, n)
            ju = rng.uniform(-1, 1, n) * np.maximum(0, (cw - length) / 2 - 2)
            jv = rng.uniform(-1, 1, n) * np.maximum(0, (ch - width) / 2 - 2)
            th = c["theta"]
            x = c["x"][sel] + ju * math.cos(th) - jv * math.sin(th)
            y = c["y"][sel] + ju * math.sin(th) + jv * math.cos(th)
            units = np.where(length >= float(ul["two_unit_min_length_m"]), 2, 1)
            frame(x=x, y=y, L=length, W=width, theta=np.full(n, th), v=np.full(n, i),
                  use=np.full(n, "residential", dtype=object), compound=np.full(n, nm, dtype=object),
                  cid=np.full(n, new_compounds(1)[0]), building_no=np.arange(1, n + 1), floors=floors,
                  cat=np.full(n, "urban", dtype=object), units=units)

    # ---- rural houses
    ridx = np.array(sorted(world.rcells), dtype=np.int64)
    caps = np.array([len(world.rcells[i]["x"]) for i in ridx])
    budget = allocate(n_of("rural_house"), vw[ridx], caps, minimum=1)
    sigma = float(rl["cluster_sigma_m"])
    fl = np.array(rl["floors"], dtype=float)
    r_used = {}
    HL0, HL1 = rl["house_length_m"]
    HW0, HW1 = rl["house_width_m"]
    cell = float(rl["cell_m"])
    for k, i in enumerate(ridx):
        c = world.rcells[i]
        used = np.zeros(len(c["x"]), dtype=bool)
        r_used[i] = used
        n = int(budget[k])
        if n == 0:
            continue
        key = -(c["dg"] / sigma) ** 2 + c["gumbel"]
        sel = np.argsort(-key, kind="stable")[:n]
        used[sel] = True
        g = c["g"][sel]
        order = np.lexsort((c["dg"][sel], g))
        sel, g = sel[order], g[order]
        first = np.r_[True, g[1:] != g[:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        house_no = np.arange(n) - start + 1
        length = rng.uniform(HL0, HL1, n)
        width = rng.uniform(HW0, HW1, n)
        ju = rng.uniform(-1, 1, n) * ((cell - length) / 2 - 1.5)
        jv = rng.uniform(-1, 1, n) * ((cell - width) / 2 - 1.5)
        th = c["theta"]
        x = c["x"][sel] + ju * math.cos(th) - jv * math.sin(th)
        y = c["y"][sel] + ju * math.sin(th) + jv * math.cos(th)
        floors = fl[rng.choice(len(fl), n, p=fl[:, 1] / fl[:, 1].sum()), 0].astype(np.int64)
        frame(x=x, y=y, L=length, W=width, theta=np.full(n, th), v=np.full(n, i),
              use=np.full(n, "residential", dtype=object), compound=np.full(n, "", dtype=object),
              cid=np.full(n, -1), building_no=house_no, floors=floors, cat=np.full(n, "rural", dtype=object),
              group=g + 1, house_no=house_no)

    # ---- industrial parks: enterprises and dormitories
    n_ent, n_dorm = n_of("enterprise"), n_of("dormitory")
    pcaps = np.array([len(pc["x"]) for pc in world.park_cells])
    pb = allocate(n_ent + n_dorm, np.maximum(pcaps, 1), pcaps, minimum=2)
    pdorm = allocate(n_dorm, np.maximum(pb, 1), pb, minimum=1 if n_dorm >= len(pb) else 0)
    chars = recipe.get("enterprise_name_chars") or list("华鑫恒达金辉新光宏泰盛源天宇伟业锦永佳美鼎瑞丰富康中辰明海纳博远众诚浩隆昌嘉凯通")
    inds = recipe["enterprise_industries"]
    forms = ["有限公司", "有限公司", "实业有限公司", "制品厂"]
    n_combo = len(chars) * (len(chars) - 1) * len(inds) * len(forms)
    n_comp_total = int(pb.sum())
    combo = rng.choice(n_combo, size=min(n_comp_total, n_combo), replace=False)
    combo = np.concatenate([combo, rng.integers(0, n_combo, max(0, n_comp_total - len(combo)))])
    ci = 0
    EL0, EL1 = pl["enterprise_length_m"]
    EW0, EW1 = pl["enterprise_width_m"]
    DL0, DL1 = pl["dorm_length_m"]
    DW0, DW1 = pl["dorm_width_m"]
    pw, ph = float(pl["cell_w_m"]), float(pl["cell_h_m"])

    def in_plots(pc, sel, lengths, widths, th):
        """Buildings of random size, one in each plot ``pc[sel]``, moved at random within
        it (2 m from its edges), turned by ``th``: x, y, length, width."""
        n = len(sel)
        length = rng.uniform(*lengths, n)
        width = rng.uniform(*widths, n)
        ju = rng.uniform(-1, 1, n) * np.maximum(0, (pw - length) / 2 - 2)
        jv = rng.uniform(-1, 1, n) * np.maximum(0, (ph - width) / 2 - 2)
        x = pc["x"][sel] + ju * math.cos(th) - jv * math.sin(th)
        y = pc["y"][sel] + ju * math.sin(th) + jv * math.cos(th)
        return x, y, length, width

    for k, (p, pc) in enumerate(zip(world.parks, world.park_cells, strict=True)):
        n = int(pb[k])
        if n == 0:
            continue
        order = np.argsort(pc["d"] * pc["noise"], kind="stable")[:n]
        is_dorm = np.zeros(n, dtype=bool)
        nd = int(min(pdorm[k], n))
        is_dorm[rng.choice(n, nd, replace=False)] = True
        th = p["theta"]
        # enterprises: consecutive cells grouped into companies of 1-3 buildings
        e_sel = order[~is_dorm]
        ne = len(e_sel)
        if ne:
            sizes = rng.integers(1, 4, ne)
            comp = np.repeat(np.arange(ne), sizes)[:ne]
            bno = np.arange(ne) - np.searchsorted(comp, comp) + 1
            ncomp = int(comp.max()) + 1
            names = []
            for cidx in combo[ci:ci + ncomp]:
                cidx = int(cidx)
                f_ = cidx % len(forms)
                cidx //= len(forms)
                ind = cidx % len(inds)
                cidx //= len(inds)
                a, b = divmod(cidx, len(chars) - 1)
                b = b + (b >= a)
                names.append("义乌市" + chars[a] + chars[b] + inds[ind] + forms[f_])
            ci += ncomp
            names = np.array(names, dtype=object)
            cids = new_compounds(ncomp)
            x, y, length, width = in_plots(pc, e_sel, (EL0, EL1), (EW0, EW1), th)
            f0, f1 = pl["enterprise_floors"]
            frame(x=x, y=y, L=length, W=width, theta=np.full(ne, th), v=pc["v"][e_sel],
                  use=np.full(ne, "enterprise", dtype=object), compound=names[comp], cid=cids[comp],
                  building_no=bno, floors=rng.integers(f0, f1 + 1, ne), cat=np.full(ne, "enterprise", dtype=object),
                  park=np.full(ne, p["name"], dtype=object))
        d_sel = order[is_dorm]
        if nd:
            x, y, length, width = in_plots(pc, d_sel, (DL0, DL1), (DW0, DW1), th)
            f0, f1 = pl["dorm_floors"]
            frame(x=x, y=y, L=length, W=width, theta=np.full(nd, th), v=pc["v"][d_sel],
                  use=np.full(nd, "dormitory", dtype=object), compound=np.full(nd, p["name"] + "员工宿舍", dtype=object),
                  cid=np.full(nd, new_compounds(1)[0]), building_no=np.arange(1, nd + 1),
                  floors=rng.integers(f0, f1 + 1, nd), cat=np.full(nd, "dorm", dtype=object),
                  rooms_pf=np.full(nd, int(pl["dorm_rooms_per_floor"])), park=np.full(nd, p["name"], dtype=object))

    # ---- schools and public buildings: free cells nearest the village centre
    free_caps = np.zeros(nv, dtype=np.int64)
    for i in world.ucells:
        free_caps[i] = int((avail[i] & ~used_cells[i]).sum())
    for i in world.rcells:
        free_caps[i] = int((~r_used[i]).sum())
    sch_w = np.where(urban, 2.5, 1.0) * vw
    n_sch = allocate(n_of("school"), sch_w, free_caps, minimum=0)
    n_pub = allocate(n_of("public"), np.where(urban, 1.5, 1.0) * vw, free_caps - n_sch, minimum=0)
    school_kinds, public_kinds = recipe["schools"], recipe["public_buildings"]
    for i in range(nv):
        ns, npb = int(n_sch[i]), int(n_pub[i])
        if ns + npb == 0:
            continue
        if urban[i]:
            c = world.ucells[i]
            free = np.flatnonzero(avail[i] & ~used_cells[i])
            sl, sw_, pL, pW = (44, 22, 28, 14)
        else:
            c = world.rcells[i]
            free = np.flatnonzero(~r_used[i])
            sl, sw_, pL, pW = (16, 13, 14, 10)
        free = free[np.argsort(np.hypot(c["x"][free] - vseed[i, 0], c["y"][free] - vseed[i, 1]), kind="stable")]
        sel = free[: ns + npb]
        n = len(sel)
        is_school = np.arange(n) < ns
        base = vills.at[i, "short"]
        base2 = base[:-2] if base.endswith("社区") else (base[:-1] if base.endswith("村") and len(base) > 2 else base)
        kinds_s = [school_kinds[int(q)] for q in rng.integers(0, len(school_kinds), ns)]
        kinds_p = [public_kinds[int(q)] for q in rng.integers(0, len(public_kinds), npb)]
        names = [base2 + s for s in kinds_s] + [base + s for s in kinds_p]
        # de-duplicate names inside the village
        seen = {}
        for q, nm in enumerate(names):
            seen[nm] = seen.get(nm, 0) + 1
            if seen[nm] > 1:
                names[q] = nm + ("分部" if is_school[q] else f"{cn_number(seen[nm])}号楼")
        length = np.where(is_school, sl, pL).astype(float)
        width = np.where(is_school, sw_, pW).astype(float)
        th = c["theta"]
        frame(x=c["x"][sel], y=c["y"][sel], L=length, W=width, theta=np.full(n, th), v=np.full(n, i),
              use=np.where(is_school, "school", "public").astype(object), compound=np.array(names, dtype=object),
              cid=new_compounds(n), building_no=np.ones(n, np.int64),
              floors=np.where(is_school, rng.integers(3, 6, n), rng.integers(1, 4, n)),
              cat=np.where(is_school, "school", "public").astype(object))

    b = pd.concat(frames, ignore_index=True)
    for col in ("group", "house_no", "units", "rooms_pf", "building_no", "floors", "cid", "v"):
        b[col] = b[col].astype(np.int64)
    # ---- sort and number
    use_rank = b["use"].map({u: k for k, u in enumerate(USE_ORDER)}).to_numpy()
    order = np.lexsort((b["house_no"].to_numpy(), b["group"].to_numpy(), b["building_no"].to_numpy(),
                        b["cid"].to_numpy(), use_rank, b["v"].to_numpy()))
    b = b.iloc[order].reset_index(drop=True)
    b["building_id"] = [f"B{k + 1:06d}" for k in range(len(b))]
    b["village_code"] = vills["code"].to_numpy()[b["v"].to_numpy()]
    town = towns["name"].to_numpy()[vills["town_idx"].to_numpy()[b["v"].to_numpy()]]
    vshort = vills["short"].to_numpy()[b["v"].to_numpy()]
    prefix = "义乌市" + town + vshort
    cat = b["cat"].to_numpy()
    addr = np.empty(len(b), dtype=object)
    bno = as_text(b["building_no"])
    comp = b["compound"].to_numpy()
    m = (cat == "urban") | (cat == "dorm")
    addr[m] = prefix[m] + comp[m] + bno[m] + "栋"
    m = cat == "rural"
    addr[m] = prefix[m] + as_text(b["group"].to_numpy()[m]) + "组" + as_text(b["house_no"].to_numpy()[m]) + "号"
    m = cat == "market"
    addr[m] = prefix[m] + comp[m] + bno[m] + "号楼"
    m = cat == "enterprise"
    addr[m] = prefix[m] + b["park"].to_numpy()[m] + comp[m] + bno[m] + "号厂房"
    m = (cat == "school") | (cat == "public")
    addr[m] = prefix[m] + comp[m]
    b["address"] = addr
    return b

