"""profiling (issue: profiling)

Revision ID: 0004_profiling
Revises: 0003_booking
Create Date: 2026-11-27

Benefit weeks, register facts, the model registry, assessments and the caseworkers' group decisions.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004_profiling'
down_revision = '0003_booking'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('profiling_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('artefact_path', sa.String(length=500), nullable=False),
    sa.Column('artefact_sha256', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=80), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('training_rows', sa.Integer(), nullable=False),
    sa.Column('cv_auc', sa.Float(), nullable=True),
    sa.Column('fairness_warnings', sa.Integer(), nullable=False),
    sa.Column('trained_at', sa.DateTime(), nullable=False),
    sa.Column('trained_by', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('activated_at', sa.DateTime(), nullable=True),
    sa.Column('activated_by', sa.String(length=80), nullable=True),
    sa.Column('activation_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('A', 'B', 'AB')", name=op.f('ck_profiling_model_kind_known')),
    sa.CheckConstraint('active = false OR activated_at IS NOT NULL', name=op.f('ck_profiling_model_active_has_time')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiling_model')),
    sa.UniqueConstraint('kind', 'version', name='uq_profiling_model_kind_version')
    )
    with op.batch_alter_table('profiling_model', schema=None) as batch_op:
        batch_op.create_index('ix_profiling_model_kind_active', ['kind', 'active'], unique=False)
    op.create_table('benefit_week',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('week_no', sa.Integer(), nullable=False),
    sa.Column('benefit_fraction', sa.Float(), nullable=False),
    sa.CheckConstraint('benefit_fraction >= 0 AND benefit_fraction <= 1', name=op.f('ck_benefit_week_fraction_in_range')),
    sa.CheckConstraint('week_no >= 1', name=op.f('ck_benefit_week_week_no_positive')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_benefit_week_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_week')),
    sa.UniqueConstraint('member_id', 'period_start', 'week_no', name='uq_benefit_week_member_period_week')
    )
    with op.batch_alter_table('benefit_week', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_week_member_id'), ['member_id'], unique=False)
    op.create_table('member_register_facts',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('education', sa.String(length=30), nullable=True),
    sa.Column('work_experience_years', sa.Float(), nullable=True),
    sa.Column('from_sickness_benefit', sa.Boolean(), nullable=True),
    sa.Column('benefit_share_3y', sa.Float(), nullable=True),
    sa.Column('benefit_periods_5y', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=20), nullable=True),
    sa.Column('disco', sa.String(length=30), nullable=True),
    sa.Column('industry', sa.String(length=30), nullable=True),
    sa.Column('new_graduate', sa.Boolean(), nullable=True),
    sa.Column('previous_income_100k', sa.Float(), nullable=True),
    sa.Column('children_at_home', sa.Boolean(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("education IS NULL OR education IN ('ingen', 'erhvervsuddannelse', 'videregaaende')", name=op.f('ck_member_register_facts_education_known')),
    sa.CheckConstraint("origin IS NULL OR origin IN ('dansk', 'vestlig', 'ikke_vestlig')", name=op.f('ck_member_register_facts_origin_known')),
    sa.CheckConstraint('benefit_share_3y IS NULL OR (benefit_share_3y >= 0 AND benefit_share_3y <= 1)', name=op.f('ck_member_register_facts_benefit_share_in_range')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_register_facts_member_id_member')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_register_facts'))
    )
    op.create_table('profiling_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('proposed_group', sa.String(length=2), nullable=False),
    sa.Column('factors', sa.JSON(), nullable=False),
    sa.Column('unseen_levels', sa.JSON(), nullable=False),
    sa.Column('input_hash', sa.String(length=40), nullable=False),
    sa.Column('scored_at', sa.DateTime(), nullable=False),
    sa.Column('scored_by', sa.String(length=80), nullable=False),
    sa.CheckConstraint("proposed_group IN ('1', '2a', '2b')", name=op.f('ck_profiling_assessment_group_known')),
    sa.CheckConstraint('probability >= 0 AND probability <= 1', name=op.f('ck_profiling_assessment_probability_in_range')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_profiling_assessment_member_id_member')),
    sa.ForeignKeyConstraint(['model_id'], ['profiling_model.id'], name=op.f('fk_profiling_assessment_model_id_profiling_model')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiling_assessment'))
    )
    with op.batch_alter_table('profiling_assessment', schema=None) as batch_op:
        batch_op.create_index('ix_profiling_assessment_member_id_desc', ['member_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_profiling_assessment_model_id'), ['model_id'], unique=False)
    op.create_table('profiling_group_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('model_label', sa.String(length=20), nullable=True),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('proposed_group', sa.String(length=2), nullable=True),
    sa.Column('previous_group', sa.String(length=2), nullable=True),
    sa.Column('decided_group', sa.String(length=2), nullable=False),
    sa.Column('overrides_proposal', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("decided_group IN ('1', '2a', '2b')", name=op.f('ck_profiling_group_decision_decided_group_known')),
    sa.CheckConstraint("proposed_group IS NULL OR proposed_group IN ('1', '2a', '2b')", name=op.f('ck_profiling_group_decision_proposed_group_known')),
    sa.CheckConstraint('length(comment) > 0', name=op.f('ck_profiling_group_decision_comment_given')),
    sa.ForeignKeyConstraint(['assessment_id'], ['profiling_assessment.id'], name=op.f('fk_profiling_group_decision_assessment_id_profiling_assessment')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'], name=op.f('fk_profiling_group_decision_decided_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_profiling_group_decision_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiling_group_decision'))
    )
    with op.batch_alter_table('profiling_group_decision', schema=None) as batch_op:
        batch_op.create_index('ix_profiling_group_decision_member_decided', ['member_id', 'decided_at'], unique=False)


def downgrade():
    op.drop_table('profiling_group_decision')
    op.drop_table('profiling_assessment')
    op.drop_table('member_register_facts')
    op.drop_table('benefit_week')
    op.drop_table('profiling_model')
