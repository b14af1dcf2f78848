"""Walking distances along roads: a graph from the roads table, multi-source Dijkstra.

The graph lives in a projected CRS (metres). Road lines are split into pieces of at
most ``SEGMENT_M`` so that snapping a point to the nearest graph node errs by at most
half of that; vertices closer than ``SNAP_M`` are merged, and a dangling road end within
``JOIN_M`` of another road is joined to it (digitised T-junctions rarely share a vertex).
A point reaches the network by walking straight to its nearest node; that offset is part
of its distance. Walking speed ``WALK_KMH`` turns metres into minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from gis.analysis.instance import project
from gis.gate import Scope

SEGMENT_M = 25.0
SNAP_M = 1.0
JOIN_M = 15.0
WALK_KMH = 4.5
METRES_PER_MINUTE = WALK_KMH * 1000.0 / 60.0


def minutes(metres):
    """Walking minutes for a distance in metres (4.5 km/h)."""
    return np.asarray(metres, float) / METRES_PER_MINUTE


@dataclass
class RoadGraph:
    """An undirected road graph: node coordinates (metres, ``epsg``) and a CSR matrix of
    edge lengths in metres."""

    nodes: np.ndarray
    edges: sparse.csr_matrix
    epsg: int

    def __post_init__(self):
        self._tree = cKDTree(self.nodes) if len(self.nodes) else None

    @property
    def n_components(self) -> int:
        return csgraph.connected_components(self.edges, directed=False)[0]

    def snap(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each point and the straight walk to it (metres)."""
        d, i = self._tree.query(xy)
        return i, d

    def distances_from(self, xy: np.ndarray, limit: float) -> np.ndarray:
        """Shortest walk (metres) from the nearest of the points ``xy`` to every node,
        ``inf`` beyond ``limit``.

        One Dijkstra from a virtual source joined to each point's node by the point's
        offset, so points far from the road start with their walk to it already spent.
        """
        n = len(self.nodes)
        if len(xy) == 0 or n == 0:
            return np.full(n, np.inf)
        node, offset = self.snap(xy)
        # csgraph drops explicit zeros as "no edge"; a micrometre keeps zero offsets.
        offset = np.maximum(offset, 1e-6)
        best = np.full(n, np.inf)
        np.minimum.at(best, node, offset)
        keep = np.isfinite(best) & (best <= limit)
        src = np.flatnonzero(keep)
        virtual = sparse.csr_matrix((best[src], (np.full(len(src), n), src)), shape=(n + 1, n + 1))
        e = self.edges
        g = sparse.bmat([[e, None], [None, sparse.csr_matrix((1, 1))]], format="csr") + virtual
        d = csgraph.dijkstra(g, directed=True, indices=n, limit=limit)
        return d[:n]

    def point_distances(
        self, targets_xy: np.ndarray, sources_xy: np.ndarray, limit: float
    ) -> np.ndarray:
        """Walk (metres) from the nearest source to each target, ``inf`` beyond ``limit``."""
        if len(targets_xy) == 0:
            return np.zeros(0)
        node_d = self.distances_from(sources_xy, limit)
        node, offset = self.snap(targets_xy)
        d = node_d[node] + offset
        d[d > limit] = np.inf
        return d


def build_graph(lines_xy: list[np.ndarray], epsg: int) -> RoadGraph:
    """A :class:`RoadGraph` from road lines given as arrays of (x, y) metres."""
    lines = [shapely.linestrings(c) for c in lines_xy if len(c) >= 2]
    if not lines:
        return RoadGraph(np.zeros((0, 2)), sparse.csr_matrix((0, 0)), epsg)
    dense = shapely.segmentize(np.array(lines, dtype=object), SEGMENT_M)
    coords, part = shapely.get_coordinates(dense, return_index=True)
    # Merge vertices that fall into the same SNAP_M cell: shared junctions become one node.
    keys = np.round(coords / SNAP_M).astype(np.int64)
    uniq, node_of = np.unique(keys, axis=0, return_inverse=True)
    node_of = node_of.ravel()
    nodes = uniq.astype(float) * SNAP_M
    same = part[1:] == part[:-1]
    u, v = node_of[:-1][same], node_of[1:][same]
    w = np.hypot(*(coords[1:][same] - coords[:-1][same]).T)
    # Dangling ends (degree 1) near another line's node: join them (T-junctions).
    ends = np.concatenate(
        [[0], np.flatnonzero(~same) + 1, np.flatnonzero(~same), [len(coords) - 1]]
    )
    end_nodes = np.unique(node_of[ends])
    deg = np.bincount(np.concatenate([u, v]), minlength=len(nodes))
    dangling = end_nodes[deg[end_nodes] == 1]
    if len(dangling):
        # the line each node came from (its first vertex's), to join across lines only
        first_vertex = np.zeros(len(nodes), np.int64)
        first_vertex[node_of[::-1]] = np.arange(len(node_of))[::-1]
        line_of = part[first_vertex]
        d, nb = cKDTree(nodes).query(nodes[dangling], k=8, distance_upper_bound=JOIN_M)
        nb_line = np.where(np.isfinite(d), line_of[np.minimum(nb, len(nodes) - 1)], -1)
        other = np.isfinite(d) & (nb_line != line_of[dangling][:, None])
        has = other.any(axis=1)
        pick = np.argmax(other, axis=1)[has]
        rows = np.flatnonzero(has)
        u = np.concatenate([u, dangling[has]])
        v = np.concatenate([v, nb[rows, pick]])
        w = np.concatenate([w, d[rows, pick]])
    keep = u != v
    u, v, w = u[keep], v[keep], np.maximum(w[keep], 1e-6)
    a, b = np.minimum(u, v), np.maximum(u, v)
    n = len(nodes)
    # Parallel pieces: keep the shortest (a sparse constructor would add them up).
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(len(a), bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first], b[first], w[first]
    edges = sparse.csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)
    )
    return RoadGraph(nodes, edges, epsg)


def roads_graph(conn, scope: Scope, epsg: int) -> RoadGraph:
    """The road graph of the scope's county (roads are not personal data).

    Roads of the whole county are used even for a smaller scope: a walk to the nearest
    point may leave the village.
    """
    rows = (
        conn.execute(
            sa.text("""
        SELECT ST_AsBinary(geom) FROM roads WHERE county_code = :c"""),
            {"c": scope.path[:6]},
        )
        .scalars()
        .all()
    )
    if not rows:
        return build_graph([], epsg)
    geoms = shapely.get_parts(shapely.from_wkb(rows))
    lines = []
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    x, y = project(coords[:, 0], coords[:, 1], epsg)
    xy = np.column_stack([x, y])
    cuts = np.flatnonzero(np.diff(idx)) + 1
    lines = np.split(xy, cuts)
    return build_graph(lines, epsg)
