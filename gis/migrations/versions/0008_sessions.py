"""Sessions kept on the server, and login throttling that holds across workers.

* ``app_sessions``: one row per login; the browser's cookie carries a random token of
  which only the SHA-256 is stored. A session ends at logout, after an idle time, at an
  absolute time, when the user is disabled or changes password, or when revoked.
* ``login_throttle``: failed logins per account and per client address, and until when
  each is locked.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE app_sessions (
    id            bigserial PRIMARY KEY,
    token_hash    text NOT NULL UNIQUE,
    user_id       integer NOT NULL REFERENCES app_users(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    idle_seconds  integer NOT NULL,
    client_addr   text,
    user_agent    text,
    ended_at      timestamptz,
    end_reason    text
);
CREATE INDEX app_sessions_user_idx ON app_sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE login_throttle (
    key           text PRIMARY KEY,          -- 'user:<name>' or 'addr:<address>'
    failures      integer NOT NULL DEFAULT 0,
    last_failure  timestamptz,
    locked_until  timestamptz
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'popgis_app') THEN
        GRANT SELECT, INSERT, UPDATE ON app_sessions, login_throttle TO popgis_app;
        GRANT USAGE, SELECT ON SEQUENCE app_sessions_id_seq TO popgis_app;
    END IF;
END $$;
"""


def upgrade():
    op.execute(UPGRADE)


def downgrade():
    op.execute("DROP TABLE IF EXISTS app_sessions, login_throttle")
