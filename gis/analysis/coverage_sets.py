"""Coverage sets for the covering models, and their exact reductions.

A covering model sees demand units as rows and candidate sites as columns of a boolean
matrix (:func:`coverage_matrix`: which sites lie within the radius of which unit).
Two reductions shrink it without changing any covering optimum: units with identical
sets of covering candidates merge into one row with their weights summed
(:func:`merge_identical_rows`), and a candidate whose coverage set is empty or inside
another candidate's can always be swapped for that one (:func:`dominated_columns`).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree


def coverage_matrix(
    demand_xy: np.ndarray, sites_xy: np.ndarray, radius: float
) -> sparse.csr_matrix:
    """Boolean CSR matrix (units × sites): site j lies within ``radius`` metres of unit i."""
    n, m = len(demand_xy), len(sites_xy)
    if n == 0 or m == 0:
        return sparse.csr_matrix((n, m), dtype=bool)
    lists = cKDTree(sites_xy).query_ball_point(demand_xy, radius, return_sorted=False)
    counts = np.fromiter((len(x) for x in lists), np.int64, count=n)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.fromiter((j for x in lists for j in x), np.int64, count=int(indptr[-1]))
    a = sparse.csr_matrix((np.ones(len(indices), bool), indices, indptr), shape=(n, m))
    a.sort_indices()
    return a


def merge_identical_rows(a: sparse.csr_matrix, w: np.ndarray):
    """Merge rows of ``a`` with identical patterns, summing ``w``.

    Returns (unique rows as CSR, summed weights, ``inverse``: unit → merged row).
    """
    a = sparse.csr_matrix(a)
    a.sort_indices()
    keys = [a.indices[a.indptr[i] : a.indptr[i + 1]].tobytes() for i in range(a.shape[0])]
    index: dict[bytes, int] = {}
    inverse = np.fromiter(
        (index.setdefault(k, len(index)) for k in keys), np.int64, count=len(keys)
    )
    first = np.full(len(index), -1, np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    merged_w = np.bincount(inverse, weights=w, minlength=len(index))
    return a[first], merged_w, inverse


def dominated_columns(b: sparse.csr_matrix, max_work: float = 3e9) -> np.ndarray:
    """Columns whose coverage set is empty or inside another column's (ties: the later
    one). Dropping them keeps a covering optimum: a dominated site can always be swapped
    for its dominator. ``max_work`` caps the pair count; beyond it only duplicates and
    empty columns are found."""
    bc = sparse.csc_matrix(b, dtype=np.int32)
    bc.sort_indices()
    size = np.diff(bc.indptr)
    out = size == 0
    row_nnz = np.diff(sparse.csr_matrix(b).indptr).astype(float)
    # BᵀB costs Σ(row nnz)² operations and at most m² entries of memory.
    if (row_nnz**2).sum() <= max_work and b.shape[1] <= 20_000:
        ov = (bc.T @ bc).tocoo()
        j, k, v = ov.row, ov.col, ov.data
        dom = (j != k) & (v == size[j]) & ((size[k] > size[j]) | ((size[k] == size[j]) & (k < j)))
        out[j[dom]] = True
        return out
    seen: dict[bytes, int] = {}
    for c in range(bc.shape[1]):
        key = bc.indices[bc.indptr[c] : bc.indptr[c + 1]].tobytes()
        if seen.setdefault(key, c) != c:
            out[c] = True
    return out
