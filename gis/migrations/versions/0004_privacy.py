"""People's data behind two walls: row-level security, an append-only audit log, the web
app's own least-privileged login role, API tokens with an expiry, the disclosure rule.

* ``persons.admin_path`` and ``events.admin_path`` follow their household's path (set by
  the writers, kept in step by a statement trigger when households move), so that one
  row-level-security policy keyed on the caller's scope covers households, persons,
  events and the review queue.
* Row-level security for ``popgis_app``: a row is visible only when its ``admin_path``
  lies under ``current_setting('popgis.scope')``, which the gate sets per transaction
  (``SET LOCAL``). Without the setting nothing is visible. The policy is a byte-wise
  range on ``admin_path`` (``~>=~``/``~<~``), so the path index serves it.
* Functions the gate's queries filter with are marked LEAKPROOF (superuser only; see
  ``LEAKPROOF``): without it PostgreSQL may not use an index for a filter on a table
  with row-level security, and every tile would scan the whole scope.
* ``households.rkey`` and ``persons.rkey``: a random record key per row (0–65535) for
  the disclosure rule's cell keys (:mod:`gis.disclosure`); ``popgis_protect`` is the
  rule itself in SQL.
* ``access_log`` gains role, client address, household ids and counts; the app may
  only INSERT and SELECT it, never UPDATE or DELETE.
* ``api_tokens``: one row per token (hash, read-only scope, created, expires, last used,
  revoked). The app cannot read token or password hashes, nor rejected load rows
  (raw personal fields); it checks logins and tokens through SECURITY DEFINER functions.
* ``popgis_app`` becomes a LOGIN role (its password is set by ``gis.db.ensure_app_login``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The scope test of every policy: admin_path in [scope, scope || ':') byte-wise (paths
# are digits, ':' sorts after '9'); NULL (no setting, or an empty one) matches nothing.
IN_SCOPE = (
    "admin_path ~>=~ nullif(current_setting('popgis.scope', true), '') AND "
    "admin_path ~<~ (nullif(current_setting('popgis.scope', true), '') || ':')"
)
# Persons and events are reached through their household, a few rows per household but
# thousands per tile: the setting is read once per query (an InitPlan) rather than per
# row. Households keep the plain form, which the planner can weigh against the spatial
# index (an InitPlan's value is unknown to it, and it would pick the path index).
IN_SCOPE_ONCE = (
    "admin_path ~>=~ (SELECT nullif(current_setting('popgis.scope', true), ''))"
    " AND admin_path ~<~ (SELECT nullif(current_setting('popgis.scope', true), "
    "'') || ':')"
)

# These never raise on row data and return nothing but their result: `&&` on
# geometries, LIKE (errors come from the pattern, which is the query's own constant),
# right(), upper(), lower().
LEAKPROOF = (
    "geometry_overlaps(geometry, geometry)",
    "textlike(text, text)",
    '"right"(text, integer)',
    "upper(text)",
    "lower(text)",
)

UPGRADE = f"""
-- ------------------------------------------------------------ paths on persons, events
ALTER TABLE persons ADD COLUMN admin_path text;
UPDATE persons p SET admin_path = h.admin_path FROM households h WHERE h.id = p.household_id;
ALTER TABLE persons ALTER COLUMN admin_path SET NOT NULL;
ALTER TABLE events ADD COLUMN admin_path text;
UPDATE events e SET admin_path = h.admin_path FROM households h WHERE h.id = e.household_id;
ALTER TABLE events ALTER COLUMN admin_path SET NOT NULL;

-- Counting a household's persons (or checking its events) under row-level security
-- needs each row's path: kept in the index, the count stays an index-only scan.
DROP INDEX persons_household_idx;
CREATE INDEX persons_household_idx ON persons (household_id) INCLUDE (admin_path, is_migrant);
DROP INDEX events_household_idx;
CREATE INDEX events_household_idx ON events (household_id, event_date)
    INCLUDE (admin_path, kind);

-- A household that moves takes its persons and events along (one statement per update,
-- however many households it moved).
CREATE FUNCTION popgis_follow_household_path() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE persons p SET admin_path = n.admin_path
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.household_id = n.id AND n.admin_path IS DISTINCT FROM o.admin_path;
    UPDATE events e SET admin_path = n.admin_path
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE e.household_id = n.id AND n.admin_path IS DISTINCT FROM o.admin_path;
    RETURN NULL;
END $$;
CREATE TRIGGER households_path_follow AFTER UPDATE ON households
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION popgis_follow_household_path();

-- A writer that leaves the path out gets its household's (bulk loads set it themselves,
-- so the trigger's WHEN keeps them from paying for a function call per row).
CREATE FUNCTION popgis_path_from_household() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    SELECT admin_path INTO NEW.admin_path FROM households WHERE id = NEW.household_id;
    RETURN NEW;
