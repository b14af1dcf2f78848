"""Statistics per admin area with small counts suppressed, safe to hand out.

Rules (documented in the README):

1. **Primary suppression.** A count between 1 and k-1 (k = ``POPGIS_EXPORT_MIN_COUNT``,
   default 5) is not published. When an area has fewer than k persons, every count of
   that area is withheld, zeros included (a "0 migrants" among 3 people says too much).
2. **Secondary suppression.** Every published total is the sum of its children (county
   = townships, township = villages, village = grids + households outside any grid).
   For each parent and each count column: if any child is withheld, at least two are,
   and together they hide at least k (a withheld area with children hides only what
   its own withheld children hide: the rest is assumed known); so "total minus the
   published children" never isolates or bounds below k one small cell. The extra
   cells chosen are the smallest non-zero ones (least information lost), ties broken
   by code, so the choice is deterministic. A withheld parent keeps at least one
   withheld child (it cannot be rebuilt by adding its children up); households
   outside any grid that number between 1 and k-1 are protected the same way. An
   LP audit in the tests checks that no withheld small count can be pinned down.
3. **One pattern for the whole county.** The pattern is computed once over the county
   tree, whoever asks, and only then cut to the caller's jurisdiction: two exports for
   different areas never suppress differently and cannot be combined to undo it.
4. **Rates** (migrants per 1,000, coverage %, persons per km²) are published only when
   every count they are made of is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from gis.exports import setting
from gis.gate import Scope, scope_for_area, widened
from gis.gate.aggregates import COUNT_COLUMNS, path_counts
from gis.rules import today

DEFAULT_THRESHOLD = 5


def threshold() -> int:
    """The suppression threshold k (``POPGIS_EXPORT_MIN_COUNT``, default 5, at least 2)."""
    return max(2, int(setting("POPGIS_EXPORT_MIN_COUNT", str(DEFAULT_THRESHOLD))))


@dataclass
class AreaStats:
    """One admin area's counts; a suppressed count is ``None``."""

    code: str
    path: str
    name: str
    short_name: str | None
    level: str
    parent_code: str | None
    area_km2: float | None
    values: dict[str, int | None] = field(default_factory=dict)
    suppressed: frozenset[str] = frozenset()
    primary: frozenset[str] = frozenset()

    def _rate(self, num: str, den: str, scale: float) -> float | None:
        n, d = self.values.get(num), self.values.get(den)
        if n is None or d is None or d == 0:
            return None
        return round(scale * n / d, 1)

    @property
    def migrants_per_1000(self) -> float | None:
        """Migrants per 1,000 persons living in the area (‰)."""
        return self._rate("migrants", "population", 1000.0)

    @property
    def coverage_pct(self) -> float | None:
        """Households with a distribution in the last 365 days, per 100 households (%)."""
        return self._rate("served", "households", 100.0)

    @property
    def density_km2(self) -> float | None:
        """Persons per km² of the area's polygon."""
        pop = self.values.get("population")
        if pop is None or not self.area_km2:
            return None
        return round(pop / self.area_km2, 1)


@dataclass
class Statistics:
    """Suppressed statistics of the areas inside one jurisdiction."""

    as_of: date
    threshold: int
    scope: Scope
    areas: dict[str, AreaStats]

    def of_level(self, level: str) -> list[AreaStats]:
        return [a for a in self.areas.values() if a.level == level]

    def children(self, code: str) -> list[AreaStats]:
        return [a for a in self.areas.values() if a.parent_code == code]

    def get(self, code: str) -> AreaStats:
        return self.areas[code]


def _tree(conn, root_path: str) -> dict[str, AreaStats]:
    rows = conn.execute(
        sa.text(
            "SELECT code, path, name, short_name, level, parent_code, area_km2 FROM admin_area "
            "WHERE path LIKE :p ORDER BY length(path), code"
        ),
        {"p": root_path + "%"},
    )
    return {
        r.code: AreaStats(
            code=r.code,
            path=r.path,
            name=r.name,
            short_name=r.short_name,
            level=r.level,
            parent_code=r.parent_code,
            area_km2=r.area_km2,
        )
        for r in rows
    }


