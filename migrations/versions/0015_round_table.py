"""a round-table conversation (rundbordssamtale) with the member and the job centre is its own conversation type

Revision ID: 0015_round_table
Revises: 0014_dfdg_outbound
Create Date: 2026-12-04

`booking.type` and `held_conversation.type` accept 'round_table': the conversation the a-kasse takes part in with
the job centre for a member moving from sickness benefit to unemployment benefit (the application, section 4.1).
As in 0012, the check constraints are replaced and SQLite's double-booking triggers made again after the rebuild.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = '0015_round_table'
down_revision = '0014_dfdg_outbound'
branch_labels = None
depends_on = None

OLD_TYPES = ('cv', 'contact_course', 'availability', 'joint', 'focus', 'followup_phone', 'followup_video',
             'dismissed_first')
NEW_TYPES = OLD_TYPES + ('round_table',)
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
    op.execute("DELETE FROM held_conversation WHERE type = 'round_table'")
    op.execute("UPDATE booking SET type = 'joint' WHERE type = 'round_table'")
    _retype(OLD_TYPES)
