"""single-use sign-in links for members without a password (issue 15)

Revision ID: 0016_signin_link
Revises: 0015_round_table
Create Date: 2026-12-04

`signin_link` holds the SHA-256 of each link's secret, when it expires and when it was used.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_signin_link'
down_revision = '0015_round_table'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signin_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_signin_link_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_signin_link_token_hash')),
    )
    op.create_index(op.f('ix_signin_link_user_id'), 'signin_link', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_signin_link_user_id'), table_name='signin_link')
    op.drop_table('signin_link')
