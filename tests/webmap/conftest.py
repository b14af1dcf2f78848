"""Fixtures of the browser tests of the map (tests/webmap/test_map_*.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, prepare_fixture_db, serving


@pytest.fixture(scope="module")
def site(db_url, request):
    # each module its own database: a dropped and re-created one would leave the app
    # engine of the same URL with dead pooled connections
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    url = db_url.set(database=f"{db_url.database}_{module}")
    engine = prepare_fixture_db(url)
    with engine.begin() as c:
        # a distribution point 500 m outside 江滨 (in 下车门) serves 江滨's residents too
        c.execute(
            sa.text("""
            INSERT INTO service_points (ext_id, county_code, kind, name, admin_path,
                                        village_code, geom, active)
            SELECT 'SP9', '330782', 'distribution_point', '下车门药具发放点', path, code,
                   ST_SetSRID(ST_MakePoint(120.05, 29.3045), 4326), true
            FROM admin_area WHERE code = '330782001002'""")
        )
        c.execute(sa.text("UPDATE buildings SET compound = '佛堂小商品市场' WHERE ext_id = 'M1'"))
        # a market in 江滨 (grid 1), drawn as a named dot of the markets layer
        c.execute(
            sa.text("""
            INSERT INTO buildings (ext_id, county_code, village_code, admin_path, compound,
                                   address, floors, use, geom)
            SELECT 'M2', '330782', '330782001001', path, '江滨菜市场', '江滨社区江滨菜市场',
                   2, 'market', ST_Multi(ST_MakeEnvelope(120.035, 29.26, 120.0354, 29.2604,
                                                         4326))
            FROM admin_area WHERE code = '330782001001001'""")
        )
        # 王芳's residence permit is marked valid but expired five days ago
        c.execute(
            sa.text(
                "UPDATE persons SET cert_residence = 'valid', "
                "cert_residence_expiry = current_date - 5 WHERE name = '王芳'"
            )
        )
        from gis import users

        if not c.execute(sa.text("SELECT 1 FROM app_users WHERE name = 'auditor_u'")).scalar():
            users.add_user(c, "auditor_u", "auditor", "330782000000", PASSWORD)
    from webmap import create_app

    with serving(create_app({"SECRET_KEY": "clicks", "ENGINE": engine})) as base:
        yield base, engine
    engine.dispose()
    # the app's own pools for this module's database go too (the cluster's connection
    # slots are shared with the server processes later tests start)
    from gis import db

    db.dispose_engines()
