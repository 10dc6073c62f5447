"""The steering dashboard's sums per calendar month, beside the per-period summary (issue 19)

Revision ID: 0022_kpi_month_summary
Revises: 0021_next_step_caseworker
Create Date: 2026-12-05

A year's dashboard added up about 80,000 period rows of 36 sums each at 250,000 members (half a second of the
page). `kpi_month_summary` holds the same sums per month and split; the page reads the whole months of its range
there and only the partial months' periods from `kpi_period_summary`. Rebuilt whole with the period rows by the
scheduler's `kpi_summary` job; dropping it loses nothing the next run does not rebuild.
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_kpi_month_summary'
down_revision = '0021_next_step_caseworker'
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
        'kpi_month_summary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('segment', sa.String(length=10), nullable=False),
        sa.Column('placement', sa.String(length=10), nullable=True),
        sa.Column('location_id', sa.Integer(), nullable=True),
        *[sa.Column(f'{key}_{part}', sa.Float() if part == 'a' else sa.Integer(), nullable=False,
                    server_default='0')
          for key in SUMMED_MEASURES for part in ('a', 'b')],
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_month_summary')),
    )
    op.create_index('ix_kpi_month_summary_month', 'kpi_month_summary', ['month'])
    # The dashboard computes live until the next refresh writes both tables (kpi_summary_state says which day).
    op.execute('DELETE FROM kpi_summary_state')


def downgrade():
    op.drop_index('ix_kpi_month_summary_month', table_name='kpi_month_summary')
    op.drop_table('kpi_month_summary')
