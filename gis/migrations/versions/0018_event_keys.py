"""Every event has a key: an event recorded on the map gets ``map-<row id>`` as its
``ext_id`` (the events file's ``event_id``), and ``events.ext_id`` is NOT NULL (a writer
that leaves it out gets ``map-<row id>`` from a trigger, as the map's events).

Before, an event recorded on the map had no ``ext_id``: ``popgis db check`` showed an
empty key for it and no file could name it. The key is unique with the county code as
before (``events_ext_id_key``); the events loader refuses a ``map-`` key that names no
event recorded on the map, so a file's ids never take one the map will give. A row whose
``map-<id>`` key a file already used (before that rule) gets ``map-<id>-<county>``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UPGRADE = """
UPDATE events e
SET ext_id = 'map-' || e.id || CASE WHEN EXISTS (
        SELECT 1 FROM events o
        WHERE o.county_code = e.county_code AND o.ext_id = 'map-' || e.id
    ) THEN '-' || e.county_code ELSE '' END
WHERE e.ext_id IS NULL OR e.ext_id = '';
ALTER TABLE events ALTER COLUMN ext_id SET NOT NULL;

-- Any other writer that leaves the key out (the gate gives it itself) gets the same kind
-- of key: the row id is known before a BEFORE trigger runs.
CREATE FUNCTION popgis_event_key_default() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.ext_id := 'map-' || NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER events_key_default BEFORE INSERT ON events FOR EACH ROW
    WHEN (NEW.ext_id IS NULL) EXECUTE FUNCTION popgis_event_key_default();
"""

# the keys stay: they are true of the rows either way
DOWNGRADE = """
DROP TRIGGER IF EXISTS events_key_default ON events;
DROP FUNCTION IF EXISTS popgis_event_key_default();
ALTER TABLE events ALTER COLUMN ext_id DROP NOT NULL;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
