"""Each household carries how many persons (and migrants) it has; the households policy
reads the caller's scope once per query.

* ``households.persons_count`` / ``migrants_count``, kept in step by statement triggers
  on ``persons`` (one recount per statement, however many rows it wrote, so bulk loads
  stay set-based). The household and density tiles read them instead of counting persons
  per household (``ENABLE ALWAYS``: also during bulk loads, which skip the other
  triggers). A street-zoom tile of a busy town carries 3,000 households, and
  counting their persons was most of its time, and under row-level security each person
  row also paid the policy.
* The households (and review queue) policy becomes ``starts_with(admin_path, scope)``
  with the scope read once per query (an InitPlan). ``starts_with`` is not an indexable
  operator for a parameter, so the planner keeps choosing the spatial index for tiles
  (the byte-range form with an InitPlan made it pick the path index and scan the whole
  scope); per row it is one prefix compare instead of two settings lookups, a
  concatenation and two compares.
* The app role plans every statement with its values (``plan_cache_mode``).

Revision ID: 0013
Revises: 0005
Create Date: 2026-12-06
"""

from alembic import op

revision = "0013"
down_revision = "0005"
branch_labels = None
depends_on = None

IN_SCOPE_PREFIX = (
    "starts_with(admin_path, (SELECT nullif(current_setting('popgis.scope', true), '')))"
)
IN_SCOPE_RANGE = (
    "admin_path ~>=~ nullif(current_setting('popgis.scope', true), '') AND "
    "admin_path ~<~ (nullif(current_setting('popgis.scope', true), '') || ':')"
)

UPGRADE = f"""
ALTER TABLE households ADD COLUMN persons_count integer NOT NULL DEFAULT 0,
                       ADD COLUMN migrants_count integer NOT NULL DEFAULT 0;
UPDATE households h SET persons_count = c.n, migrants_count = c.m
FROM (SELECT household_id, count(*) AS n, count(*) FILTER (WHERE is_migrant) AS m
      FROM persons GROUP BY household_id) c
WHERE c.household_id = h.id;

-- Recount the households a statement on persons touched (old and new household of a
-- person who moved). SECURITY DEFINER: the counts are derived data and must see every
-- person of the household whatever the writer's scope.
CREATE FUNCTION popgis_recount_households(ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- Nothing to recount, no statement: an UPDATE of no rows would still fire the
    -- households statement triggers, which write persons, which call this again.
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    UPDATE households h SET persons_count = coalesce(c.n, 0), migrants_count = coalesce(c.m, 0)
    FROM (SELECT t.id, p.n, p.m FROM unnest(ids) AS t(id)
          LEFT JOIN (SELECT household_id, count(*) AS n,
                            count(*) FILTER (WHERE is_migrant) AS m
                     FROM persons WHERE household_id = ANY (ids)
                     GROUP BY household_id) p ON p.household_id = t.id) c
    WHERE h.id = c.id
      AND (h.persons_count, h.migrants_count)
          IS DISTINCT FROM (coalesce(c.n, 0)::int, coalesce(c.m, 0)::int);
END $$;

REVOKE ALL ON FUNCTION popgis_recount_households(bigint[]) FROM PUBLIC;

CREATE FUNCTION popgis_persons_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM popgis_recount_households(ARRAY(SELECT DISTINCT household_id FROM new_rows));
    RETURN NULL;
END $$;
CREATE FUNCTION popgis_persons_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM popgis_recount_households(ARRAY(SELECT DISTINCT household_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE FUNCTION popgis_persons_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- only rows whose household or migrant flag changed need a recount
    PERFORM popgis_recount_households(ARRAY(
        SELECT DISTINCT x FROM (
            SELECT n.household_id AS a, o.household_id AS b
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.household_id IS DISTINCT FROM o.household_id
               OR n.is_migrant IS DISTINCT FROM o.is_migrant) d,
        LATERAL (VALUES (d.a), (d.b)) v(x)));
    RETURN NULL;
END $$;
CREATE TRIGGER persons_count_insert AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION popgis_persons_inserted();
CREATE TRIGGER persons_count_delete AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION popgis_persons_deleted();
CREATE TRIGGER persons_count_update AFTER UPDATE ON persons
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION popgis_persons_updated();
-- Bulk loads run with session_replication_role = replica to skip the foreign-key
-- checks of keys they joined themselves (gis.ingest.trusted_keys); the counts must
-- follow those loads too.
ALTER TABLE persons ENABLE ALWAYS TRIGGER persons_count_insert;
ALTER TABLE persons ENABLE ALWAYS TRIGGER persons_count_delete;
ALTER TABLE persons ENABLE ALWAYS TRIGGER persons_count_update;

-- The app's statements are prepared after a few runs (psycopg); a generic plan for a
-- tile or search cannot see the tile's envelope or the search text and picks badly
-- (busy tiles took twice as long). The app role always plans with the values.
ALTER ROLE popgis_app SET plan_cache_mode = force_custom_plan;

ALTER POLICY in_scope ON households USING ({IN_SCOPE_PREFIX}) WITH CHECK ({IN_SCOPE_PREFIX});
ALTER POLICY in_scope ON geocode_review
    USING ({IN_SCOPE_PREFIX}) WITH CHECK ({IN_SCOPE_PREFIX});
"""

DOWNGRADE = f"""
ALTER ROLE popgis_app RESET plan_cache_mode;
ALTER POLICY in_scope ON households USING ({IN_SCOPE_RANGE}) WITH CHECK ({IN_SCOPE_RANGE});
ALTER POLICY in_scope ON geocode_review USING ({IN_SCOPE_RANGE}) WITH CHECK ({IN_SCOPE_RANGE});
DROP TRIGGER IF EXISTS persons_count_insert ON persons;
DROP TRIGGER IF EXISTS persons_count_delete ON persons;
DROP TRIGGER IF EXISTS persons_count_update ON persons;
DROP FUNCTION IF EXISTS popgis_persons_inserted(), popgis_persons_deleted(),
    popgis_persons_updated(), popgis_recount_households(bigint[]);
ALTER TABLE households DROP COLUMN IF EXISTS persons_count,
                       DROP COLUMN IF EXISTS migrants_count;
"""


def upgrade():
    op.execute(UPGRADE)


def downgrade():
    op.execute(DOWNGRADE)
