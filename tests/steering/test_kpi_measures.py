"""Each steering measure on a small hand-made fixture with answers worked out by hand (docs/kpi.md).

The fixture (today 27 Nov 2026, period of first days 1 Jan – 30 Jun 2026):
  A group 1, new:        benefit 5 Jan – 15 Feb (job), permanent job from 16 Feb
  B group 2a, returning: benefit 12 Jan – 31 May (other); held focus conversation 10 Mar; a Min plan proposal
  C group 1, new:        benefit from 2 Feb, still running; odd hours from 1 Mar; webinar registered, not attended
  D group 2b, new:       benefit 1 – 20 Jun (job), temporary job 21 Jun – 31 Jul, back on benefit 15 Aug
  E dismissed (mark O):  benefit 2 – 20 Mar (job), job from 21 Mar
  F group 1:             benefit from 1 Dec 2025 (outside the period)
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.models import Booking, Consent
from portal.models.casework import JobOrder, JobReferral, Placement
from portal.models.offers import Offer, OfferRegistration, OfferSession
from portal.models.outcomes import BenefitPeriod, JobStart
from portal.models.plan import PlanItem
from portal.models.scheduling import SatisfactionSurvey, SurveyAnswer
from portal.services.steering import kpi
from portal.timeutil import local_to_utc

TODAY = date(2026, 11, 27)
# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)
PERIOD = kpi.Filters(date(2026, 1, 1), date(2026, 6, 30), split="segment")
_uid = iter(range(1, 10_000))


def period(session, member, start, end=None, reason=None, placement="new", group=None):
    row = BenefitPeriod(member_id=member.id, start_date=start, end_date=end, end_reason=reason, placement=placement,
                        target_group=group, source="import", imported_at=NOW)
    session.add(row)
    session.flush()
    return row


def job(session, member, start, end=None, permanent=True, kind="employment"):
    session.add(JobStart(member_id=member.id, start_date=start, end_date=end, permanent=permanent, kind=kind,
                         source="import", imported_at=NOW))
    session.flush()


def booking(session, member, caseworker, type_, when: datetime, status="held", created: datetime | None = None):
    """A conversation at a local (Copenhagen) wall-clock time."""
    starts = local_to_utc(when)
    row = Booking(uid=f"t{next(_uid)}@test", member_id=member.id, caseworker_id=caseworker.id,
                  location_id=caseworker.location_id, type=type_, channel="in_person", starts_at=starts,
                  ends_at=starts + timedelta(minutes=30), status=status, sequence=0, with_jobcenter=False,
                  created_at=local_to_utc(created) if created else starts - timedelta(days=2), updated_at=starts)
    session.add(row)
    session.flush()
    return row


def answer(session, member, caseworker, when: datetime, overall, knew_trade, closer=None, placement="new"):
    b = booking(session, member, caseworker, "followup_phone", when)
    survey = SatisfactionSurvey(booking_id=b.id, member_id=member.id, nonce="n", asks_closer_to_job=closer is not None,
                                language="da", created_at=b.starts_at, expires_at=b.starts_at + timedelta(days=14),
                                answered_at=b.starts_at + timedelta(hours=2))
    session.add(survey)
    session.flush()
    session.add(SurveyAnswer(survey_id=survey.id, booking_id=b.id, member_id=member.id, caseworker_id=caseworker.id,
                             answered_at=b.starts_at + timedelta(hours=2), conversation_type="followup_phone",
                             target_group=member.target_group, member_status=member.status, placement=placement,
                             overall=overall, knew_trade=knew_trade, closer_to_job=closer))
    session.flush()


def offer_registration(session, member, kind, when: datetime, status):
    now = NOW
    offer = Offer(kind=kind, title=f"{kind} test", created_at=now, updated_at=now)
    session.add(offer)
    session.flush()
    starts = local_to_utc(when)
    ses = OfferSession(offer_id=offer.id, starts_at=starts, ends_at=starts + timedelta(hours=1),
                       online_link="https://eksempel.dk/webinar", capacity=10, seats_taken=1, status="open",
                       created_at=now, updated_at=now)
    session.add(ses)
    session.flush()
    session.add(OfferRegistration(session_id=ses.id, member_id=member.id, status=status, registered_at=now,
                                  created_at=now, updated_at=now))
    session.flush()


def plan_item(session, member, created: datetime, status="proposed"):
    at = local_to_utc(created)
    session.add(PlanItem(member_id=member.id, kind="job_search", title="Søg 5 job om ugen", status=status,
                         proposed_by="member", created_at=at, updated_at=at))
    session.flush()


def placement(session, member, start: date, permanent: bool):
    now = NOW
    order = JobOrder(employer="Odense Kommune", title="SOSU-hjælper", trade="Social- og sundhedshjælper",
                     location_id=member.location_id, employment="permanent" if permanent else "temporary",
                     deadline=start, contact_name="Leder", status="filled", created_at=now, updated_at=now)
    session.add(order)
    session.flush()
    ref = JobReferral(job_order_id=order.id, member_id=member.id, status="hired", referred_at=now, updated_at=now)
    session.add(ref)
    session.flush()
    session.add(Placement(job_referral_id=ref.id, member_id=member.id, job_order_id=order.id, permanent=permanent,
                          start_date=start, registered_at=now))
    session.flush()


@pytest.fixture
def fixture(session, make):
    cw = make.caseworker()
    a = make.member(target_group="1", first_unemployment_day=date(2026, 1, 5), status="i_job")
    b = make.member(target_group="2a", first_unemployment_day=date(2026, 1, 12), status="i_job",
                    placement="returning")
    c = make.member(target_group="1", first_unemployment_day=date(2026, 2, 2))
    d = make.member(target_group="2b", first_unemployment_day=date(2026, 8, 15))
    e = make.member(target_group="1", first_unemployment_day=date(2026, 3, 2), status="i_job", mark_o=True,
                    notice_end_date=date(2026, 3, 1))
    f = make.member(target_group="1", first_unemployment_day=date(2025, 12, 1))
    period(session, a, date(2026, 1, 5), date(2026, 2, 15), "job")
    job(session, a, date(2026, 2, 16))
    period(session, b, date(2026, 1, 12), date(2026, 5, 31), "other", placement="returning")
    booking(session, b, cw, "focus", datetime(2026, 3, 10, 10, 0))
    plan_item(session, b, datetime(2026, 2, 1, 12, 0))
    period(session, c, date(2026, 2, 2))
    job(session, c, date(2026, 3, 1), permanent=False, kind="odd_hours")
    offer_registration(session, c, "webinar", datetime(2026, 3, 15, 10, 0), "registered")
    plan_item(session, c, datetime(2026, 3, 1, 12, 0), status="rejected")
    period(session, d, date(2026, 6, 1), date(2026, 6, 20), "job")
    job(session, d, date(2026, 6, 21), date(2026, 7, 31), permanent=False)
    period(session, d, date(2026, 8, 15))
    period(session, e, date(2026, 3, 2), date(2026, 3, 20), "job")
    job(session, e, date(2026, 3, 21))
    period(session, f, date(2025, 12, 1))
    # Satisfaction: A 10/7, B 1/10 (closer 8), C 8/4; A's second answer falls after A's period and is left out.
    answer(session, a, cw, datetime(2026, 1, 20, 10, 0), 10, 7)
    answer(session, b, cw, datetime(2026, 3, 11, 10, 0), 1, 10, closer=8, placement="returning")
    answer(session, c, cw, datetime(2026, 3, 2, 10, 0), 8, 4)
    answer(session, a, cw, datetime(2026, 3, 3, 10, 0), 1, 1)
    make.commit()
    return {"cw": cw, "a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def rows(session, filters=PERIOD):
    report = kpi.build_report(session, filters, TODAY)
    return {row.measure.key: row for row in report.rows}, report


def test_in_a_job_after_13_and_26_weeks(session, fixture):
    r, _ = rows(session)
    # The application states these for målgruppe 1 only: A and C (B, D are group 2, E is dismissed).
    # 13 weeks: both have reached day 92; in a job: A (job), C (odd hours) → 2 of 2.
    assert (r["in_job_13w"].total.value, r["in_job_13w"].total.n) == (100.0, 2)
    # 26 weeks: A (from 5 Jan) and C (from 2 Feb) have reached day 183, both still in a job.
    assert (r["in_job_26w"].total.value, r["in_job_26w"].total.n) == (100.0, 2)
    assert set(r["in_job_13w"].by_split) == {"group1"}  # no row for groups the target is not stated for
    assert r["in_job_13w"].total.status == "met"
    assert r["in_job_13w"].measure.group == "group1"


def test_in_a_job_counts_a_group_1_period_that_is_not_in_a_job(session, make, fixture):
    late = make.member(target_group="1", first_unemployment_day=date(2026, 3, 2), status="ledig")
    period(session, late, date(2026, 3, 2), group="1")
    make.commit()
    r, _ = rows(session)
    assert (r["in_job_13w"].total.value, r["in_job_13w"].total.n) == (66.7, 3)
    assert r["in_job_13w"].total.status == "not_met"


def test_survival_without_return_matches_hand_computed_kaplan_meier(session, fixture):
    # Days on benefit: E 19, D 20, A 42, B 140 (events); C 299 (censored). In weeks: 2.71, 2.86, 6, 20.
    # S = 4/5 after E, 3/5 after D, 2/5 after A, 1/5 after B.
    r, report = rows(session)
    curve = report.curves["without"]["all"]
    expected = {0: 1.0, 2: 1.0, 3: 0.6, 5: 0.6, 6: 0.4, 13: 0.4, 19: 0.4, 20: 0.2, 52: 0.2}
    for week, survival in expected.items():
        assert curve[week]["survival"] == pytest.approx(survival), week
    assert curve[3]["at_risk"] == 3  # A (6 w), B (20 w) and C (42.7 w) are still observed at week 3
    assert (r["survival_without_return"].total.value, r["survival_without_return"].total.n) == (40.0, 5)
    assert r["survival_without_return"].total.status == "not_met"


def test_survival_with_return_keeps_a_member_who_came_back_within_13_weeks(session, fixture):
    # D left on 20 June and came back on 15 August (56 days): the episode runs on (still running → censored).
    # Events: E 2.71 w (5 at risk) → 4/5; A 6 w (4 at risk) → 3/5; B 20 w (3 at risk) → 2/5.
    r, report = rows(session)
    curve = report.curves["with"]["all"]
    assert curve[3]["survival"] == pytest.approx(0.8)
    assert curve[13]["survival"] == pytest.approx(0.6)
    assert curve[20]["survival"] == pytest.approx(0.4)
    assert r["survival_with_return"].total.value == 60.0


def test_satisfaction_on_the_0_to_100_scale(session, fixture):
    r, _ = rows(session)
    # 1 → 0, 10 → 100: A 10 → 100, B 1 → 0, C 8 → 77.8; A's answer after the period ended is not counted.
    assert (r["satisfaction_overall"].total.value, r["satisfaction_overall"].total.n) == (59.3, 3)
    assert (r["satisfaction_new"].total.value, r["satisfaction_new"].total.n) == (88.9, 2)
    assert (r["satisfaction_returning"].total.value, r["satisfaction_returning"].total.n) == (0.0, 1)
    assert r["satisfaction_new"].total.status == "met" and r["satisfaction_returning"].total.status == "not_met"
    # knew my trade: 7 → 66.7, 10 → 100, 4 → 33.3
    assert (r["knew_trade"].total.value, r["knew_trade"].total.n) == (66.7, 3)
    # came closer, a share of members who agree (6–10): only B (group 2a, took part in a focus conversation)
    # answered, with 8 → agrees.
    assert (r["came_closer"].total.value, r["came_closer"].total.n) == (100.0, 1)


def test_came_closer_takes_the_members_latest_answer(session, fixture):
    b = fixture["b"]
    answer(session, b, fixture["cw"], datetime(2026, 5, 20, 12, 0), 6, 6, closer=5, placement="returning")
    session.commit()
    r, _ = rows(session)
    assert (r["came_closer"].total.value, r["came_closer"].total.n) == (0.0, 1)  # 5 is on the disagreeing half
    assert r["came_closer"].total.status == "not_met"


def test_participation_of_members_still_unemployed_after_13_weeks(session, fixture):
    r, _ = rows(session)
    # Still on benefit on day 92: B and C. B had a held focus conversation; C's webinar was not attended.
    assert (r["extra_course"].total.value, r["extra_course"].total.n) == (50.0, 2)
    # B proposed a plan item; C's only item was rejected.
    assert (r["plan_draft"].total.value, r["plan_draft"].total.n) == (50.0, 2)
    # Group 2 only (95 %): B; D's period ended before day 92.
    assert (r["extra_course_group2"].total.value, r["extra_course_group2"].total.n) == (100.0, 1)
    assert set(r["extra_course_group2"].by_split) == {"group2"}


def test_attended_fvu_course_counts_as_extra_course(session, fixture):
    offer_registration(session, fixture["c"], "fvu_course", datetime(2026, 4, 1, 9, 0), "attended")
    session.commit()
    r, _ = rows(session)
    assert r["extra_course"].total.value == 100.0


def test_dismissed_members_with_consent(session, make, fixture):
    cw = fixture["cw"]
    g = make.member(status="i_job", first_unemployment_day=None, mark_o=True, notice_end_date=date(2026, 3, 31),
                    target_group=None)
    h = make.member(status="ledig", first_unemployment_day=date(2026, 5, 1), mark_o=True,
                    notice_end_date=date(2026, 4, 30), target_group=None)
    no_consent = make.member(status="i_job", first_unemployment_day=None, mark_o=True,
                             notice_end_date=date(2026, 5, 15), target_group=None)
    for m, given in ((g, datetime(2026, 2, 1, 12)), (h, datetime(2026, 3, 1, 12))):
        session.add(Consent(member_id=m.id, purpose="union_to_akasse", text_shown="Samtykke", source="chatbot",
                            given_at=local_to_utc(given)))
    booking(session, g, cw, "followup_phone", datetime(2026, 2, 15, 10, 0))
    booking(session, no_consent, cw, "followup_phone", datetime(2026, 2, 16, 10, 0))
    job(session, g, date(2026, 4, 1))
    make.commit()
    r, _ = rows(session)
    assert (r["dismissed_conversation"].total.value, r["dismissed_conversation"].total.n) == (50.0, 2)
    assert (r["dismissed_job"].total.value, r["dismissed_job"].total.n) == (50.0, 2)
    assert r["dismissed_job"].by_split["dismissed"].n == 2


def test_jobmatch_placements_per_year_and_permanent_share(session, fixture):
    placement(session, fixture["a"], date(2026, 2, 16), True)
    placement(session, fixture["e"], date(2026, 3, 21), True)
    placement(session, fixture["c"], date(2026, 6, 30), False)
    placement(session, fixture["f"], date(2026, 7, 1), True)  # after the period
    session.commit()
    r, _ = rows(session)
    # 3 placements in 181 days → 3 × 365.25 / 181 = 6.05 per year; 2 of 3 permanent.
    assert (r["jobmatch_per_year"].total.value, r["jobmatch_per_year"].total.n) == (6.1, 3)
    assert (r["jobmatch_permanent"].total.value, r["jobmatch_permanent"].total.n) == (66.7, 3)
    assert r["jobmatch_permanent"].total.status == "met"


def test_filters_location_segment_and_placement(session, make, fixture):
    other = make.location("Aalborg", "Nordjylland", 57.0, 9.9)
    x = make.member(target_group="1", first_unemployment_day=date(2026, 1, 5), location=other, status="i_job")
    period(session, x, date(2026, 1, 5), date(2026, 1, 20), "other")
    make.commit()
    r, _ = rows(session, kpi.Filters(PERIOD.date_from, PERIOD.date_to, location_id=other.id, split="none"))
    assert (r["in_job_13w"].total.value, r["in_job_13w"].total.n) == (0.0, 1)
    r, _ = rows(session, kpi.Filters(PERIOD.date_from, PERIOD.date_to, segment="group2", split="placement"))
    assert r["survival_without_return"].total.n == 2  # B and D
    assert set(r["survival_without_return"].by_split) == {"new", "returning"}
    assert r["in_job_13w"].total.n == 0  # a group 1 criterion: nothing left when filtered to group 2
    r, _ = rows(session, kpi.Filters(PERIOD.date_from, PERIOD.date_to, placement="returning", split="location"))
    assert r["survival_without_return"].total.n == 1  # B


def test_measures_without_a_source_say_so(session, fixture):
    r, _ = rows(session)
    for key in ("matching_satisfaction_members", "matching_satisfaction_employers", "jobcentre_agreements",
                "jobcentre_satisfied"):
        assert r[key].total.status == "not_measured" and r[key].total.value is None


def test_an_empty_period_gives_no_data_not_zero(session, fixture):
    r, report = rows(session, kpi.Filters(date(2020, 1, 1), date(2020, 12, 31)))
    assert r["in_job_13w"].total.value is None and r["in_job_13w"].total.status == "no_data"
    assert report.curves["without"]["all"] == []


@pytest.mark.parametrize("args,field", [
    ({"fra": "2026-13-01"}, "fra"),
    ({"fra": "2026-06-01", "til": "2026-01-01"}, "til"),
    ({"fra": "2000-01-01", "til": "2026-01-01"}, "til"),
    ({"sted": "999"}, "sted"),
    ({"gruppe": "3"}, "gruppe"),
    ({"indplacering": "x"}, "indplacering"),
    ({"opdel": "køn"}, "opdel"),
])
def test_bad_filters_are_refused_in_danish(session, args, field):
    with pytest.raises(kpi.ValidationFailed) as err:
        kpi.parse_filters(session, args, TODAY)
    assert field in err.value.errors


@pytest.mark.parametrize("args,field", [
    ({"fra": "1999-12-31", "til": "2000-01-31"}, "fra"),
    ({"fra": "0001-01-01", "til": "0001-12-31"}, "fra"),
    ({"fra": "2031-12-01", "til": "2032-01-01"}, "til"),  # TODAY is in 2026: up to the end of 2031
    ({"fra": "9999-12-25", "til": "9999-12-31"}, "fra"),
])
def test_a_period_must_lie_between_2000_and_five_years_ahead(session, args, field):
    with pytest.raises(kpi.ValidationFailed) as err:
        kpi.parse_filters(session, args, TODAY)
    which = "Startdatoen" if field == "fra" else "Slutdatoen"
    assert err.value.errors[field] == f"{which} skal ligge fra 1. januar 2000 til og med 31. december 2031."


def test_the_edges_of_the_allowed_period_are_accepted(session):
    f = kpi.parse_filters(session, {"fra": "2000-01-01", "til": "2000-01-01"}, TODAY)
    assert f.date_from == date(2000, 1, 1)
    f = kpi.parse_filters(session, {"fra": "2031-12-31", "til": "2031-12-31"}, TODAY)
    assert f.date_to == date(2031, 12, 31)
    assert kpi.latest_day(date(9999, 6, 1)) == date(9998, 12, 31)  # a far-off "today" (flask kpi report --today)


def test_a_target_for_the_whole_trial_gives_no_verdict_on_a_part(session, fixture):
    placement(session, fixture["a"], date(2026, 2, 16), True)
    placement(session, fixture["e"], date(2026, 3, 21), True)
    session.commit()
    r, _ = rows(session)
    row = r["jobmatch_per_year"]
    assert row.total.status == "not_met"  # 4 a year against 600: the whole trial is judged
    assert {key: cell.status for key, cell in row.by_split.items()} == {"group1": "total_only",
                                                                       "dismissed": "total_only"}
    assert r["jobmatch_permanent"].by_split["group1"].status == "met"  # a share is judged per group
    r, _ = rows(session, kpi.Filters(PERIOD.date_from, PERIOD.date_to, location_id=fixture["a"].location_id,
                                     split="none"))
    assert r["jobmatch_per_year"].total.status == "total_only"  # one location is a part of the trial too


@pytest.mark.parametrize("split,key,applies", [
    ("segment", "group1", True), ("segment", "group2", False), ("segment", "dismissed", False),
    ("placement", "new", True), ("location", "3", True),
])
def test_a_criterion_stated_for_one_group_does_not_apply_to_the_others(split, key, applies):
    assert kpi.applies_to(kpi.MEASURES_BY_KEY["in_job_13w"], split, key) is applies
    assert kpi.applies_to(kpi.MEASURES_BY_KEY["survival_without_return"], split, key) is True


def test_default_period_is_the_52_weeks_up_to_13_weeks_ago(session):
    f = kpi.parse_filters(session, {}, TODAY)
    assert f.date_to == TODAY - timedelta(days=91)
    assert f.date_from == f.date_to - timedelta(days=364)


@pytest.mark.parametrize("value,target,baseline,lower,expected", [
    (81, 80, None, False, "met"), (76, 80, None, False, "close"), (70, 80, None, False, "not_met"),
    (9.9, 10, 11.5, True, "met"), (11, 10, 11.5, True, "close"), (12, 10, 11.5, True, "not_met"),
])
def test_status_against_target(value, target, baseline, lower, expected):
    m = kpi.Measure("x", "s", "t", "p", "d", "share", target=target, baseline=baseline, lower_is_better=lower)
    assert kpi.status_of(m, kpi.Cell(value, 50)) == expected
