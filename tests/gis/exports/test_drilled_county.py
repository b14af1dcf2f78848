"""A drilled-county export (outside tester, issue 15 finding 8): a province user who
clicks a county and exports gets that county's basemap only (no neighbour's roads or
buildings in the margin), and a grid density legend with real whole-number classes even
when most grids have nobody living in them."""

from __future__ import annotations

import sqlalchemy as sa

from gis import partitions
from gis.exports import map_spec, mapping
from gis.gate import scope_for_area

# 东阳市 next to the fixture county (120.0–120.2 × 29.2–29.4) on its east side
NEIGHBOUR = "POLYGON((120.2 29.2, 120.4 29.2, 120.4 29.4, 120.2 29.4, 120.2 29.2))"


def _neighbour_with_roads(conn):
    partitions.ensure_county(conn, "330783")
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, county_code, level, path, parent_code, name, geom)
        VALUES ('330783000000', '330783', 'county', '330783', '330700000000', '东阳市',
                ST_Multi(ST_GeomFromText(:g, 4326)))"""),
        {"g": NEIGHBOUR},
    )
    roads = [
        # the neighbour's road, 1 km east of the border: inside the map's margin
        ("N1", "330783", "LINESTRING(120.21 29.25, 120.21 29.35)"),
        # a road loaded with the fixture county from a wider extract, but outside it
        ("W9", "330782", "LINESTRING(120.205 29.25, 120.205 29.35)"),
        # the county's own road
        ("O1", "330782", "LINESTRING(120.05 29.25, 120.15 29.25)"),
    ]
    for ext_id, county, wkt in roads:
        conn.execute(
            sa.text("""
            INSERT INTO roads (ext_id, county_code, highway, geom)
            VALUES (:e, :c, 'primary', ST_Multi(ST_GeomFromText(:g, 4326)))"""),
            {"e": ext_id, "c": county, "g": wkt},
        )
    conn.execute(
        sa.text("""
        INSERT INTO buildings (ext_id, county_code, admin_path, geom)
        VALUES ('NB1', '330783', '330783', ST_Multi(ST_MakeEnvelope(120.201, 29.3, 120.2014, 29.3004,
                                                          4326)))""")
    )


def test_a_drilled_county_map_draws_only_that_countys_basemap(conn):
    _neighbour_with_roads(conn)
    province = scope_for_area(conn, "330000000000", user="prov", role="province")
    spec = map_spec.prepare(conn, province, "density", area_code="330782000000", per="grid")
    # the map's margin reaches past the border (the box is the county's plus a margin)
    assert spec.box[2] > map_spec.basemap.to_metric((120.21, 29.3, 120.21, 29.3), spec.epsg)[0]
    xs = [xy[:, 0].max() for _h, xy in spec.roads]
    border_x = map_spec.basemap.to_metric((120.2, 29.3, 120.2, 29.3), spec.epsg)[0]
    assert len(spec.roads) >= 1 and max(xs) <= border_x + 1, xs  # none east of the border
    # a narrow view (buildings drawn) keeps to the county too
    narrow = mapping.prepare(
        conn,
        province,
        "service-points",
        area_code="330782000000",
        bbox=(120.197, 29.29, 120.2, 29.31),
    )
    nb_x = map_spec.basemap.to_metric((120.2012, 29.3002, 120.2012, 29.3002), narrow.epsg)[0]
    assert narrow.box[0] < nb_x < narrow.box[2]  # the neighbour's building is in the frame
    assert all(ring[:, 0].max() <= border_x + 1 for ring in narrow.buildings)  # not NB1


def test_mostly_empty_grids_get_real_classes():
    # a county's grids: most have nobody (density 0), the rest spread to 550
    values = [0.0] * 246 + [12.5, 40, 75, 110, 150, 180, 220, 260, 300, 340, 380, 420, 470, 500]
    values += [530.2, 550.4]
    c = mapping.classes(values)
    assert c.labels[0] == "0" and len(c.labels) >= 4, c.labels  # before: one class "0 – 550"
    assert all("." not in label for label in c.labels)  # whole numbers
    # every class holds values
    import numpy as np

    assert np.histogram(c.rounded(values), bins=c.bounds)[0].min() > 0
