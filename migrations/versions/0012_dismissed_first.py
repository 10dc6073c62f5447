"""a dismissed member's first conversation is its own conversation type

Revision ID: 0012_dismissed_first
Revises: 0011_jobcentre
Create Date: 2026-12-04

`booking.type` and `held_conversation.type` accept 'dismissed_first' (the chatbot booked a dismissed member's
first conversation as a contact-course conversation or a phone/video follow-up before). The check constraints are
replaced; on SQLite the batch rebuild of `booking` drops its double-booking triggers, so they are made again
(the same statements as 0003_booking).
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = '0012_dismissed_first'
down_revision = '0011_jobcentre'
branch_labels = None
depends_on = None

OLD_TYPES = ('cv', 'contact_course', 'availability', 'joint', 'focus', 'followup_phone', 'followup_video')
NEW_TYPES = OLD_TYPES + ('dismissed_first',)
_ACTIVE = "('booked', 'held')"
SQLITE_TRIGGERS = {
    "tr_booking_caseworker_overlap_insert": ("INSERT", "caseworker_id"),
    "tr_booking_caseworker_overlap_update": ("UPDATE OF starts_at, ends_at, status, caseworker_id", "caseworker_id"),
    "tr_booking_member_overlap_insert": ("INSERT", "member_id"),
    "tr_booking_member_overlap_update": ("UPDATE OF starts_at, ends_at, status, member_id", "member_id"),
}


def _sqlite_trigger(name, when, column):
    return (
        f"CREATE TRIGGER {name} BEFORE {when} ON booking "
        f"WHEN NEW.status IN {_ACTIVE} BEGIN "
        f"SELECT RAISE(ABORT, 'booking_overlap_{column.split('_')[0]}') WHERE EXISTS (SELECT 1 FROM booking b "
        f"WHERE b.{column} = NEW.{column} AND b.id IS NOT NEW.id AND b.status IN {_ACTIVE} "
        f"AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at); END"
    )


def _retype(types):
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in ('booking', 'held_conversation'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_type_known'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_type_known'), f"type IN {types!r}")
    if sqlite:
        for name, (when, column) in SQLITE_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(_sqlite_trigger(name, when, column))


def upgrade():
    _retype(NEW_TYPES)


def downgrade():
    op.execute("DELETE FROM held_conversation WHERE type = 'dismissed_first'")
    op.execute("UPDATE booking SET type = CASE channel WHEN 'phone' THEN 'followup_phone' WHEN 'video' "
               "THEN 'followup_video' ELSE 'contact_course' END WHERE type = 'dismissed_first'")
    _retype(OLD_TYPES)
