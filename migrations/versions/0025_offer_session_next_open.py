"""An offer's next open session is one index seek (issue 19)

Revision ID: 0025_offer_session_next_open
Revises: 0024_form_submission
Create Date: 2026-12-06

Min side's "Kommende tilbud" and the catalogue ask, per offer, for the first open session after now. With the index
on (offer_id, starts_at) that read every coming session of every offer to check its status (1.4 ms of SQLite on
the demo data, a quarter of Min side); with the status in the index the minimum is one seek (0.09 ms).
"""
from alembic import op

revision = '0025_offer_session_next_open'
down_revision = '0024_form_submission'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_offer_session_offer_status_starts', 'offer_session', ['offer_id', 'status', 'starts_at'])


def downgrade():
    op.drop_index('ix_offer_session_offer_status_starts', table_name='offer_session')
