"""a member can disagree with their target group on Min side

Revision ID: 0013_group_objection
Revises: 0012_dismissed_first
Create Date: 2026-12-04

`profiling_group_objection`: the member's text against a group decision, open until a caseworker's next group
decision answers it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_group_objection'
down_revision = '0012_dismissed_first'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('profiling_group_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_by_decision_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_profiling_group_objection_text_given')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_profiling_group_objection_member_id_member')),
    sa.ForeignKeyConstraint(['decision_id'], ['profiling_group_decision.id'],
                            name=op.f('fk_profiling_group_objection_decision_id_profiling_group_decision')),
    sa.ForeignKeyConstraint(['answered_by_decision_id'], ['profiling_group_decision.id'],
                            name=op.f('fk_profiling_group_objection_answered_by_decision_id_profiling_group_decision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiling_group_objection'))
    )
    with op.batch_alter_table('profiling_group_objection', schema=None) as batch_op:
        batch_op.create_index('ix_profiling_group_objection_member_open', ['member_id', 'answered_at'], unique=False)


def downgrade():
    op.drop_table('profiling_group_objection')
