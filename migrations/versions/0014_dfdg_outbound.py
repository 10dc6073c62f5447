"""the DFDG adapter's outbound queue (issue 16)

Revision ID: 0014_dfdg_outbound
Revises: 0013_group_objection
Create Date: 2026-12-03

Table dfdg_outbound (portal/models/jobcentre.py): one envelope per job-centre message sent with the DFDG adapter,
retried with backoff. Empty with the embedded adapter (the default).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_dfdg_outbound'
down_revision = '0013_group_objection'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dfdg_outbound',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'dead')", name=op.f('ck_dfdg_outbound_status_known')),
        sa.ForeignKeyConstraint(['message_id'], ['jobcentre_message.id'],
                                name=op.f('fk_dfdg_outbound_message_id_jobcentre_message')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dfdg_outbound')),
        sa.UniqueConstraint('message_id', name=op.f('uq_dfdg_outbound_message_id')),
    )
    with op.batch_alter_table('dfdg_outbound', schema=None) as batch_op:
        batch_op.create_index('ix_dfdg_outbound_status_next', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('dfdg_outbound', schema=None) as batch_op:
        batch_op.drop_index('ix_dfdg_outbound_status_next')
    op.drop_table('dfdg_outbound')
