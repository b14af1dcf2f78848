"""Indexes for household search at county scale: prefix search on household numbers and
person names (in the C collation, which both LIKE 'x%' and ORDER BY can use; the
cluster's own collation is not C), and substring
search on addresses (pg_trgm). Without them a county-wide search scans 1.9 M persons.

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-05
"""

from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        'CREATE INDEX IF NOT EXISTS households_no_c_idx ON households ((household_no COLLATE "C"))'
    )
    op.execute('CREATE INDEX IF NOT EXISTS persons_name_c_idx ON persons ((name COLLATE "C"))')
    op.execute(
        "CREATE INDEX IF NOT EXISTS households_address_trgm_idx "
        "ON households USING gin (address gin_trgm_ops)"
    )


def downgrade():
    op.execute("DROP INDEX IF EXISTS households_address_trgm_idx")
    op.execute("DROP INDEX IF EXISTS persons_name_c_idx")
    op.execute("DROP INDEX IF EXISTS households_no_c_idx")
