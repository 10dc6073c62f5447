"""outcomes and KPIs (issue: steering dashboard)

Revision ID: 0008_outcomes
Revises: 0007_scheduling
Create Date: 2026-11-27

The chain is fixed (0001 → 0008) so the areas can be built in parallel; each area fills in its own file.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0008_outcomes'
down_revision = '0007_scheduling'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
