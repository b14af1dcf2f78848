"""gis/schema.py and the migrations agree: after ``alembic upgrade head`` (the test
database is migrated that way), Alembic's autogenerate comparison finds nothing to do."""

from __future__ import annotations

import pprint

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2.alembic_helpers import include_object as not_postgis_internal

from gis import partitions, schema


def _differences(conn) -> list:
    # the partitions of the tables partitioned by county are made per county, not declared
    parts = partitions.partition_tables(conn)

    def _include(obj, name, obj_type, reflected, compare_to):
        if obj_type == "table" and name in parts:
            return False
        if obj_type in ("index", "unique_constraint", "foreign_key_constraint") and (
            obj.table.name in parts
        ):
            return False
        # a foreign key to a partitioned table is also one internal key per partition
        if obj_type == "foreign_key_constraint" and obj.referred_table.name in parts:
            return False
        # PostGIS's own tables (spatial_ref_sys, …) are not ours to declare.
        return not_postgis_internal(obj, name, obj_type, reflected, compare_to)

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
    names -= partitions.partition_tables(conn)
    assert names - {"alembic_version", "spatial_ref_sys"} == set(schema.metadata.tables)
