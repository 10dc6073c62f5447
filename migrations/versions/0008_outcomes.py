"""outcomes and KPIs (issue: steering dashboard)

Revision ID: 0008_outcomes
Revises: 0007_scheduling
Create Date: 2026-11-27

Benefit periods and job starts per member, the outcome data behind the steering dashboard.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_outcomes'
down_revision = '0007_scheduling'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('benefit_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=10), nullable=True),
    sa.Column('placement', sa.String(length=10), nullable=False),
    sa.Column('target_group', sa.String(length=2), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_benefit_period_ends_after_start')),
    sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('job', 'other')", name=op.f('ck_benefit_period_end_reason_known')),
    sa.CheckConstraint('(end_date IS NULL) = (end_reason IS NULL)', name=op.f('ck_benefit_period_end_has_reason')),
    sa.CheckConstraint("placement IN ('new', 'returning')", name=op.f('ck_benefit_period_placement_known')),
    sa.CheckConstraint("target_group IS NULL OR target_group IN ('1', '2a', '2b')", name=op.f('ck_benefit_period_group_known')),
    sa.CheckConstraint("source IN ('import', 'demo')", name=op.f('ck_benefit_period_source_known')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_benefit_period_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_period')),
    sa.UniqueConstraint('member_id', 'start_date', name='uq_benefit_period_member_start')
    )
    with op.batch_alter_table('benefit_period', schema=None) as batch_op:
        batch_op.create_index('ix_benefit_period_start_date', ['start_date'], unique=False)

    op.create_table('job_start',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('permanent', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_job_start_ends_after_start')),
    sa.CheckConstraint("kind IN ('employment', 'permanent_attachment', 'release_certificate', 'odd_hours')", name=op.f('ck_job_start_kind_known')),
    sa.CheckConstraint("source IN ('import', 'demo')", name=op.f('ck_job_start_source_known')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_job_start_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_start')),
    sa.UniqueConstraint('member_id', 'start_date', 'kind', name='uq_job_start_member_start_kind')
    )


def downgrade():
    op.drop_table('job_start')
    with op.batch_alter_table('benefit_period', schema=None) as batch_op:
        batch_op.drop_index('ix_benefit_period_start_date')

    op.drop_table('benefit_period')
