"""Create forms are saved once: the one-time key a form carries (form_submission)

Revision ID: 0024_form_submission
Revises: 0023_outbox_send_before
Create Date: 2026-12-06

A caseworker who sent "Registrér samtale" again with the back button registered the conversation twice (two held
conversations counted on the dashboard, two draft summaries); a member's proposal and a staff member's new offer
likewise. The key is claimed in the transaction that saves the form (portal/services/form_once.py); the retention
job forgets keys after two days.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_form_submission'
down_revision = '0023_outbox_send_before'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submission',
        sa.Column('key', sa.String(length=64), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('user_account.id', ondelete='CASCADE'), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('result_url', sa.String(length=300), nullable=True),
    )
    op.create_index('ix_form_submission_user_id', 'form_submission', ['user_id'])
    op.create_index('ix_form_submission_created_at', 'form_submission', ['created_at'])


def downgrade():
    op.drop_index('ix_form_submission_created_at', table_name='form_submission')
    op.drop_index('ix_form_submission_user_id', table_name='form_submission')
    op.drop_table('form_submission')
