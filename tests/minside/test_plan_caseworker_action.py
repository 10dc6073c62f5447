"""plan.caseworker_action: what a caseworker's button on the conversation screen does to a Min plan item."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.models import AuditEntry
from portal.services.errors import Conflict, ValidationFailed
from portal.services.minside import plan

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def people(make):
    cw = make.caseworker("sagsb")
    member = make.member("mette", caseworker=cw, first_unemployment_day=date(2026, 1, 7))
    make.commit()
    return cw, member


def _proposal(session, member):
    return plan.propose_item(session, member, kind="education", title="Kursus i demens", actor=member.user, now=NOW)


def _audit_actions(session, item) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(item.id),
                                                                AuditEntry.action.like("plan.%"))
                                .order_by(AuditEntry.id)))


def test_accept_makes_the_members_proposal_agreed(session, people):
    cw, member = people
    item = _proposal(session, member)
    plan.caseworker_action(session, item, "accept", cw.user, NOW + timedelta(hours=1))
    assert item.status == "active" and item.decided_by_user_id == cw.user_id
    assert [e.kind for e in item.events] == ["proposed", "accepted"]


def test_reject_keeps_the_reason_for_the_member(session, people):
    cw, member = people
    item = _proposal(session, member)
    plan.caseworker_action(session, item, "reject", cw.user, NOW, reason="Passer ikke med rådighed")
    assert item.status == "rejected" and item.events[-1].text == "Passer ikke med rådighed"


@pytest.mark.parametrize(("action", "expected"), [("done", "done"), ("cancelled", "cancelled")])
def test_a_status_action_moves_an_agreed_item(session, people, action, expected):
    cw, member = people
    item = plan.propose_item(session, member, kind="job_search", title="Søg 3 job om ugen", actor=cw.user, now=NOW)
    plan.caseworker_action(session, item, action, cw.user, NOW + timedelta(hours=1))
    assert item.status == expected
    assert _audit_actions(session, item)[-1] == "plan.status"


def test_active_takes_a_cancelled_item_up_again(session, people):
    cw, member = people
    item = plan.propose_item(session, member, kind="job_search", title="Søg job", actor=cw.user, now=NOW)
    plan.caseworker_action(session, item, "cancelled", cw.user, NOW + timedelta(hours=1))
    plan.caseworker_action(session, item, "active", cw.user, NOW + timedelta(hours=2))
    assert item.status == "active"


def test_accepting_twice_is_refused(session, people):
    cw, member = people
    item = _proposal(session, member)
    plan.caseworker_action(session, item, "accept", cw.user, NOW)
    with pytest.raises(Conflict):
        plan.caseworker_action(session, item, "accept", cw.user, NOW)


@pytest.mark.parametrize("action", ["", "proposed", "awaiting_jc", "slet"])
def test_any_other_action_is_refused_and_changes_nothing(session, people, action):
    cw, member = people
    item = _proposal(session, member)
    assert action not in plan.CASEWORKER_ACTIONS
    with pytest.raises(ValidationFailed, match="Ukendt handling"):
        plan.caseworker_action(session, item, action, cw.user, NOW)
    assert item.status == "proposed" and [e.kind for e in item.events] == ["proposed"]


@pytest.mark.parametrize("raw", [None, "", "abc", "²", "①", "-1", "1234567890"])
def test_form_version_refuses_what_is_not_a_version_number(raw):
    with pytest.raises(Conflict):
        plan.form_version(raw)


def test_form_version_reads_the_shown_version():
    assert plan.form_version(" 3 ") == 3
