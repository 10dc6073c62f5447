"""The steering dashboard's summary: one row per benefit period with its share of each measure's sums (issue 19)

Revision ID: 0019_dashboard_summary
Revises: 0018_fvu_feedback
Create Date: 2026-12-04

`kpi_period_summary` is rebuilt whole by the scheduler's `kpi_summary` job (portal.services.steering.kpi_summary.refresh);
the dashboard adds its rows up for the chosen period and filters. `kpi_summary_state` holds the one row saying for
which day and when it was computed. Nothing else refers to either table; dropping them loses nothing the next run
does not rebuild.
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_dashboard_summary'
down_revision = '0018_fvu_feedback'
branch_labels = None
depends_on = None

SUMMED_MEASURES = (
    'in_job_13w', 'in_job_26w', 'satisfaction_overall', 'satisfaction_new', 'satisfaction_returning', 'knew_trade',
    'came_closer', 'extra_course', 'extra_course_group2', 'plan_draft',
    'timeliness_cv', 'timeliness_contact_course_1', 'timeliness_availability', 'timeliness_contact_course_2',
    'timeliness_joint_invitation', 'timeliness_joint', 'timeliness_focus_1', 'timeliness_focus_2',
)


def upgrade():
    op.create_table(
        'kpi_period_summary',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('segment', sa.String(length=10), nullable=False),
        sa.Column('placement', sa.String(length=10), nullable=True),
        sa.Column('location_id', sa.Integer(), nullable=True),
        *[sa.Column(f'{key}_{part}', sa.Float() if part == 'a' else sa.Integer(), nullable=False,
                    server_default='0')
          for key in SUMMED_MEASURES for part in ('a', 'b')],
        sa.Column('without_days', sa.Integer(), nullable=False),
        sa.Column('without_event', sa.Integer(), nullable=False),
        sa.Column('with_days', sa.Integer(), nullable=False),
        sa.Column('with_event', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('period_id', name=op.f('pk_kpi_period_summary')),
    )
    op.create_index('ix_kpi_period_summary_start_date', 'kpi_period_summary', ['start_date'])
    op.create_table(
        'kpi_summary_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('periods', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_summary_state')),
    )


def downgrade():
    op.drop_table('kpi_summary_state')
    op.drop_index('ix_kpi_period_summary_start_date', table_name='kpi_period_summary')
    op.drop_table('kpi_period_summary')
