"""County-scoped work is pruned to the county's partitions while it is planned, not only
when it runs: the gate names the scope's county as a constant (gis.scope.in_county).
The row-level-security policies prune at run time only, after the planner has planned
every county's partitions (with 90 counties a household search was planned for 230 ms,
against 2 ms on a county-only database; a household panel for 100 ms)."""

from __future__ import annotations

import sqlalchemy as sa

from gis.gate import Gate, scope_for_area
from gis.gate import search as gate_search
from gis.gate import tiles as gate_tiles
from tests.gis.test_partitions import TILE, VILLAGE_A, _capture, second_county  # noqa: F401


def _plans(conn, statements) -> list[str]:
    out = []
    for sql, params in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "set_config" in sql:
            continue
        out.append("\n".join(conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + sql, params).scalars()))
    return out


def test_search_tiles_and_panels_are_pruned_when_planned(conn, second_county):  # noqa: F811
    scope = scope_for_area(conn, VILLAGE_A, user="village_a", role="village")
    hid = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HA1'")).scalar()
    conn.execute(sa.text("SET LOCAL ROLE popgis_app"))
    seen, stop = _capture(conn)
    try:
        for q in ("HA", "王", "江滨社区", "1234"):  # every arm of the search, on and off
            gate_search.search(conn, scope, q)
        assert gate_tiles.households_tile(conn, scope, *TILE)
        assert gate_tiles.households_tile(conn, scope, 14, TILE[1] // 4, TILE[2] // 4)
        Gate(conn, scope).household(hid)
    finally:
        stop()
    plans = _plans(conn, seen)
    assert len(plans) >= 8
    for plan in plans:
        # run-time pruning shows as "Subplans Removed"; a partition of the second
        # county in a plan means it was planned
        assert "Subplans Removed" not in plan, plan
        assert f"_{second_county}" not in plan, plan
