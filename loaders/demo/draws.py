"""Seeded random streams (one per stage) and integer allocation by weight."""

from __future__ import annotations

import numpy as np


def stage_rng(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(stage)])


def allocate(total: int, weights, caps, minimum: int = 0) -> np.ndarray:
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
