"""A notification knows the language it was written in

Revision ID: 0027_notification_language
Revises: 0026_page_version
Create Date: 2026-12-07

A notification is written once, in its reader's language of the moment (their account's or correspondence
language), and shown as written. On a page in another language its text is marked with its own language, so a
screen reader reads a Danish line with Danish pronunciation on an English page (WCAG 3.1.2). Lines written before
this are of unknown language (NULL) and are shown unmarked.
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_notification_language'
down_revision = '0026_page_version'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notification', sa.Column('language', sa.String(length=5), nullable=True))


def downgrade():
    # Not a batch copy of the table on SQLite: that would drop page_version's triggers on it (0026). SQLite has
    # DROP COLUMN since 3.35.
    op.execute('ALTER TABLE notification DROP COLUMN language')
