"""Offers services: registration, waiting list with held seats, right-and-duty, attendance (frozen time)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.models import AuditEntry, Member, Notification, OutboxMessage, User
from portal.models.offers import OfferRegistration, OfferSession
from portal.services.errors import Conflict, NotAllowed, ValidationFailed
from portal.services.offers import offer_editing, offer_messages, offers, waitlist
from tests.offers_helpers import NOW, make_offer, make_session

# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


def _user(session, member):
    return session.get(User, member.user_id)


@pytest.fixture
def setup(session, make):
    odense = make.location("Odense")
    cw = make.caseworker("sb", location=odense)
    offer = make_offer(session)
    return odense, cw, offer


def test_register_takes_a_seat_and_sends_confirmation_with_ics(session, make, setup):
    odense, _cw, offer = setup
    member = make.member("mette", location=odense)
    s = make_session(session, offer, location=odense, capacity=2)
    reg = offers.register(session, member, s.id, actor=_user(session, member), now=NOW)
    session.commit()
    assert reg.status == "registered"
    assert session.get(OfferSession, s.id).seats_taken == 1
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "offers.registered"))
    assert mail.to_address == member.email and "Tilmeldt" in mail.subject
    assert mail.attachments[0].filename == "tilbud.ics" and b"METHOD:REQUEST" in mail.attachments[0].content
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "offers.registered")).member_id == member.id


def test_full_session_puts_member_on_the_waiting_list_in_order(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    first, second, third = (make.member(location=odense) for _ in range(3))
    offers.register(session, first, s.id, actor="cli", now=NOW)
    r2 = offers.register(session, second, s.id, actor="cli", now=NOW + timedelta(minutes=1))
    r3 = offers.register(session, third, s.id, actor="cli", now=NOW + timedelta(minutes=2))
    assert (r2.status, r3.status) == ("waitlisted", "waitlisted")
    assert waitlist.waitlist_position(session, r2) == 1 and waitlist.waitlist_position(session, r3) == 2
    assert session.get(OfferSession, s.id).seats_taken == 1


def test_full_session_refused_when_member_does_not_want_the_list(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    offers.register(session, make.member(location=odense), s.id, actor="cli", now=NOW)
    with pytest.raises(offers.SessionFull):
        offers.register(session, make.member(location=odense), s.id, actor="cli", now=NOW, waitlist_if_full=False)


@pytest.mark.parametrize("first_status", ["registered", "waitlisted"])
def test_duplicate_registration_is_refused(session, make, setup, first_status):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1 if first_status == "waitlisted" else 5)
    if first_status == "waitlisted":
        offers.register(session, make.member(location=odense), s.id, actor="cli", now=NOW)
    member = make.member(location=odense)
    offers.register(session, member, s.id, actor="cli", now=NOW)
    with pytest.raises(offers.AlreadyRegistered) as err:
        offers.register(session, member, s.id, actor="cli", now=NOW)
    assert "allerede" in err.value.message
    assert session.scalar(select(func.count()).select_from(OfferRegistration)
                          .where(OfferRegistration.member_id == member.id)) == 1


def test_past_or_started_session_is_refused(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, starts_in=timedelta(hours=-1))
    with pytest.raises(offers.SessionClosed) as err:
        offers.register(session, make.member(location=odense), s.id, actor="cli", now=NOW)
    assert "begyndt" in err.value.message


@pytest.mark.parametrize("status,group,allowed", [
    ("ledig", "1", False), ("ledig", "2a", True), ("ledig", "2b", True), ("opsagt", None, False),
    ("sygemeldt", "2a", True), ("i_job", "2a", False),
])
def test_group_2_offer_is_only_open_to_group_2(session, make, setup, status, group, allowed):
    odense, _cw, _ = setup
    offer = make_offer(session, kind="webinar", title="Sådan går du til samtale", topic="interview",
                       groups=("2a", "2b"))
    s = make_session(session, offer)
    member = make.member(location=odense, status=status, target_group=group)
    assert (offer in offers.list_offers(session, member=member, now=NOW)) is allowed
    if allowed:
        assert offers.register(session, member, s.id, actor="cli", now=NOW).status == "registered"
    else:
        with pytest.raises(offers.NotOpenToMember):
            offers.register(session, member, s.id, actor="cli", now=NOW)


def test_fvu_course_needs_an_fvu_test_first_unless_caseworker_assigns(session, make, setup):
    odense, cw, _ = setup
    course = make_offer(session, kind="fvu_course", title="FVU-læsning", fvu_subject="reading", course_hours=40,
                        requires_fvu_test=True)
    s = make_session(session, course, location=odense, hours=3)
    member = make.member(location=odense, caseworker=cw)
    with pytest.raises(offers.NotOpenToMember) as err:
        offers.register(session, member, s.id, actor="cli", now=NOW)
    assert "FVU-test" in err.value.message
    reg = offers.assign_right_and_duty(session, member, s.id, actor=_user(session, cw), now=NOW)
    assert reg.status == "registered" and reg.right_and_duty


def _joinable(session, member) -> list:
    """What the member can join, read both ways: list_offers' offers, and the rows Min side reads (id, title and
    the next open session's start, by joinable_offer_titles, on the connection: flushed first, as a page has nothing
    unflushed) in the same order."""
    found = offers.list_offers(session, member=member, now=NOW, joinable=True)
    session.flush()
    assert [tuple(row) for row in offers.joinable_offer_titles(session, member, now=NOW, limit=50)] == [
        (offer.id, offer.title, min(s.starts_at for s in offer.sessions if s.status == "open" and s.starts_at > NOW))
        for offer in found]
    return found


def test_what_a_member_can_join_leaves_out_what_they_are_signed_up_or_waiting_for(session, make, setup):
    # Min side listed a theme meeting under "offers you can sign up for" while she was on its waiting list.
    odense, cw, offer = setup
    full = make_session(session, offer, location=odense, capacity=1)
    member, first = make.member(location=odense, caseworker=cw), make.member(location=odense, caseworker=cw)
    offers.register(session, first, full.id, actor="cli", now=NOW)
    assert offer in _joinable(session, member)
    assert offers.register(session, member, full.id, actor="cli", now=NOW).status == "waitlisted"
    session.flush()
    assert offer not in _joinable(session, member)
    assert offer not in _joinable(session, first)
    assert offer in offers.list_offers(session, member=member, now=NOW)  # the catalogue still shows it


def test_what_a_member_can_join_leaves_out_fvu_courses_until_they_have_taken_the_test(session, make, setup):
    """Min side's "offers you can sign up for" listed FVU courses to members who then got "take an FVU test first"
    (walk-through, 5 December): `joinable` applies the sign-up rule in the list's own statement."""
    odense, cw, offer = setup
    course = make_offer(session, kind="fvu_course", title="FVU-læsning", fvu_subject="reading", course_hours=40,
                        requires_fvu_test=True)
    make_session(session, course, location=odense, hours=3)
    make_session(session, offer, location=odense)
    test = make_offer(session, kind="fvu_test", title="FVU-test")
    test_session = make_session(session, test, location=odense, starts_in=timedelta(days=-3))
    member = make.member(location=odense, caseworker=cw)
    assert course in offers.list_offers(session, member=member, now=NOW)  # the catalogue shows everything open
    assert course not in _joinable(session, member)
    assert offer in _joinable(session, member)
    other = make.member(location=odense, caseworker=cw)
    session.add(OfferRegistration(member_id=other.id, session_id=test_session.id, status="attended", created_at=NOW,
                                  updated_at=NOW, sequence=0, hold_round=0, right_and_duty=False))
    session.flush()
    assert course not in _joinable(session, member)  # another's test
    assert course in _joinable(session, other)


