"""The benefit history: benefit periods (ydelsesperioder) and their weekly detail, written in one place.

A benefit period (portal/models/outcomes.py) is the record of a period on benefit; `benefit_week` holds, per week of
a period, the share of the week on benefit. Everything that writes them (the outcome import, the demo seed, tests)
calls `save_periods`, which keeps a period's weeks inside it: week 1 starts on the first day, no week starts after
the period's last day (its end_date, or yesterday while it runs), and a period that gets an earlier end loses the
weeks after it. Whether a member's periods overlap is checked by the caller that can name the lines (the import).
No audit entry here: the caller records one for the whole batch.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from portal.models.outcomes import BenefitPeriod, BenefitWeek
from portal.services.errors import ValidationFailed

BATCH = 20_000
CHUNK = 5_000  # member ids per IN (…) lookup
PERIOD_COLUMNS = ("member_id", "start_date", "end_date", "end_reason", "placement", "target_group", "source",
                  "imported_at")
WEEK_COLUMNS = ("member_id", "period_id", "week_no", "benefit_fraction")


@dataclass(frozen=True, slots=True)
class PeriodRecord:
    """One benefit period to store, identified by (member_id, start_date)."""

    member_id: int
    start_date: date
    end_date: date | None = None  # None: still on benefit
    end_reason: str | None = None  # "job" / "other" exactly when end_date is given
    placement: str = "new"
    target_group: str | None = None
    weeks: tuple[float, ...] | None = None  # share on benefit of week 1, 2, … (replaces the stored weeks); None: keep


@dataclass
class SavedPeriods:
    created: int = 0
    updated: int = 0
    weeks_written: int = 0
    weeks_removed: int = 0  # stored weeks that now lay after their period's (new) end


def last_week_no(start: date, end: date | None, today: date) -> int:
    """The number of the period's last week: the week holding its end_date, or yesterday while it runs (0: none yet)."""
    last_day = min(end, today - timedelta(days=1)) if end else today - timedelta(days=1)
    return (last_day - start).days // 7 + 1 if last_day >= start else 0


