"""gis/schema.py and the migrations agree: after ``alembic upgrade head`` (the test
database is migrated that way), Alembic's autogenerate comparison finds nothing to do."""

from __future__ import annotations

import pprint

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2.alembic_helpers import include_object as not_postgis_internal

from gis import schema


def _include(obj, name, obj_type, reflected, compare_to):
    # PostGIS's own tables (spatial_ref_sys, …) are not ours to declare.
    return not_postgis_internal(obj, name, obj_type, reflected, compare_to)


def _differences(conn) -> list:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "include_object": _include}
    )
    return compare_metadata(context, schema.metadata)


def test_migrations_and_the_declared_schema_agree(conn):
    diff = _differences(conn)
    assert diff == [], "migrations and gis/schema.py differ:\n" + pprint.pformat(diff)


def test_the_comparison_sees_a_difference(conn):
    """The check can fail: a column the migrations do not create is reported."""
    import sqlalchemy as sa

    conn.execute(sa.text("ALTER TABLE roads ADD COLUMN surplus int"))
    conn.execute(sa.text("DROP INDEX households_path_idx"))
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in _differences(conn)}
    assert {"remove_column", "add_index"} <= kinds


def test_every_table_of_the_database_is_declared(conn):
    import sqlalchemy as sa

    names = set(
        conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
    )
    assert names - {"alembic_version", "spatial_ref_sys"} == set(schema.metadata.tables)
