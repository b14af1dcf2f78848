"""Households and persons (scale dependent, seeded with ``[seed, 3]``): who lives in
which flat, household sizes and roles, ages, names, ID numbers, phones, certificates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders import id_numbers
from loaders.demo.addresses import household_addresses
from loaders.demo.draws import stage_rng
from loaders.demo.inputs import COUNTY_CODE
from loaders.demo.origins import origin_table, registered_migrant_addresses
from loaders.demo.plane import KX, KY, LAT0, LON0
from loaders.demo.wording import as_text, date_text, degrees_text

PHONE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
     170, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
     191, 193, 195, 196, 197, 198, 199], dtype=np.int64)

# relation codes
HEAD, SPOUSE, CHILD, PARENT, OTHER = 0, 1, 2, 3, 4
RELATIONS = np.array(["户主", "配偶", "子女", "父母", "其他"], dtype=object)


def build_population(world, b: pd.DataFrame, div, recipe: dict, scale: float, seed: int):
    rng = stage_rng(seed, 3)
    vills = world.vills
    as_of = np.datetime64(recipe["as_of"])
    H_target = int(round(recipe["full_scale"]["households"] * scale))
    shares = recipe["household_shares"]

    # ---- slots
    cat = b["cat"].to_numpy()
    floors = b["floors"].to_numpy()
    cap = np.zeros(len(b), dtype=np.int64)
    rpu = int(recipe["urban_layout"]["rooms_per_floor_per_unit"])
    mu = cat == "urban"
    cap[mu] = b["units"].to_numpy()[mu] * floors[mu] * rpu
    mr = cat == "rural"
    cap[mr] = floors[mr]
    md = cat == "dorm"
    cap[md] = floors[md] * b["rooms_pf"].to_numpy()[md]
    hh_b, hh_slot = [], []
    for kind, key in (("urban", "urban"), ("rural", "rural"), ("dorm", "dormitory")):
        bi = np.flatnonzero(cat == kind)
        if len(bi) == 0:
            continue
        cum = np.cumsum(cap[bi])
        total = int(cum[-1])
        n = min(total, int(round(H_target * float(shares[key]))))
        if n == 0:
            continue
        pick = np.sort(rng.choice(total, n, replace=False))
        pos = np.searchsorted(cum, pick, side="right")
        slot = pick - np.r_[0, cum[:-1]][pos]
        hh_b.append(bi[pos])
        hh_slot.append(slot)
    hb = np.concatenate(hh_b)
    slot = np.concatenate(hh_slot)
    order = np.lexsort((slot, hb))
    hb, slot = hb[order], slot[order]
    H = len(hb)
    hcat = cat[hb]
    hv = b["v"].to_numpy()[hb]
    hf = floors[hb]
    unit = np.where(hcat == "urban", slot // np.maximum(hf * rpu, 1) + 1, 0)
    rem = np.where(hcat == "urban", slot % np.maximum(hf * rpu, 1), 0)
    floor_ = np.where(hcat == "urban", rem // rpu + 1,
                      np.where(hcat == "dorm", slot // np.maximum(b["rooms_pf"].to_numpy()[hb], 1) + 1, slot + 1))
    room = np.where(hcat == "urban", floor_ * 100 + rem % rpu + 1,
                    np.where(hcat == "dorm", floor_ * 100 + slot % np.maximum(b["rooms_pf"].to_numpy()[hb], 1) + 1, 0))

    # ---- migrant status (rises near markets and industrial parks)
    bx, by = b["x"].to_numpy()[hb], b["y"].to_numpy()[hb]
    hot = [(m["x"], m["y"]) for m in world.markets] + [(p["x"], p["y"]) for p in world.parks]
    dmin = np.full(H, np.inf)
    for hx, hy in hot:
        dmin = np.minimum(dmin, np.hypot(bx - hx, by - hy))
    sp = recipe["household_size_probs"]
    e_res = float(np.dot(np.arange(1, len(sp["resident"]) + 1), sp["resident"]) / np.sum(sp["resident"]))
    e_mig = float(np.dot(np.arange(1, len(sp["migrant"]) + 1), sp["migrant"]) / np.sum(sp["migrant"]))
    e_dorm = float(np.dot(np.arange(1, len(sp["dormitory"]) + 1), sp["dormitory"]) / np.sum(sp["dormitory"]))
    is_dorm = hcat == "dorm"
    z = float(recipe["migrant_hotspot_boost"]) * np.exp(-dmin / float(recipe["migrant_distance_scale_m"])) + \
        float(recipe["migrant_rural_boost"]) * (hcat == "rural")
    pd_m = float(recipe["dormitory_migrant_prob"])
    target = float(recipe["migrant_share"])

    def share(a):
        p = 1 / (1 + np.exp(-(a + z)))
        p = np.where(is_dorm, pd_m, p)
        ep = np.where(is_dorm, e_dorm, p * e_mig + (1 - p) * e_res)
        em = np.where(is_dorm, pd_m * e_dorm, p * e_mig)
        return em.sum() / ep.sum(), p

    lo, hi = -12.0, 12.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if share(mid)[0] < target:
            lo = mid
        else:
            hi = mid
    pmig = share((lo + hi) / 2)[1]
    migrant = rng.random(H) < pmig
    htype = np.where(is_dorm, 2, np.where(migrant, 1, 0))

    # ---- household sizes
    size = np.zeros(H, dtype=np.int64)
    for t, key in ((0, "resident"), (1, "migrant"), (2, "dormitory")):
        m = htype == t
        p = np.array(sp[key], float)
        size[m] = rng.choice(len(p), int(m.sum()), p=p / p.sum()) + 1

    # ---- household-level person attributes
    ages_w = recipe["resident_head_age_weights"]
    bins = np.array([int(k) for k in ages_w])
    w = np.array(list(ages_w.values()), float)
    head_age = bins[rng.choice(len(bins), H, p=w / w.sum())] + rng.uniform(0, 5, H)
    ma, sa, lo_a, hi_a = recipe["migrant_head_age"]
    m = htype == 1
    head_age[m] = np.clip(rng.normal(ma, sa, int(m.sum())), lo_a, hi_a)
    da, sd, lo_d, hi_d = recipe["dormitory_head_age"]
    m = htype == 2
    head_age[m] = np.clip(rng.normal(da, sd, int(m.sum())), lo_d, hi_d)
    hm = recipe["head_male_prob"]
    p_male = np.choose(htype, [hm["resident"], hm["migrant"], hm["dormitory"]])
    p_male = np.where(head_age >= 65, p_male - 0.15, p_male)  # more widows among older heads
    head_male = rng.random(H) < p_male
    mp = recipe["married_prob"]
    married = (size >= 2) & (rng.random(H) < np.choose(htype, [mp["resident"], mp["migrant"], mp["dormitory"]]))
    married &= (head_age >= 20)
    spouse_age = np.clip(head_age + np.where(head_male, -2.5, 2.5) + rng.normal(0, 3, H), 18, 99)
    pp = recipe["parents_probs"]
    npar = np.zeros(H, dtype=np.int64)
    for t, key in ((0, "resident"), (1, "migrant")):
        m = htype == t
        p = np.array(pp[key], float)
        npar[m] = rng.choice(len(p), int(m.sum()), p=p / p.sum())
    npar = np.where(head_age <= 58, np.minimum(npar, size - 1 - married), 0)
    par1_male = rng.random(H) < 0.45
    mother_age = np.where(head_male, np.where(married, spouse_age, head_age - 2), head_age)

    # ---- persons
    P = int(size.sum())
    hidx = np.repeat(np.arange(H), size)
    start = np.r_[0, np.cumsum(size)[:-1]]
    j = np.arange(P) - start[hidx]
    ht = htype[hidx]
    off = 1 + married[hidx].astype(np.int64)
    role = np.full(P, OTHER, dtype=np.int64)
    role[j == 0] = HEAD
    is_sp = (j == 1) & married[hidx]
    role[is_sp] = SPOUSE
    is_par = (j >= off) & (j < off + npar[hidx]) & (j > 0)
    role[is_par] = PARENT
    ci = j - off - npar[hidx]
    rest = (j > 0) & ~is_sp & ~is_par
    is_child = rest & (ht != 2) & ~((head_age[hidx] >= 58) & (ci >= 2))
    role[is_child] = CHILD
    role[rest & ~is_child] = OTHER

    age = np.zeros(P)
    m = role == HEAD
    age[m] = head_age[hidx[m]]
    m = role == SPOUSE
    age[m] = spouse_age[hidx[m]]
    m = role == PARENT
    age[m] = np.clip(head_age[hidx[m]] + rng.uniform(22, 34, int(m.sum())), 40, 99)
    m = (role == OTHER) & (ht != 2)
    ga = head_age[hidx[m]] - rng.uniform(45, 60, int(m.sum()))  # grandchildren of older heads
    age[m] = np.where(ga < 0, np.clip(head_age[hidx[m]] + rng.uniform(-8, 8, int(m.sum())), 16, None), ga)
    m = (role == OTHER) & (ht == 2)
    age[m] = np.clip(rng.normal(da, sd, int(m.sum())), lo_d, hi_d)
    m = role == CHILD
    ca = mother_age[hidx[m]] - rng.uniform(21, 33, int(m.sum())) - 2.2 * ci[m]
    # a "child" who would be born before the mother is 21 is a relative of the head instead
    too_young = ca < 0
    ca = np.where(too_young, np.clip(head_age[hidx[m]] + rng.uniform(-8, 8, int(m.sum())), 16, None), ca)
    age[m] = ca
    mm = np.flatnonzero(m)[too_young]
    role[mm] = OTHER

    male = np.zeros(P, dtype=bool)
    m = role == HEAD
    male[m] = head_male[hidx[m]]
    m = role == SPOUSE
    male[m] = ~head_male[hidx[m]]
    m = role == PARENT
    first_par = (j == off)
    male[m] = np.where(first_par[m], par1_male[hidx[m]], ~par1_male[hidx[m]])
    m = role == CHILD
    male[m] = rng.random(int(m.sum())) < float(recipe["child_male_prob"])
    m = role == OTHER
    male[m] = rng.random(int(m.sum())) < np.where(ht[m] == 2, 0.55, 0.5)

    # birth dates
    days = np.floor(age * 365.2425).astype(np.int64) + rng.integers(0, 365, P)
    days = np.maximum(days, 1)
    birth = as_of - days.astype("timedelta64[D]")

    status_mig = migrant[hidx]

    # origins
    ot = origin_table(div, recipe, rng)
    h_origin = ot.codes[rng.choice(len(ot.codes), H, p=ot.weights)]
    p_origin = h_origin[hidx]
    own = (role == OTHER) & (ht == 2)
    p_origin[own] = ot.codes[rng.choice(len(ot.codes), int(own.sum()), p=ot.weights)]
    origin = np.where(status_mig, p_origin, COUNTY_CODE).astype(object)

    # arrival dates (migrants)
    yrs = float(recipe["migrant_years_mean"])
    arr_days = np.clip(rng.exponential(yrs * 365.25, H), 1, 25 * 365).astype(np.int64)
    h_arrival = as_of - arr_days.astype("timedelta64[D]")
    p_arr = h_arrival[hidx]
    p_arr[own] = as_of - np.clip(rng.exponential(yrs * 365.25 * 0.6, int(own.sum())), 1, 15 * 365).astype(
        np.int64).astype("timedelta64[D]")
    p_arr = np.maximum(p_arr, birth)
    arrival = np.where(status_mig, p_arr, np.datetime64("NaT"))

    # names
    loc = recipe["local_surnames"]
    nat = recipe["national_surnames"]
    vocab = list(dict.fromkeys(list(loc) + list(nat)))
    vpos = {s: k for k, s in enumerate(vocab)}
    loc_idx = np.array([vpos[s] for s in loc])
    loc_w = np.array(list(loc.values()), float)
    nat_idx = np.array([vpos[s] for s in nat])
    nat_w = np.array(list(nat.values()), float)
    vocab = np.array(vocab, dtype=object)

    def draw_surname(mig_mask):
        n = len(mig_mask)
        a = loc_idx[rng.choice(len(loc_idx), n, p=loc_w / loc_w.sum())]
        bb = nat_idx[rng.choice(len(nat_idx), n, p=nat_w / nat_w.sum())]
        return np.where(mig_mask, bb, a)

    h_sn = draw_surname(migrant)
    s_sn = draw_surname(migrant)
    father_sn = np.where(head_male, h_sn, np.where(married, s_sn, h_sn))
    sn = draw_surname(status_mig)
    m = role == HEAD
    sn[m] = h_sn[hidx[m]]
    m = role == SPOUSE
    sn[m] = s_sn[hidx[m]]
    m = (role == CHILD) | ((role == OTHER) & (ht != 2))
    sn[m] = father_sn[hidx[m]]
    m = (role == PARENT) & male
    sn[m] = h_sn[hidx[m]]
    gm = np.array(recipe["given_male"], dtype=object)
    gf = np.array(recipe["given_female"], dtype=object)
    g1 = np.where(male, gm[rng.integers(0, len(gm), P)], gf[rng.integers(0, len(gf), P)])
    g2 = np.where(male, gm[rng.integers(0, len(gm), P)], gf[rng.integers(0, len(gf), P)])
    two = rng.random(P) < float(recipe["two_char_given_prob"])
    names = vocab[sn] + g1 + np.where(two, g2, "")

    # id numbers
    bd = pd.DatetimeIndex(birth)
    ymd = (bd.year.to_numpy() * 10000 + bd.month.to_numpy() * 100 + bd.day.to_numpy()).astype(np.int64)
    region = origin.astype(np.int64)
    key_order = np.lexsort((rng.random(P), male, ymd, region))
    r_s, y_s, m_s = region[key_order], ymd[key_order], male[key_order]
    newg = np.r_[True, (r_s[1:] != r_s[:-1]) | (y_s[1:] != y_s[:-1]) | (m_s[1:] != m_s[:-1])]
    gstart = np.maximum.accumulate(np.where(newg, np.arange(P), 0))
    rank = np.arange(P) - gstart
    gofs = rng.integers(0, 498, P)[gstart]
    q = 1 + (gofs + rank) % 498
    seq_sorted = 2 * q + m_s.astype(np.int64)  # odd for men, even for women; 002..997
    seq = np.empty(P, dtype=np.int64)
    seq[key_order] = seq_sorted
    first17 = region * np.int64(10 ** 11) + ymd * 1000 + seq
    id_number = as_text(first17) + id_numbers.check_chars_of_numbers(first17)

    # phones (adults only, unique)
    adult = age >= 18
    na = int(adult.sum())
    pref = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), na)]
    num = pref * np.int64(10 ** 8) + rng.integers(0, 10 ** 8, na)
    for _ in range(100):
        _, first_idx, counts = np.unique(num, return_index=True, return_counts=True)
        dup = np.ones(na, dtype=bool)
        dup[first_idx] = False
        if not dup.any():
            break
        k = int(dup.sum())
        num[dup] = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), k)] * np.int64(10 ** 8) + rng.integers(
            0, 10 ** 8, k)
    phone = np.full(P, "", dtype=object)
    phone[adult] = as_text(num)

    # certificates
    certs = certificates(recipe, rng, age, role, married[hidx], npar[hidx], status_mig, as_of)

    # ---- addresses
    addr, reg_res = household_addresses(world, b, recipe, rng, hb, hcat, unit, floor_, room)
    reg = reg_res.copy()
    hm_idx = np.flatnonzero(migrant)
    reg[hm_idx] = registered_migrant_addresses(div, h_origin[hm_idx], rng)

    # ---- household numbers (village code + sequence)
    vcode = vills["code"].to_numpy()[hv]
    first = np.r_[True, hv[1:] != hv[:-1]]  # hb sorted by building, buildings sorted by village
    vstart = np.maximum.accumulate(np.where(first, np.arange(H), 0))
    hseq = np.arange(H) - vstart + 1
    household_no = vcode + "-" + pd.Series(hseq).map("{:06d}".format).to_numpy()

    # ---- lon/lat inside the building
    L, W, th = b["L"].to_numpy()[hb], b["W"].to_numpy()[hb], b["theta"].to_numpy()[hb]
    uu = rng.uniform(-0.4, 0.4, H) * L
    vv = rng.uniform(-0.4, 0.4, H) * W
    px = bx + uu * np.cos(th) - vv * np.sin(th)
    py = by + uu * np.sin(th) + vv * np.cos(th)
    lon, lat = px / KX + LON0, py / KY + LAT0
    geo = rng.random(H) < float(recipe["geocoded_share"])
    lon_s = np.where(geo, degrees_text(lon), "")
    lat_s = np.where(geo, degrees_text(lat), "")

    households = pd.DataFrame({
        "household_no": household_no, "address": addr, "registered_address": reg, "village_code": vcode,
        "building_id": b["building_id"].to_numpy()[hb], "lon": lon_s, "lat": lat_s,
        "status": np.where(migrant, "migrant", "resident"), "size": size, "v": hv, "x": px, "y": py,
        "arrival": h_arrival, "start": start,
    })
    persons = pd.DataFrame({
        "name": names, "sex": np.where(male, "M", "F"), "birth_date": date_text(birth), "id_number": id_number,
        "phone": phone, "relation": RELATIONS[role], "status": np.where(status_mig, "migrant", "resident"),
        "origin_code": origin, "arrival_date": date_text(arrival), **certs,
    })
    persons["_h"] = hidx
    persons["_age"] = age
    persons["_male"] = male
    return households, persons


def certificates(recipe, rng, age, role, hh_married, hh_npar, migrant, as_of) -> dict:
    cr = recipe["certificates"]
    P = len(age)
    married_person = ((role == HEAD) | (role == SPOUSE)) & hh_married & (age >= 20)
    married_person |= (role == PARENT) & (hh_npar == 2)
    a0, a1 = cr["migrant_cert_ages"]
    applies = {
        "cert_marriage": married_person,
        "cert_id": age >= float(cr["id_card_min_age"]),
        "cert_residence": migrant & (age >= 16),
        "cert_migrant": migrant & (age >= a0) & (age < a1 + 1),
    }
    out = {}
    long_term = np.datetime64(cr["id_card_long_term_expiry"])
    for name in ("cert_marriage", "cert_id", "cert_residence", "cert_migrant"):
        ap = applies[name]
        u = rng.random(P)
        pm, pe, ps = cr["missing"][name], cr["expired"][name], cr["expiring_within_30d"][name]
        status = np.full(P, "valid", dtype=object)
        missing = u < pm
        expired = (u >= pm) & (u < pm + pe)
        soon = (u >= pm + pe) & (u < pm + pe + ps)
        status[missing] = "missing"
        status[expired] = "expired"
        status[~ap] = "n/a"
        if name == "cert_id":
            vy = np.where(age < 26, 10, np.where(age < 46, 20, 0))
            valid_days = np.where(vy > 0, vy * 365, 3650)
        else:
            valid_days = np.full(P, int(cr["validity_years"][name]) * 365)
        d = rng.integers(31, np.maximum(valid_days, 32), P)
        exp = as_of + d.astype("timedelta64[D]")
        exp = np.where(soon, as_of + rng.integers(0, 31, P).astype("timedelta64[D]"), exp)
        exp = np.where(expired, as_of - rng.integers(1, 730, P).astype("timedelta64[D]"), exp)
        if name == "cert_id":
            exp = np.where((age >= 46) & ~soon & ~expired, long_term, exp)
        exp = np.where(missing | ~ap, np.datetime64("NaT"), exp)
        out[name] = status
        out[name + "_expiry"] = date_text(exp)
    return out

