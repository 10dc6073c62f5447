"""a member's own JobMatch CV on Min side and the job agent's sent orders

Revision ID: 0017_jobmatch_cv
Revises: 0016_signin_link
Create Date: 2026-12-04

`jobmatch_cv`: one CV per member (job goals, experience, education, certificates, driving licence, hours wanted,
area, consent to be visible to employers, the job agent switch). `job_agent_hit`: which job orders the job agent
has e-mailed a member about, so none is sent twice.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_jobmatch_cv'
down_revision = '0016_signin_link'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobmatch_cv',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('job_goals', sa.Text(), nullable=False),
        sa.Column('experience', sa.JSON(), nullable=False),
        sa.Column('education', sa.Text(), nullable=True),
        sa.Column('certificates', sa.JSON(), nullable=False),
        sa.Column('driving_licence', sa.Boolean(), nullable=False),
        sa.Column('hours_wanted', sa.String(length=4), nullable=False),
        sa.Column('hours_per_week', sa.Integer(), nullable=True),
        sa.Column('municipalities', sa.JSON(), nullable=False),
        sa.Column('radius_km', sa.Integer(), nullable=True),
        sa.Column('visible_to_employers', sa.Boolean(), nullable=False),
        sa.Column('job_agent', sa.Boolean(), nullable=False),
        sa.Column('job_agent_since', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("hours_wanted IN ('full', 'part', 'any')", name=op.f('ck_jobmatch_cv_hours_known')),
        sa.CheckConstraint('hours_per_week IS NULL OR (hours_per_week > 0 AND hours_per_week <= 48)',
                           name=op.f('ck_jobmatch_cv_hours_sane')),
        sa.CheckConstraint('radius_km IS NULL OR (radius_km > 0 AND radius_km <= 200)',
                           name=op.f('ck_jobmatch_cv_radius_sane')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_jobmatch_cv_member_id_member')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobmatch_cv')),
        sa.UniqueConstraint('member_id', name=op.f('uq_jobmatch_cv_member_id')),
    )
    with op.batch_alter_table('jobmatch_cv', schema=None) as batch_op:
        batch_op.create_index('ix_jobmatch_cv_agent', ['job_agent'], unique=False)

    op.create_table(
        'job_agent_hit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('job_order_id', sa.Integer(), nullable=False),
        sa.Column('outbox_key', sa.String(length=120), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['job_order_id'], ['job_order.id'],
                                name=op.f('fk_job_agent_hit_job_order_id_job_order')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_job_agent_hit_member_id_member')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_agent_hit')),
        sa.UniqueConstraint('member_id', 'job_order_id', name='uq_job_agent_hit_member_order'),
    )
    with op.batch_alter_table('job_agent_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_agent_hit_job_order_id'), ['job_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_agent_hit_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('job_agent_hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_agent_hit_member_id'))
        batch_op.drop_index(batch_op.f('ix_job_agent_hit_job_order_id'))
    op.drop_table('job_agent_hit')
    with op.batch_alter_table('jobmatch_cv', schema=None) as batch_op:
        batch_op.drop_index('ix_jobmatch_cv_agent')
    op.drop_table('jobmatch_cv')
