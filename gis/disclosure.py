"""The disclosure rule: what a role without access to people may be told.

Planners and auditors (and anything that leaves the system) receive counts, never
people. A count says something about a person when it is small, or when two answers
can be subtracted to leave a small one (a total minus its parts; migrants minus
migrants with a certificate missing; coverage at 480 m minus coverage at 460 m; as of
today minus as of last month). The map lets a planner choose filters, radii and dates
freely, so a fixed pattern of withheld cells cannot foresee every pair; instead every
count passes :func:`protect` (and its SQL twin ``popgis_protect``, tested to agree):

1. **Threshold.** A count from 1 to k-1 (k = ``POPGIS_EXPORT_MIN_COUNT``, default 5)
   is withheld (``None``). Zero is published.
2. **Cell-key noise** (the method of the ABS TableBuilder and the 2021 UK census
   tables). Every household and person carries a random record key (``rkey``, 0–65535,
   drawn once when the row is written and never shown). A cell's key is the sum of the
   keys of the records counted in it, and the count is published as ``n + d`` with
   ``d`` in [-2, 2] fixed by the cell key, never below k. The same set of records always
   gets the same answer (asking again does not average the noise away); two different
   sets get unrelated noise, so the difference of two answers is the difference of the
   counts plus a noise from -4 to 4: it never pins a small cell down.
3. **Coarse places.** Density for these roles lives on a fixed grid of cells
   :data:`MIN_CELL_M` wide (about 611 m, the size of a zoom-16 tile, aligned with the
   tile pyramid so a cell never straddles two tiles) and stops at zoom
   :data:`MAX_ZOOM`; an area with fewer than k persons has every count withheld.
4. **Rates** are computed from published counts only.
5. The optimiser and the coverage model work on exact counts inside the server; only
   their results pass here.

Export tables (:mod:`gis.exports.aggregates`) add secondary suppression on the fixed
admin hierarchy, since their totals must add up; see the README.
"""

from __future__ import annotations

import math

import numpy as np

from gis import settings

KEY_MOD = 65536
NOISE = 2
MAX_ZOOM = 14
CELL_ZOOM = 16
WORLD_M = 40075016.686
ORIGIN_M = -WORLD_M / 2
MIN_CELL_M = WORLD_M / 2**CELL_ZOOM


def threshold() -> int:
    """k: the smallest count that may be published (``POPGIS_EXPORT_MIN_COUNT``, ≥ 2)."""
    return max(2, int(settings.get("POPGIS_EXPORT_MIN_COUNT") or 5))


def protect(n, key, k: int | None = None):
    """The published value of a count ``n`` whose records' keys sum to ``key``.

    Scalars give an ``int`` or ``None`` (withheld); arrays give a float array with NaN
    where withheld. ``None`` or NaN in gives the same out.
    """
    k = threshold() if k is None else k
    if np.ndim(n) == 0:
        if n is None or (isinstance(n, float) and math.isnan(n)):
            return None
        n = int(round(n))
        if n <= 0:
            return 0
        if n < k:
            return None
        return max(k, n + int(key or 0) % KEY_MOD % 5 - NOISE)
    n = np.rint(np.asarray(n, dtype=np.float64))
    key = np.nan_to_num(np.asarray(key, dtype=np.float64)).astype(np.int64)
    noisy = np.maximum(k, n + np.mod(np.mod(key, KEY_MOD), 5) - NOISE)
    out = np.where(n <= 0, 0.0, np.where(n < k, np.nan, noisy))
    return np.where(np.isnan(n), np.nan, out)


#: Persons and migrants of a cell or area are noised independently (each by its own
#: key), so 7 persons of whom 6 migrants can come out as 5 and 8. The published
#: migrants are capped at the published persons: a function of two published values
#: only, so it tells nothing the two do not (the suppression is the same), and never
#: makes a published count small (both are at least k, or 0). A withheld count stays
#: withheld (LEAST would skip a NULL). SQL over columns ``migrants`` and ``persons``.
AT_MOST_PERSONS = "CASE WHEN migrants IS NULL THEN NULL ELSE least(migrants, persons) END"


def protect_sql(count_sql: str, key_sql: str, k: int | None = None) -> str:
    """``popgis_protect(count, key, k)`` as SQL text, for aggregates built in SQL."""
    k = threshold() if k is None else k
    return f"popgis_protect(({count_sql})::bigint, ({key_sql})::bigint, {int(k)})"


def cell_size_m(z: int) -> float:
    """Density cell width (EPSG:3857 metres) at zoom ``z`` for aggregate roles: 1/16 of
    a tile, never below :data:`MIN_CELL_M`; always a whole fraction of a tile."""
    return max(WORLD_M / 2**z / 16, MIN_CELL_M)


def key_sum(keys) -> int:
    """The key of a cell made of records (or of cells) with ``keys``."""
    return int(np.sum(np.asarray(keys, dtype=np.int64)) % KEY_MOD)
