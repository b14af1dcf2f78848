"""The first load into empty partitioned tables builds their indexes after the insert
(gis.ingest.core.indexes_after): every partition gets them and the parent's stay valid
(made from pg_indexes' "ON ONLY" text, they were left invalid and the partitions had
none: no spatial index on a freshly loaded county's households)."""

from __future__ import annotations

import sqlalchemy as sa

from gis import db
from loaders.base import get_loader
from tests.conftest import DATA, FIXTURE_FILES


def test_a_first_load_leaves_every_index_on_the_partitions(fresh_db):
    engine = db.engine(fresh_db)
    try:
        for kind, name in FIXTURE_FILES:
            report = get_loader(kind).run(DATA / name, engine=engine, user="fixture")
            assert report.status == "loaded", report.summary()
        with engine.connect() as c:
            invalid = c.execute(
                sa.text(
                    "SELECT indexrelid::regclass::text FROM pg_index "
                    "WHERE NOT indisvalid ORDER BY 1"
                )
            ).scalars()
            assert list(invalid) == []
            on_parent = c.execute(
                sa.text("SELECT count(*) FROM pg_indexes WHERE tablename = 'households'")
            ).scalar()
            on_partition = c.execute(
                sa.text("SELECT count(*) FROM pg_indexes WHERE tablename = 'households_330782'")
            ).scalar()
            assert on_partition == on_parent > 3
    finally:
        engine.dispose()