def test_cancel_offers_the_seat_to_the_first_in_line_held_24_hours(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1, starts_in=timedelta(days=5))
    holder, first, second = (make.member(location=odense) for _ in range(3))
    reg = offers.register(session, holder, s.id, actor="cli", now=NOW)
    w1 = offers.register(session, first, s.id, actor="cli", now=NOW + timedelta(minutes=1))
    w2 = offers.register(session, second, s.id, actor="cli", now=NOW + timedelta(minutes=2))
    later = NOW + timedelta(hours=3)
    offers.cancel_registration(session, reg, actor=_user(session, holder), now=later)
    session.commit()
    assert session.get(OfferRegistration, w1.id).status == "offered"
    assert session.get(OfferRegistration, w1.id).held_until == later + timedelta(hours=24)
    assert session.get(OfferRegistration, w2.id).status == "waitlisted"
    assert session.get(OfferSession, s.id).seats_taken == 1  # the held seat counts
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "offers.seat_offered"))
    assert mail.to_address == first.email and "/tilbud/plads/" in mail.body_text
    assert session.scalar(select(Notification).where(Notification.user_id == first.user_id)) is not None


def test_held_seat_accepted_in_time_becomes_a_registration(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    holder, waiting = make.member(location=odense), make.member(location=odense)
    reg = offers.register(session, holder, s.id, actor="cli", now=NOW)
    w = offers.register(session, waiting, s.id, actor="cli", now=NOW)
    offers.cancel_registration(session, reg, actor="cli", now=NOW, reason="Syg i dag")
    waitlist.accept_offered_seat(session, w, actor=_user(session, waiting), now=NOW + timedelta(hours=23))
    session.commit()
    assert session.get(OfferRegistration, w.id).status == "registered"
    assert session.get(OfferSession, s.id).seats_taken == 1
    with pytest.raises(Conflict):
        waitlist.accept_offered_seat(session, w, actor=_user(session, waiting), now=NOW + timedelta(hours=23))


def test_expired_hold_passes_to_the_next_and_accepting_late_is_refused(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1, starts_in=timedelta(days=6))
    holder, first, second = (make.member(location=odense) for _ in range(3))
    reg = offers.register(session, holder, s.id, actor="cli", now=NOW)
    w1 = offers.register(session, first, s.id, actor="cli", now=NOW + timedelta(seconds=1))
    w2 = offers.register(session, second, s.id, actor="cli", now=NOW + timedelta(seconds=2))
    offers.cancel_registration(session, reg, actor="cli", now=NOW, reason="Fik arbejde")
    session.commit()
    assert waitlist.expire_held_seats(session, NOW + timedelta(hours=23, minutes=59)) == 0
    assert waitlist.expire_held_seats(session, NOW + timedelta(hours=24)) == 1
    session.commit()
    assert session.get(OfferRegistration, w1.id).status == "expired"
    assert session.get(OfferRegistration, w2.id).status == "offered"
    assert session.get(OfferSession, s.id).seats_taken == 1
    with pytest.raises(Conflict):
        waitlist.accept_offered_seat(session, session.get(OfferRegistration, w1.id), actor=_user(session, first),
                                   now=NOW + timedelta(hours=25))
    kinds = set(session.scalars(select(OutboxMessage.kind)))
    assert {"offers.hold_expired", "offers.seat_offered"} <= kinds


def test_hold_never_runs_past_the_start(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1, starts_in=timedelta(hours=5))
    a, b = make.member(location=odense), make.member(location=odense)
    reg = offers.register(session, a, s.id, actor="cli", now=NOW)
    w = offers.register(session, b, s.id, actor="cli", now=NOW)
    offers.cancel_registration(session, reg, actor="cli", now=NOW, reason="Andet møde")
    assert w.held_until == s.starts_at


def test_configurable_hold_time_per_offer(session, make, setup):
    odense, _cw, _ = setup
    offer = make_offer(session, hold_hours=4)
    s = make_session(session, offer, location=odense, capacity=1)
    a, b = make.member(location=odense), make.member(location=odense)
    reg = offers.register(session, a, s.id, actor="cli", now=NOW)
    w = offers.register(session, b, s.id, actor="cli", now=NOW)
    offers.cancel_registration(session, reg, actor="cli", now=NOW, reason="Andet møde")
    assert w.held_until == NOW + timedelta(hours=4)


def test_declining_or_leaving_passes_the_seat_on(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    a, b, c = (make.member(location=odense) for _ in range(3))
    reg = offers.register(session, a, s.id, actor="cli", now=NOW)
    wb = offers.register(session, b, s.id, actor="cli", now=NOW + timedelta(seconds=1))
    wc = offers.register(session, c, s.id, actor="cli", now=NOW + timedelta(seconds=2))
    waitlist.leave_waitlist(session, wc, actor=_user(session, c), now=NOW)
    assert wc.status == "cancelled"
    offers.cancel_registration(session, reg, actor="cli", now=NOW, reason="Andet møde")
    waitlist.decline_offered_seat(session, wb, actor=_user(session, b), now=NOW)
    assert wb.status == "declined"
    assert session.get(OfferSession, s.id).seats_taken == 0  # nobody left in line


def test_member_cannot_touch_another_members_registration(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense)
    a, b = make.member(location=odense), make.member(location=odense)
    reg = offers.register(session, a, s.id, actor="cli", now=NOW)
    with pytest.raises(Exception) as err:
        offers.cancel_registration(session, reg, actor=_user(session, b), now=NOW)
    assert "findes ikke" in str(err.value)


def test_making_a_sign_up_right_and_duty_mails_the_member_that_she_must_come(session, make, setup):
    # The second mail had the first one's idempotency key and was dropped: she was never told.
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense)
    member = make.member(location=odense, caseworker=cw)
    offers.register(session, member, s.id, actor=_user(session, member), now=NOW)
    offers.assign_right_and_duty(session, member, s.id, actor=_user(session, cw), now=NOW)
    session.commit()
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "offers.registered")
                            .order_by(OutboxMessage.id)).all()
    assert len(mails) == 2 and "ret- og pligttilbud" in mails[1].body_text


