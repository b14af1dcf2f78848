"""Where migrants come from: real origin counties with weights and their registered
(hukou) addresses."""

from __future__ import annotations

import functools
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd

from loaders.demo.wording import as_text, short_village_name


def origin_table(div, recipe: dict, rng) -> SimpleNamespace:
    """Origin counties (real codes) with weights; streets/villages for registered addresses."""
    areas = div.areas
    codes, weights = [], []
    zipf = float(recipe["origin_county_zipf"])
    for prov in recipe["origin_provinces"]:
        cand = areas[areas["provinceCode"] == prov["code"]]
        cand = cand[~cand["code"].isin(prov.get("exclude", []))]
        cand = cand[
            ~cand["name"].str.contains("市辖区|开发区|高新|管理|园区|示范区|新区", regex=True)
        ]
        cand = cand.sort_values("code")
        if len(cand) == 0:
            continue
        perm = rng.permutation(len(cand))
        w = 1.0 / np.arange(1, len(cand) + 1) ** zipf
        w = w / w.sum() * float(prov["weight"])
        codes.extend(cand["code"].to_numpy()[perm].tolist())
        weights.extend(w.tolist())
    codes = np.array(codes, dtype=object)
    weights = np.array(weights)
    order = np.argsort(codes, kind="stable")
    codes, weights = codes[order], weights[order] / weights.sum()
    return SimpleNamespace(codes=codes, weights=weights)


#: How migrants' registered addresses (户籍地) are written besides in full (issue 12),
#: each a share of them: the county's name from before a reform (where it had one, from
#: data/former_names.csv), the city written twice, separators or spaces between the
#: levels, ``市辖区`` or ``null`` in place of the city, the township without 镇/乡/街道.
REGISTERED_HABITS = {
    "former_name": 0.25,
    "doubled_city": 0.03,
    "separators": 0.03,
    "spaces": 0.02,
    "placeholder": 0.02,
    "township_short": 0.03,
}


@functools.cache
def _former_county_names() -> dict[str, str]:
    """Today's county code (6 digits) → its former name (the latest to stop)."""
    from gis.geocode.former import load_former

    best: dict[str, tuple[int, str]] = {}
    for level, name, code, year, _old in load_former():
        if level == "county" and name.endswith(("县", "市", "区", "旗")):
            c6 = code[:6]
            if c6 not in best or (year, name) > best[c6]:
                best[c6] = (year, name)
    return {c: v[1] for c, v in best.items()}


#: the tables below for one national list (one entry: a province's counties share it)
_TABLES: dict[int, SimpleNamespace] = {}


def _origin_tables(div) -> SimpleNamespace:
    """What :func:`registered_migrant_addresses` needs of the national list, made once per
    list (for a province, 90 counties in turn): each county's head (province, city,
    county) and parts, the streets (街道/镇/乡) and villages (委员会) by code."""
    key = id(div.areas)
    if key in _TABLES and _TABLES[key].areas is div.areas:
        return _TABLES[key]
    skip_city = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    cities = dict(zip(div.cities["code"], div.cities["name"], strict=True))
    provs = dict(zip(div.provinces["code"], div.provinces["name"], strict=True))
    head, parts = {}, {}
    for c, name, pc, cc in zip(
        div.areas["code"],
        div.areas["name"],
        div.areas["provinceCode"],
        div.areas["cityCode"],
        strict=True,
    ):
        if pc not in provs:
            continue
        p, city = provs[pc], cities.get(cc, "")
        head[c] = p + ("" if city in skip_city else city) + name
        parts[c] = (p, city, name)
    streets = div.streets[
        div.streets["name"].str.contains("(?:街道|镇|乡)$", regex=True)
        & ~div.streets["name"].str.contains("虚拟")
    ].sort_values("code")
    vil = div.villages[
        ~div.villages["name"].str.contains("虚拟")
        & div.villages["name"].str.contains("(?:委员会|委会)$", regex=True)
    ].sort_values("code")
    _TABLES.clear()
    _TABLES[key] = SimpleNamespace(
        areas=div.areas, head=head, parts=parts, streets=streets, villages=vil
    )
    return _TABLES[key]


