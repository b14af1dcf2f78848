"""Province and city level: admin areas above the counties and users at those levels.

* ``admin_area.level`` may be ``province`` or ``city`` (path: the 2- or 4-digit code
  prefix, so a province's subtree is every county under it by the same ``LIKE path%``
  as any other scope); :func:`gis.regions.ensure_regions` makes them over the counties
  loaded.
* ``app_users.role`` may be ``province`` or ``city``: aggregates across their counties,
  never persons (like planners, :data:`gis.gate.PEOPLE_ROLES` does not hold them).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

LEVELS_OLD = "('county','township','village','grid')"
LEVELS_NEW = "('province','city','county','township','village','grid')"
ROLES_OLD = "('county','township','village','planner','auditor')"
ROLES_NEW = "('province','city','county','township','village','planner','auditor')"


def _checks(levels: str, roles: str) -> None:
    op.execute(f"""
    ALTER TABLE admin_area DROP CONSTRAINT admin_area_level_check,
        ADD CONSTRAINT admin_area_level_check CHECK (level IN {levels});
    ALTER TABLE app_users DROP CONSTRAINT app_users_role_check,
        ADD CONSTRAINT app_users_role_check CHECK (role IN {roles});
    """)


def upgrade() -> None:
    _checks(LEVELS_NEW, ROLES_NEW)


def downgrade() -> None:
    op.execute("DELETE FROM app_users WHERE role IN ('province', 'city')")
    op.execute("DELETE FROM admin_area WHERE level IN ('province', 'city')")
    _checks(LEVELS_OLD, ROLES_OLD)
