"""Min side: plan, profile answers (issue: Min side)

Revision ID: 0002_minside
Revises: 0001_foundation
Create Date: 2026-11-27

The chain is fixed (0001 → 0008) so the areas can be built in parallel; each area fills in its own file.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0002_minside'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
