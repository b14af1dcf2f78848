"""Land cover for the basemap: water, woods, parks, farmland and other land use.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE landcover (
    id           bigserial PRIMARY KEY,
    ext_id       text NOT NULL UNIQUE,
    county_code  char(6) NOT NULL,
    kind         text NOT NULL,
    name         text,
    source       text,
    geom         geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX landcover_geom_gix ON landcover USING gist (geom);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'popgis_app') THEN
        GRANT SELECT ON landcover TO popgis_app;
    END IF;
END $$;
"""


def upgrade():
    op.execute(UPGRADE)


def downgrade():
    op.execute("DROP TABLE IF EXISTS landcover")
