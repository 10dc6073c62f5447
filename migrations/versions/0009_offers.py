"""offers with seats and waiting lists (issue: booking/offers)

Revision ID: 0009_offers
Revises: 0008_outcomes
Create Date: 2026-11-27

Filled in by the offers part of the booking issue.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0009_offers'
down_revision = '0008_outcomes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
