"""A message about an event is not sent once the event has begun (outbox_message.send_before)

Revision ID: 0023_outbox_send_before
Revises: 0022_kpi_month_summary
Create Date: 2026-12-07

A reminder queued before an outage (or before the member cancelled) used to go out after the conversation had
started. Reminders carry their event's start here; the dispatcher stops a row whose moment has passed instead of
sending it (portal/services/messaging/dispatch.py). Existing rows keep NULL: sent whenever they can be.
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_outbox_send_before'
down_revision = '0022_kpi_month_summary'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('outbox_message', sa.Column('send_before', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_column('send_before')
