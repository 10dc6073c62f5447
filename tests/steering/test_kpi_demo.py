"""The demo outcome histories are consistent with each member, and the dashboard's cache keeps page and export equal."""
from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from sqlalchemy import select

from portal.demo import seed_demo
from portal.models import Consent, Member
from portal.models.outcomes import BenefitPeriod, JobStart
from tests.steering.test_kpi_measures import period


def test_demo_histories_fit_each_members_status(app, session, clock):
    TODAY = clock.today
    seed_demo(session, members=600, seed=7, now=clock.now, password="demo-kode-123", areas=["outcomes"])
    members = {m.id: m for m in session.scalars(select(Member))}
    periods: dict[int, list[BenefitPeriod]] = {}
    for p in session.scalars(select(BenefitPeriod).order_by(BenefitPeriod.member_id, BenefitPeriod.start_date)):
        periods.setdefault(p.member_id, []).append(p)
    jobs = {}
    for j in session.scalars(select(JobStart)):
        jobs.setdefault(j.member_id, []).append(j)
    assert len(periods) > 300
    for member_id, spans in periods.items():
        for earlier, later in pairwise(spans):
            assert earlier.end_date is not None and earlier.end_date < later.start_date, member_id
        assert all(p.start_date >= TODAY - timedelta(days=4 * 365 + 1) for p in spans)
        assert all(p.end_date is None or p.end_date < TODAY for p in spans)
    returns = 0
    for member in members.values():
        spans = periods.get(member.id, [])
        if member.status == "ledig":
            assert spans and spans[-1].start_date == member.first_unemployment_day and spans[-1].end_date is None
            returns += len(spans) > 1
        elif member.status == "i_job" and member.first_unemployment_day:
            last = spans[-1]
            assert last.start_date == member.first_unemployment_day and last.end_reason == "job"
            assert any(j.start_date == last.end_date + timedelta(days=1) and j.kind == "employment"
                       for j in jobs[member.id])
        elif member.status == "opsagt":
            assert not any(p.end_date is None for p in spans)
    assert returns > 20  # returning members come back to benefit


def test_demo_dismissed_history_has_consents_and_past_notice_periods(app, session, clock):
    TODAY = clock.today
    seed_demo(session, members=600, seed=7, now=clock.now, password="demo-kode-123", areas=["outcomes"])
    past = session.scalars(select(Member).where(Member.mark_o.is_(True), Member.notice_end_date < TODAY)).all()
    assert past
    consented = set(session.scalars(select(Consent.member_id).where(Consent.purpose == "union_to_akasse")))
    assert len(consented & {m.id for m in past}) >= len(past) // 2
    for m in past:
        if m.status == "ledig":
            assert m.notice_end_date == m.first_unemployment_day - timedelta(days=1)


def test_page_and_export_share_the_cached_result_and_cache_can_be_turned_off(app, client, auth, make, session):
    make.user("styregruppe", role="steering")
    member = make.member(first_unemployment_day=date(2026, 1, 5))
    period(session, member, date(2026, 1, 5))
    make.commit()
    auth.login("styregruppe")
    query = "?fra=2026-01-01&til=2026-06-30&opdel=none"
    assert client.get("/styring" + query).status_code == 200
    other = make.member(first_unemployment_day=date(2026, 2, 2))
    period(session, other, date(2026, 2, 2))
    make.commit()
    cached = client.get("/styring/eksport.json" + query).get_json()
    n = {m["measure"]: m["n"] for m in cached["measures"] if m["split"] == "all"}
    assert n["survival_without_return"] == 1  # computed before the second member arrived
    app.config["KPI_CACHE_SECONDS"] = 0
    fresh = client.get("/styring/eksport.json" + query).get_json()
    n = {m["measure"]: m["n"] for m in fresh["measures"] if m["split"] == "all"}
    assert n["survival_without_return"] == 2
