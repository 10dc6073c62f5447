"""one benefit history: benefit weeks belong to a benefit period

Revision ID: 0010_benefit_history
Revises: 0009_offers
Create Date: 2026-11-27

`benefit_week` described periods by (member_id, period_start) on its own, beside `benefit_period`. Now each week
belongs to a period: `benefit_week.period_id` (NOT NULL; with member_id a foreign key to benefit_period's
(id, member_id), ON DELETE CASCADE; indexed by the unique (period_id, week_no)) replaces `period_start`.

Backfill, per (member, period_start) of the weeks:
- a benefit period of the member starting that day exists: the weeks are linked to it;
- none exists: a period is made from the weeks (source 'weeks'): it ends on the last day of the last week on
  benefit (reason 'other': the weeks do not say why), or runs on if the last recorded week is on benefit and the
  member has no later period; it ends at the latest the day before the member's next period. Placement: the
  member's own when the period starts on their first day of unemployment, else 'returning' if an earlier period
  is known, else 'new'. No target group (the dashboard falls back to the member's);
- weeks that cannot have a period are deleted, and logged: weeks starting inside another period of the member
  (the period is the record) and weeks never on benefit (nothing to record).
Then weeks that start after their period's last day (its end_date, or yesterday) are deleted and logged: off
benefit after the end is what the period already says; a share above 0 there contradicts the period, the record.

Downgrade: period_start is filled from the period again, the periods made from weeks are deleted, the schema is as
in 0009. Weeks deleted by the upgrade stay deleted.
"""
import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_benefit_history'
down_revision = '0009_offers'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')
CHUNK = 5000

week = sa.table(
    'benefit_week', sa.column('id', sa.Integer), sa.column('member_id', sa.Integer),
    sa.column('period_start', sa.Date), sa.column('period_id', sa.Integer), sa.column('week_no', sa.Integer),
    sa.column('benefit_fraction', sa.Float))
period = sa.table(
    'benefit_period', sa.column('id', sa.Integer), sa.column('member_id', sa.Integer),
    sa.column('start_date', sa.Date), sa.column('end_date', sa.Date), sa.column('end_reason', sa.String),
    sa.column('placement', sa.String), sa.column('target_group', sa.String), sa.column('source', sa.String),
    sa.column('imported_at', sa.DateTime))
member = sa.table('member', sa.column('id', sa.Integer), sa.column('first_unemployment_day', sa.Date),
                  sa.column('placement', sa.String))


