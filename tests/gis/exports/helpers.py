"""Test data for export tests: extra households and villages inside the test's
transaction (rolled back afterwards), and an LP audit of suppression patterns."""

from __future__ import annotations

import itertools

import numpy as np
import sqlalchemy as sa
from scipy.optimize import linprog

_seq = itertools.count(1)


def add_village(conn, code: str, name: str, box=None) -> None:
    """An extra village under the township its code names (polygon optional)."""
    geom = "ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))" if box else "NULL"
    params = {"c": code, "n": name, "parent": code[:9] + "000"}
    if box:
        params.update(zip(("x0", "y0", "x1", "y1"), box, strict=True))
    conn.execute(
        sa.text(f"""
        INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom,
                                area_km2)
        VALUES (:c, :c, :n, 'village', :parent, '330782', {geom}, 1.0)"""),
        params,
    )


def add_households(
    conn,
    path: str,
    n: int,
    persons: int,
    *,
    migrants: int = 0,
    women: int = 0,
    lon: float | None = None,
    lat: float | None = None,
    spread: float = 0.002,
    served: int = 0,
    seed: int = 0,
) -> None:
    """``n`` households at admin path ``path`` with ``persons`` members each, of whom
    ``migrants`` are migrants and ``women`` are women born 1990 (15–49); the first
    ``served`` households get a distribution event last month. Positions are scattered
    around lon/lat (degrees) when given."""
    rng = np.random.default_rng(seed)
    village = path[:12]
    for i in range(n):
        k = next(_seq)
        geom = "NULL"
        params = {"no": f"T{k:06d}", "path": path, "v": village}
        if lon is not None:
            geom = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
            params["lon"] = lon + rng.uniform(-spread, spread)
            params["lat"] = lat + rng.uniform(-spread, spread)
        hid = conn.execute(
            sa.text(f"""
            INSERT INTO households (household_no, county_code, admin_path, village_code,
                                    geom, address)
            VALUES (:no, '330782', :path, :v, {geom}, '测试地址') RETURNING id"""),
            params,
        ).scalar()
        for j in range(persons):
            conn.execute(
                sa.text("""
                INSERT INTO persons (household_id, county_code, name, sex, birth_date,
                                     id_number, phone, is_migrant)
                VALUES (:h, '330782', :name, :sex, :birth, :idn, :phone, :m)"""),
                {
                    "h": hid,
                    "name": f"测试人{k}_{j}",
                    "sex": "F" if j < women else "M",
                    "birth": "1990-05-05" if j < women else "1960-01-01",
                    "idn": f"9{k:08d}{j:09d}",
                    "phone": f"199{k:05d}{j:03d}",
                    "m": j < migrants,
                },
            )
        if i < served:
            conn.execute(
                sa.text("""
                INSERT INTO events (county_code, household_id, kind, event_date)
                VALUES ('330782', :h, 'distribution', current_date - 30)"""),
                {"h": hid},
            )


def lp_intervals(
    children: dict[str, list[str]], values: dict[str, int], withheld: set[str], targets: set[str]
) -> dict[str, tuple[float, float]]:
    """What an attacker can learn: for each target cell, the least and greatest value
    consistent with every published cell and every sum (parent = children + the rest,
    the rest assumed known to the attacker), counts ≥ 0. Solved with HiGHS."""
    unknown = sorted(withheld)
    index = {c: i for i, c in enumerate(unknown)}
    rows, rhs = [], []
    for parent, kids in children.items():
        rest = values[parent] - sum(values[c] for c in kids)
        row = np.zeros(len(unknown))
        b = float(rest)
        for c, sign in [(parent, 1.0)] + [(c, -1.0) for c in kids]:
            if c in index:
                row[index[c]] += sign
            else:
                b -= sign * values[c]
        if row.any():
            rows.append(row)
            rhs.append(b)
    out = {}
    for t in targets:
        c = np.zeros(len(unknown))
        c[index[t]] = 1.0
        bounds = [(0, None)] * len(unknown)
        lo = linprog(
            c,
            A_eq=np.array(rows) if rows else None,
            b_eq=rhs or None,
            bounds=bounds,
            method="highs",
        )
        hi = linprog(
            -c,
            A_eq=np.array(rows) if rows else None,
            b_eq=rhs or None,
            bounds=bounds,
            method="highs",
        )
        assert lo.status == 0, lo.message
        out[t] = (lo.fun, float("inf") if hi.status == 3 else -hi.fun)
    return out