END $$;
CREATE TRIGGER persons_path_default BEFORE INSERT ON persons FOR EACH ROW
    WHEN (NEW.admin_path IS NULL) EXECUTE FUNCTION popgis_path_from_household();
CREATE TRIGGER events_path_default BEFORE INSERT ON events FOR EACH ROW
    WHEN (NEW.admin_path IS NULL) EXECUTE FUNCTION popgis_path_from_household();

-- ------------------------------------------------------------ record keys, the rule
ALTER TABLE households ADD COLUMN rkey integer NOT NULL
    DEFAULT floor(random() * 65536)::integer;
ALTER TABLE persons ADD COLUMN rkey integer NOT NULL
    DEFAULT floor(random() * 65536)::integer;

-- gis.disclosure.protect in SQL (the two are tested to agree): a count n of a cell whose
-- records' keys sum to `key` is published as 0, withheld (NULL) when 1..k-1, else as
-- n + a noise in [-2, 2] fixed by the key, never below k.
CREATE FUNCTION popgis_protect(n bigint, key bigint, k integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n IS NULL THEN NULL
                WHEN n <= 0 THEN 0
                WHEN n < k THEN NULL
                ELSE greatest(k, n + (mod(mod(coalesce(key, 0), 65536) + 65536, 65536) % 5)
                                  - 2)::integer END
$$;

-- ------------------------------------------------------------ the audit log
ALTER TABLE access_log
    ADD COLUMN role text DEFAULT nullif(current_setting('popgis.role', true), ''),
    ADD COLUMN client_addr text DEFAULT nullif(current_setting('popgis.addr', true), ''),
    ADD COLUMN household_ids bigint[],
    ADD COLUMN households integer;
ALTER TABLE access_log ALTER COLUMN user_name
    SET DEFAULT nullif(current_setting('popgis.user', true), '');
CREATE INDEX access_log_at_idx ON access_log (at);
CREATE INDEX access_log_user_idx ON access_log (user_name, at);
CREATE INDEX access_log_households_gin ON access_log USING gin (household_ids);

-- ------------------------------------------------------------ API tokens
CREATE TABLE api_tokens (
    id            serial PRIMARY KEY,
    user_id       integer NOT NULL REFERENCES app_users(id) ON DELETE CASCADE,
    token_hash    text NOT NULL UNIQUE,
    scope         text NOT NULL DEFAULT 'read' CHECK (scope IN ('read')),
    label         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
INSERT INTO api_tokens (user_id, token_hash, expires_at, label)
    SELECT id, api_token_hash, now() + interval '90 days', 'from before expiry'
    FROM app_users WHERE api_token_hash IS NOT NULL;
ALTER TABLE app_users DROP COLUMN api_token_hash;
ALTER TABLE app_users ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now();

-- ------------------------------------------------------------ logins and tokens
-- The app never reads a hash. A login is checked in two steps: popgis_login_salt gives
-- the stored hash's parameters and salt (for an unknown name: made-up ones, derived
-- from the name, so the two cost and look the same); the app hashes the password with
-- them and popgis_login_check compares. A token is looked up by its hash.
CREATE TABLE auth_secret (id boolean PRIMARY KEY DEFAULT true CHECK (id),
                          secret text NOT NULL);
INSERT INTO auth_secret (secret) VALUES (md5(random()::text || clock_timestamp()::text)
                                         || md5(random()::text));

CREATE FUNCTION popgis_login_salt(p_name text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE h text;
BEGIN
    SELECT password_hash INTO h FROM app_users WHERE name = p_name AND active;
    IF h IS NOT NULL THEN
        -- everything before the last '$': algorithm, parameters and salt
        RETURN substring(h FROM '^(.*)\\$[^$]*$');
    END IF;
    RETURN 'unknown$' || encode(sha256(convert_to((SELECT secret FROM auth_secret)
                                                  || p_name, 'UTF8')), 'hex');
END $$;

CREATE FUNCTION popgis_login_check(p_name text, p_hash text)
RETURNS TABLE (name text, role text, area_code text, path text, level text,
               password_changed_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.name, u.role, u.area_code, a.path, a.level, u.password_changed_at
    FROM app_users u JOIN admin_area a ON a.code = u.area_code
    WHERE u.name = p_name AND u.active
      AND sha256(convert_to(u.password_hash, 'UTF8')) = sha256(convert_to(p_hash, 'UTF8'))
$$;

-- A login that matched an older kind of hash stores the new one (same password).
CREATE FUNCTION popgis_login_rehash(p_name text, p_old text, p_new text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE app_users SET password_hash = p_new
    WHERE name = p_name AND active AND password_hash = p_old AND p_new LIKE '$argon2id$%'
$$;

CREATE FUNCTION popgis_token_scope(p_hash text)
RETURNS TABLE (name text, role text, area_code text, path text, level text,
               token_id integer, token_scope text)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE api_tokens t SET last_used_at = now()
    FROM app_users u JOIN admin_area a ON a.code = u.area_code
    WHERE t.token_hash = p_hash AND t.user_id = u.id AND u.active
      AND t.revoked_at IS NULL AND t.expires_at > now()
    RETURNING u.name, u.role, u.area_code, a.path, a.level, t.id, t.scope
$$;

-- ------------------------------------------------------------ the app's role
DO $$
DECLARE fn text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'popgis_app') THEN
        RAISE NOTICE 'no role popgis_app: row-level security not set up';
        RETURN;
    END IF;
    BEGIN
        ALTER ROLE popgis_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot alter role popgis_app';
    END;
    -- least privilege: start from nothing, grant what the web app does
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM popgis_app;
    GRANT SELECT ON admin_area, buildings, roads, landcover, service_points, service_teams,
        geocode_building_cells, geocode_meta, import_batches, spatial_ref_sys,
        alembic_version TO popgis_app;
    GRANT SELECT (id, name, role, area_code, active, created_at, password_changed_at)
        ON app_users TO popgis_app;
    GRANT SELECT (id, user_id, scope, label, created_at, expires_at, last_used_at,
                  revoked_at) ON api_tokens TO popgis_app;
    GRANT SELECT, INSERT, UPDATE ON households, persons, events TO popgis_app;
    GRANT SELECT, UPDATE ON geocode_review TO popgis_app;
    GRANT SELECT, INSERT ON access_log TO popgis_app;
    REVOKE EXECUTE ON FUNCTION popgis_login_salt(text), popgis_login_check(text, text),
        popgis_login_rehash(text, text, text), popgis_token_scope(text),
        popgis_follow_household_path(), popgis_path_from_household() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION popgis_login_salt(text), popgis_login_check(text, text),
        popgis_login_rehash(text, text, text), popgis_token_scope(text) TO popgis_app;
    FOREACH fn IN ARRAY ARRAY{list(LEAKPROOF)!r} LOOP
        BEGIN
            EXECUTE 'ALTER FUNCTION ' || fn || ' LEAKPROOF';
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'cannot mark % LEAKPROOF (needs a superuser): row-level security '
                         'will keep indexes from some filters', fn;
        END;
    END LOOP;
END $$;

ALTER TABLE households ENABLE ROW LEVEL SECURITY;
ALTER TABLE persons ENABLE ROW LEVEL SECURITY;
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE geocode_review ENABLE ROW LEVEL SECURITY;
CREATE POLICY in_scope ON households USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE});
CREATE POLICY in_scope ON persons USING ({IN_SCOPE_ONCE}) WITH CHECK ({IN_SCOPE_ONCE});
CREATE POLICY in_scope ON events USING ({IN_SCOPE_ONCE}) WITH CHECK ({IN_SCOPE_ONCE});
CREATE POLICY in_scope ON geocode_review USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE});
"""

DOWNGRADE = """
DROP POLICY IF EXISTS in_scope ON households;
DROP POLICY IF EXISTS in_scope ON persons;
DROP POLICY IF EXISTS in_scope ON events;
DROP POLICY IF EXISTS in_scope ON geocode_review;
ALTER TABLE households DISABLE ROW LEVEL SECURITY;
ALTER TABLE persons DISABLE ROW LEVEL SECURITY;
ALTER TABLE events DISABLE ROW LEVEL SECURITY;
ALTER TABLE geocode_review DISABLE ROW LEVEL SECURITY;
DROP FUNCTION IF EXISTS popgis_token_scope(text), popgis_login_check(text, text),
    popgis_login_rehash(text, text, text),
    popgis_login_salt(text), popgis_protect(bigint, bigint, integer);
DROP TABLE IF EXISTS auth_secret;
ALTER TABLE app_users ADD COLUMN api_token_hash text, DROP COLUMN password_changed_at;
DROP TABLE IF EXISTS api_tokens;
ALTER TABLE access_log DROP COLUMN role, DROP COLUMN client_addr, DROP COLUMN household_ids,
    DROP COLUMN households;
DROP TRIGGER IF EXISTS households_path_follow ON households;
DROP TRIGGER IF EXISTS persons_path_default ON persons;
DROP TRIGGER IF EXISTS events_path_default ON events;
DROP FUNCTION IF EXISTS popgis_follow_household_path(), popgis_path_from_household();
ALTER TABLE households DROP COLUMN rkey;
ALTER TABLE persons DROP COLUMN rkey, DROP COLUMN admin_path;
ALTER TABLE events DROP COLUMN admin_path;
"""


def upgrade():
    op.execute(UPGRADE)


def downgrade():
    op.execute(DOWNGRADE)
