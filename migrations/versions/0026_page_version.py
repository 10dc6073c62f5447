"""Min side's page versions, bumped by triggers on every write to a row the page shows (issue 19)

Revision ID: 0026_page_version
Revises: 0025_offer_session_next_open
Create Date: 2026-12-06

Min side keeps its rendered page and shows it again while these numbers stand (portal/models/page_version.py).
"""
import sqlalchemy as sa
from alembic import op

from portal.models.page_version import create_triggers, drop_statements

revision = '0026_page_version'
down_revision = '0025_offer_session_next_open'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_version',
                    sa.Column('scope', sa.String(length=40), nullable=False),
                    sa.Column('version', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('scope', name=op.f('pk_page_version')))
    create_triggers(op.execute, op.get_bind().dialect.name)


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('page_version')
