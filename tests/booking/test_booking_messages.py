"""What a member is told when a conversation is booked, moved or cancelled: the e-mail (text and HTML, with the
calendar file), the SMS, and the reminders already queued for the old time."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.blueprints.booking import start_param
from portal.models import OutboxMessage
from portal.services.booking import booking as svc
from portal.services.messaging import dispatch
from portal.services.messaging.channels.base import OUTBOX
from portal.services.messaging.channels.email_smtp import build_email
from portal.services.messaging.reminder_keys import STOPPED_TIME_CHANGED
from portal.services.messaging.reminders import enqueue_booking_reminders
from tests.booking_helpers import NOW, hours, utc

pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def odense(make, session):
    loc = make.location("Odense")
    own = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, own)
    member = make.member("mette", location=loc, caseworker=own, target_group="2a", phone="20 30 40 50")
    make.commit()
    return {"own": own, "member": member}


def book(session, member, cw, starts_at, actor=None):
    booking = svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=starts_at, type="cv",
                            channel="in_person", actor=actor or member.user, now=NOW)
    session.commit()
    return booking


def outbox_rows(session, kind: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_a_move_with_sms_on_sends_the_email_and_an_sms_with_the_old_and_new_time(app, session, odense):
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/rest/mtsms"
    member = odense["member"]
    booking = book(session, member, odense["own"], utc(2027, 3, 24, 9, 0))  # Wednesday 10:00 in Copenhagen

    svc.reschedule_booking(session, booking, starts_at=utc(2027, 3, 23, 12, 0), actor=member.user, now=NOW)
    session.commit()

    [email] = [m for m in outbox_rows(session, "booking_moved") if m.channel == "email"]
    [sms] = [m for m in outbox_rows(session, "booking_moved") if m.channel == "sms"]
    old, new = "onsdag 24. marts 2027 kl. 10:00", "tirsdag 23. marts 2027 kl. 13:00"
    assert old in email.body_text and new in email.body_text
    assert sms.to_address == "+4520304050"
    assert old in sms.body_text and new in sms.body_text and "Odense" in sms.body_text


def test_a_member_with_a_phone_moves_a_booking_on_the_page_without_an_error(app, client, auth, session, odense):
    """The tester's 500: with a gateway on, every move of a member with a phone number failed."""
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/rest/mtsms"
    booking = book(session, odense["member"], odense["own"], utc(2027, 3, 24, 9, 0))
    auth.login("mette")
    response = auth.post("/samtaler/bekraeft", {"flyt": booking.id, "caseworker": odense["own"].id,
                                                "start": start_param(utc(2027, 3, 23, 12, 0)),
                                                "channel": "in_person"}, page=f"/samtaler?flyt={booking.id}")
    assert response.status_code == 302
    assert {m.channel for m in outbox_rows(session, "booking_moved")} == {"email", "sms"}


def test_confirmation_and_cancellation_mails_have_the_reminders_html_layout_and_a_link(session, odense):
    member = odense["member"]
    booking = book(session, member, odense["own"], utc(2027, 3, 24, 9, 0))
    svc.cancel_booking(session, booking, actor=member.user, now=NOW)
    session.commit()

    [created] = outbox_rows(session, "booking_created")
    [cancelled] = outbox_rows(session, "booking_cancelled")
    for mail in (created, cancelled):
        assert mail.body_html and "FOA A-kasse" in mail.body_html and "#a3001e" in mail.body_html  # _base.html
        assert 'href="http://127.0.0.1:5000/samtaler/mine"' in mail.body_html
        assert "Se dine samtaler på Min side: http://127.0.0.1:5000/samtaler/mine" in mail.body_text
    assert "Kalenderinvitationen er vedhæftet." in created.body_text
    assert "Kalenderinvitationen er vedhæftet" not in cancelled.body_text + cancelled.body_html
    assert "fjernes samtalen fra din kalender" in cancelled.body_text
    assert "fjernes samtalen fra din kalender" in cancelled.body_html


def test_an_english_members_confirmation_is_english_in_both_parts(session, odense):
    member = odense["member"]
    member.language = "en"
    session.commit()
    book(session, member, odense["own"], utc(2027, 3, 24, 9, 0), actor=odense["own"].user)
    [created] = outbox_rows(session, "booking_created")
    assert '<html lang="en">' in created.body_html and "automatically" in created.body_html
    assert "Kære" not in created.body_text and "Kære" not in created.body_html


def test_calendar_attachments_name_their_method_and_charset(session, odense):
    member = odense["member"]
    booking = book(session, member, odense["own"], utc(2027, 3, 24, 9, 0))
    svc.cancel_booking(session, booking, actor=member.user, now=NOW)
    session.commit()
    [created] = outbox_rows(session, "booking_created")
    [cancelled] = outbox_rows(session, "booking_cancelled")
    assert created.attachments[0].content_type == 'text/calendar; method=REQUEST; charset="utf-8"'
    assert cancelled.attachments[0].content_type == 'text/calendar; method=CANCEL; charset="utf-8"'
    ics = next(build_email(cancelled, "FOA <noreply@foa.dk>", NOW).iter_attachments())
    assert ics["Content-Type"] == 'text/calendar; method="CANCEL"; charset="utf-8"'


@pytest.mark.parametrize("change", ["cancel", "move"])
def test_a_reminder_queued_before_a_cancellation_or_move_is_not_sent(app, session, odense, change):
    """booking_reminders queued the e-mail and the SMS; the member then cancels (or moves) the conversation: the
    dispatcher sends the news, never the old reminder with its METHOD:REQUEST invitation."""
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/rest/mtsms"
    member, cw = odense["member"], odense["own"]
    booking = book(session, member, cw, utc(2027, 3, 24, 9, 0), actor=cw.user)
    at = booking.starts_at - timedelta(hours=20)
    enqueue_booking_reminders(session, now=at)
    reminders = outbox_rows(session, "booking_reminder")
    assert {m.channel for m in reminders} == {"email", "sms"}

    if change == "cancel":
        svc.cancel_booking(session, booking, actor=cw.user, now=at, reason="Sygdom hos sagsbehandleren")
    else:
        svc.reschedule_booking(session, booking, starts_at=utc(2027, 3, 24, 12, 0), actor=cw.user, now=at,
                               reason="Sygdom hos sagsbehandleren")
    session.commit()

    for reminder in reminders:
        session.refresh(reminder)
        assert reminder.status == "dead" and reminder.last_error == STOPPED_TIME_CHANGED
    assert dispatch.due_ids(session, OUTBOX, now=at, limit=50) == [
        m.id for m in session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")
                                      .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))]
    assert all(m.kind != "booking_reminder" for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "pending")))
    assert dispatch.given_up_count(session) == 0  # nothing for the admin to look at
