"""The tables that grow with people are partitioned by county code (LIST on
``county_code``, one partition per county): ``buildings``, ``households``, ``persons``,
``events``, ``geocode_review``, ``placement_history`` and ``access_log``.

* Every primary key and unique constraint includes ``county_code`` (``(id,
  county_code)``, ``(household_no, county_code)``, …), and the foreign keys between these
  tables carry it (``(household_id, county_code) → households (id, county_code)``): the
  same schema can be distributed by ``county_code`` on Citus, co-located, without a
  redesign. ``SET NULL`` keys clear only the id column (``SET NULL (person_id)``).
* ``placement_history`` gains ``county_code`` (its household's). ``access_log`` gains
  ``county_code``: the county of the scope the entry was written in (the first six
  digits of ``popgis.scope``), ``000000`` for entries above or outside any county
  (logins, command-line work without a scope); the ``000000`` partition is made here.
* Partitions are named ``<table>_<county>`` and made by
  :func:`gis.partitions.ensure_county` when a county's admin areas are loaded (here, for
  every county already loaded). There is no DEFAULT partition: a row of a county without
  partitions is an error ("no partition of relation … found for row").
* The row-level-security policies also bound ``county_code`` by the scope (equal to its
  first six digits, or within the range of counties under a shorter, province or city,
  scope). The values come from InitPlans, so a jurisdiction's query scans only its
  county's partition (run-time pruning); the equality arm keeps the planner's row
  estimate what it was.
* Existing rows are moved county by county (``INSERT … SELECT``) into partitioned twins;
  the twins take the old names, indexes, triggers (with their ``ENABLE ALWAYS``),
  policies, grants and sequences (``OWNED BY`` moves with them).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: in the order the rows are moved (parents first)
TABLES = (
    "buildings",
    "households",
    "persons",
    "events",
    "geocode_review",
    "placement_history",
    "access_log",
)
#: the partition of access-log entries that belong to no one county
NO_COUNTY = "000000"

SCOPE = "nullif(current_setting('popgis.scope', true), '')"
#: the scope's county, or the range of counties under a province or city scope
IN_COUNTY = (
    f"(county_code = (SELECT left({SCOPE}, 6)::char(6))"
    f" OR (county_code >= (SELECT rpad({SCOPE}, 6, '0')::char(6))"
    f" AND county_code <= (SELECT rpad({SCOPE}, 6, '9')::char(6))))"
)
IN_SCOPE_PREFIX = f"starts_with(admin_path, (SELECT {SCOPE}))"
IN_SCOPE_ONCE = f"admin_path ~>=~ (SELECT {SCOPE}) AND admin_path ~<~ (SELECT {SCOPE} || ':')"
POLICIES = {
    "households": f"{IN_COUNTY} AND {IN_SCOPE_PREFIX}",
    "geocode_review": f"{IN_COUNTY} AND {IN_SCOPE_PREFIX}",
    "persons": f"{IN_COUNTY} AND {IN_SCOPE_ONCE}",
    "events": f"{IN_COUNTY} AND {IN_SCOPE_ONCE}",
    # where a household was is personal data: visible only with its household
    "placement_history": (
        f"{IN_COUNTY} AND EXISTS (SELECT 1 FROM households h "
        "WHERE h.id = household_id AND h.county_code = placement_history.county_code)"
    ),
}

#: primary keys and unique constraints (and the one partial unique index)
KEYS = {
    "buildings": [
        "ADD CONSTRAINT buildings_pkey PRIMARY KEY (id, county_code)",
        "ADD CONSTRAINT buildings_ext_id_key UNIQUE (ext_id, county_code)",
    ],
    "households": [
        "ADD CONSTRAINT households_pkey PRIMARY KEY (id, county_code)",
        "ADD CONSTRAINT households_household_no_key UNIQUE (household_no, county_code)",
    ],
    "persons": [
        "ADD CONSTRAINT persons_pkey PRIMARY KEY (id, county_code)",
        "ADD CONSTRAINT persons_id_number_key UNIQUE (id_number, county_code)",
    ],
    "events": [
        "ADD CONSTRAINT events_pkey PRIMARY KEY (id, county_code)",
        "ADD CONSTRAINT events_ext_id_key UNIQUE (ext_id, county_code)",
    ],
    "geocode_review": ["ADD CONSTRAINT geocode_review_pkey PRIMARY KEY (id, county_code)"],
    "placement_history": ["ADD CONSTRAINT placement_history_pkey PRIMARY KEY (id, county_code)"],
    "access_log": ["ADD CONSTRAINT access_log_pkey PRIMARY KEY (id, county_code)"],
}
UNIQUE_INDEXES = [
    # at most one open item per household; resolved items stay as history
    "CREATE UNIQUE INDEX geocode_review_open_uq ON geocode_review (household_id, county_code)"
    " WHERE status = 'open'"
]
FOREIGN_KEYS = {
    "buildings": [
        "ADD CONSTRAINT buildings_village_code_fkey FOREIGN KEY (village_code)"
        " REFERENCES admin_area (code)"
    ],
    "households": [
        "ADD CONSTRAINT households_village_code_fkey FOREIGN KEY (village_code)"
        " REFERENCES admin_area (code)",
        "ADD CONSTRAINT households_building_id_fkey FOREIGN KEY (building_id, county_code)"
        " REFERENCES buildings (id, county_code) ON DELETE SET NULL (building_id)",
    ],
    "persons": [
        "ADD CONSTRAINT persons_household_id_fkey FOREIGN KEY (household_id, county_code)"
        " REFERENCES households (id, county_code) ON DELETE CASCADE"
    ],
    "events": [
        "ADD CONSTRAINT events_household_id_fkey FOREIGN KEY (household_id, county_code)"
        " REFERENCES households (id, county_code) ON DELETE CASCADE",
        "ADD CONSTRAINT events_person_id_fkey FOREIGN KEY (person_id, county_code)"
        " REFERENCES persons (id, county_code) ON DELETE SET NULL (person_id)",
        "ADD CONSTRAINT events_team_id_fkey FOREIGN KEY (team_id)"
        " REFERENCES service_teams (id) ON DELETE SET NULL",
    ],
    "geocode_review": [
        "ADD CONSTRAINT geocode_review_household_id_fkey FOREIGN KEY (household_id, county_code)"
        " REFERENCES households (id, county_code) ON DELETE CASCADE"
    ],
    "placement_history": [
        "ADD CONSTRAINT placement_history_household_id_fkey"
        " FOREIGN KEY (household_id, county_code)"
        " REFERENCES households (id, county_code) ON DELETE CASCADE"
    ],
}
#: indexes replaced rather than copied (they were unique on the id alone)
NOT_COPIED = {"geocode_review_open_uq"}


def _rows(conn, sql, **params):
    return conn.execute(sa.text(sql), params).all()


def _counties(conn) -> list[str]:
    """Every county with admin areas or rows in any of the tables."""
    found = {r[0] for r in _rows(conn, "SELECT DISTINCT county_code FROM admin_area")}
    for table in TABLES:
        if table in ("placement_history", "access_log"):
            continue
        found |= {r[0] for r in _rows(conn, f"SELECT DISTINCT county_code FROM {table}")}
    return sorted(c for c in found if c)


def _saved(conn, table: str) -> dict:
    """What the old table has that its twin must get again."""
    oid = f"'public.{table}'::regclass"
    return {
        "indexes": [
            r[0]
            for r in _rows(
                conn,
                f"""SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
                    JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE i.indrelid = {oid}
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                                      AND k.conrelid = {oid})
                      AND c.relname <> ALL (:skip)""",
                skip=sorted(NOT_COPIED),
            )
        ],
        "triggers": _rows(
            conn,
            f"""SELECT tgname, pg_get_triggerdef(oid), tgenabled FROM pg_trigger
                WHERE tgrelid = {oid} AND NOT tgisinternal ORDER BY tgname""",
        ),
        "grants": _rows(
            conn,
            f"""SELECT g.rolname, a.privilege_type
                FROM pg_class c, aclexplode(c.relacl) a JOIN pg_roles g ON g.oid = a.grantee
                WHERE c.oid = {oid} AND a.grantee <> c.relowner""",
        ),
        "sequences": _rows(
            conn,
            f"""SELECT s.relname, a.attname FROM pg_depend d
                JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.refobjid = {oid} AND d.deptype = 'a'""",
        ),
    }


def upgrade():
    conn = op.get_bind()
    x = conn.execute
    # the history's county is its household's
    x(sa.text("ALTER TABLE placement_history ADD COLUMN county_code char(6)"))
    x(
        sa.text("""UPDATE placement_history p SET county_code = h.county_code
                   FROM households h WHERE h.id = p.household_id""")
    )
    x(sa.text("ALTER TABLE placement_history ALTER COLUMN county_code SET NOT NULL"))
    x(
        sa.text(f"""ALTER TABLE access_log ADD COLUMN county_code char(6) NOT NULL
                DEFAULT coalesce(CASE WHEN length({SCOPE}) >= 6 THEN left({SCOPE}, 6) END,
                                 '{NO_COUNTY}')""")
    )
    counties = _counties(conn)
    saved = {t: _saved(conn, t) for t in TABLES}
    for table in TABLES:
        # the twin: columns, defaults (the same sequences), NOT NULL and CHECKs
        x(
            sa.text(f"""CREATE TABLE {table}_twin (LIKE {table} INCLUDING DEFAULTS
                INCLUDING CONSTRAINTS) PARTITION BY LIST (county_code)""")
        )
        parts = counties + ([NO_COUNTY] if table == "access_log" else [])
        for county in parts:
            x(
                sa.text(
                    f"CREATE TABLE {table}_{county} PARTITION OF {table}_twin "
                    f"FOR VALUES IN ('{county}')"
                )
            )
            x(
                sa.text(f"INSERT INTO {table}_twin SELECT * FROM {table} WHERE county_code = :c"),
                {"c": county},
            )
        for seq, column in saved[table]["sequences"]:
            x(sa.text(f"ALTER SEQUENCE {seq} OWNED BY {table}_twin.{column}"))
    # the old tables go with their keys, foreign keys, policies and triggers
    x(sa.text(f"DROP TABLE {', '.join(TABLES)} CASCADE"))
    for table in TABLES:
        x(sa.text(f"ALTER TABLE {table}_twin RENAME TO {table}"))
    for table in TABLES:
        x(sa.text(f"ALTER TABLE {table} {', '.join(KEYS[table])}"))
    for sql in UNIQUE_INDEXES:
        x(sa.text(sql))
    for table in TABLES:
        for sql in saved[table]["indexes"]:
            x(sa.text(sql))
        for sql in FOREIGN_KEYS.get(table, []):
            x(sa.text(f"ALTER TABLE {table} {sql}"))
        for name, sql, enabled in saved[table]["triggers"]:
            x(sa.text(sql))
            if enabled == "A":
                x(sa.text(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}"))
        for role, privilege in saved[table]["grants"]:
            x(sa.text(f'GRANT {privilege} ON {table} TO "{role}"'))
    for table, using in POLICIES.items():
        x(sa.text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        x(sa.text(f"CREATE POLICY in_scope ON {table} USING ({using}) WITH CHECK ({using})"))
    for table in TABLES:
        x(sa.text(f"ANALYZE {table}"))


def downgrade():
    raise NotImplementedError(
        "0014 partitions the people's tables; going back means a restore from before it"
    )