def registered_migrant_addresses(div, origin_codes: np.ndarray, rng) -> np.ndarray:
    """'<省><市><县><镇><村>N组M号' for each origin county code (vectorised over unique
    counties), a share written with the habits of :data:`REGISTERED_HABITS`."""
    n = len(origin_codes)
    out = np.empty(n, dtype=object)
    if n == 0:
        return out
    habit_rng = rng.spawn(1)[0]  # a stream of its own: the other draws stay as they were
    uniq = np.unique(origin_codes.astype(str))
    tables = _origin_tables(div)
    head = {c: tables.head[c] for c in uniq}
    parts = {c: tables.parts[c] for c in uniq}
    streets = tables.streets[tables.streets["areaCode"].isin(uniq)]
    vil = tables.villages[tables.villages["areaCode"].isin(uniq)]
    # per county street tables
    s_codes = streets["areaCode"].to_numpy()
    s_start = {c: int(np.searchsorted(s_codes, c, "left")) for c in uniq}
    s_count = {c: int(np.searchsorted(s_codes, c, "right")) - s_start[c] for c in uniq}
    v_codes = vil["streetCode"].to_numpy()
    oc = origin_codes.astype(str)
    st = np.array([s_start[c] for c in oc], dtype=np.int64)
    sc = np.array([s_count[c] for c in oc], dtype=np.int64)
    u1, u2 = rng.random(n), rng.random(n)
    sidx = st + np.floor(u1 * sc).astype(np.int64)
    has_s = sc > 0
    sidx = np.where(has_s, np.minimum(sidx, max(len(streets) - 1, 0)), 0)
    s_name = streets["name"].to_numpy()[sidx] if len(streets) else np.full(n, "", dtype=object)
    s_code = streets["code"].to_numpy()[sidx] if len(streets) else np.full(n, "", dtype=object)
    vs = np.searchsorted(v_codes, s_code, "left")
    vc = np.searchsorted(v_codes, s_code, "right") - vs
    vidx = np.where(vc > 0, vs + np.floor(u2 * vc).astype(np.int64), 0)
    vidx = np.minimum(vidx, max(len(vil) - 1, 0))
    v_names = vil["name"].to_numpy()
    vname = v_names[vidx] if len(vil) else np.full(n, "", dtype=object)
    uniq_v = pd.unique(vname)
    vmap = {v: short_village_name(v) for v in uniq_v}
    vshort = pd.Series(vname).map(vmap).to_numpy()
    has_v = has_s & (vc > 0)
    grp = rng.integers(1, 13, n)
    hno = rng.integers(1, 120, n)
    headstr = pd.Series(oc).map(head).to_numpy()
    tail = np.where(
        pd.Series(vshort).str.endswith("社区").to_numpy(),
        as_text(hno) + "号",
        as_text(grp) + "组" + as_text(hno) + "号",
    )
    town = np.where(has_s, s_name, "")
    headstr, town = _registered_habits(oc, parts, headstr, town, habit_rng)
    out = headstr + town + np.where(has_v, vshort, "") + np.where(has_v, tail, "")
    return out.astype(object)


_PROV_END = re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$")
_CITY_END = re.compile(r"(?:市|地区|盟)$")


def _registered_habits(oc, parts, headstr, town, rng):
    """(head, township) of each registered address, a share rewritten with one habit of
    :data:`REGISTERED_HABITS` each."""
    n = len(oc)
    which = np.searchsorted(
        np.cumsum(list(REGISTERED_HABITS.values())), rng.random(n), side="right"
    )
    if not (which < len(REGISTERED_HABITS)).any():
        return headstr, town
    former = _former_county_names()
    headstr, town = headstr.copy(), town.copy()
    skip_city = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    for i in np.flatnonzero(which < len(REGISTERED_HABITS)):
        prov, city, county = parts[oc[i]]
        city_w = "" if city in skip_city else city
        habit = list(REGISTERED_HABITS)[which[i]]
        if habit == "former_name" and oc[i] in former:
            headstr[i] = prov + city_w + former[oc[i]]
        elif habit == "doubled_city" and city_w:
            headstr[i] = prov + city_w + city_w + county
        elif habit == "separators":
            headstr[i] = "-".join(x for x in (prov, city_w, county) if x) + "-"
        elif habit == "spaces":
            p_short = _PROV_END.sub("", prov) or prov
            c_short = _CITY_END.sub("", city_w) if len(city_w) > 2 else city_w
            headstr[i] = " ".join(x for x in (p_short, c_short, county) if x) + " "
        elif habit == "placeholder":
            headstr[i] = prov + ("市辖区" if city == "市辖区" else "null") + county
        elif habit == "township_short" and town[i]:
            short = re.sub(r"(?:街道|镇|乡)$", "", town[i])
            if len(short) >= 2:
                town[i] = short
    return headstr, town