def test_right_and_duty_needs_a_reason_to_cancel_and_tells_the_caseworker(session, make, setup):
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense)
    member = make.member(location=odense, caseworker=cw)
    reg = offers.assign_right_and_duty(session, member, s.id, actor=_user(session, cw), now=NOW)
    session.commit()
    with pytest.raises(ValidationFailed) as err:
        offers.cancel_registration(session, reg, actor=_user(session, member), now=NOW, reason="  ")
    assert "ret- og pligttilbud" in err.value.message
    session.rollback()
    assert session.get(OfferRegistration, reg.id).status == "registered"
    offers.cancel_registration(session, reg, actor=_user(session, member), now=NOW, reason="Lægeaftale samme dag")
    session.commit()
    note = session.scalar(select(Notification).where(Notification.user_id == cw.user_id))
    assert "Lægeaftale" in note.text


@pytest.mark.parametrize("reason", ["Syg\u202e i dag", "Syg\x07 i dag"])
def test_a_cancel_reason_with_control_characters_is_refused_and_the_seat_kept(session, make, setup, reason):
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense)
    member = make.member(location=odense, caseworker=cw)
    reg = offers.register(session, member, s.id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(ValidationFailed, match="styretegn"):
        offers.cancel_registration(session, reg, actor=_user(session, cw), now=NOW, reason=reason)
    session.rollback()
    assert session.get(OfferRegistration, reg.id).status == "registered"


def test_caseworker_from_another_location_cannot_assign(session, make, setup):
    odense, cw, offer = setup
    other = make.caseworker("sb-aalborg", location=make.location("Aalborg", "Nordjylland", 57.0, 9.9))
    s = make_session(session, offer, location=odense)
    member = make.member(location=odense, caseworker=cw)
    with pytest.raises(NotAllowed):
        offers.assign_right_and_duty(session, member, s.id, actor=_user(session, other), now=NOW)


def test_assigning_a_full_session_is_refused_and_waitlisted_member_is_upgraded(session, make, setup):
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    offers.register(session, make.member(location=odense), s.id, actor="cli", now=NOW)
    waiting = make.member(location=odense, caseworker=cw)
    offers.register(session, waiting, s.id, actor="cli", now=NOW)
    with pytest.raises(offers.SessionFull):
        offers.assign_right_and_duty(session, waiting, s.id, actor=_user(session, cw), now=NOW)


def test_no_show_of_right_and_duty_flags_the_caseworker(session, make, setup):
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense, starts_in=timedelta(days=1))
    member = make.member(location=odense, caseworker=cw)
    reg = offers.assign_right_and_duty(session, member, s.id, actor=_user(session, cw), now=NOW)
    after = s.starts_at + timedelta(minutes=30)
    offers.record_attendance(session, reg, attended=False, actor=_user(session, cw), now=after)
    session.commit()
    assert reg.status == "no_show"
    note = session.scalar(select(Notification).where(Notification.user_id == cw.user_id))
    assert "mødte ikke op" in note.text


