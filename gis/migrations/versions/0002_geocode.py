"""Geocoding: the review queue, and what a household's geocoding recorded.

* ``geocode_review``: one open item per household the geocoder was unsure about, with its
  candidates (jsonb list of {level, building_id, village_code, village, compound, group,
  score, method}); scoped like households by ``admin_path``. Closed when staff place
  the household by hand (or a later run is sure).
* ``households``: ``geocode_reason`` (why a record is unmatched or in review),
  ``geocode_distance_m`` (metres a point was snapped to its building),
  ``registered_code`` (12-digit code of the registered address, 户籍地, as deep as it
  resolved: village, township or county, anywhere in China).
* an index on buildings (village_code, compound, building_no) for the standard address
  list export;
* ``geocode_building_cells`` (buildings by grid cell, for point-in-building as a hash
  join) and ``geocode_meta`` (which state of ``buildings`` the cells were made from).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE households
    ADD COLUMN IF NOT EXISTS geocode_reason text,
    ADD COLUMN IF NOT EXISTS geocode_distance_m real,
    ADD COLUMN IF NOT EXISTS registered_code text;

CREATE TABLE geocode_review (
    id            bigserial PRIMARY KEY,
    household_id  bigint NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    county_code   char(6) NOT NULL,
    admin_path    text NOT NULL,
    address       text,
    input_hash    text,
    reason        text NOT NULL,
    level         text,
    score         real,
    candidates    jsonb NOT NULL DEFAULT '[]',
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    resolved_by   text
);
-- At most one open item per household; resolved items stay as history.
CREATE UNIQUE INDEX geocode_review_open_uq ON geocode_review (household_id)
    WHERE status = 'open';
CREATE INDEX geocode_review_path_idx ON geocode_review (admin_path text_pattern_ops)
    WHERE status = 'open';

CREATE INDEX IF NOT EXISTS buildings_village_compound_idx
    ON buildings (village_code, compound, building_no);

-- Point-in-building by hash join: each building (its box grown by the snapping
-- distance) listed under every grid cell of 0.0005 degrees it touches. Derived from
-- buildings, refreshed by gis.geocode.coords when buildings change (geocode_meta).
CREATE TABLE IF NOT EXISTS geocode_building_cells (
    cell          bigint NOT NULL,
    building_id   bigint NOT NULL,
    village_code  text,
    x0            float8 NOT NULL,   -- the building's box grown by the snapping
    y0            float8 NOT NULL,   -- distance, degrees: a cheap first test
    x1            float8 NOT NULL,
    y1            float8 NOT NULL,
    geom          geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX IF NOT EXISTS geocode_building_cells_cell_idx ON geocode_building_cells (cell);
CREATE TABLE IF NOT EXISTS geocode_meta (
    key    text PRIMARY KEY,
    value  text NOT NULL
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'popgis_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON geocode_review TO popgis_app;
        GRANT SELECT ON geocode_building_cells, geocode_meta TO popgis_app;
        GRANT USAGE, SELECT ON SEQUENCE geocode_review_id_seq TO popgis_app;
    END IF;
END $$;
"""

DOWNGRADE = """
DROP INDEX IF EXISTS buildings_village_compound_idx;
DROP TABLE IF EXISTS geocode_review, geocode_building_cells, geocode_meta;
ALTER TABLE households
    DROP COLUMN IF EXISTS geocode_reason,
    DROP COLUMN IF EXISTS geocode_distance_m,
    DROP COLUMN IF EXISTS registered_code;
"""


def upgrade():
    op.execute(UPGRADE)


def downgrade():
    op.execute(DOWNGRADE)
