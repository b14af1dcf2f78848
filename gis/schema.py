"""The database schema, declared once: SQLAlchemy Core tables with GeoAlchemy2 geometry.

The migrations in ``gis/migrations/versions`` create the schema; this module states what
they create, and ``tests/gis/test_schema.py`` checks that the two agree (an Alembic
autogenerate comparison after ``upgrade head`` must find no difference in tables,
columns, types, nullability, keys or indexes). A migration that changes a table changes
its declaration here in the same commit.

What the declaration does not hold, because Alembic cannot compare it: row-level
security policies, grants, triggers, functions and CHECK constraints (see the migrations).

The tables that grow with people (buildings, households, persons, events, the review
queue, placement history, the access log) are LIST-partitioned by ``county_code``
(migration 0014, :mod:`gis.partitions`): every primary key, unique constraint and foreign
key between them includes it. Their partitions are not declared here.
Geometry columns are declared with ``spatial_index=False``: their GiST indexes are
declared explicitly, under the names the migrations give them.

Queries use these tables where that helps (column lists, inserts and updates of a few
rows); set-based SQL stays SQL text.
"""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = sa.MetaData()


access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.Column(
        "user_name",
        sa.Text(),
        server_default=sa.text("NULLIF(current_setting('popgis.user'::text, true), ''::text)"),
    ),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("target_kind", sa.Text()),
    sa.Column("target_id", sa.Text()),
    sa.Column("detail", JSONB),
    sa.Column(
        "role",
        sa.Text(),
        server_default=sa.text("NULLIF(current_setting('popgis.role'::text, true), ''::text)"),
    ),
    sa.Column(
        "client_addr",
        sa.Text(),
        server_default=sa.text("NULLIF(current_setting('popgis.addr'::text, true), ''::text)"),
    ),
    sa.Column("household_ids", ARRAY(sa.BigInteger())),
    sa.Column("households", sa.Integer()),
    # the county of the scope the entry was written in; 000000: none (migration 0014)
    sa.Column(
        "county_code",
        sa.CHAR(6),
        nullable=False,
        server_default=sa.text(
            "COALESCE(CASE WHEN (length(NULLIF(current_setting('popgis.scope'::text, true),"
            " ''::text)) >= 6) THEN \"left\"(NULLIF(current_setting('popgis.scope'::text, "
            "true), ''::text), 6) ELSE NULL::text END, '000000'::text)"
        ),
    ),
    sa.PrimaryKeyConstraint("id", "county_code", name="access_log_pkey"),
    postgresql_partition_by="LIST (county_code)",
)
sa.Index("access_log_at_idx", access_log.c.at)
sa.Index("access_log_households_gin", access_log.c.household_ids, postgresql_using="gin")
sa.Index("access_log_user_idx", access_log.c.user_name, access_log.c.at)