def test_fvu_course_completion_records_hours_within_the_course(session, make, setup):
    odense, cw, _ = setup
    course = make_offer(session, kind="fvu_course", title="FVU-matematik", fvu_subject="maths", course_hours=40)
    s = make_session(session, course, location=odense, starts_in=timedelta(days=1))
    member = make.member(location=odense, caseworker=cw)
    reg = offers.register(session, member, s.id, actor="cli", now=NOW)
    after = s.ends_at
    with pytest.raises(ValidationFailed):
        offers.record_attendance(session, reg, attended=True, hours="41", actor=_user(session, cw), now=after)
    with pytest.raises(ValidationFailed):
        offers.record_attendance(session, reg, attended=True, hours=None, actor=_user(session, cw), now=after)
    offers.record_attendance(session, reg, attended=True, hours="37,5", actor=_user(session, cw), now=after,
                             note="Vil søge job som SSH")
    session.commit()
    assert session.get(OfferRegistration, reg.id).attended_hours == Decimal("37.5")


def test_attendance_cannot_be_recorded_long_before_the_session(session, make, setup):
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense, starts_in=timedelta(days=2))
    reg = offers.register(session, make.member(location=odense), s.id, actor="cli", now=NOW)
    with pytest.raises(Conflict):
        offers.record_attendance(session, reg, attended=True, actor=_user(session, cw), now=NOW)


