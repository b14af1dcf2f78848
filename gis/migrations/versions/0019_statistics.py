"""No planner statistics for the columns of households and persons that no query
filters, joins, groups or sorts on (``ALTER COLUMN … SET STATISTICS 0``).

ANALYZE samples each partition and builds statistics for every column; on the province
(90 partitions each) that took about a minute for persons and 20 s for households, a
third to two fifths of it for these columns: long unique texts (the registered address,
the geocoding input hash) and timestamps. A query that filters on one of them gets the
planner's default estimate. New partitions copy these targets from their parent
(:func:`gis.partitions.ensure_county`); ``ALTER TABLE`` on the parent sets the existing
ones.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

#: table → the columns without statistics
COLUMNS = {
    "households": (
        "registered_address",
        "geocode_input_hash",
        "source_crs",
        "placed_by",
        "placed_at",
        "created_at",
        "updated_at",
        "geocode_reason",
        "geocode_distance_m",
    ),
    "persons": (
        "relation",
        "arrival_date",
        "created_at",
        "updated_at",
    ),
}


def _set(target: int) -> None:
    for table, columns in COLUMNS.items():
        op.execute(
            f"ALTER TABLE {table} "
            + ", ".join(f"ALTER COLUMN {c} SET STATISTICS {target}" for c in columns)
        )


def upgrade() -> None:
    _set(0)


def downgrade() -> None:
    _set(-1)
