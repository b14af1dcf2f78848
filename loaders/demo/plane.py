"""The generator's metric plane and the geometry helpers that work in it.

Geometry is built in a local plane (equirectangular around the city centre, metres) and
converted to lon/lat (EPSG:4326) on output; the mapping is affine, so containment is
preserved.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

# Local plane: equirectangular around the city centre, metres.
LON0, LAT0 = 120.075, 29.306
KX = 111320.0 * math.cos(math.radians(LAT0))
KY = 110574.0


def to_xy(lon, lat):
    return (np.asarray(lon) - LON0) * KX, (np.asarray(lat) - LAT0) * KY


def xy_to_lonlat_coords(c: np.ndarray) -> np.ndarray:
    return np.column_stack([c[:, 0] / KX + LON0, c[:, 1] / KY + LAT0])


def to_lonlat_geom(g):
    return shapely.transform(g, xy_to_lonlat_coords)


def lonlat_to_xy_coords(c: np.ndarray) -> np.ndarray:
    return np.column_stack([(c[:, 0] - LON0) * KX, (c[:, 1] - LAT0) * KY])


def lineal_part(g):
    """LineString/MultiLineString part of a geometry, or None when there is none."""
    if g is None or shapely.is_empty(g):
        return None
    if shapely.get_type_id(g) in (1, 5):
        return g
    lines = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in (1, 5)]
    return shapely.union_all(lines) if lines else None


def polygonal_part(g):
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
            q = polygonal_part(p)
            if q is not None:
                polys.extend(shapely.get_parts(q))
    polys = [p for p in polys if shapely.area(p) > 0]
    if not polys:
        return None
    if len(polys) == 1:
        return polys[0]
    return shapely.union_all(polys)


def sample_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
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


def best_candidates(
    region, n: int, rng, existing: np.ndarray | None = None, k: int = 12
) -> np.ndarray:
    """Mitchell's best-candidate sampling: well-spread points inside region."""
    if n <= 0:
        return np.empty((0, 2))
    pool = sample_in(region, n * k, rng)
    pts = np.empty((0, 2)) if existing is None else np.asarray(existing, dtype=float).reshape(-1, 2)
    chosen = np.empty((n, 2))
    for i in range(n):
        cand = pool[i * k : (i + 1) * k]
        if len(pts) == 0:
            best = cand[0]
        else:
            d = ((cand[:, None, :] - pts[None, :, :]) ** 2).sum(-1).min(1)
            best = cand[int(np.argmax(d))]
        chosen[i] = best
        pts = np.vstack([pts, best[None]])
    return chosen


def voronoi_cells(points: np.ndarray, clip) -> list:
    """Voronoi cells of points (same order), clipped to clip."""
    if len(points) == 1:
        return [polygonal_part(clip)]
    env = shapely.buffer(
        shapely.envelope(shapely.union_all([clip, shapely.multipoints(points)])),
        2000.0,
        join_style="mitre",
    )
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=env, ordered=True)
    )
    if len(cells) != len(points):  # pragma: no cover - GEOS guarantees one cell per distinct point
        raise RuntimeError("voronoi cell count mismatch")
    return [polygonal_part(c) for c in shapely.intersection(cells, clip)]


def lattice_cells(region, origin, theta, pu, pv, offs_u, offs_v, bounds_geom=None):
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


def rectangles(x, y, length, width, theta):
    """Rotated rectangles (n,) -> shapely polygons."""
    x, y, length, width, theta = (
        np.broadcast_to(np.asarray(v, float), np.shape(x)) for v in (x, y, length, width, theta)
    )
    c, s = np.cos(theta), np.sin(theta)
    du = np.array([-0.5, 0.5, 0.5, -0.5, -0.5])
    dv = np.array([-0.5, -0.5, 0.5, 0.5, -0.5])
    uu = du[None, :] * length[:, None]
    vv = dv[None, :] * width[:, None]
    px = x[:, None] + uu * c[:, None] - vv * s[:, None]
    py = y[:, None] + uu * s[:, None] + vv * c[:, None]
    return shapely.polygons(np.stack([px, py], axis=-1))