def test_database_refuses_overbooking_even_without_the_service(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=2)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(update(OfferSession).where(OfferSession.id == s.id).values(seats_taken=3))
        session.flush()
    session.rollback()


def test_session_ics_request_then_cancel_with_stable_uid(session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense)
    member = make.member(location=odense)
    reg = offers.register(session, member, s.id, actor="cli", now=NOW)
    first = offer_messages.session_ics(s, reg, NOW).decode()
    offers.cancel_registration(session, reg, actor=_user(session, member), now=NOW)
    second = offer_messages.session_ics(s, reg, NOW).decode()
    uid = f"offer-registration-{reg.id}@portal.foa.dk"
    assert uid in first and uid in second
    assert "METHOD:REQUEST" in first and "METHOD:CANCEL" in second
    assert "Odense" in first


def test_member_registrations_and_sessions_starting_between(session, make, setup):
    odense, _cw, offer = setup
    soon = make_session(session, offer, location=odense, starts_in=timedelta(days=1))
    other_offer = make_offer(session, kind="webinar", title="Webinar: Sådan søger du", topic="apply_job")
    later = make_session(session, other_offer, location=odense, starts_in=timedelta(days=10))
    member = make.member(location=odense)
    offers.register(session, member, later.id, actor="cli", now=NOW)
    offers.register(session, member, soon.id, actor="cli", now=NOW)
    regs = offers.member_registrations(session, member, NOW)
    assert [r.session_id for r in regs] == [soon.id, later.id]
    found = offers.sessions_starting_between(session, NOW, NOW + timedelta(days=2))
    assert [s.id for s in found] == [soon.id]
    assert [r.member_id for r in found[0].registrations] == [member.id]


