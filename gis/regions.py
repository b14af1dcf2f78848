"""Province and city areas above the loaded counties (for province and city users).

A county's admin tree starts at the county; a province (path: its 2-digit code) and a
city (4 digits) are added over the counties loaded, with the national names and the
union of their counties' outlines, so that ``path LIKE scope || '%'`` (the scope of
every query, and of row-level security) takes in all their counties.
"""

from __future__ import annotations

import sqlalchemy as sa

from gis.geocode.division import load_division

__all__ = ["ensure_regions"]


def ensure_regions(conn) -> dict[str, int]:
    """Add (or refresh the outline of) the province and city of every loaded county;
    returns ``{"province": n, "city": n}``."""
    d = load_division()
    counties = (
        conn.execute(
            sa.text("SELECT DISTINCT left(code, 6) FROM admin_area WHERE level = 'county'")
        )
        .scalars()
        .all()
    )
    rows = []
    for c in sorted({c[:2] for c in counties} | {c[:4] for c in counties}):
        name = d.provinces.get(c) if len(c) == 2 else d.cities.get(c)
        if name is None:
            continue  # not in the national list (a test code): no area above it
        rows.append(
            {
                "code": c.ljust(12, "0"),
                "path": c,
                "name": name,
                "level": "province" if len(c) == 2 else "city",
                "parent": c[:2].ljust(12, "0") if len(c) == 4 else None,
                "county": c.ljust(6, "0"),
            }
        )
    for r in sorted(rows, key=lambda r: len(r["path"])):  # provinces first: the parents
        if r["parent"] is not None and not any(x["code"] == r["parent"] for x in rows):
            r["parent"] = None
        conn.execute(
            sa.text("""
            INSERT INTO admin_area AS a (code, path, name, level, parent_code, county_code,
                                         synthetic, area_km2, geom)
            SELECT :code, :path, :name, :level, :parent, :county, false,
                   ST_Area(g::geography) / 1e6, g
            FROM (SELECT ST_Multi(ST_CollectionExtract(ST_Union(ST_MakeValid(geom)), 3)) AS g
                  FROM admin_area
                  WHERE level = 'county' AND starts_with(path, :path)) u
            ON CONFLICT (code) DO UPDATE SET geom = EXCLUDED.geom,
                area_km2 = EXCLUDED.area_km2, name = EXCLUDED.name, updated_at = now()"""),
            r,
        )
    # the counts per township of the province and city maps, as loaded now
    from gis.gate.regional import refresh_counts

    refresh_counts(conn, [c[:6] for c in counties])
    return {
        "province": sum(r["level"] == "province" for r in rows),
        "city": sum(r["level"] == "city" for r in rows),
    }
