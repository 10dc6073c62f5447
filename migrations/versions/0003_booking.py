"""booking: conversations with caseworkers — working hours, exceptions, overlap guards (issue: booking)

Revision ID: 0003_booking
Revises: 0002_minside
Create Date: 2026-11-27

The chain is fixed (0001 → 0009) so the areas can be built in parallel; each area fills in its own file.
Double booking is refused by the database: exclusion constraints on PostgreSQL, triggers on SQLite
(the same statements as portal/models/booking.py; see docs/booking.md).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003_booking'
down_revision = '0002_minside'
branch_labels = None
depends_on = None

_ACTIVE = "('booked', 'held')"


def _sqlite_trigger(name, when, column):
    return (
        f"CREATE TRIGGER {name} BEFORE {when} ON booking "
        f"WHEN NEW.status IN {_ACTIVE} BEGIN "
        f"SELECT RAISE(ABORT, 'booking_overlap_{column.split('_')[0]}') WHERE EXISTS (SELECT 1 FROM booking b "
        f"WHERE b.{column} = NEW.{column} AND b.id IS NOT NEW.id AND b.status IN {_ACTIVE} "
        f"AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at); END"
    )


SQLITE_TRIGGERS = {
    "tr_booking_caseworker_overlap_insert": ("INSERT", "caseworker_id"),
    "tr_booking_caseworker_overlap_update": ("UPDATE OF starts_at, ends_at, status, caseworker_id", "caseworker_id"),
    "tr_booking_member_overlap_insert": ("INSERT", "member_id"),
    "tr_booking_member_overlap_update": ("UPDATE OF starts_at, ends_at, status, member_id", "member_id"),
}


def upgrade():
    op.create_table('working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caseworker_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_working_hours_weekday_range')),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_working_hours_ends_after_start')),
    sa.ForeignKeyConstraint(['caseworker_id'], ['caseworker.id'], name=op.f('fk_working_hours_caseworker_id_caseworker'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['service_location.id'], name=op.f('fk_working_hours_location_id_service_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours'))
    )
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.create_index('ix_working_hours_caseworker_weekday', ['caseworker_id', 'weekday'], unique=False)
        batch_op.create_index('ix_working_hours_location_weekday', ['location_id', 'weekday'], unique=False)

    op.create_table('availability_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('caseworker_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('absence', 'extra')", name=op.f('ck_availability_exception_kind_known')),
    sa.CheckConstraint('(start_time IS NULL) = (end_time IS NULL)', name=op.f('ck_availability_exception_times_together')),
    sa.CheckConstraint('start_time IS NULL OR end_time > start_time', name=op.f('ck_availability_exception_ends_after_start')),
    sa.CheckConstraint("kind != 'extra' OR (start_time IS NOT NULL AND location_id IS NOT NULL)", name=op.f('ck_availability_exception_extra_has_time_and_place')),
    sa.ForeignKeyConstraint(['caseworker_id'], ['caseworker.id'], name=op.f('fk_availability_exception_caseworker_id_caseworker'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['service_location.id'], name=op.f('fk_availability_exception_location_id_service_location')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_availability_exception_created_by_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_exception'))
    )
    with op.batch_alter_table('availability_exception', schema=None) as batch_op:
        batch_op.create_index('ix_availability_exception_caseworker_day', ['caseworker_id', 'day'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('outcome_registered_at', sa.DateTime(), nullable=True))

    # After the batch operation: on SQLite a batch rebuild would drop triggers made before it.
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute("ALTER TABLE booking ADD CONSTRAINT ex_booking_caseworker_overlap EXCLUDE USING gist "
                   f"(caseworker_id WITH =, tsrange(starts_at, ends_at) WITH &&) WHERE (status IN {_ACTIVE})")
        op.execute("ALTER TABLE booking ADD CONSTRAINT ex_booking_member_overlap EXCLUDE USING gist "
                   f"(member_id WITH =, tsrange(starts_at, ends_at) WITH &&) WHERE (status IN {_ACTIVE})")
    elif dialect == 'sqlite':
        for name, (when, column) in SQLITE_TRIGGERS.items():
            op.execute(_sqlite_trigger(name, when, column))


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS ex_booking_member_overlap")
        op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS ex_booking_caseworker_overlap")
    elif dialect == 'sqlite':
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('outcome_registered_at')
        batch_op.drop_column('member_note')
    with op.batch_alter_table('availability_exception', schema=None) as batch_op:
        batch_op.drop_index('ix_availability_exception_caseworker_day')
    op.drop_table('availability_exception')
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_working_hours_location_weekday')
        batch_op.drop_index('ix_working_hours_caseworker_weekday')
    op.drop_table('working_hours')