def test_capacity_increase_promotes_and_decrease_below_taken_is_refused(session, make, setup):
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    a, b = make.member(location=odense), make.member(location=odense)
    offers.register(session, a, s.id, actor="cli", now=NOW)
    w = offers.register(session, b, s.id, actor="cli", now=NOW)
    session.commit()
    form = {"start_date": "2026-12-08", "start_time": "10:00", "end_time": "12:00", "capacity": "2",
            "location_id": str(odense.id), "venue": "Mødelokale 1"}
    offer_editing.update_session(session, s, form, actor=_user(session, cw), now=NOW)
    session.commit()
    assert session.get(OfferRegistration, w.id).status == "offered"
    with pytest.raises(ValidationFailed) as err:
        offer_editing.update_session(session, s, {**form, "capacity": "1"}, actor=_user(session, cw), now=NOW)
    assert "capacity" in err.value.errors


def _full_session_and_waiting(session, make, offer, place):
    """A one-seat session, a member on its seat (a) and one on its waiting list (b)."""
    s = make_session(session, offer, location=place, capacity=1)
    a, b = make.member(location=place), make.member(location=place)
    offers.register(session, a, s.id, actor="cli", now=NOW)
    offers.register(session, b, s.id, actor="cli", now=NOW)
    return s, a, b


def test_a_new_time_reaches_the_waiting_list_too_without_a_calendar_entry(session, make, setup):
    # Only those with a seat were told; the waiting list found the new time on the page, if they looked.
    odense, cw, offer = setup
    s, a, b = _full_session_and_waiting(session, make, offer, odense)
    session.commit()
    form = {"start_date": "2026-12-09", "start_time": "13:00", "end_time": "15:00", "capacity": "1",
            "location_id": str(odense.id), "venue": "Mødelokale 1"}
    offer_editing.update_session(session, s, form, actor=_user(session, cw), now=NOW)
    session.commit()
    mails = {m.to_address: m for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "offers.session_changed"))}
    assert set(mails) == {a.email, b.email}
    assert "ventelisten" in mails[b.email].body_text and not mails[b.email].attachments
    assert mails[a.email].attachments


def test_cancelling_a_session_ends_every_registration_and_tells_everyone(session, make, setup):
    odense, cw, offer = setup
    s, _a, _b = _full_session_and_waiting(session, make, offer, odense)
    offer_editing.cancel_session(session, s, reason="Underviseren er syg", actor=_user(session, cw), now=NOW)
    session.commit()
    statuses = set(session.scalars(select(OfferRegistration.status)))
    assert statuses == {"cancelled"}
    assert session.get(OfferSession, s.id).seats_taken == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind == "offers.session_cancelled")) == 2


