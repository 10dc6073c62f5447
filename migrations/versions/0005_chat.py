"""chatbot (issue: chatbot): conversations, messages, handoffs

Revision ID: 0005_chat
Revises: 0004_profiling
Create Date: 2026-11-27

The chain is fixed (0001 → 0009) so the areas can be built in parallel; each area fills in its own file.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_chat'
down_revision = '0004_profiling'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chat_conversation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('consent_given', sa.Boolean(), nullable=False),
        sa.Column('consent_id', sa.Integer(), nullable=True),
        sa.Column('tracker', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_activity_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("source IN ('flyer', 'minside', 'rest')", name=op.f('ck_chat_conversation_source_known')),
        sa.CheckConstraint("state IN ('bot', 'handed_off', 'closed')", name=op.f('ck_chat_conversation_state_known')),
        sa.CheckConstraint("language IN ('da', 'en')", name=op.f('ck_chat_conversation_language_known')),
        sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_chat_conversation_consent_id_consent')),
        sa.ForeignKeyConstraint(['location_id'], ['service_location.id'],
                                name=op.f('fk_chat_conversation_location_id_service_location')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_chat_conversation_member_id_member')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_conversation')),
        sa.UniqueConstraint('sender_id', name=op.f('uq_chat_conversation_sender_id')),
    )
    with op.batch_alter_table('chat_conversation', schema=None) as batch_op:
        batch_op.create_index('ix_chat_conversation_consent_activity', ['consent_given', 'last_activity_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_chat_conversation_member_id'), ['member_id'], unique=False)

    op.create_table(
        'chat_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('sender', sa.String(length=12), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('buttons', sa.JSON(), nullable=True),
        sa.Column('intent', sa.String(length=40), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('author_user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("sender IN ('user', 'bot', 'caseworker', 'system')",
                           name=op.f('ck_chat_message_sender_known')),
        sa.ForeignKeyConstraint(['author_user_id'], ['user_account.id'],
                                name=op.f('fk_chat_message_author_user_id_user_account')),
        sa.ForeignKeyConstraint(['conversation_id'], ['chat_conversation.id'],
                                name=op.f('fk_chat_message_conversation_id_chat_conversation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_message')),
    )
    with op.batch_alter_table('chat_message', schema=None) as batch_op:
        batch_op.create_index('ix_chat_message_conversation_id_id', ['conversation_id', 'id'], unique=False)

    op.create_table(
        'chat_handoff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('target_caseworker_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('escalation_level', sa.Integer(), nullable=False),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_by_id', sa.Integer(), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('outcome_note', sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('waiting', 'claimed', 'resolved', 'returned_to_bot')",
                           name=op.f('ck_chat_handoff_status_known')),
        sa.CheckConstraint("reason IN ('request_human', 'fallback', 'action_failed')",
                           name=op.f('ck_chat_handoff_reason_known')),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('answered', 'booked', 'registered', 'referred', "
                           "'no_contact', 'other')", name=op.f('ck_chat_handoff_outcome_known')),
        sa.CheckConstraint("status != 'claimed' OR claimed_by_id IS NOT NULL",
                           name=op.f('ck_chat_handoff_claimed_has_owner')),
        sa.CheckConstraint('escalation_level BETWEEN 0 AND 2', name=op.f('ck_chat_handoff_escalation_range')),
        sa.ForeignKeyConstraint(['claimed_by_id'], ['caseworker.id'],
                                name=op.f('fk_chat_handoff_claimed_by_id_caseworker')),
        sa.ForeignKeyConstraint(['conversation_id'], ['chat_conversation.id'],
                                name=op.f('fk_chat_handoff_conversation_id_chat_conversation')),
        sa.ForeignKeyConstraint(['location_id'], ['service_location.id'],
                                name=op.f('fk_chat_handoff_location_id_service_location')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_chat_handoff_member_id_member')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['caseworker.id'],
                                name=op.f('fk_chat_handoff_resolved_by_id_caseworker')),
        sa.ForeignKeyConstraint(['target_caseworker_id'], ['caseworker.id'],
                                name=op.f('fk_chat_handoff_target_caseworker_id_caseworker')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_handoff')),
    )
    with op.batch_alter_table('chat_handoff', schema=None) as batch_op:
        batch_op.create_index('uq_chat_handoff_open_conversation', ['conversation_id'], unique=True,
                              sqlite_where=sa.text("status IN ('waiting', 'claimed')"),
                              postgresql_where=sa.text("status IN ('waiting', 'claimed')"))
        batch_op.create_index('ix_chat_handoff_status_location', ['status', 'location_id'], unique=False)
        batch_op.create_index('ix_chat_handoff_status_target', ['status', 'target_caseworker_id'], unique=False)
        batch_op.create_index('ix_chat_handoff_claimed_by_status', ['claimed_by_id', 'status'], unique=False)


def downgrade():
    op.drop_table('chat_handoff')
    op.drop_table('chat_message')
    op.drop_table('chat_conversation')