def upgrade():
    with op.batch_alter_table('benefit_period', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_benefit_period_source_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_benefit_period_source_known'),
                                         "source IN ('import', 'demo', 'weeks')")
        batch_op.create_unique_constraint('uq_benefit_period_id_member', ['id', 'member_id'])
    with op.batch_alter_table('benefit_week', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_id', sa.Integer(), nullable=True))

    _backfill(op.get_bind(), today=date.today())

    with op.batch_alter_table('benefit_week', schema=None) as batch_op:
        batch_op.alter_column('period_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_benefit_week_member_period_week', type_='unique')
        batch_op.create_unique_constraint('uq_benefit_week_period_week', ['period_id', 'week_no'])
        batch_op.create_foreign_key(batch_op.f('fk_benefit_week_period_id_benefit_period'), 'benefit_period',
                                    ['period_id', 'member_id'], ['id', 'member_id'], ondelete='CASCADE')
        batch_op.drop_column('period_start')


def downgrade():
    with op.batch_alter_table('benefit_week', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
    op.execute(week.update().values(period_start=sa.select(period.c.start_date)
                                    .where(period.c.id == week.c.period_id).scalar_subquery()))
    with op.batch_alter_table('benefit_week', schema=None) as batch_op:
        batch_op.alter_column('period_start', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_benefit_week_period_id_benefit_period'), type_='foreignkey')
        batch_op.drop_constraint('uq_benefit_week_period_week', type_='unique')
        batch_op.create_unique_constraint('uq_benefit_week_member_period_week', ['member_id', 'period_start', 'week_no'])
        batch_op.drop_column('period_id')
    op.execute(period.delete().where(period.c.source == 'weeks'))
    with op.batch_alter_table('benefit_period', schema=None) as batch_op:
        batch_op.drop_constraint('uq_benefit_period_id_member', type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_benefit_period_source_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_benefit_period_source_known'), "source IN ('import', 'demo')")


# ---- the backfill ---------------------------------------------------------------------------------------------

def _backfill(conn, *, today: date) -> None:
    """Link every week to its member's period of the same start (made from the weeks where there is none)."""
    runs = conn.execute(
        sa.select(week.c.member_id, week.c.period_start, sa.func.max(week.c.week_no),
                  sa.func.max(sa.case((week.c.benefit_fraction > 0, week.c.week_no))))
        .group_by(week.c.member_id, week.c.period_start)).all()
    if not runs:
        return
    members_with_weeks = sa.select(week.c.member_id).distinct()
    stored: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for member_id, start, end in conn.execute(sa.select(period.c.member_id, period.c.start_date, period.c.end_date)
                                              .where(period.c.member_id.in_(members_with_weeks))):
        stored[member_id].append((start, end))
    first_days = {m_id: (day, placement) for m_id, day, placement in conn.execute(
        sa.select(member.c.id, member.c.first_unemployment_day, member.c.placement)
        .where(member.c.id.in_(members_with_weeks)))}

    unplaced, candidates = [], []  # (member_id, period_start)
    for member_id, start, last_week, last_on in runs:
        if any(s == start for s, _ in stored[member_id]):
            continue  # linked below
        if last_on is None or any(s <= start <= (e or date.max) for s, e in stored[member_id]):
            unplaced.append((member_id, start))
        else:
            candidates.append((member_id, start, last_week, last_on))
    starts: dict[int, list[date]] = defaultdict(list)
    for member_id, start, *_ in candidates:
        starts[member_id].append(start)
    for member_id, spans in stored.items():
        starts[member_id] += [s for s, _ in spans]
    stamp = datetime.now(UTC).replace(tzinfo=None)
    new_periods = []
    for member_id, start, last_week, last_on in candidates:
        later = min((s for s in starts[member_id] if s > start), default=None)
        end = None
        if last_on < last_week or later is not None:
            end = start + timedelta(days=7 * last_on - 1)
            if later is not None and end >= later:
                end = later - timedelta(days=1)
        first_day, placement = first_days.get(member_id, (None, None))
        if start != first_day or placement not in ('new', 'returning'):
            placement = 'returning' if any(s < start for s in starts[member_id]) else 'new'
        new_periods.append({'member_id': member_id, 'start_date': start, 'end_date': end,
                            'end_reason': None if end is None else 'other', 'placement': placement,
                            'target_group': None, 'source': 'weeks', 'imported_at': stamp})
    if new_periods:
        conn.execute(period.insert(), new_periods)
    if unplaced:
        gone = conn.execute(week.delete().where(week.c.member_id == sa.bindparam('m'),
                                                week.c.period_start == sa.bindparam('s')),
                            [{'m': m, 's': s} for m, s in unplaced]).rowcount
        log.warning("benefit weeks: %s weeks of %s runs deleted (inside another period, or never on benefit)",
                    gone, len(unplaced))
    conn.execute(week.update().values(period_id=sa.select(period.c.id).where(
        period.c.member_id == week.c.member_id, period.c.start_date == week.c.period_start).scalar_subquery()))
    log.info("benefit weeks: %s runs linked to their period, %s periods made from weeks",
             len(runs) - len(unplaced) - len(new_periods), len(new_periods))
    _delete_weeks_after_their_period(conn, today)


def _delete_weeks_after_their_period(conn, today: date) -> None:
    yesterday = today - timedelta(days=1)
    doomed, on_benefit = [], 0
    rows = conn.execute(sa.select(week.c.id, week.c.week_no, week.c.benefit_fraction, period.c.start_date,
                                  period.c.end_date).join(period, period.c.id == week.c.period_id))
    for week_id, week_no, fraction, start, end in rows:
        if start + timedelta(days=7 * (week_no - 1)) > min(end or yesterday, yesterday):
            doomed.append(week_id)
            on_benefit += fraction > 0
    for i in range(0, len(doomed), CHUNK):
        conn.execute(week.delete().where(week.c.id.in_(doomed[i:i + CHUNK])))
    if doomed:
        log.warning("benefit weeks: %s weeks after their period's end deleted (%s of them with benefit, which the "
                    "period contradicts)", len(doomed), on_benefit)
