"""Households, persons and migrants per township (and their record-key sums), kept for
the map of province and city users: the counties of a province are summed from these
few thousand rows instead of counting every person of the province on each view.

Refreshed per county, set-based (:func:`gis.gate.regional.refresh_counts`): after a
province load, and on a view when a county's row is older than
``POPGIS_AREA_COUNTS_TTL`` seconds. Read under the same row-level-security scope as the
people tables (the counts are exact; the disclosure rule is applied on reading).

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06
"""

from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

IN_SCOPE = "starts_with(path, (SELECT nullif(current_setting('popgis.scope', true), '')))"

UPGRADE = f"""
CREATE TABLE area_counts (
    county_code char(6) NOT NULL,
    path text NOT NULL,
    households bigint NOT NULL,
    hkey bigint NOT NULL,
    persons bigint NOT NULL,
    pkey bigint NOT NULL,
    migrants bigint NOT NULL,
    mkey bigint NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT area_counts_pkey PRIMARY KEY (county_code, path)
);
ALTER TABLE area_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY in_scope ON area_counts USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE});
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'popgis_app') THEN
        GRANT SELECT, INSERT, DELETE ON area_counts TO popgis_app;
    END IF;
END $$;
"""

DOWNGRADE = "DROP TABLE area_counts;"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