def test_a_completion_note_over_the_limit_is_refused_whole_not_cut(session, make, setup):
    odense, cw, offer = setup
    s = make_session(session, offer, location=odense, starts_in=timedelta(days=1))
    member = make.member(location=odense, caseworker=cw)
    reg = offers.register(session, member, s.id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(ValidationFailed, match="højst 2000 tegn"):
        offers.record_attendance(session, reg, attended=True, actor=_user(session, cw), now=s.ends_at,
                                 note="x" * 2001)
    session.rollback()
    assert reg.status == "registered" and reg.completion_note is None
    offers.record_attendance(session, reg, attended=True, actor=_user(session, cw), now=s.ends_at, note="y" * 2000)
    assert reg.completion_note == "y" * 2000


def test_an_fvu_courses_hours_are_not_asked_of_another_kind():
    # A theme meeting with 99 in "Timer i alt" was refused with "Et FVU-kursus er på 1-60 timer."
    data = {"kind": "theme_meeting", "title": "Temamøde: CV", "topic": "job_search", "course_hours": "99",
            "audiences": ["1"], "hold_hours": "24"}
    assert offer_editing.validate_offer(data)["course_hours"] is None
    with pytest.raises(ValidationFailed) as err:
        offer_editing.validate_offer({**data, "kind": "fvu_course", "fvu_subject": "reading", "topic": ""})
    assert "1-60 timer" in str(err.value.errors)


def test_staff_read_a_held_seat_as_the_members_not_as_theirs(app):
    from portal.services.offers import registration_state

    with app.test_request_context():
        assert registration_state.describe("offered").label == "Plads holdt til dig"
        assert registration_state.describe("offered", staff=True).label == "Plads holdt til medlemmet"
        assert registration_state.describe("registered", staff=True).label == "Tilmeldt"


@pytest.mark.parametrize(("dates", "field", "text"), [
    ({"start_date": "9999-12-31"}, "start_date", "for langt ude i fremtiden"),  # was created, shown without year
    ({"start_date": "2028-12-02"}, "start_date", "for langt ude i fremtiden"),
    ({"start_date": "0001-01-01"}, "start_date", "passeret"),
    ({"start_date": "2026-11-30"}, "start_date", "passeret"),
    ({"start_date": "2026-12-08", "end_date": "9999-12-31"}, "end_date", "for langt ude i fremtiden"),
    ({"start_date": "2026-12-08", "end_date": "0001-01-01"}, "end_time", "slutte efter"),
])
def test_a_session_more_than_two_years_ahead_or_in_the_past_is_refused(session, make, setup, dates, field, text):
    odense, cw, _offer = setup
    fvu = make_offer(session, kind="fvu_course", title="FVU-læsning", fvu_subject="reading", course_hours=40)
    odense.fvu_city = True
    form = {"start_time": "09:00", "end_time": "12:00", "capacity": "12", "location_id": str(odense.id), **dates}
    with pytest.raises(ValidationFailed) as err:
        offer_editing.create_session(session, fvu, form, actor=_user(session, cw), now=NOW)
    assert text in err.value.errors[field]
    assert session.scalar(select(func.count()).select_from(OfferSession)) == 0


def test_a_session_two_years_ahead_is_created(session, make, setup):
    odense, cw, offer = setup
    form = {"start_date": "2028-12-01", "start_time": "09:00", "end_time": "12:00", "capacity": "12",
            "location_id": str(odense.id)}
    created = offer_editing.create_session(session, offer, form, actor=_user(session, cw), now=NOW)
    assert created.starts_at.year == 2028


def test_editing_a_session_that_has_begun_keeps_its_start_day(session, make, setup):
    # An FVU course that began last week is still open: its start day is in the past and stays as it is.
    odense, cw, _offer = setup
    odense.fvu_city = True
    fvu = make_offer(session, kind="fvu_course", title="FVU-læsning", fvu_subject="reading", course_hours=40)
    s = make_session(session, fvu, location=odense, starts_in=timedelta(days=-7), hours=24 * 30)
    session.commit()
    form = {"start_date": "2026-11-24", "start_time": "10:00", "end_date": "2026-12-24", "end_time": "10:00",
            "capacity": "20", "location_id": str(odense.id)}
    offer_editing.update_session(session, s, form, actor=_user(session, cw), now=NOW)
    assert s.capacity == 20


@pytest.mark.parametrize(("starts", "shown"), [
    ("2027-01-12T09:00:00+00:00", "12. jan. 2027 10:00"),
    ("2026-12-08T09:00:00+00:00", "8. dec. 10:00"),
])
def test_a_session_time_on_a_page_names_the_year_when_it_is_not_this_year(app, starts, shown):
    from datetime import date, datetime

    with app.test_request_context():
        assert offer_messages.page_when(datetime.fromisoformat(starts), "d. MMM HH:mm",
                                        today=date(2026, 12, 1)) == shown


def test_a_held_seat_on_an_offer_no_longer_open_to_the_member_is_passed_on_not_taken(session, make, setup):
    # She joined the list while unemployed; the member register then made her "i_job" (a bulk update), so /tilbud
    # shows her nothing: taking the seat must not register her, and the seat goes on as when declined.
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    holder, employed, next_in_line = (make.member(location=odense) for _ in range(3))
    reg = offers.register(session, holder, s.id, actor="cli", now=NOW)
    held = offers.register(session, employed, s.id, actor="cli", now=NOW + timedelta(seconds=1))
    waiting = offers.register(session, next_in_line, s.id, actor="cli", now=NOW + timedelta(seconds=2))
    offers.cancel_registration(session, reg, actor="cli", now=NOW, reason="Andet møde")
    session.execute(update(Member).where(Member.id == employed.id).values(status="i_job"))
    session.commit()
    assert held.status == "offered" and not offers.offer_fits(offer, employed)

    result = waitlist.accept_offered_seat(session, held, actor=_user(session, employed), now=NOW + timedelta(hours=1))
    session.commit()
    assert waitlist.seat_passed_on(result)
    assert session.get(OfferRegistration, held.id).status == "declined"
    assert session.get(OfferRegistration, waiting.id).status == "offered"  # the next in line has it now
    assert session.get(OfferSession, s.id).seats_taken == 1
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "offers.seat_not_open")).member_id == employed.id
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "offers.registered", OutboxMessage.to_address == employed.email)) == 0
    assert "ikke længere åbent for dig" in str(waitlist.NOT_OPEN_ANY_MORE)


