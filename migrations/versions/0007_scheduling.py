"""scheduler and outbox (issue: scheduling)

Revision ID: 0007_scheduling
Revises: 0006_casework
Create Date: 2026-11-27

The scheduler lease, the job-run log, the notice ledger, satisfaction surveys and answers, the purge log,
APScheduler's job store table and an index on booking(starts_at, status) for the reminder and survey jobs.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_scheduling'
down_revision = '0006_casework'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('acquired_at', sa.DateTime(), nullable=False),
    sa.Column('renewed_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease'))
    )
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('running', 'ok', 'error', 'unavailable')", name=op.f('ck_job_run_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index('ix_job_run_job_started', ['job_id', 'started_at'], unique=False)
        batch_op.create_index('ix_job_run_started_at', ['started_at'], unique=False)

    op.create_table('sent_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_sent_notice_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_notice')),
    sa.UniqueConstraint('key', name=op.f('uq_sent_notice_key'))
    )
    with op.batch_alter_table('sent_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_notice_member_id'), ['member_id'], unique=False)

    op.create_table('satisfaction_survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('asks_closer_to_job', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_satisfaction_survey_expires_after_created')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_satisfaction_survey_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_satisfaction_survey_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_survey')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_satisfaction_survey_booking_id'))
    )
    with op.batch_alter_table('satisfaction_survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_survey_member_id'), ['member_id'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('caseworker_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.Column('conversation_type', sa.String(length=20), nullable=False),
    sa.Column('target_group', sa.String(length=2), nullable=True),
    sa.Column('member_status', sa.String(length=12), nullable=False),
    sa.Column('placement', sa.String(length=10), nullable=False),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.Column('knew_trade', sa.Integer(), nullable=False),
    sa.Column('closer_to_job', sa.Integer(), nullable=True),
    sa.CheckConstraint('overall BETWEEN 1 AND 10', name=op.f('ck_survey_answer_overall_range')),
    sa.CheckConstraint('knew_trade BETWEEN 1 AND 10', name=op.f('ck_survey_answer_knew_trade_range')),
    sa.CheckConstraint('closer_to_job IS NULL OR closer_to_job BETWEEN 1 AND 10', name=op.f('ck_survey_answer_closer_range')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_survey_answer_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['caseworker_id'], ['caseworker.id'], name=op.f('fk_survey_answer_caseworker_id_caseworker')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_survey_answer_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['satisfaction_survey.id'], name=op.f('fk_survey_answer_survey_id_satisfaction_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_survey_answer_booking_id')),
    sa.UniqueConstraint('survey_id', name=op.f('uq_survey_answer_survey_id'))
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_caseworker_id'), ['caseworker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_member_id'), ['member_id'], unique=False)

    op.create_table('purge_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purge_log'))
    )
    with op.batch_alter_table('purge_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purge_log_at'), ['at'], unique=False)

    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_starts_status', ['starts_at', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_starts_status')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))
    op.drop_table('apscheduler_jobs')
    with op.batch_alter_table('purge_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purge_log_at'))
    op.drop_table('purge_log')
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_member_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answer_caseworker_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answer_answered_at'))
    op.drop_table('survey_answer')
    with op.batch_alter_table('satisfaction_survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_survey_member_id'))
    op.drop_table('satisfaction_survey')
    with op.batch_alter_table('sent_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_notice_member_id'))
    op.drop_table('sent_notice')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index('ix_job_run_started_at')
        batch_op.drop_index('ix_job_run_job_started')
    op.drop_table('job_run')
    op.drop_table('scheduler_lease')
