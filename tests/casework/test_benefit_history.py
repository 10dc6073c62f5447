"""One benefit history: periods are the record, weeks their detail, written through benefit_history.save_periods."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.demo import seed_demo
from portal.demo.outcomes import BENEFIT_WEEK_MEMBERS
from portal.models.outcomes import BenefitPeriod, BenefitWeek
from portal.services.errors import ValidationFailed
from portal.services.steering.benefit_history import (
    PeriodRecord,
    last_week_no,
    save_periods,
    weeks_for_period,
)
from portal.services.steering.outcomes_import import import_outcomes

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)
HEADER = "member_number,record,start_date,end_date,end_reason,placement,target_group,permanent,job_kind\n"


def _weeks(session, period_id: int) -> list[tuple[int, float]]:
    return list(session.execute(select(BenefitWeek.week_no, BenefitWeek.benefit_fraction)
                                .where(BenefitWeek.period_id == period_id).order_by(BenefitWeek.week_no)))


@pytest.mark.parametrize("start, end, expected", [
    (date(2026, 1, 5), date(2026, 1, 18), (1.0, 1.0)),  # two whole weeks
    (date(2026, 1, 5), date(2026, 1, 21), (1.0, 1.0, 0.4286)),  # a last week of 3 days
    (date(2026, 1, 5), date(2026, 1, 5), (0.1429,)),  # one day
    (date(2026, 11, 9), None, (1.0, 1.0)),  # running: the whole weeks up to yesterday
    (date(2026, 11, 26), None, ()),
])
def test_weeks_for_a_period_end_in_its_last_week(start, end, expected):
    assert weeks_for_period(start, end, TODAY) == expected
    if end is not None:
        assert len(expected) == last_week_no(start, end, TODAY)


def test_save_periods_links_weeks_to_their_period_and_member(session, make):
    member = make.member()
    start = date(2026, 3, 2)
    result = save_periods(session, [PeriodRecord(member.id, start, date(2026, 3, 20), "job",
                                                 weeks=(1.0, 1.0, 0.7143))], source="import", today=TODAY, now=NOW)
    assert (result.created, result.updated, result.weeks_written) == (1, 0, 3)
    period = session.scalar(select(BenefitPeriod))
    assert [(w.week_no, w.member_id) for w in period.weeks] == [(1, member.id), (2, member.id), (3, member.id)]
    assert period.weeks[2].period is period


def test_saving_again_updates_the_period_and_replaces_its_weeks(session, make):
    member = make.member()
    start = date(2026, 3, 2)
    save_periods(session, [PeriodRecord(member.id, start, weeks=(1.0,) * 5)], source="demo", today=TODAY, now=NOW)
    result = save_periods(session, [PeriodRecord(member.id, start, weeks=(0.5,) * 3)], source="demo",
                          today=TODAY, now=NOW)
    period_id = session.scalar(select(BenefitPeriod.id))
    assert (result.created, result.updated) == (0, 1)
    assert _weeks(session, period_id) == [(1, 0.5), (2, 0.5), (3, 0.5)]


def test_weeks_that_do_not_fit_their_period_are_refused(session, make):
    member = make.member()
    start = date(2026, 3, 2)
    with pytest.raises(ValidationFailed, match="kun 2 uger ligger i perioden"):
        save_periods(session, [PeriodRecord(member.id, start, date(2026, 3, 10), "job", weeks=(1.0, 1.0, 0.0))],
                     source="import", today=TODAY, now=NOW)
    with pytest.raises(ValidationFailed, match="mellem 0 og 1"):
        save_periods(session, [PeriodRecord(member.id, start, weeks=(1.5,))], source="import", today=TODAY, now=NOW)
    with pytest.raises(ValidationFailed, match="slutter før den begynder"):
        save_periods(session, [PeriodRecord(member.id, start, date(2026, 3, 1), "job")], source="import",
                     today=TODAY, now=NOW)
    running_from_last_week = date(2026, 11, 20)  # one week has begun by yesterday
    with pytest.raises(ValidationFailed):
        save_periods(session, [PeriodRecord(member.id, running_from_last_week, weeks=(1.0, 1.0))],
                     source="import", today=TODAY, now=NOW)
    assert session.scalar(select(func.count()).select_from(BenefitPeriod)) == 0


def test_an_import_that_ends_a_period_removes_the_weeks_after_its_end(session, make):
    member = make.member(first_unemployment_day=date(2026, 1, 5))
    save_periods(session, [PeriodRecord(member.id, date(2026, 1, 5), weeks=(1.0,) * 20)], source="demo",
                 today=TODAY, now=NOW)
    session.commit()
    result = import_outcomes(session, HEADER + f"{member.member_number},benefit_period,2026-01-05,2026-02-04,job,,,,\n",
                             actor="cli", today=TODAY, now=NOW)
    assert result.imported and result.benefit_periods_updated == 1 and result.benefit_weeks_removed == 15
    period = session.scalar(select(BenefitPeriod))
    assert period.end_date == date(2026, 2, 4) and period.source == "import"
    assert [w for w, _ in _weeks(session, period.id)] == [1, 2, 3, 4, 5]  # week 5 holds 4 February


def test_deleting_a_period_deletes_its_weeks(session, make):
    member = make.member()
    save_periods(session, [PeriodRecord(member.id, date(2026, 3, 2), weeks=(1.0,) * 4)], source="demo",
                 today=TODAY, now=NOW)
    session.delete(session.scalar(select(BenefitPeriod)))
    session.flush()
    assert session.scalar(select(func.count()).select_from(BenefitWeek)) == 0


def test_deleting_a_period_in_sql_cascades_to_its_weeks_in_the_database(session, make):
    member = make.member()
    save_periods(session, [PeriodRecord(member.id, date(2026, 3, 2), weeks=(1.0,) * 4)], source="demo",
                 today=TODAY, now=NOW)
    session.commit()
    # A plain DELETE, not the ORM's relationship cascade: the database's ON DELETE CASCADE removes the weeks.
    session.execute(text("DELETE FROM benefit_period"))
    session.commit()
    assert session.scalar(text("SELECT count(*) FROM benefit_week")) == 0


def test_a_week_of_a_period_that_does_not_exist_is_refused(session, make):
    member = make.member()
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(BenefitWeek.__table__.insert().values(member_id=member.id, period_id=999_999, week_no=1,
                                                              benefit_fraction=1.0))
    session.rollback()
    assert session.scalar(text("SELECT count(*) FROM benefit_week")) == 0


def test_a_week_cannot_belong_to_another_members_period(session, make):
    owner, other = make.member(), make.member()
    save_periods(session, [PeriodRecord(owner.id, date(2026, 3, 2))], source="demo", today=TODAY, now=NOW)
    session.commit()
    period_id = session.scalar(select(BenefitPeriod.id))
    with pytest.raises(IntegrityError):
        session.execute(BenefitWeek.__table__.insert().values(member_id=other.id, period_id=period_id, week_no=1,
                                                              benefit_fraction=1.0))
    session.rollback()


def test_demo_weeks_lie_inside_a_period_of_the_same_member(app, session):
    summary = seed_demo(session, members=600, seed=7, now=NOW, password="demo-kode-123", areas=["outcomes"])
    assert summary["benefit_weeks"] > 0
    rows = session.execute(
        select(BenefitPeriod.id, BenefitPeriod.start_date, BenefitPeriod.end_date, BenefitWeek.member_id,
               BenefitPeriod.member_id, BenefitWeek.week_no)
        .join(BenefitPeriod, BenefitPeriod.id == BenefitWeek.period_id)).all()
    assert len(rows) == summary["benefit_weeks"]  # no week without its period
    weeks_by_period: dict[int, list[int]] = {}
    for period_id, start, end, week_member, period_member, week_no in rows:
        assert week_member == period_member
        assert start + timedelta(weeks=week_no - 1) <= (end or TODAY - timedelta(days=1))
        weeks_by_period.setdefault(period_id, []).append(week_no)
    assert 600 <= BENEFIT_WEEK_MEMBERS  # so every member's periods have their weeks here
    for p in session.scalars(select(BenefitPeriod)):
        numbers = sorted(weeks_by_period.get(p.id, []))
        assert numbers == list(range(1, len(weeks_for_period(p.start_date, p.end_date, TODAY)) + 1)), p.id
        if p.end_date is not None:  # the period's end lies in its last week
            assert p.start_date + timedelta(weeks=len(numbers) - 1) <= p.end_date < \
                p.start_date + timedelta(weeks=len(numbers))
        else:  # running: every whole week up to yesterday
            assert len(numbers) == (TODAY - p.start_date).days // 7
    shares = {f for (f,) in session.execute(select(BenefitWeek.benefit_fraction))}
    assert any(0 < f < 1 for f in shares)  # partial weeks: a last week cut short, odd hours
