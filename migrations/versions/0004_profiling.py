"""profiling (issue: profiling)

Revision ID: 0004_profiling
Revises: 0003_booking
Create Date: 2026-11-27

The chain is fixed (0001 → 0008) so the areas can be built in parallel; each area fills in its own file.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0004_profiling'
down_revision = '0003_booking'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
