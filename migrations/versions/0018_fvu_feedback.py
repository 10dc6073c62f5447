"""FVU course feedback: the provider's (or staff's) word on each member after an FVU course, and the provider's links

Revision ID: 0018_fvu_feedback
Revises: 0017_jobmatch_cv
Create Date: 2026-12-05

`fvu_feedback_link`: one signed, single-use, expiring form link per FVU course participation, e-mailed to the course
provider after the course (only the SHA-256 of its secret is kept). `fvu_feedback`: completed / dropped out /
continuing, hours attended (0-60), the member's situation and next step, and who recorded it (a staff user or the
provider through a link); rows are appended, the latest counts.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_fvu_feedback'
down_revision = '0017_jobmatch_cv'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'fvu_feedback_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['registration_id'], ['offer_registration.id'],
                                name=op.f('fk_fvu_feedback_link_registration_id_offer_registration')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fvu_feedback_link')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_fvu_feedback_link_registration_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_fvu_feedback_link_token_hash')),
    )
    op.create_table(
        'fvu_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('hours_attended', sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column('situation', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
        sa.Column('link_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("outcome IN ('completed', 'dropped_out', 'continuing')",
                           name=op.f('ck_fvu_feedback_outcome_known')),
        sa.CheckConstraint('hours_attended >= 0 AND hours_attended <= 60', name=op.f('ck_fvu_feedback_hours_range')),
        sa.CheckConstraint("source IN ('staff', 'provider')", name=op.f('ck_fvu_feedback_source_known')),
        sa.CheckConstraint("(source = 'staff' AND recorded_by_user_id IS NOT NULL AND link_id IS NULL) OR "
                           "(source = 'provider' AND link_id IS NOT NULL AND recorded_by_user_id IS NULL)",
                           name=op.f('ck_fvu_feedback_recorded_by_known')),
        sa.ForeignKeyConstraint(['link_id'], ['fvu_feedback_link.id'],
                                name=op.f('fk_fvu_feedback_link_id_fvu_feedback_link')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_fvu_feedback_member_id_member')),
        sa.ForeignKeyConstraint(['recorded_by_user_id'], ['user_account.id'],
                                name=op.f('fk_fvu_feedback_recorded_by_user_id_user_account')),
        sa.ForeignKeyConstraint(['registration_id'], ['offer_registration.id'],
                                name=op.f('fk_fvu_feedback_registration_id_offer_registration')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fvu_feedback')),
    )
    with op.batch_alter_table('fvu_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_fvu_feedback_member_recorded', ['member_id', 'recorded_at'], unique=False)
        batch_op.create_index('ix_fvu_feedback_registration_recorded', ['registration_id', 'recorded_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('fvu_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_fvu_feedback_registration_recorded')
        batch_op.drop_index('ix_fvu_feedback_member_recorded')
    op.drop_table('fvu_feedback')
    op.drop_table('fvu_feedback_link')