admin_area = sa.Table(
    "admin_area",
    metadata,
    sa.Column("code", sa.Text(), primary_key=True),
    sa.Column("path", sa.Text(), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("short_name", sa.Text()),
    sa.Column("level", sa.Text(), nullable=False),
    # deferred: a file may list a village before its township
    sa.Column(
        "parent_code",
        sa.Text(),
        sa.ForeignKey("admin_area.code", deferrable=True, initially="DEFERRED"),
    ),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("aliases", ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'::text[]")),
    sa.Column(
        "former_names", ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'::text[]")
    ),
    sa.Column("synthetic", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    sa.Column("area_km2", sa.Double()),
    sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.UniqueConstraint("path", name="admin_area_path_key"),
)
sa.Index("admin_area_geom_gix", admin_area.c.geom, postgresql_using="gist")
sa.Index("admin_area_parent_idx", admin_area.c.parent_code)
sa.Index("admin_area_path_idx", admin_area.c.path, postgresql_ops={"path": "text_pattern_ops"})

area_counts = sa.Table(
    "area_counts",
    metadata,
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("path", sa.Text(), nullable=False),
    sa.Column("households", sa.BigInteger(), nullable=False),
    sa.Column("hkey", sa.BigInteger(), nullable=False),
    sa.Column("persons", sa.BigInteger(), nullable=False),
    sa.Column("pkey", sa.BigInteger(), nullable=False),
    sa.Column("migrants", sa.BigInteger(), nullable=False),
    sa.Column("mkey", sa.BigInteger(), nullable=False),
    sa.Column(
        "computed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.PrimaryKeyConstraint("county_code", "path", name="area_counts_pkey"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "user_id", sa.Integer(), sa.ForeignKey("app_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("token_hash", sa.Text(), nullable=False),
    sa.Column("scope", sa.Text(), nullable=False, server_default=sa.text("'read'::text")),
    sa.Column("label", sa.Text()),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("token_hash", name="api_tokens_token_hash_key"),
)

app_sessions = sa.Table(
    "app_sessions",
    metadata,
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column("token_hash", sa.Text(), nullable=False),
    sa.Column(
        "user_id", sa.Integer(), sa.ForeignKey("app_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column(
        "last_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("idle_seconds", sa.Integer(), nullable=False),
    sa.Column("client_addr", sa.Text()),
    sa.Column("user_agent", sa.Text()),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("end_reason", sa.Text()),
    sa.UniqueConstraint("token_hash", name="app_sessions_token_hash_key"),
)
sa.Index(
    "app_sessions_user_idx", app_sessions.c.user_id, postgresql_where=sa.text("(ended_at IS NULL)")
)

app_users = sa.Table(
    "app_users",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("role", sa.Text(), nullable=False),
    sa.Column("area_code", sa.Text(), sa.ForeignKey("admin_area.code"), nullable=False),
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column(
        "password_changed_at",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.text("now()"),
    ),
    sa.UniqueConstraint("name", name="app_users_name_key"),
)

auth_secret = sa.Table(
    "auth_secret",
    metadata,
    sa.Column("id", sa.Boolean(), primary_key=True, server_default=sa.text("true")),
    sa.Column("secret", sa.Text(), nullable=False),
)

buildings = sa.Table(
    "buildings",
    metadata,
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("ext_id", sa.Text(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("village_code", sa.Text(), sa.ForeignKey("admin_area.code")),
    sa.Column("admin_path", sa.Text(), nullable=False),
    sa.Column("compound", sa.Text()),
    sa.Column("building_no", sa.Text()),
    sa.Column("address", sa.Text()),
    sa.Column("floors", sa.SmallInteger()),
    sa.Column("use", sa.Text(), nullable=False, server_default=sa.text("'residential'::text")),
    sa.Column("source", sa.Text()),
    sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.PrimaryKeyConstraint("id", "county_code", name="buildings_pkey"),
    sa.UniqueConstraint("ext_id", "county_code", name="buildings_ext_id_key"),
    postgresql_partition_by="LIST (county_code)",
)
sa.Index("buildings_geom_gix", buildings.c.geom, postgresql_using="gist")
sa.Index(
    "buildings_path_idx", buildings.c.admin_path, postgresql_ops={"admin_path": "text_pattern_ops"}
)
sa.Index(
    "buildings_village_compound_idx",
    buildings.c.village_code,
    buildings.c.compound,
    buildings.c.building_no,
)
sa.Index("buildings_village_idx", buildings.c.village_code)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    # the events file's event_id; map-<id> for an event recorded on the map (0018)
    sa.Column("ext_id", sa.Text(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("household_id", sa.BigInteger(), nullable=False),
    sa.Column("person_id", sa.BigInteger()),
    sa.Column("team_id", sa.BigInteger(), sa.ForeignKey("service_teams.id", ondelete="SET NULL")),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("event_date", sa.Date(), nullable=False),
    sa.Column("note", sa.Text()),
    sa.Column("recorded_by", sa.Text()),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("admin_path", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("id", "county_code", name="events_pkey"),
    sa.UniqueConstraint("ext_id", "county_code", name="events_ext_id_key"),
    sa.ForeignKeyConstraint(
        ["household_id", "county_code"],
        ["households.id", "households.county_code"],
        name="events_household_id_fkey",
        ondelete="CASCADE",
    ),
    # the county stays: only the person is cleared
    sa.ForeignKeyConstraint(
        ["person_id", "county_code"],
        ["persons.id", "persons.county_code"],
        name="events_person_id_fkey",
        ondelete="SET NULL (person_id)",
    ),
    postgresql_partition_by="LIST (county_code)",
)
sa.Index("events_date_idx", events.c.event_date)
sa.Index(
    "events_household_idx",
    events.c.household_id,
    events.c.event_date,
    postgresql_include=["admin_path", "kind"],
)

geocode_building_cells = sa.Table(
    "geocode_building_cells",
    metadata,
    sa.Column("cell", sa.BigInteger(), nullable=False),
    sa.Column("building_id", sa.BigInteger(), nullable=False),
    sa.Column("village_code", sa.Text()),
    sa.Column("x0", sa.Double(), nullable=False),
    sa.Column("y0", sa.Double(), nullable=False),
    sa.Column("x1", sa.Double(), nullable=False),
    sa.Column("y1", sa.Double(), nullable=False),
    sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
)
sa.Index("geocode_building_cells_cell_idx", geocode_building_cells.c.cell)

geocode_meta = sa.Table(
    "geocode_meta",
    metadata,
    sa.Column("key", sa.Text(), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)

geocode_review = sa.Table(
    "geocode_review",
    metadata,
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("household_id", sa.BigInteger(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("admin_path", sa.Text(), nullable=False),
    sa.Column("address", sa.Text()),
    sa.Column("input_hash", sa.Text()),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("level", sa.Text()),
    sa.Column("score", sa.REAL()),
    sa.Column("candidates", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'open'::text")),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Column("resolved_by", sa.Text()),
    sa.PrimaryKeyConstraint("id", "county_code", name="geocode_review_pkey"),
    sa.ForeignKeyConstraint(
        ["household_id", "county_code"],
        ["households.id", "households.county_code"],
        name="geocode_review_household_id_fkey",
        ondelete="CASCADE",
    ),
    postgresql_partition_by="LIST (county_code)",
)
sa.Index(
    "geocode_review_open_uq",
    geocode_review.c.household_id,
    geocode_review.c.county_code,
    unique=True,
    postgresql_where=sa.text("(status = 'open'::text)"),
)
sa.Index(
    "geocode_review_path_idx",
    geocode_review.c.admin_path,
    postgresql_ops={"admin_path": "text_pattern_ops"},
    postgresql_where=sa.text("(status = 'open'::text)"),
)

households = sa.Table(
    "households",
    metadata,
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("household_no", sa.Text(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("admin_path", sa.Text(), nullable=False),
    sa.Column("village_code", sa.Text(), sa.ForeignKey("admin_area.code")),
    sa.Column("address", sa.Text()),
    sa.Column("registered_address", sa.Text()),
    sa.Column("building_id", sa.BigInteger()),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
    sa.Column("source_crs", sa.Text()),
    sa.Column("geocode_level", sa.Text()),
    sa.Column("geocode_score", sa.REAL()),
    sa.Column("geocode_method", sa.Text()),
    sa.Column("geocode_input_hash", sa.Text()),
    sa.Column("placed_manually", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    sa.Column("placed_by", sa.Text()),
    sa.Column("placed_at", sa.DateTime(timezone=True)),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("geocode_reason", sa.Text()),
    sa.Column("geocode_distance_m", sa.REAL()),
    sa.Column("registered_code", sa.Text()),
    sa.Column(
        "rkey",
        sa.Integer(),
        nullable=False,
        server_default=sa.text("(floor((random() * (65536)::double precision)))::integer"),
    ),
    # kept in step with persons by triggers (migration 0013)
    sa.Column("persons_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("migrants_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.PrimaryKeyConstraint("id", "county_code", name="households_pkey"),
    sa.UniqueConstraint("household_no", "county_code", name="households_household_no_key"),
    # the county stays: only the building is cleared
    sa.ForeignKeyConstraint(
        ["building_id", "county_code"],
        ["buildings.id", "buildings.county_code"],
        name="households_building_id_fkey",
        ondelete="SET NULL (building_id)",
    ),
    postgresql_partition_by="LIST (county_code)",
)
sa.Index(
    "households_address_trgm_idx",
    households.c.address,
    postgresql_ops={"address": "gin_trgm_ops"},
    postgresql_using="gin",
)
sa.Index("households_building_idx", households.c.building_id)
sa.Index("households_geom_gix", households.c.geom, postgresql_using="gist")
sa.Index("households_no_c_idx", households.c.household_no)
sa.Index(
    "households_path_idx",
    households.c.admin_path,
    postgresql_ops={"admin_path": "text_pattern_ops"},
)
sa.Index("households_village_idx", households.c.village_code)

import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("file_name", sa.Text(), nullable=False),
    sa.Column("file_hash", sa.Text(), nullable=False),
    sa.Column("loaded_by", sa.Text()),
    sa.Column(
        "started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("source_crs", sa.Text()),
    sa.Column("rows_total", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("rows_inserted", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("rows_updated", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("rows_unchanged", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("rows_rejected", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("notes", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
)

landcover = sa.Table(
    "landcover",
    metadata,
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column("ext_id", sa.Text(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("name", sa.Text()),
    sa.Column("source", sa.Text()),
    sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
    sa.UniqueConstraint("ext_id", name="landcover_ext_id_key"),
)
sa.Index("landcover_geom_gix", landcover.c.geom, postgresql_using="gist")

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.Text(), primary_key=True),
    sa.Column("failures", sa.Integer(), nullable=False, server_default=sa.text("0")),
    sa.Column("last_failure", sa.DateTime(timezone=True)),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
)

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("household_id", sa.BigInteger(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("sex", sa.CHAR(1), nullable=False),
    sa.Column("birth_date", sa.Date(), nullable=False),
    sa.Column("id_number", sa.Text(), nullable=False),
    sa.Column("phone", sa.Text()),
    sa.Column("relation", sa.Text()),
    sa.Column("is_migrant", sa.Boolean(), nullable=False),
    sa.Column("origin_code", sa.Text()),
    sa.Column("arrival_date", sa.Date()),
    sa.Column("cert_marriage", sa.Text(), nullable=False, server_default=sa.text("'n/a'::text")),
    sa.Column("cert_marriage_expiry", sa.Date()),
    sa.Column("cert_id", sa.Text(), nullable=False, server_default=sa.text("'n/a'::text")),
    sa.Column("cert_id_expiry", sa.Date()),
    sa.Column("cert_residence", sa.Text(), nullable=False, server_default=sa.text("'n/a'::text")),
    sa.Column("cert_residence_expiry", sa.Date()),
    sa.Column("cert_migrant", sa.Text(), nullable=False, server_default=sa.text("'n/a'::text")),
    sa.Column("cert_migrant_expiry", sa.Date()),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("admin_path", sa.Text(), nullable=False),
    sa.Column(
        "rkey",
        sa.Integer(),
        nullable=False,
        server_default=sa.text("(floor((random() * (65536)::double precision)))::integer"),
    ),
    sa.PrimaryKeyConstraint("id", "county_code", name="persons_pkey"),
    sa.UniqueConstraint("id_number", "county_code", name="persons_id_number_key"),
    sa.ForeignKeyConstraint(
        ["household_id", "county_code"],
        ["households.id", "households.county_code"],
        name="persons_household_id_fkey",
        ondelete="CASCADE",
    ),
    postgresql_partition_by="LIST (county_code)",
)
sa.Index(
    "persons_household_idx", persons.c.household_id, postgresql_include=["admin_path", "is_migrant"]
)
sa.Index("persons_id_last4_idx", sa.func.right(persons.c.id_number, 4))
sa.Index("persons_name_c_idx", persons.c.name)
sa.Index("persons_phone_last4_idx", sa.func.right(persons.c.phone, 4))

placement_history = sa.Table(
    "placement_history",
    metadata,
    sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column("household_id", sa.BigInteger(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("placed_by", sa.Text(), nullable=False),
    sa.Column(
        "placed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.Column("from_geom", Geometry("POINT", srid=4326, spatial_index=False)),
    sa.Column("from_building_id", sa.BigInteger()),
    sa.Column("from_village_code", sa.Text()),
    sa.Column("from_admin_path", sa.Text()),
    sa.Column("from_level", sa.Text()),
    sa.Column("from_score", sa.REAL()),
    sa.Column("from_method", sa.Text()),
    sa.Column("from_manual", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    sa.Column("to_geom", Geometry("POINT", srid=4326, spatial_index=False)),
    sa.Column("to_building_id", sa.BigInteger()),
    # the household's county (migration 0014)
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.PrimaryKeyConstraint("id", "county_code", name="placement_history_pkey"),
    sa.ForeignKeyConstraint(
        ["household_id", "county_code"],
        ["households.id", "households.county_code"],
        name="placement_history_household_id_fkey",
        ondelete="CASCADE",
    ),
    postgresql_partition_by="LIST (county_code)",
)
sa.Index(
    "placement_history_household_idx", placement_history.c.household_id, placement_history.c.id
)

rejected_rows = sa.Table(
    "rejected_rows",
    metadata,
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column(
        "batch_id",
        sa.BigInteger(),
        sa.ForeignKey("import_batches.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("row_no", sa.Integer()),
    sa.Column("column_name", sa.Text()),
    sa.Column("value", sa.Text()),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("fix", sa.Text()),
)
sa.Index("rejected_rows_batch_idx", rejected_rows.c.batch_id)

roads = sa.Table(
    "roads",
    metadata,
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column("ext_id", sa.Text(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("name", sa.Text()),
    sa.Column("highway", sa.Text()),
    sa.Column("source", sa.Text()),
    sa.Column("geom", Geometry("MULTILINESTRING", srid=4326, spatial_index=False), nullable=False),
    sa.UniqueConstraint("ext_id", name="roads_ext_id_key"),
)
sa.Index("roads_geom_gix", roads.c.geom, postgresql_using="gist")

service_points = sa.Table(
    "service_points",
    metadata,
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column("ext_id", sa.Text(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("address", sa.Text()),
    sa.Column("village_code", sa.Text(), sa.ForeignKey("admin_area.code")),
    sa.Column("admin_path", sa.Text(), nullable=False),
    sa.Column("opening_hours", sa.Text()),
    sa.Column("capacity", sa.Integer()),
    sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")),
    sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.UniqueConstraint("ext_id", name="service_points_ext_id_key"),
)
sa.Index("service_points_geom_gix", service_points.c.geom, postgresql_using="gist")
sa.Index(
    "service_points_path_idx",
    service_points.c.admin_path,
    postgresql_ops={"admin_path": "text_pattern_ops"},
)

service_teams = sa.Table(
    "service_teams",
    metadata,
    sa.Column("id", sa.BigInteger(), primary_key=True),
    sa.Column("ext_id", sa.Text(), nullable=False),
    sa.Column("county_code", sa.CHAR(6), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("base_code", sa.Text(), sa.ForeignKey("admin_area.code")),
    sa.Column("members", sa.Integer()),
    sa.UniqueConstraint("ext_id", name="service_teams_ext_id_key"),
)