def test_a_freed_seat_skips_a_waiting_member_the_offer_is_no_longer_open_to(session, make, setup):
    """No seat is held (and mailed) for one who cannot take it while the next in line waits out the hold."""
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1)
    holder, employed, next_in_line = (make.member(location=odense) for _ in range(3))
    reg = offers.register(session, holder, s.id, actor="cli", now=NOW)
    skipped = offers.register(session, employed, s.id, actor="cli", now=NOW + timedelta(seconds=1))
    waiting = offers.register(session, next_in_line, s.id, actor="cli", now=NOW + timedelta(seconds=2))
    session.execute(update(Member).where(Member.id == employed.id).values(status="i_job"))
    session.commit()
    session.expire_all()

    offers.cancel_registration(session, reg, actor="cli", now=NOW + timedelta(hours=1), reason="Andet møde")
    session.commit()
    assert session.get(OfferRegistration, skipped.id).status == "declined"
    assert session.get(OfferRegistration, waiting.id).status == "offered"
    assert session.get(OfferSession, s.id).seats_taken == 1
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "offers.seat_not_open"))
    assert entry.member_id == employed.id
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == employed.email)).all()
    assert [m.kind for m in mails if m.kind != "offers.waitlisted"] == ["offers.seat_not_open"]
    assert "ikke længere på ventelisten" in mails[-1].subject and "sagsbehandler" in mails[-1].body_text


def test_a_held_seat_of_a_member_the_offer_closed_to_is_passed_on_by_the_job_before_the_hold_runs_out(
        session, make, setup):
    odense, _cw, offer = setup
    s = make_session(session, offer, location=odense, capacity=1, starts_in=timedelta(days=6))
    holder, first, second = (make.member(location=odense) for _ in range(3))
    reg = offers.register(session, holder, s.id, actor="cli", now=NOW)
    held = offers.register(session, first, s.id, actor="cli", now=NOW + timedelta(seconds=1))
    waiting = offers.register(session, second, s.id, actor="cli", now=NOW + timedelta(seconds=2))
    offers.cancel_registration(session, reg, actor="cli", now=NOW, reason="Fik arbejde")
    session.commit()
    assert session.get(OfferRegistration, held.id).status == "offered"
    assert waitlist.expire_held_seats(session, NOW + timedelta(hours=1)) == 0  # still open to her: she keeps it

    session.execute(update(Member).where(Member.id == first.id).values(status="i_job"))
    session.commit()
    session.expire_all()
    assert waitlist.expire_held_seats(session, NOW + timedelta(hours=2)) == 1  # 22 hours before the hold ends
    session.commit()
    assert session.get(OfferRegistration, held.id).status == "declined"
    assert session.get(OfferRegistration, waiting.id).status == "offered"
    assert session.get(OfferSession, s.id).seats_taken == 1
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "offers.seat_not_open"))
    assert mail.to_address == first.email and "Pladsen på" in mail.subject
    assert waitlist.expire_held_seats(session, NOW + timedelta(hours=3)) == 0  # once
