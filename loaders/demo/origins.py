"""Where migrants come from: real origin counties with weights and their registered
(hukou) addresses."""

from __future__ import annotations

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


def registered_migrant_addresses(div, origin_codes: np.ndarray, rng) -> np.ndarray:
    """'<省><市><县><镇><村>N组M号' for each origin county code (vectorised over unique counties)."""
    n = len(origin_codes)
    out = np.empty(n, dtype=object)
    if n == 0:
        return out
    areas = div.areas.set_index("code")
    cities = div.cities.set_index("code")
    provs = div.provinces.set_index("code")
    uniq = np.unique(origin_codes.astype(str))
    skip_city = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    head = {}
    for c in uniq:
        a = areas.loc[c]
        p = provs.loc[a["provinceCode"], "name"]
        city = cities.loc[a["cityCode"], "name"] if a["cityCode"] in cities.index else ""
        head[c] = p + ("" if city in skip_city else city) + a["name"]
    streets = div.streets[div.streets["areaCode"].isin(uniq)]
    streets = streets[
        streets["name"].str.contains("(?:街道|镇|乡)$", regex=True)
        & ~streets["name"].str.contains("虚拟")
    ].sort_values("code")
    vil = div.villages[div.villages["areaCode"].isin(uniq)]
    vil = vil[
        ~vil["name"].str.contains("虚拟") & vil["name"].str.contains("(?:委员会|委会)$", regex=True)
    ]
    vil = vil.sort_values("code")
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
    out = (
        headstr
        + np.where(has_s, s_name, "")
        + np.where(has_v, vshort, "")
        + np.where(has_v, tail, "")
    )
    return out.astype(object)
