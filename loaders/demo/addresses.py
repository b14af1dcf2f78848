"""Household addresses: the current address as staff write it (with noise) and the
canonical registered address of residents."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from loaders.demo.wording import DIGITWISE, FULLWIDTH, as_text, cn_numerals

#: Habits of real writing (issue 12), each the share of households whose current address
#: is written that way (one habit each): it starts at the township; short names without
#: their suffix (义乌稠城…); a level written twice; separators, spaces and placeholders
#: between the levels; a label, a phone number or a remark around it; the township
#: without 街道/镇; house numbers as 12-2-301; 棟/單元; two addresses in one field.
HABITS = {
    "township_first": 0.02,
    "short_names": 0.02,
    "doubled_levels": 0.015,
    "separators": 0.015,
    "labels_chatter": 0.02,
    "township_short": 0.02,
    "dash_forms": 0.02,
    "traditional_units": 0.01,
    "two_addresses": 0.01,
}


def household_addresses(world, b, recipe, rng, hb, hcat, unit, floor_, room):
    """Current address as staff write it (with noise and the habits of :data:`HABITS`)
    and the canonical registered address of residents, for households in buildings
    ``hb`` of kind ``hcat``."""
    parts = _address_parts(world, b, hb, hcat, unit, room)
    canonical = world.county_name + parts.town + parts.village_short + parts.tail
    registered = "浙江省" + canonical
    noise = recipe["address_noise"]
    # the habits draw from a stream of their own: the other draws stay as they were
    habit_rng = rng.spawn(1)[0]
    noisy = rng.random(len(hb)) < float(recipe["address_noise_share"])
    addr = canonical.copy()
    idx = np.flatnonzero(noisy)
    if len(idx):
        addr[idx] = _noisy_addresses(world, recipe, rng, noise, parts, idx)
    _write_habits(addr, canonical, parts, habit_rng, recipe["county"])
    return addr, registered


def _phones(rng, n: int) -> np.ndarray:
    second = as_text(rng.integers(3, 10, n))
    rest = pd.Series(as_text(rng.integers(0, 10**9, n))).str.zfill(9).to_numpy()
    return "1" + second + rest


def _write_habits(addr, canonical, p, rng, county: dict) -> None:
    """Rewrite a share of the addresses (in place) with one habit of :data:`HABITS` each,
    from the canonical address and its parts, with the names of ``county`` (the recipe's:
    its own name, short name and city, so that a province's counties write their own)."""
    n = len(addr)
    if n == 0:
        return
    names = list(HABITS)
    which = np.searchsorted(np.cumsum(list(HABITS.values())), rng.random(n), side="right")
    r = rng.random(n)
    phone = _phones(rng, n)
    town, village, tail = p.town, p.village_short, p.tail
    town_short = pd.Series(town).str.replace(r"(街道|镇|乡)$", "", regex=True).to_numpy()
    below = village + tail
    urban = p.kind == "urban"
    dash_tail = np.where(urban, p.compound + p.s_building + "-" + p.s_unit + "-" + p.s_room, tail)
    name = county["name"]
    short = (county.get("aliases") or [name])[0]
    city = county.get("city_name") or ""
    city_short = city[:-1] if city.endswith("市") else city
    forms = {
        "township_first": town + below,
        "short_names": short + town_short + below,
        "doubled_levels": np.where(
            r < 0.5, "浙江省" + city + city + name + town + below, short + name + town + below
        ),
        "separators": np.where(
            r < 0.4,
            "浙江省-" + city + "-" + name + "-" + town + "-" + below,
            np.where(
                r < 0.8,
                "浙江 " + city_short + " " + name + " " + town + " " + below,
                "浙江省null" + name + town + below,
            ),
        ),
        "labels_chatter": np.where(
            r < 0.35,
            "收货地址：" + canonical,
            np.where(r < 0.7, canonical + "（租住）", "联系电话：" + phone + " " + canonical),
        ),
        "township_short": name + town_short + below,
        "dash_forms": name + town + village + dash_tail,
        "traditional_units": pd.Series(canonical)
        .str.translate(str.maketrans({"栋": "棟", "单": "單", "组": "組", "号": "號"}))
        .to_numpy(),
        "two_addresses": "寄件人：" + np.roll(canonical, 1) + " 收件人：" + canonical,
    }
    for k, name in enumerate(names):
        sel = which == k
        if sel.any():
            addr[sel] = forms[name][sel]


def _address_parts(world, b, hb, hcat, unit, room) -> SimpleNamespace:
    """The pieces of each household's address, and its canonical tail (compound, building,
    unit, room; or group and house number)."""
    vills, towns = world.vills, world.towns
    village = b["v"].to_numpy()[hb]
    p = SimpleNamespace(
        village=village,
        kind=hcat,
        town=towns["name"].to_numpy()[vills["town_idx"].to_numpy()[village]],
        village_short=vills["short"].to_numpy()[village],
        village_name=vills["name"].to_numpy()[village],
        compound=b["compound"].to_numpy()[hb],
        building_no=b["building_no"].to_numpy()[hb],
        group=b["group"].to_numpy()[hb],
        house_no=b["house_no"].to_numpy()[hb],
    )
    p.s_building, p.s_unit, p.s_room = as_text(p.building_no), as_text(unit), as_text(room)
    p.s_group, p.s_house = as_text(p.group), as_text(p.house_no)
    urban, rural, dorm = hcat == "urban", hcat == "rural", hcat == "dorm"
    tail = np.empty(len(hb), dtype=object)
    tail[urban] = (
        p.compound[urban]
        + p.s_building[urban]
        + "栋"
        + p.s_unit[urban]
        + "单元"
        + p.s_room[urban]
        + "室"
    )
    tail[rural] = p.s_group[rural] + "组" + p.s_house[rural] + "号"
    tail[dorm] = p.compound[dorm] + p.s_building[dorm] + "栋" + p.s_room[dorm] + "室"
    p.tail = tail
    return p


def _noisy_addresses(world, recipe, rng, noise, p, idx) -> np.ndarray:
    """Addresses as staff write them: former or misspelt village names, Chinese numerals,
    other formats, dropped upper levels, traditional or full-width characters."""
    n = len(idx)
    r = rng.random((n, 9))
    village_name = p.village_short[idx].copy()
    former = world.vills["former"].to_numpy()[p.village[idx]]
    typo = world.vills["typo"].to_numpy()[p.village[idx]]
    use_former = (former != "") & (r[:, 0] < float(noise["former_name"]))
    village_name = np.where(use_former, former, village_name)
    use_typo = ~use_former & (r[:, 1] < float(noise["typo"]))
    village_name = np.where(use_typo, typo, village_name)
    tail = _noisy_tails(recipe, noise, p, idx, r, village_name)
    drop_county = rng.random(n) < float(noise["drop_county"])
    drop_town = rng.random(n) < float(noise["drop_township"])
    upper = np.where(drop_county, "", world.county_name) + np.where(drop_town, "", p.town[idx])
    middle = np.where(p.kind[idx] == "rural", "", village_name)  # rural tails carry it
    s = pd.Series(upper + middle + tail)
    traditional = rng.random(n) < float(noise["traditional"])
    if traditional.any():
        s[traditional] = s[traditional].str.translate(str.maketrans(recipe["traditional_chars"]))
    fullwidth = rng.random(n) < float(noise["fullwidth"])
    if fullwidth.any():
        s[fullwidth] = s[fullwidth].str.translate(FULLWIDTH)
    return s.to_numpy()


def _noisy_tails(recipe, noise, p, idx, r, village_name) -> np.ndarray:
    """The part below the village in one of several formats (numbers arabic or Chinese)."""
    n = len(idx)
    chinese = r[:, 2] < float(noise["chinese_numerals"])
    b_s = np.where(chinese, cn_numerals(p.building_no[idx]), p.s_building[idx])
    g_s = np.where(chinese, cn_numerals(p.group[idx]), p.s_group[idx])
    h_s = np.where(chinese, cn_numerals(p.house_no[idx]), p.s_house[idx])
    room_s = np.where(
        chinese & (r[:, 3] < 0.5),
        pd.Series(p.s_room[idx]).str.translate(DIGITWISE).to_numpy(),
        p.s_room[idx],
    )
    words = np.array(recipe["building_words"], dtype=object)
    word = words[np.minimum((r[:, 4] * len(words)).astype(int), len(words) - 1)]
    alt = r[:, 5] < float(noise["alt_format"])
    fmt = np.minimum((r[:, 6] * 3).astype(int), 2)
    # compound name with swapped suffix ('幸福小区' -> '幸福花园') sometimes
    compound = p.compound[idx]
    suffixes = np.array(recipe["compound_suffixes"], dtype=object)
    stem = (
        pd.Series(compound)
        .str.replace(
            "(" + "|".join(sorted(recipe["compound_suffixes"], key=len, reverse=True)) + ")$",
            "",
            regex=True,
        )
        .to_numpy()
    )
    swap = (r[:, 7] < 0.25) & (p.kind[idx] == "urban")
    c_alt = np.where(
        swap, stem + suffixes[(r[:, 8] * len(suffixes)).astype(int) % len(suffixes)], compound
    )
    s_unit, s_room, s_group, s_house = (
        p.s_unit[idx],
        p.s_room[idx],
        p.s_group[idx],
        p.s_house[idx],
    )
    u_i, r_i, d_i = (p.kind[idx] == "urban"), (p.kind[idx] == "rural"), (p.kind[idx] == "dorm")
    t = np.empty(n, dtype=object)
    f0 = c_alt + b_s + word + s_unit + "单元" + room_s + "室"
    f1 = c_alt + b_s + word + room_s
    f2 = c_alt + b_s + "号楼" + s_unit + "-" + s_room
    canon_u = c_alt + p.s_building[idx] + "栋" + s_unit + "单元" + s_room + "室"
    t[u_i] = np.where(alt, np.choose(fmt, [f0, f1, f2]), canon_u)[u_i]
    r0 = village_name + g_s + "组" + h_s + "号"
    r1 = village_name + cn_numerals(p.group[idx]) + "组" + cn_numerals(p.house_no[idx]) + "号"
    r2 = p.village_name[idx] + "第" + s_group + "村民小组" + s_house + "号"
    t[r_i] = np.where(
        alt, np.choose(fmt, [r0, r1, r2]), village_name + s_group + "组" + s_house + "号"
    )[r_i]
    d0 = compound + b_s + word + room_s + "室"
    d1 = compound + b_s + "号宿舍楼" + s_room
    t[d_i] = np.where(alt & (fmt > 0), d1, d0)[d_i]
    return t
