"""the job centre in the loop (issue 16): home municipality, job-centre staff and messages, Min plan approval

Revision ID: 0011_jobcentre
Revises: 0010_benefit_history
Create Date: 2026-12-03

- member.municipality_code: the member's home municipality (official code, portal/data/municipalities.csv). Existing
  members get NULL: the home municipality is not the a-kasse's service location and is not guessed; until it is
  filled in nothing can reach the member's job centre, and the caseworker's screen says so.
- user_account.role may be 'jobcenter'; jobcentre_staff binds such a user to one job centre.
- jobcentre_message: what went to a job centre, its delivery state and the answer.
- plan_item: kinds company_internship, wage_subsidy, education_long; status 'awaiting_jc'; the job centre's
  decision and its time. plan_item_event: kinds jc_request, jc_approved, jc_rejected.
Downgrade: items awaiting the job centre become 'cancelled', the new kinds 'activation'/'education'; job-centre
accounts are closed (inactive, role 'steering'); the tables are dropped.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_jobcentre'
down_revision = '0010_benefit_history'
branch_labels = None
depends_on = None

ROLES_OLD = "role IN ('member', 'caseworker', 'steering', 'admin')"
ROLES_NEW = "role IN ('member', 'caseworker', 'steering', 'admin', 'jobcenter')"
KINDS_OLD = "kind IN ('job_search', 'education', 'upskilling', 'activation', 'meeting', 'agreement', 'other')"
KINDS_NEW = ("kind IN ('job_search', 'education', 'upskilling', 'activation', 'meeting', 'agreement', 'other', "
             "'company_internship', 'wage_subsidy', 'education_long')")
STATUS_OLD = "status IN ('proposed', 'active', 'done', 'rejected', 'cancelled')"
STATUS_NEW = "status IN ('proposed', 'awaiting_jc', 'active', 'done', 'rejected', 'cancelled')"
EVENTS_OLD = "kind IN ('proposed', 'accepted', 'rejected', 'status', 'comment', 'edited')"
EVENTS_NEW = ("kind IN ('proposed', 'accepted', 'rejected', 'status', 'comment', 'edited', 'jc_request', "
              "'jc_approved', 'jc_rejected')")
DECISION = "jobcentre_decision IS NULL OR jobcentre_decision IN ('approved', 'rejected')"


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('municipality_code', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_member_municipality_code'), ['municipality_code'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_role_known'), ROLES_NEW)

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jobcentre_decision', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('jobcentre_decided_at', sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f('ck_plan_item_kind_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_plan_item_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_plan_item_kind_known'), KINDS_NEW)
        batch_op.create_check_constraint(op.f('ck_plan_item_status_known'), STATUS_NEW)
        batch_op.create_check_constraint(op.f('ck_plan_item_jobcentre_decision_known'), DECISION)

    with op.batch_alter_table('plan_item_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_plan_item_event_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_plan_item_event_kind_known'), EVENTS_NEW)

    op.create_table(
        'jobcentre_staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('jobcentre_code', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_jobcentre_staff_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobcentre_staff')),
        sa.UniqueConstraint('user_id', name=op.f('uq_jobcentre_staff_user_id')),
    )
    with op.batch_alter_table('jobcentre_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobcentre_staff_jobcentre_code'), ['jobcentre_code'], unique=False)

    op.create_table(
        'jobcentre_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=120), nullable=False),
        sa.Column('jobcentre_code', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('plan_item_id', sa.Integer(), nullable=True),
        sa.Column('summary_id', sa.Integer(), nullable=True),
        sa.Column('referral_id', sa.Integer(), nullable=True),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('decision', sa.String(length=10), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('counter_time', sa.DateTime(), nullable=True),
        sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('escalated_at', sa.DateTime(), nullable=True),
        sa.Column('adapter', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('plan_approval', 'summary', 'visitation', 'joint_invitation')",
                           name=op.f('ck_jobcentre_message_kind_known')),
        sa.CheckConstraint("status IN ('sent', 'read', 'answered', 'withdrawn')",
                           name=op.f('ck_jobcentre_message_status_known')),
        sa.CheckConstraint("decision IS NULL OR decision IN ('approved', 'rejected', 'accepted', 'counter')",
                           name=op.f('ck_jobcentre_message_decision_known')),
        sa.CheckConstraint("adapter IN ('embedded', 'dfdg')", name=op.f('ck_jobcentre_message_adapter_known')),
        sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_jobcentre_message_booking_id_booking')),
        sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'],
                                name=op.f('fk_jobcentre_message_decided_by_user_id_user_account')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_jobcentre_message_member_id_member')),
        sa.ForeignKeyConstraint(['plan_item_id'], ['plan_item.id'],
                                name=op.f('fk_jobcentre_message_plan_item_id_plan_item')),
        sa.ForeignKeyConstraint(['referral_id'], ['jobcenter_referral.id'],
                                name=op.f('fk_jobcentre_message_referral_id_jobcenter_referral')),
        sa.ForeignKeyConstraint(['summary_id'], ['conversation_summary.id'],
                                name=op.f('fk_jobcentre_message_summary_id_conversation_summary')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobcentre_message')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_jobcentre_message_idempotency_key')),
    )
    with op.batch_alter_table('jobcentre_message', schema=None) as batch_op:
        batch_op.create_index('ix_jobcentre_message_centre_status', ['jobcentre_code', 'status'], unique=False)
        batch_op.create_index('ix_jobcentre_message_member_kind', ['member_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobcentre_message_plan_item_id'), ['plan_item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('jobcentre_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobcentre_message_plan_item_id'))
        batch_op.drop_index('ix_jobcentre_message_member_kind')
        batch_op.drop_index('ix_jobcentre_message_centre_status')
    op.drop_table('jobcentre_message')
    with op.batch_alter_table('jobcentre_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobcentre_staff_jobcentre_code'))
    op.drop_table('jobcentre_staff')

    op.execute("DELETE FROM plan_item_event WHERE kind IN ('jc_request', 'jc_approved', 'jc_rejected')")
    op.execute("UPDATE plan_item_event SET from_status = 'cancelled' WHERE from_status = 'awaiting_jc'")
    op.execute("UPDATE plan_item_event SET to_status = 'cancelled' WHERE to_status = 'awaiting_jc'")
    op.execute("UPDATE plan_item SET status = 'cancelled' WHERE status = 'awaiting_jc'")
    op.execute("UPDATE plan_item SET kind = 'activation' WHERE kind IN ('company_internship', 'wage_subsidy')")
    op.execute("UPDATE plan_item SET kind = 'education' WHERE kind = 'education_long'")
    with op.batch_alter_table('plan_item_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_plan_item_event_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_plan_item_event_kind_known'), EVENTS_OLD)
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_plan_item_jobcentre_decision_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_plan_item_status_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_plan_item_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_plan_item_kind_known'), KINDS_OLD)
        batch_op.create_check_constraint(op.f('ck_plan_item_status_known'), STATUS_OLD)
        batch_op.drop_column('jobcentre_decided_at')
        batch_op.drop_column('jobcentre_decision')

    # job-centre accounts cannot be deleted (audit entries point at them): they are closed
    op.execute("UPDATE user_account SET role = 'steering', active = false WHERE role = 'jobcenter'")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_role_known'), ROLES_OLD)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_municipality_code'))
        batch_op.drop_column('municipality_code')