def weeks_for_period(start: date, end: date | None, today: date) -> tuple[float, ...]:
    """Full-time benefit for each week of the period: 1.0, and the share of days in a last week cut short by its end.

    A running period gets its whole weeks up to yesterday (the current week is not over yet).
    """
    if end is None:
        return (1.0,) * max(0, (today - start).days // 7)
    count = last_week_no(start, end, today)
    last_day = min(end, today - timedelta(days=1))
    last_days = (last_day - start).days - 7 * (count - 1) + 1
    return (1.0,) * (count - 1) + (round(last_days / 7, 4),) if count else ()


def save_periods(session: Session, records: Sequence[PeriodRecord], *, source: str, today: date,
                 now: datetime) -> SavedPeriods:
    """Create or update the periods (and replace the weeks of those that bring weeks); keeps weeks inside periods.

    Raises ValidationFailed for a period that ends before it starts or weeks that do not fit their period.
    """
    for record in records:
        _check(record, today)
    result = SavedPeriods()
    stored = _stored(session, {(r.member_id, r.start_date) for r in records})
    stamp = _stored_timestamp(session, now)
    new_rows, changed_rows, trimmed = [], [], []
    for r in records:
        values = (r.member_id, r.start_date, r.end_date, r.end_reason, r.placement, r.target_group, source, stamp)
        key = (r.member_id, r.start_date)
        if key not in stored:
            new_rows.append(values)
            continue
        period_id, old_end = stored[key]
        changed = dict(zip(PERIOD_COLUMNS[2:7], values[2:7]), imported_at=now)
        changed_rows.append({"b_id": period_id, **{f"b_{c}": v for c, v in changed.items()}})
        if r.end_date is not None and (old_end is None or r.end_date < old_end):
            trimmed.append((period_id, last_week_no(r.start_date, r.end_date, today)))
    _insert_rows(session, BenefitPeriod.__tablename__, PERIOD_COLUMNS, new_rows)
    table = BenefitPeriod.__table__
    for i in range(0, len(changed_rows), BATCH):
        session.execute(update(table).where(table.c.id == bindparam("b_id"))
                        .values({c: bindparam(f"b_{c}") for c in PERIOD_COLUMNS[2:]}), changed_rows[i:i + BATCH])
    result.created, result.updated = len(new_rows), len(changed_rows)
    result.weeks_removed = _remove_weeks_after(session, trimmed)
    with_weeks = [r for r in records if r.weeks is not None]
    if with_weeks:
        result.weeks_written = _replace_weeks(session, with_weeks)
    return result


def _check(r: PeriodRecord, today: date) -> None:
    what = f"Ydelsesperioden fra {r.start_date} (medlem {r.member_id})"
    if r.end_date is not None and r.end_date < r.start_date:
        raise ValidationFailed(f"{what} slutter før den begynder.")
    if r.weeks is None:
        return
    if len(r.weeks) > last_week_no(r.start_date, r.end_date, today):
        raise ValidationFailed(f"{what} har {len(r.weeks)} uger, men kun "
                               f"{last_week_no(r.start_date, r.end_date, today)} uger ligger i perioden.")
    if any(not 0 <= f <= 1 for f in r.weeks):
        raise ValidationFailed(f"{what}: andelen af en uge på ydelse skal ligge mellem 0 og 1.")


def _stored(session: Session, keys: set[tuple[int, date]]) -> dict[tuple[int, date], tuple[int, date | None]]:
    """(member_id, start_date) → (id, end_date) of the stored periods among `keys`."""
    found: dict[tuple[int, date], tuple[int, date | None]] = {}
    member_ids = sorted({k[0] for k in keys})
    for i in range(0, len(member_ids), CHUNK):
        rows = session.execute(select(BenefitPeriod.member_id, BenefitPeriod.start_date, BenefitPeriod.id,
                                      BenefitPeriod.end_date)
                               .where(BenefitPeriod.member_id.in_(member_ids[i:i + CHUNK])))
        for member_id, start, period_id, end in rows:
            if (member_id, start) in keys:
                found[(member_id, start)] = (period_id, end)
    return found


def _remove_weeks_after(session: Session, trimmed: list[tuple[int, int]]) -> int:
    """Delete the stored weeks numbered after each (period_id, last week) pair."""
    last_by_period = dict(trimmed)
    doomed: list[int] = []
    ids = list(last_by_period)
    for i in range(0, len(ids), CHUNK):
        rows = session.execute(select(BenefitWeek.id, BenefitWeek.period_id, BenefitWeek.week_no)
                               .where(BenefitWeek.period_id.in_(ids[i:i + CHUNK])))
        doomed += [week_id for week_id, period_id, week_no in rows if week_no > last_by_period[period_id]]
    for i in range(0, len(doomed), CHUNK):
        session.execute(delete(BenefitWeek).where(BenefitWeek.id.in_(doomed[i:i + CHUNK])))
    return len(doomed)


def _replace_weeks(session: Session, records: list[PeriodRecord]) -> int:
    stored = _stored(session, {(r.member_id, r.start_date) for r in records})
    period_ids = [stored[(r.member_id, r.start_date)][0] for r in records]
    for i in range(0, len(period_ids), CHUNK):
        session.execute(delete(BenefitWeek).where(BenefitWeek.period_id.in_(period_ids[i:i + CHUNK])))
    rows = [(r.member_id, period_id, week_no, float(fraction))
            for r, period_id in zip(records, period_ids) for week_no, fraction in enumerate(r.weeks or (), start=1)]
    _insert_rows(session, BenefitWeek.__tablename__, WEEK_COLUMNS, rows)
    return len(rows)


def _stored_timestamp(session: Session, moment: datetime):
    """A UTCDateTime value as stored (naive UTC; SQLite's text form), for the driver-level insert below."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if session.get_bind().dialect.name == "sqlite" else naive


def _insert_rows(session: Session, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Driver-level executemany: the demo seed and a full import write a few hundred thousand periods, and
    SQLAlchemy's per-value bind processing would dominate the time."""
    rows = list(rows)
    if not rows:
        return
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "  # nosec B608 - table and column names are the models' own constants
           f"VALUES ({', '.join(marker for _ in columns)})")
    for i in range(0, len(rows), BATCH):
        conn.exec_driver_sql(sql, rows[i:i + BATCH])
