"""offers.assign_right_and_duty_by_number: a caseworker assigns a session by typing the member's number."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, User
from portal.models.offers import OfferRegistration
from portal.services.errors import ValidationFailed
from portal.services.offers import offers
from tests.offers_helpers import NOW, make_offer, make_session

pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def setup(session, make):
    odense = make.location("Odense")
    cw = make.caseworker("sb", location=odense)
    member = make.member("mette", location=odense, caseworker=cw)
    s = make_session(session, make_offer(session), location=odense, capacity=2)
    return session.get(User, cw.user_id), member, s


def _registrations(session) -> int:
    return session.scalar(select(func.count()).select_from(OfferRegistration))


def test_the_member_with_the_number_gets_the_assignment(session, setup):
    cw_user, member, s = setup
    reg = offers.assign_right_and_duty_by_number(session, member.member_number, s.id, actor=cw_user, now=NOW)
    assert (reg.member_id, reg.status, reg.right_and_duty, reg.assigned_by_user_id) == (
        member.id, "registered", True, cw_user.id)
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "offers.right_and_duty_assigned", AuditEntry.member_id == member.id)) == 1


@pytest.mark.parametrize("typed", ["", "12a45", "mette", "-2000001"])
def test_a_number_with_other_than_digits_is_refused(session, setup, typed):
    cw_user, _member, s = setup
    with pytest.raises(ValidationFailed, match="kun cifre") as err:
        offers.assign_right_and_duty_by_number(session, typed, s.id, actor=cw_user, now=NOW)
    assert err.value.field == "member_number" and _registrations(session) == 0


def test_an_unknown_number_is_named_in_the_refusal(session, setup):
    cw_user, _member, s = setup
    with pytest.raises(ValidationFailed, match="Der findes ikke et medlem med nummer 99999") as err:
        offers.assign_right_and_duty_by_number(session, "99999", s.id, actor=cw_user, now=NOW)
    assert err.value.field == "member_number" and _registrations(session) == 0


def test_the_number_is_read_as_access_reads_a_typed_number(session, setup):
    """One rule for a typed member number (portal.services.access.member_by_number): spaces around it are not
    part of it, and more than 12 digits is nobody's number."""
    cw_user, member, s = setup
    reg = offers.assign_right_and_duty_by_number(session, f"  {member.member_number} ", s.id, actor=cw_user, now=NOW)
    assert reg.member_id == member.id
    with pytest.raises(ValidationFailed, match="Der findes ikke et medlem med nummer 1234567890123"):
        offers.assign_right_and_duty_by_number(session, "1234567890123", s.id, actor=cw_user, now=NOW)


# ---- which registrations are current (is_current, current_and_past, current_registrations_on) --------------

def test_current_registrations(session, make, setup):
    _cw_user, member, s = setup
    odense = member.location
    other_offer = make_offer(session, title="Temamøde: Ansøgningen")  # one session of each offer at most
    later = make_session(session, other_offer, location=odense, capacity=1, starts_in=timedelta(days=14))
    other = make.member("ole", location=odense)
    offers.register(session, other, later.id, actor="cli", now=NOW)
    seat = offers.register(session, member, s.id, actor="cli", now=NOW)
    waiting = offers.register(session, member, later.id, actor="cli", now=NOW, waitlist_if_full=True)
    assert (seat.status, waiting.status) == ("registered", "waitlisted")
    assert offers.current_registrations_on(session, member, [s.id, later.id]) == {s.id: seat, later.id: waiting}
    assert offers.current_registrations_on(session, member, []) == {}
    regs = offers.member_registrations(session, member, NOW, include_past=True)
    assert offers.current_and_past(regs, NOW) == ([seat, waiting], [])
    after_first = s.ends_at + timedelta(minutes=1)
    assert not offers.is_current(seat, after_first) and offers.is_current(waiting, after_first)
    assert offers.current_and_past(regs, after_first) == ([waiting], [seat])
    offers.cancel_registration(session, waiting, actor="cli", now=NOW)
    assert offers.current_registrations_on(session, member, [later.id]) == {}


# ---- offers.open_checkin_list: the staff's check-in list, its read audited -------------------------------------

def test_checkin_list_sorts_seats_by_name_and_the_line_by_arrival_and_is_audited(session, make, setup):
    from portal.models import AuditEntry

    cw_user, member, s = setup  # capacity 2
    odense = member.location
    anna = make.member("anna", location=odense, last_name="Andersen")
    late = make.member("late", location=odense)
    later = make.member("later", location=odense)
    for m in (member, anna, late, later):
        offers.register(session, m, s.id, actor="cli", now=NOW, waitlist_if_full=True)
    checkin = offers.open_checkin_list(session, cw_user, s, now=NOW)
    assert [r.member_id for r in checkin.seated] == [anna.id, member.id]  # Andersen before Medlem…
    assert [r.member_id for r in checkin.waiting] == [late.id, later.id]
    assert checkin.ended == [] and checkin.feedback == {} and checkin.feedback_allowed == set()
    assert not checkin.check_in_open  # the session starts in a week; check-in opens an hour before
    assert offers.open_checkin_list(session, cw_user, s, now=s.starts_at - timedelta(minutes=30)).check_in_open
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "offers.checkin_list_viewed")
                           .order_by(AuditEntry.id))
    assert entry.detail == {"members": 4, "fvu_feedback": 0} and entry.at == NOW
