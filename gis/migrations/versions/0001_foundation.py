"""Foundation schema: admin tree, buildings, roads, households, persons, service points,
teams, events, users, import batches, access log.

All geometry in EPSG:4326 with GiST indexes; county_code on every large table so that
a province can be partitioned (or sharded) by county without a redesign.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEVELS = "('county','township','village','grid')"
USES = "('residential','market','enterprise','dormitory','school','public','other')"
GEOCODE_LEVELS = "('building','compound','group','village','township','county','unmatched')"
CERT = "('valid','missing','expired','n/a')"
SP_KINDS = "('distribution_point','service_station','clinic','pharmacy','machine','outreach')"
EVENT_KINDS = "('visit','distribution','follow_up','move_in','move_out')"
ROLES = "('county','township','village','planner','auditor')"

UPGRADE = f"""
CREATE EXTENSION IF NOT EXISTS postgis;

-- The admin tree. `path` is the code prefix that identifies the node
-- (county 6 digits, township 9, village 12, grid 15): a subtree is `path LIKE p || '%'`,
-- served by the text_pattern_ops index.
CREATE TABLE admin_area (
    code          text PRIMARY KEY CHECK (code ~ '^[0-9]{{12}}([0-9]{{3}})?$'),
    path          text NOT NULL UNIQUE,
    name          text NOT NULL,
    short_name    text,
    level         text NOT NULL CHECK (level IN {LEVELS}),
    parent_code   text REFERENCES admin_area(code) DEFERRABLE INITIALLY DEFERRED,
    county_code   char(6) NOT NULL,
    aliases       text[] NOT NULL DEFAULT '{{}}',
    former_names  text[] NOT NULL DEFAULT '{{}}',
    synthetic     boolean NOT NULL DEFAULT false,
    area_km2      double precision,
    geom          geometry(MultiPolygon, 4326),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_area_geom_gix ON admin_area USING gist (geom);
CREATE INDEX admin_area_path_idx ON admin_area (path text_pattern_ops);
CREATE INDEX admin_area_parent_idx ON admin_area (parent_code);

CREATE TABLE buildings (
    id            bigserial PRIMARY KEY,
    ext_id        text NOT NULL UNIQUE,
    county_code   char(6) NOT NULL,
    village_code  text REFERENCES admin_area(code),
    admin_path    text NOT NULL,
    compound      text,
    building_no   text,
    address       text,
    floors        smallint CHECK (floors BETWEEN 0 AND 200),
    use           text NOT NULL DEFAULT 'residential' CHECK (use IN {USES}),
    source        text,
    geom          geometry(MultiPolygon, 4326) NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX buildings_geom_gix ON buildings USING gist (geom);
CREATE INDEX buildings_path_idx ON buildings (admin_path text_pattern_ops);
CREATE INDEX buildings_village_idx ON buildings (village_code);

CREATE TABLE roads (
    id            bigserial PRIMARY KEY,
    ext_id        text NOT NULL UNIQUE,
    county_code   char(6) NOT NULL,
    name          text,
    highway       text,
    source        text,
    geom          geometry(MultiLineString, 4326) NOT NULL
);
CREATE INDEX roads_geom_gix ON roads USING gist (geom);

-- Personal data: read and written only through gis.gate.
CREATE TABLE households (
    id                  bigserial PRIMARY KEY,
    household_no        text NOT NULL UNIQUE,
    county_code         char(6) NOT NULL,
    admin_path          text NOT NULL,
    village_code        text REFERENCES admin_area(code),
    address             text,
    registered_address  text,
    building_id         bigint REFERENCES buildings(id) ON DELETE SET NULL,
    geom                geometry(Point, 4326),
    source_crs          text,
    geocode_level       text CHECK (geocode_level IN {GEOCODE_LEVELS}),
    geocode_score       real,
    geocode_method      text,
    geocode_input_hash  text,
    placed_manually     boolean NOT NULL DEFAULT false,
    placed_by           text,
    placed_at           timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX households_geom_gix ON households USING gist (geom);
CREATE INDEX households_path_idx ON households (admin_path text_pattern_ops);
CREATE INDEX households_building_idx ON households (building_id);
CREATE INDEX households_village_idx ON households (village_code);

CREATE TABLE persons (
    id                     bigserial PRIMARY KEY,
    household_id           bigint NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    county_code            char(6) NOT NULL,
    name                   text NOT NULL,
    sex                    char(1) NOT NULL CHECK (sex IN ('M','F')),
    birth_date             date NOT NULL,
    id_number              text NOT NULL UNIQUE,
    phone                  text,
    relation               text,
    is_migrant             boolean NOT NULL,
    origin_code            text,
    arrival_date           date,
    cert_marriage          text NOT NULL DEFAULT 'n/a' CHECK (cert_marriage IN {CERT}),
    cert_marriage_expiry   date,
    cert_id                text NOT NULL DEFAULT 'n/a' CHECK (cert_id IN {CERT}),
    cert_id_expiry         date,
    cert_residence         text NOT NULL DEFAULT 'n/a' CHECK (cert_residence IN {CERT}),
    cert_residence_expiry  date,
    cert_migrant           text NOT NULL DEFAULT 'n/a' CHECK (cert_migrant IN {CERT}),
    cert_migrant_expiry    date,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_household_idx ON persons (household_id);
CREATE INDEX persons_id_last4_idx ON persons (right(id_number, 4));
CREATE INDEX persons_phone_last4_idx ON persons (right(phone, 4));

CREATE TABLE service_points (
    id             bigserial PRIMARY KEY,
    ext_id         text NOT NULL UNIQUE,
    county_code    char(6) NOT NULL,
    kind           text NOT NULL CHECK (kind IN {SP_KINDS}),
    name           text NOT NULL,
    address        text,
    village_code   text REFERENCES admin_area(code),
    admin_path     text NOT NULL,
    opening_hours  text,
    capacity       integer CHECK (capacity >= 0),
    active         boolean NOT NULL DEFAULT true,
    geom           geometry(Point, 4326) NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_points_geom_gix ON service_points USING gist (geom);
CREATE INDEX service_points_path_idx ON service_points (admin_path text_pattern_ops);

CREATE TABLE service_teams (
    id           bigserial PRIMARY KEY,
    ext_id       text NOT NULL UNIQUE,
    county_code  char(6) NOT NULL,
    name         text NOT NULL,
    base_code    text REFERENCES admin_area(code),
    members      integer CHECK (members >= 0)
);

-- The dynamic side (动静结合): dated events per household.
CREATE TABLE events (
    id            bigserial PRIMARY KEY,
    ext_id        text UNIQUE,
    county_code   char(6) NOT NULL,
    household_id  bigint NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    person_id     bigint REFERENCES persons(id) ON DELETE SET NULL,
    team_id       bigint REFERENCES service_teams(id) ON DELETE SET NULL,
    kind          text NOT NULL CHECK (kind IN {EVENT_KINDS}),
    event_date    date NOT NULL,
    note          text,
    recorded_by   text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_household_idx ON events (household_id, event_date);
CREATE INDEX events_date_idx ON events (event_date);

CREATE TABLE app_users (
    id              serial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    role            text NOT NULL CHECK (role IN {ROLES}),
    area_code       text NOT NULL REFERENCES admin_area(code),
    password_hash   text NOT NULL,
    api_token_hash  text,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import_batches (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL,
    file_name       text NOT NULL,
    file_hash       text NOT NULL,
    loaded_by       text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text NOT NULL,
    source_crs      text,
    rows_total      integer NOT NULL DEFAULT 0,
    rows_inserted   integer NOT NULL DEFAULT 0,
    rows_updated    integer NOT NULL DEFAULT 0,
    rows_unchanged  integer NOT NULL DEFAULT 0,
    rows_rejected   integer NOT NULL DEFAULT 0,
    notes           jsonb NOT NULL DEFAULT '[]'
);

CREATE TABLE rejected_rows (
    id           bigserial PRIMARY KEY,
    batch_id     bigint NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
    row_no       integer,
    column_name  text,
    value        text,
    reason       text NOT NULL,
    fix          text
);
CREATE INDEX rejected_rows_batch_idx ON rejected_rows (batch_id);

-- Every view of a person's record, every export: who, what, when.
CREATE TABLE access_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    user_name    text,
    action       text NOT NULL,
    target_kind  text,
    target_id    text,
    detail       jsonb
);

-- The web app works as popgis_app, which does not own the tables (so row-level
-- security can back the gate later). Creating the role needs CREATEROLE; on a server
-- where we lack it the app falls back to the login role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'popgis_app') THEN
        BEGIN
            CREATE ROLE popgis_app NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'cannot create role popgis_app';
            RETURN;
        END;
    END IF;
    GRANT USAGE ON SCHEMA public TO popgis_app;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO popgis_app;
    GRANT INSERT, UPDATE, DELETE ON households, persons, events, access_log, app_users
        TO popgis_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO popgis_app;
    BEGIN
        EXECUTE format('GRANT popgis_app TO %I', current_user);
    EXCEPTION WHEN OTHERS THEN
        NULL;
    END;
END $$;
"""

DOWNGRADE = """
DROP TABLE IF EXISTS access_log, rejected_rows, import_batches, app_users, events,
    service_teams, service_points, persons, households, roads, buildings, admin_area CASCADE;
"""


def upgrade():
    op.execute(UPGRADE)


def downgrade():
    op.execute(DOWNGRADE)
