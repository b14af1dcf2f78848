"""Placement history: every manual placement and restore of a household, with who,
when and the place it came from (so the geocoded place can be restored).

Revision ID: 0005
Revises: 0008
Create Date: 2026-12-05
"""

from alembic import op

revision = "0005"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE placement_history (
    id                bigserial PRIMARY KEY,
    household_id      bigint NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    action            text NOT NULL CHECK (action IN ('manual', 'restore')),
    placed_by         text NOT NULL,
    placed_at         timestamptz NOT NULL DEFAULT now(),
    from_geom         geometry(Point, 4326),
    from_building_id  bigint,
    from_village_code text,
    from_admin_path   text,
    from_level        text,
    from_score        real,
    from_method       text,
    from_manual       boolean NOT NULL DEFAULT false,
    to_geom           geometry(Point, 4326),
    to_building_id    bigint
);
CREATE INDEX placement_history_household_idx ON placement_history (household_id, id);
-- where a household was is personal data: visible only with its household (whose own
-- row-level security applies inside the subquery)
ALTER TABLE placement_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY in_scope ON placement_history
    USING (EXISTS (SELECT 1 FROM households h WHERE h.id = household_id))
    WITH CHECK (EXISTS (SELECT 1 FROM households h WHERE h.id = household_id));
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'popgis_app') THEN
        GRANT SELECT, INSERT ON placement_history TO popgis_app;
        GRANT USAGE, SELECT ON SEQUENCE placement_history_id_seq TO popgis_app;
    END IF;
END $$;
"""


def upgrade():
    op.execute(UPGRADE)


def downgrade():
    op.execute("DROP TABLE IF EXISTS placement_history")
