"""A caseworker who has left (their login deactivated): offered and accepted for no new booking or move, nobody's
contact any more, marked on the staff screens, counted as "without caseworker" by the deadline alerts, and their
members and coming conversations handed to a colleague with `flask users reassign`."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth.service import deactivate_user
from portal.models import AuditEntry, Booking, Member, Notification, OutboxMessage
from portal.services.actors import SystemActor
from portal.services.booking import booking as svc
from portal.services.booking.deadlines import send_caseworker_alerts
from portal.services.booking.slots import free_slots
from portal.services.casework.reassignment import reassign_caseworker
from portal.services.chat import chat as chat_service
from portal.services.chat import handoff as handoff_service
from portal.services.errors import ValidationFailed
from portal.timeutil import local_today
from tests.booking_helpers import NOW, hours, utc

pytestmark = pytest.mark.clock(NOW)

WEDNESDAY_10 = utc(2027, 3, 24, 9, 0)  # 10:00 in Copenhagen
TUESDAY_10 = utc(2027, 3, 23, 9, 0)  # 10:00 too; Thursday 25th is Maundy Thursday (closed)


@pytest.fixture
def odense(make, session):
    loc = make.location("Odense", lat=55.40, lon=10.39)
    birgitte = make.caseworker("sagsbehandler", location=loc, display_name="Birgitte Holm")
    anders = make.caseworker("anders", location=loc, display_name="Anders Berg")
    for cw in (birgitte, anders):
        hours(session, cw)
    mette = make.member("mette", location=loc, caseworker=birgitte, target_group="2a")
    make.commit()
    return {"loc": loc, "birgitte": birgitte, "anders": anders, "mette": mette}


def _leaves(session, caseworker):
    deactivate_user(session, caseworker.user, actor=SystemActor.CLI, now=NOW)
    session.commit()


def test_a_deactivated_caseworker_is_offered_for_no_new_booking(session, odense):
    _leaves(session, odense["birgitte"])
    slots = free_slots(session, type="cv", start=NOW, end=NOW + timedelta(days=7), now=NOW, member=odense["mette"])
    assert slots and {s.caseworker_name for s in slots} == {"Anders Berg"}
    assert not any(s.own_caseworker for s in slots)
    with pytest.raises(ValidationFailed, match="ikke længere ansat"):
        free_slots(session, type="cv", start=NOW, end=NOW + timedelta(days=7), now=NOW,
                   caseworker_id=odense["birgitte"].id)


def test_a_booking_or_a_move_with_a_deactivated_caseworker_is_refused_and_nothing_is_written(session, odense):
    mette, birgitte = odense["mette"], odense["birgitte"]
    booked = svc.book_slot(session, member=mette, caseworker_id=birgitte.id, starts_at=WEDNESDAY_10,
                           type="followup_phone", channel="phone", actor=mette.user, now=NOW)
    session.commit()
    _leaves(session, birgitte)
    with pytest.raises(ValidationFailed, match="Birgitte Holm er ikke længere ansat"):
        svc.book_slot(session, member=mette, caseworker_id=birgitte.id, starts_at=TUESDAY_10, type="cv",
                      channel="in_person", actor=mette.user, now=NOW)
    session.rollback()
    with pytest.raises(ValidationFailed, match="kan ikke flyttes til en ny tid hos Birgitte Holm"):
        svc.reschedule_booking(session, booked, starts_at=TUESDAY_10, actor=mette.user, now=NOW)
    session.rollback()
    assert session.scalars(select(Booking.starts_at).where(Booking.member_id == mette.id)).all() == [WEDNESDAY_10]
    assert session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "booking_moved")) is None


def test_the_member_sees_no_deactivated_contact_and_staff_see_the_mark(client, auth, session, make, odense):
    admin = make.user("admin1", role="admin")
    make.commit()
    _leaves(session, odense["birgitte"])
    auth.login("mette")
    home = client.get("/min-side").get_data(as_text=True)
    assert "Birgitte Holm" not in home
    assert "Din sagsbehandler er ikke længere ansat i a-kassen. Vi finder en ny til dig i Odense" in home
    booking_page = client.get("/samtaler?type=cv").get_data(as_text=True)
    assert "Din egen sagsbehandler" not in booking_page and "Birgitte Holm" not in booking_page
    auth.logout()
    auth.login(admin.username)
    screen = client.get(f"/sagsbehandler/medlem/{odense['mette'].member_number}").get_data(as_text=True)
    assert "Birgitte Holm <span class=\"tag tag-attn\">(deaktiveret)</span>" in screen


def test_deadline_alerts_count_members_of_a_deactivated_caseworker_as_without_caseworker(session, make):
    loc = make.location("Odense")
    leaver = make.caseworker("leaver", location=loc)
    # Unemployed 12 days: the CV conversation is due within 14 days, so an alert is due now.
    make.member("ny", location=loc, caseworker=leaver, weeks_unemployed=None,
                first_unemployment_day=local_today() - timedelta(days=12))
    make.commit()
    _leaves(session, leaver)
    counts = send_caseworker_alerts(session, today=local_today(), now=NOW)
    assert counts["without_caseworker"] >= 1 and counts["soon"] + counts["overdue"] == 0
    assert session.scalar(select(Notification.id).where(Notification.user_id == leaver.user_id)) is None


def test_a_chat_handoff_does_not_wait_for_a_deactivated_caseworker(session, odense):
    _leaves(session, odense["birgitte"])
    conversation = chat_service.open_conversation(session, sender_id="s-left", source="minside", now=NOW,
                                                  member=odense["mette"])
    conversation.consent_given = True
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={}, now=NOW)
    assert handoff.target_caseworker_id is None  # the location's queue, not a leaver's
    assert handoff in handoff_service.list_handoffs(session, odense["anders"].user, "waiting", now=NOW)


def test_reassigning_hands_on_members_and_bookings_the_colleague_is_free_for(session, make, odense):
    mette, birgitte, anders = odense["mette"], odense["birgitte"], odense["anders"]
    other = make.member("ole", location=odense["loc"], caseworker=birgitte)
    free = svc.book_slot(session, member=mette, caseworker_id=birgitte.id, starts_at=WEDNESDAY_10,
                         type="followup_phone", channel="phone", actor=mette.user, now=NOW)
    clash = svc.book_slot(session, member=other, caseworker_id=birgitte.id, starts_at=TUESDAY_10,
                          type="followup_phone", channel="phone", actor=other.user, now=NOW)
    svc.book_slot(session, member=make.member("tredje", location=odense["loc"]), caseworker_id=anders.id,
                  starts_at=TUESDAY_10, type="followup_phone", channel="phone", actor=SystemActor.CLI, now=NOW)
    session.commit()
    _leaves(session, birgitte)

    result = reassign_caseworker(session, birgitte, anders, actor=SystemActor.CLI, now=NOW)
    session.commit()

    assert result.members == 2 and result.moved == [free] and [b for b, _ in result.left] == [clash]
    assert session.scalars(select(Member.caseworker_id).where(Member.id.in_((mette.id, other.id)))).all() == [
        anders.id, anders.id]
    assert free.caseworker_id == anders.id and free.sequence == 1 and free.starts_at == WEDNESDAY_10
    assert clash.caseworker_id == birgitte.id  # Anders has a conversation then: left for a person to handle
    told = session.scalar(select(Notification.text).where(Notification.user_id == mette.user_id,
                                                          Notification.text.contains("nye kontakt")))
    assert told == "Din nye kontakt i a-kassen er Anders Berg, Odense."
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking_reassigned"))
    assert mail.to_address == mette.email and "holdes nu af Anders Berg" in mail.body_text
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"user.reassign", "member.caseworker_change", "booking.reassign"} <= actions


def test_reassigning_to_a_deactivated_colleague_is_refused_and_changes_nothing(session, odense):
    _leaves(session, odense["anders"])
    with pytest.raises(ValidationFailed, match="Anders Berg er deaktiveret"):
        reassign_caseworker(session, odense["birgitte"], odense["anders"], actor=SystemActor.CLI, now=NOW)
    session.rollback()
    assert session.get(Member, odense["mette"].id).caseworker_id == odense["birgitte"].id


def test_the_deactivate_command_says_what_the_leaver_still_holds_and_reassign_hands_it_on(
        runner, session, odense):
    mette, birgitte = odense["mette"], odense["birgitte"]
    svc.book_slot(session, member=mette, caseworker_id=birgitte.id, starts_at=WEDNESDAY_10, type="followup_phone",
                  channel="phone", actor=mette.user, now=NOW)
    session.commit()
    result = runner.invoke(args=["users", "deactivate", "sagsbehandler"])
    assert result.exit_code == 0, result.output
    assert "Deaktiveret caseworker sagsbehandler" in result.output
    assert "Birgitte Holm har stadig 1 medlemmer og 1 bookede samtaler fremover" in result.output
    assert f"medlem {mette.member_number}" in result.output
    assert "users reassign sagsbehandler <kollegaens brugernavn>" in result.output

    handed = runner.invoke(args=["users", "reassign", "sagsbehandler", "anders"])
    assert handed.exit_code == 0, handed.output
    assert "1 medlemmer og 1 bookede samtaler er givet fra Birgitte Holm til Anders Berg" in handed.output
    session.expire_all()
    assert session.get(Member, mette.id).caseworker_id == odense["anders"].id
    again = runner.invoke(args=["users", "deactivate", "sagsbehandler"])
    assert "allerede deaktiveret" in again.output and "Ingen medlemmer eller kommende samtaler" in again.output
    unknown = runner.invoke(args=["users", "reassign", "sagsbehandler", "mette"])
    assert unknown.exit_code == 2 and "'mette' er ikke en sagsbehandler" in unknown.output


def test_the_member_asking_to_move_a_leavers_conversation_is_told_to_cancel_and_book_anew(
        client, auth, session, odense):
    mette, birgitte = odense["mette"], odense["birgitte"]
    booked = svc.book_slot(session, member=mette, caseworker_id=birgitte.id, starts_at=WEDNESDAY_10,
                           type="followup_phone", channel="phone", actor=mette.user, now=NOW)
    session.commit()
    _leaves(session, birgitte)
    auth.login("mette")
    html = client.get(f"/samtaler?flyt={booked.id}").get_data(as_text=True)
    assert "Samtalen kan ikke flyttes til en ny tid hos Birgitte Holm" in html and 'href="#' not in html.split(
        "error-summary")[1].split("</div>")[0]