def _totals(
    tree: dict[str, AreaStats], counts: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    """Subtree totals per area code from counts per admin path (a path with no area of
    its own counts for the longest enclosing area)."""
    by_path = {a.path: a for a in tree.values()}
    totals = {code: dict.fromkeys(COUNT_COLUMNS, 0) for code in tree}
    for path, c in counts.items():
        p = path
        while p and p not in by_path:
            p = p[:-3] if len(p) > 6 else ""
        node = by_path.get(p)
        while node is not None:
            t = totals[node.code]
            for col in COUNT_COLUMNS:
                t[col] += c[col]
            node = tree.get(node.parent_code) if node.parent_code else None
    return totals


def suppress_column(
    children: dict[str, list[str]],
    values: dict[str, int],
    primary: set[str],
    k: int,
    order: list[str],
) -> set[str]:
    """Secondary suppression of one count column over a tree (rule 2 of the module).

    ``children`` maps a parent code to its child codes, ``values`` holds every node's
    total, ``primary`` the cells withheld by rule 1, ``order`` the parents top-down.
    Returns the set of withheld cells (primary and secondary).

    The attacker is assumed to know every published number *and* each parent's rest
    (households at the parent outside its children). What a withheld cell hides is
    then its *slack*: its own value for a cell without children, else the slack of
    its withheld children. Each group's withheld cells must hide at least k together.
    """
    held = set(primary)

    def rest(p: str) -> int:
        return values[p] - sum(values[c] for c in children[p])

    def slack(c: str) -> int:
        if c not in children:
            return values[c]
        return sum(slack(x) for x in children[c] if x in held)

    def ok(p: str) -> bool:
        withheld = [c for c in children[p] if c in held]
        if not withheld:
            return not (p in held or 0 < rest(p) < k)
        return len(withheld) >= 2 and sum(slack(c) for c in withheld) >= k

    def fix(p: str) -> bool:
        changed = False
        while not ok(p):
            free = sorted(
                (c for c in children[p] if c not in held),
                key=lambda c: (values[c] == 0, values[c], c),
            )
            if free:
                held.add(free[0])
                changed = True
                if free[0] in children:  # settle what the new cell hides first
                    fix(free[0])
            elif p not in held:  # everything below is withheld: hide the total too
                held.add(p)
                return True
            else:
                break
        return changed

    changed = True
    while changed:
        changed = False
        for parent in order:
            changed |= fix(parent)
    return held


def statistics(
    conn, scope: Scope, *, as_of: date | None = None, k: int | None = None
) -> Statistics:
    """Suppressed statistics of every area in ``scope`` (its own area included).

    The counts are computed over the whole county containing the scope so that the
    suppression pattern is the same for everyone (rule 3); only areas inside the
    scope are returned.
    """
    # today in China (gis.rules), not the database's current_date, which is UTC's on
    # a server kept on UTC
    as_of = as_of or today()
    k = k or threshold()
    county_code = scope.path[:6] + "000000"
    root = scope_for_area(conn, county_code, user=scope.user, role=scope.role)
    tree = _tree(conn, root.path)
    with widened(conn, root):
        counts = path_counts(conn, root, as_of)
    totals = _totals(tree, counts)
    children: dict[str, list[str]] = {}
    for a in tree.values():
        if a.parent_code in tree:
            children.setdefault(a.parent_code, []).append(a.code)
    order = [c for c in tree if c in children]  # tree is ordered top-down
    withheld: dict[str, set[str]] = {c: set() for c in tree}
    primaries: dict[str, set[str]] = {c: set() for c in tree}
    for col in COUNT_COLUMNS:
        values = {c: totals[c][col] for c in tree}
        primary = {c for c in tree if 0 < values[c] < k or 0 < totals[c]["population"] < k}
        for c in suppress_column(children, values, primary, k, order):
            withheld[c].add(col)
        for c in primary:
            primaries[c].add(col)
    out = {}
    for code, a in tree.items():
        if not a.path.startswith(scope.path):
            continue
        a.suppressed = frozenset(withheld[code])
        a.primary = frozenset(primaries[code])
        a.values = {
            col: (None if col in a.suppressed else totals[code][col]) for col in COUNT_COLUMNS
        }
        out[code] = a
    return Statistics(as_of=as_of, threshold=k, scope=scope, areas=out)
