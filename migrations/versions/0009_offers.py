"""offers with seats and waiting lists (issue: booking/offers)

Revision ID: 0009_offers
Revises: 0008_outcomes
Create Date: 2026-11-27

Tables offer, offer_session, offer_registration (portal/models/offers.py).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_offers'
down_revision = '0008_outcomes'
branch_labels = None
depends_on = None

LIVE = "status IN ('waitlisted', 'offered', 'registered', 'attended', 'no_show')"


def upgrade():
    op.create_table(
        'offer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=160), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('topic', sa.String(length=20), nullable=True),
        sa.Column('fvu_subject', sa.String(length=10), nullable=True),
        sa.Column('sosu_variant', sa.Boolean(), nullable=False),
        sa.Column('provider', sa.String(length=80), nullable=False),
        sa.Column('course_hours', sa.Integer(), nullable=True),
        sa.Column('requires_fvu_test', sa.Boolean(), nullable=False),
        sa.Column('hold_hours', sa.Integer(), nullable=False),
        sa.Column('open_group_1', sa.Boolean(), nullable=False),
        sa.Column('open_group_2a', sa.Boolean(), nullable=False),
        sa.Column('open_group_2b', sa.Boolean(), nullable=False),
        sa.Column('open_opsagt', sa.Boolean(), nullable=False),
        sa.Column('open_sygemeldt', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('webinar', 'theme_meeting', 'fvu_test', 'fvu_course', 'it_cafe', 'job_club', "
                           "'job_dating')", name=op.f('ck_offer_kind_known')),
        sa.CheckConstraint("topic IS NULL OR topic IN ('find_job', 'apply_job', 'interview', 'stay_or_change', "
                           "'job_search', 'job_matching', 'it_tools', 'education')", name=op.f('ck_offer_topic_known')),
        sa.CheckConstraint("fvu_subject IS NULL OR fvu_subject IN ('reading', 'maths', 'digital')",
                           name=op.f('ck_offer_fvu_subject_known')),
        sa.CheckConstraint('course_hours IS NULL OR (course_hours > 0 AND course_hours <= 60)',
                           name=op.f('ck_offer_course_hours_range')),
        sa.CheckConstraint('hold_hours >= 1 AND hold_hours <= 168', name=op.f('ck_offer_hold_hours_range')),
        sa.CheckConstraint('open_group_1 OR open_group_2a OR open_group_2b OR open_opsagt OR open_sygemeldt',
                           name=op.f('ck_offer_open_to_someone')),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'],
                                name=op.f('fk_offer_created_by_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer')),
    )
    op.create_index('ix_offer_active_kind', 'offer', ['active', 'kind'], unique=False)

    op.create_table(
        'offer_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('venue', sa.String(length=200), nullable=True),
        sa.Column('online_link', sa.String(length=300), nullable=True),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('seats_taken', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('cancel_reason', sa.Text(), nullable=True),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'cancelled')", name=op.f('ck_offer_session_status_known')),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_offer_session_ends_after_start')),
        sa.CheckConstraint('capacity > 0 AND capacity <= 1000', name=op.f('ck_offer_session_capacity_range')),
        sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity',
                           name=op.f('ck_offer_session_seats_within_capacity')),
        sa.CheckConstraint('location_id IS NOT NULL OR online_link IS NOT NULL',
                           name=op.f('ck_offer_session_has_place')),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_session_offer_id_offer')),
        sa.ForeignKeyConstraint(['location_id'], ['service_location.id'],
                                name=op.f('fk_offer_session_location_id_service_location')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_session')),
    )
    op.create_index('ix_offer_session_offer_starts', 'offer_session', ['offer_id', 'starts_at'], unique=False)
    op.create_index('ix_offer_session_starts', 'offer_session', ['starts_at'], unique=False)
    op.create_index('ix_offer_session_location_starts', 'offer_session', ['location_id', 'starts_at'], unique=False)

    op.create_table(
        'offer_registration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('waitlisted_at', sa.DateTime(), nullable=True),
        sa.Column('held_until', sa.DateTime(), nullable=True),
        sa.Column('hold_round', sa.Integer(), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=True),
        sa.Column('right_and_duty', sa.Boolean(), nullable=False),
        sa.Column('assigned_by_user_id', sa.Integer(), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('cancel_reason', sa.Text(), nullable=True),
        sa.Column('attendance_recorded_at', sa.DateTime(), nullable=True),
        sa.Column('attendance_by_user_id', sa.Integer(), nullable=True),
        sa.Column('attended_hours', sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column('completion_note', sa.Text(), nullable=True),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('waitlisted', 'offered', 'registered', 'cancelled', 'declined', 'expired', "
                           "'attended', 'no_show')", name=op.f('ck_offer_registration_status_known')),
        sa.CheckConstraint("status != 'offered' OR held_until IS NOT NULL",
                           name=op.f('ck_offer_registration_offered_has_hold')),
        sa.CheckConstraint("status != 'waitlisted' OR waitlisted_at IS NOT NULL",
                           name=op.f('ck_offer_registration_waitlisted_has_time')),
        sa.CheckConstraint('attended_hours IS NULL OR (attended_hours >= 0 AND attended_hours <= 60)',
                           name=op.f('ck_offer_registration_hours_range')),
        sa.ForeignKeyConstraint(['session_id'], ['offer_session.id'],
                                name=op.f('fk_offer_registration_session_id_offer_session')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_offer_registration_member_id_member')),
        sa.ForeignKeyConstraint(['assigned_by_user_id'], ['user_account.id'],
                                name=op.f('fk_offer_registration_assigned_by_user_id_user_account')),
        sa.ForeignKeyConstraint(['attendance_by_user_id'], ['user_account.id'],
                                name=op.f('fk_offer_registration_attendance_by_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_registration')),
    )
    op.create_index('ix_offer_registration_session_member_live', 'offer_registration', ['session_id', 'member_id'],
                    unique=True, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    op.create_index('ix_offer_registration_session_status', 'offer_registration',
                    ['session_id', 'status', 'waitlisted_at'], unique=False)
    op.create_index('ix_offer_registration_member_status', 'offer_registration', ['member_id', 'status'],
                    unique=False)
    op.create_index('ix_offer_registration_status_held_until', 'offer_registration', ['status', 'held_until'],
                    unique=False)


def downgrade():
    op.drop_table('offer_registration')
    op.drop_table('offer_session')
    op.drop_table('offer')
