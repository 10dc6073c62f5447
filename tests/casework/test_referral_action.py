"""jobmatch.act_on_referral: what a caseworker's button on a job referral does."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.models.casework import JobOrder, Placement
from portal.services.access import staff_scope
from portal.services.casework import jobmatch
from portal.services.errors import Conflict, ValidationFailed

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def referral(make, session):
    odense = make.location()
    cw = make.caseworker("sb-odense", location=odense)
    member = make.member(location=odense, caseworker=cw, trade="Social- og sundhedshjælper")
    job = JobOrder(employer="Odense Kommune", title="SOSU-hjælper, dag", trade="Social- og sundhedshjælper",
                   location_id=odense.id, hours_per_week=32, employment="permanent",
                   deadline=TODAY + timedelta(days=14), contact_name="Hanne Lund", status="open", created_at=NOW,
                   updated_at=NOW)
    session.add(job)
    make.commit()
    scope = staff_scope(session, cw.user)
    return scope, jobmatch.refer_member(session, scope, job, member, today=TODAY, now=NOW)


def _act(session, scope, item, action, permanent="", start_date=""):
    return jobmatch.act_on_referral(session, scope, item, action, permanent=permanent, start_date=start_date,
                                    today=TODAY, now=NOW)


def _placements(session) -> int:
    return session.scalar(select(func.count()).select_from(Placement))


@pytest.mark.parametrize("action", ["interview", "rejected", "withdrawn"])
def test_any_other_action_is_the_referrals_new_status(session, referral, action):
    scope, item = referral
    _act(session, scope, item, action)
    assert item.status == action and _placements(session) == 0


@pytest.mark.parametrize(("answer", "permanent"), [("fast", True), ("midlertidig", False)])
def test_hired_registers_the_placement_as_answered(session, referral, answer, permanent):
    scope, item = referral
    placement = _act(session, scope, item, "hired", permanent=answer, start_date="2027-01-04")
    assert item.status == "hired" and (placement.permanent, placement.start_date) == (permanent, date(2027, 1, 4))


def test_hired_without_the_form_filled_names_what_is_missing(session, referral):
    scope, item = referral
    with pytest.raises(ValidationFailed) as err:
        _act(session, scope, item, "hired", permanent="måske", start_date="")
    assert "permanent" in err.value.errors and item.status == "referred" and _placements(session) == 0


@pytest.mark.parametrize(("start", "says"), [("2099-01-01", "mere end et år frem"), ("2025-11-01", "et år tilbage")])
def test_a_start_date_years_away_is_refused_as_a_typo(session, referral, start, says):
    scope, item = referral
    with pytest.raises(ValidationFailed, match=says):
        _act(session, scope, item, "hired", permanent="fast", start_date=start)
    assert item.status == "referred" and _placements(session) == 0
    _act(session, scope, item, "hired", permanent="fast", start_date="2027-11-30")  # within a year: fine
    assert item.status == "hired" and _placements(session) == 1


@pytest.mark.parametrize("action", ["", "referred", "slettet"])
def test_an_action_the_referral_cannot_take_is_refused(session, referral, action):
    scope, item = referral
    with pytest.raises(Conflict, match="kan ikke ændres til den status"):
        _act(session, scope, item, action)
    assert item.status == "referred"


# ---- jobmatch.open_job_order: the order's page, its read audited ----------------------------------------------

def test_open_job_order_shows_matches_while_open_and_audits_them(session, make, referral):
    from portal.models import AuditEntry

    scope, item = referral
    order = item.job_order
    other = make.location("Aalborg", "Nordjylland", 57.05, 9.92)
    unseen = make.member(location=other, trade="Social- og sundhedshjælper")
    jobmatch.refer_member(session, staff_scope(session, make.caseworker("sb-aalborg", location=other).user), order,
                          unseen, today=TODAY, now=NOW)
    page = jobmatch.open_job_order(session, scope, order, today=TODAY, now=NOW)
    assert page.is_open and [r.member_id for r in page.referrals] == [item.member_id, unseen.id]
    assert page.visible_member_ids == {item.member_id}  # the Aalborg member is not this caseworker's to open
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "jobmatch.order_viewed"))
    assert entry.detail == {"matches_shown": [m.id for m, _m in page.matches]} and entry.at == NOW
    closed = jobmatch.open_job_order(session, scope, order, today=order.deadline + timedelta(days=1), now=NOW)
    assert not closed.is_open and closed.matches == []


def test_the_member_is_told_of_the_referral_and_a_hire_cannot_start_before_it(session, referral):
    from portal.models import Notification

    scope, item = referral
    told = session.scalar(select(Notification).where(Notification.user_id == item.member.user_id))
    assert told.text.startswith("Vi har henvist dig til et job: SOSU-hjælper, dag hos Odense Kommune.")
    with pytest.raises(ValidationFailed, match="før henvisningen"):
        _act(session, scope, item, "hired", permanent="fast", start_date="2026-11-01")
    assert item.status == "referred" and _placements(session) == 0
