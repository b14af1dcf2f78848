"""Household addresses: the current address as staff write it (with noise) and the
canonical registered address of residents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.demo.wording import DIGITWISE, FULLWIDTH, as_text, cn_numerals


def household_addresses(world, b, recipe, rng, hb, hcat, unit, floor_, room):
    """Current address as staff write it (with noise) and the canonical registered address of residents."""
    vills, towns = world.vills, world.towns
    H = len(hb)
    hv = b["v"].to_numpy()[hb]
    town = towns["name"].to_numpy()[vills["town_idx"].to_numpy()[hv]]
    vshort = vills["short"].to_numpy()[hv]
    vadmin = vills["name"].to_numpy()[hv]
    comp = b["compound"].to_numpy()[hb]
    bno = b["building_no"].to_numpy()[hb]
    grp = b["group"].to_numpy()[hb]
    hno = b["house_no"].to_numpy()[hb]
    s_bno, s_unit, s_room, s_grp, s_hno = as_text(bno), as_text(unit), as_text(room), as_text(grp), as_text(hno)
    urban, rural, dorm = hcat == "urban", hcat == "rural", hcat == "dorm"

    tail = np.empty(H, dtype=object)
    tail[urban] = comp[urban] + s_bno[urban] + "栋" + s_unit[urban] + "单元" + s_room[urban] + "室"
    tail[rural] = s_grp[rural] + "组" + s_hno[rural] + "号"
    tail[dorm] = comp[dorm] + s_bno[dorm] + "栋" + s_room[dorm] + "室"
    canonical = "义乌市" + town + vshort + tail
    registered = "浙江省" + canonical

    noise = recipe["address_noise"]
    noisy = rng.random(H) < float(recipe["address_noise_share"])
    addr = canonical.copy()
    idx = np.flatnonzero(noisy)
    n = len(idx)
    if n == 0:
        return addr, registered
    r = rng.random((n, 9))
    # village name variant
    vname = vshort[idx].copy()
    former = vills["former"].to_numpy()[hv[idx]]
    typo = vills["typo"].to_numpy()[hv[idx]]
    use_former = (former != "") & (r[:, 0] < float(noise["former_name"]))
    vname = np.where(use_former, former, vname)
    use_typo = ~use_former & (r[:, 1] < float(noise["typo"]))
    vname = np.where(use_typo, typo, vname)
    # numbers: arabic or Chinese
    cn = r[:, 2] < float(noise["chinese_numerals"])
    b_s = np.where(cn, cn_numerals(bno[idx]), s_bno[idx])
    g_s = np.where(cn, cn_numerals(grp[idx]), s_grp[idx])
    h_s = np.where(cn, cn_numerals(hno[idx]), s_hno[idx])
    room_s = np.where(cn & (r[:, 3] < 0.5), pd.Series(s_room[idx]).str.translate(DIGITWISE).to_numpy(),
                      s_room[idx])
    words = np.array(recipe["building_words"], dtype=object)
    word = words[np.minimum((r[:, 4] * len(words)).astype(int), len(words) - 1)]
    alt = r[:, 5] < float(noise["alt_format"])
    fmt = np.minimum((r[:, 6] * 3).astype(int), 2)
    # compound name with swapped suffix ('幸福小区' -> '幸福花园') sometimes
    c = comp[idx]
    sfx = np.array(recipe["compound_suffixes"], dtype=object)
    cs = pd.Series(c)
    base_c = cs.str.replace("(" + "|".join(sorted(recipe["compound_suffixes"], key=len, reverse=True)) + ")$", "",
                            regex=True).to_numpy()
    swap = (r[:, 7] < 0.25) & urban[idx]
    c_alt = np.where(swap, base_c + sfx[(r[:, 8] * len(sfx)).astype(int) % len(sfx)], c)

    u_i, r_i, d_i = urban[idx], rural[idx], dorm[idx]
    t = np.empty(n, dtype=object)
    # urban formats
    f0 = c_alt + b_s + word + s_unit[idx] + "单元" + room_s + "室"
    f1 = c_alt + b_s + word + room_s
    f2 = c_alt + b_s + "号楼" + s_unit[idx] + "-" + s_room[idx]
    canon_u = c_alt + s_bno[idx] + "栋" + s_unit[idx] + "单元" + s_room[idx] + "室"
    t[u_i] = np.where(alt, np.choose(fmt, [f0, f1, f2]), canon_u)[u_i]
    # rural formats
    r0 = vname + g_s + "组" + h_s + "号"
    r1 = vname + cn_numerals(grp[idx]) + "组" + cn_numerals(hno[idx]) + "号"
    r2 = vadmin[idx] + "第" + s_grp[idx] + "村民小组" + s_hno[idx] + "号"
    rr = np.where(alt, np.choose(fmt, [r0, r1, r2]), vname + s_grp[idx] + "组" + s_hno[idx] + "号")
    t[r_i] = rr[r_i]
    # dormitories
    d0 = c + b_s + word + room_s + "室"
    d1 = c + b_s + "号宿舍楼" + s_room[idx]
    t[d_i] = np.where(alt & (fmt > 0), d1, d0)[d_i]
    # upper levels
    drop_c = rng.random(n) < float(noise["drop_county"])
    drop_t = rng.random(n) < float(noise["drop_township"])
    upper = np.where(drop_c, "", "义乌市") + np.where(drop_t, "", town[idx])
    mid = np.where(r_i, "", vname)  # rural formats above already carry the village name
    full = upper + mid + t
    s = pd.Series(full)
    trad = rng.random(n) < float(noise["traditional"])
    if trad.any():
        tt = str.maketrans(recipe["traditional_chars"])
        s[trad] = s[trad].str.translate(tt)
    fw = rng.random(n) < float(noise["fullwidth"])
    if fw.any():
        s[fw] = s[fw].str.translate(FULLWIDTH)
    addr[idx] = s.to_numpy()
    return addr, registered

