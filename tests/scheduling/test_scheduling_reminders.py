"""Booking and offer-session reminders: selection with frozen time, one e-mail per booking, end to end over SMTP."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.models import OutboxMessage
from portal.services.messaging.channels.email_smtp import SmtpSettings
from portal.services.messaging.dispatch import dispatch_pending
from portal.services.messaging.reminders import enqueue_booking_reminders
from tests.scheduling_support import NOW, SmtpServer, booking, statements

# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


def reminders(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "booking_reminder")
                                .order_by(OutboxMessage.id)))


def test_reminder_goes_24_hours_before_and_only_for_booked_conversations(session, make):
    cw = make.caseworker(display_name="Birgitte Holm")
    member = make.member(caseworker=cw)
    soon = booking(session, member, cw, starts_at=NOW + timedelta(hours=23))
    booking(session, member, cw, starts_at=NOW + timedelta(hours=25))  # too early to remind
    booking(session, member, cw, starts_at=NOW + timedelta(hours=5), status="cancelled_member")
    booking(session, member, cw, starts_at=NOW - timedelta(hours=1))  # already started
    no_email = make.member(email=None)
    booking(session, no_email, cw, starts_at=NOW + timedelta(hours=10))
    make.commit()

    counts = enqueue_booking_reminders(session, now=NOW)

    [row] = reminders(session)
    assert counts["enqueued"] == 1
    assert row.to_address == member.email and row.member_id == member.id
    assert row.idempotency_key == f"reminder:booking:{soon.id}:s0:24h"
    assert "CV-samtale" in row.subject and "Birgitte Holm" in row.body_text
    assert "torsdag den 26. november 2026 kl. 10:00" not in row.body_text  # that is now, not the booking
    assert "fredag den 27. november 2026 kl. 09:00" in row.body_text  # 08:00 UTC = 09:00 Copenhagen
    [ics] = row.attachments
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["uid"]) == soon.uid


def test_a_reminder_says_move_it_on_min_side_only_while_the_member_can(session, make):
    """The 24-hour reminder falls inside the 24-hour notice: "move or cancel on Min side" would be untrue then."""
    cw = make.caseworker()
    member = make.member(caseworker=cw)
    english = make.member(caseworker=cw, language="en")
    close = booking(session, member, cw, starts_at=NOW + timedelta(hours=20))
    later = booking(session, member, cw, starts_at=NOW + timedelta(hours=40), type="followup_phone", channel="phone")
    joint = booking(session, english, cw, starts_at=NOW + timedelta(hours=42), type="joint")
    make.commit()

    enqueue_booking_reminders(session, now=NOW, hours=48)

    rows = {row.idempotency_key.split(":")[2]: row for row in reminders(session)}
    text = rows[str(close.id)].body_text
    assert "Ring til a-kassen så hurtigt som muligt" in text and "Flyt eller aflys" not in text
    assert "Se samtalen på Min side" in rows[str(close.id)].body_html
    assert "Flyt eller aflys samtalen på Min side" in rows[str(later.id)].body_text
    assert "the time was agreed with the job centre" in rows[str(joint.id)].body_text
    assert "Move or cancel" not in rows[str(joint.id)].body_text + rows[str(joint.id)].body_html


def test_the_reminder_gives_the_a_kasses_number_when_it_is_configured(app, session, make):
    cw = make.caseworker()
    member = make.member(caseworker=cw)
    booking(session, member, cw, starts_at=NOW + timedelta(hours=20))
    make.commit()
    app.config["FUND_PHONE"] = "70 10 10 10"

    enqueue_booking_reminders(session, now=NOW)

    [row] = reminders(session)
    assert "Ring til a-kassen på 70 10 10 10 så hurtigt som muligt" in row.body_text
    assert "Ring til a-kassen på 70 10 10 10" in row.body_html


def test_running_the_job_twice_gives_one_reminder_and_a_moved_booking_a_new_one(session, make):
    cw = make.caseworker()
    member = make.member(caseworker=cw)
    b = booking(session, member, cw, starts_at=NOW + timedelta(hours=20))
    make.commit()

    enqueue_booking_reminders(session, now=NOW)
    second = enqueue_booking_reminders(session, now=NOW + timedelta(minutes=10))
    assert len(reminders(session)) == 1 and second == {"due": 1, "enqueued": 0, "already": 1}

    b.starts_at, b.ends_at, b.sequence = b.starts_at + timedelta(hours=2), b.ends_at + timedelta(hours=2), 1
    make.commit()
    enqueue_booking_reminders(session, now=NOW + timedelta(minutes=20))
    assert [r.idempotency_key.split(":")[3] for r in reminders(session)] == ["s0", "s1"]


def test_booked_shortly_before_gets_no_reminder_on_top_of_the_confirmation(session, make):
    cw = make.caseworker()
    member = make.member(caseworker=cw)
    booking(session, member, cw, starts_at=NOW + timedelta(hours=4), created_at=NOW - timedelta(hours=1))
    make.commit()
    assert enqueue_booking_reminders(session, now=NOW)["enqueued"] == 0


def test_video_reminder_carries_the_link_and_english_member_gets_english(session, make):
    cw = make.caseworker()
    member = make.member(caseworker=cw, language="en")
    booking(session, member, cw, starts_at=NOW + timedelta(hours=3), channel="video", type="followup_video",
            meeting_link="https://video.foa.dk/rum/abc123")
    make.commit()

    enqueue_booking_reminders(session, now=NOW)

    [row] = reminders(session)
    assert row.subject.startswith("Reminder:")
    assert "https://video.foa.dk/rum/abc123" in row.body_text
    assert 'href="https://video.foa.dk/rum/abc123"' in row.body_html
    assert "Thursday 26 November 2026 at 13:00" in row.body_text


def test_chunked_selection_sees_every_booking_once(session, make):
    for _ in range(7):
        cw = make.caseworker()
        booking(session, make.member(caseworker=cw), cw, starts_at=NOW + timedelta(hours=2))  # same start
    make.commit()
    counts = enqueue_booking_reminders(session, now=NOW, chunk=3)
    assert counts["enqueued"] == 7 and len({r.member_id for r in reminders(session)}) == 7


def test_reminder_reaches_the_member_over_smtp(app, session, make):
    server = SmtpServer().start()
    try:
        server.configure(app)
        cw = make.caseworker()
        member = make.member(caseworker=cw)
        booking(session, member, cw, starts_at=NOW + timedelta(hours=20))
        make.commit()
        enqueue_booking_reminders(session, now=NOW)
        enqueue_booking_reminders(session, now=NOW)
        dispatch_pending(session, SmtpSettings.from_config(app.config), now=NOW)
        dispatch_pending(session, SmtpSettings.from_config(app.config), now=NOW + timedelta(minutes=1))
        [mail] = server.inbox.messages
        assert mail["To"] == member.email and mail["Subject"].startswith("Påmindelse: CV-samtale")
        assert [a.get_filename() for a in mail.iter_attachments()] == ["samtale.ics"]
    finally:
        server.stop()


def _offer_session(session, location, *, starts_at, online_link=None, status="open"):
    from portal.models.offers import Offer, OfferSession

    offer = Offer(kind="webinar", title="Sådan går du til samtale", description="", topic="interview",
                  hold_hours=24, created_at=NOW, updated_at=NOW)
    session.add(offer)
    session.flush()
    offer_session = OfferSession(offer_id=offer.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                                 location_id=None if online_link else location.id, online_link=online_link,
                                 capacity=20, seats_taken=0, status=status, created_at=NOW, updated_at=NOW)
    session.add(offer_session)
    session.flush()
    return offer_session


def _register(session, offer_session, member, status="registered"):
    from portal.models.offers import OfferRegistration

    times = {"waitlisted_at": NOW} if status == "waitlisted" else {"registered_at": NOW}
    reg = OfferRegistration(session_id=offer_session.id, member_id=member.id, status=status, created_at=NOW,
                            updated_at=NOW, **times)
    session.add(reg)
    offer_session.seats_taken += status == "registered"
    session.flush()
    return reg


def test_offer_session_reminder_for_registered_members_only_once_with_link(session, make):
    from portal.services.messaging.reminders import enqueue_session_reminders

    registered, waitlisted = make.member(), make.member()
    webinar = _offer_session(session, make.location(), starts_at=NOW + timedelta(hours=20),
                             online_link="https://video.foa.dk/webinar/42")
    _offer_session(session, make.location(), starts_at=NOW + timedelta(hours=30))  # not yet
    _register(session, webinar, registered)
    _register(session, webinar, waitlisted, status="waitlisted")
    make.commit()

    first = enqueue_session_reminders(session, now=NOW)
    second = enqueue_session_reminders(session, now=NOW + timedelta(minutes=10))

    assert first["enqueued"] == 1 and second["enqueued"] == 0
    [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "session_reminder")).all()
    assert row.member_id == registered.id and "Sådan går du til samtale" in row.subject
    assert "https://video.foa.dk/webinar/42" in row.body_text
    assert [a.filename for a in row.attachments] == ["tilbud.ics"]


def test_1200_reminders_cost_a_few_statements_per_chunk_and_a_second_run_writes_nothing(session, make, db):
    cw = make.caseworker()
    member = make.member(caseworker=cw)
    for i in range(1_200):  # one-minute conversations back to back, all within the next 24 hours
        booking(session, member, cw, starts_at=NOW + timedelta(hours=1, minutes=i), minutes=1)
    make.commit()

    with statements(db.engine) as sent:
        counts = enqueue_booking_reminders(session, now=NOW)
    with statements(db.engine) as sent_again:
        again = enqueue_booking_reminders(session, now=NOW + timedelta(minutes=10))

    assert counts == {"due": 1_200, "enqueued": 1_200, "already": 0}
    assert again == {"due": 1_200, "enqueued": 0, "already": 1_200}
    assert len(reminders(session)) == 1_200
    # Per chunk of 1,000 bookings: the selection and a key lookup per 500, then per 500 new messages a lookup and
    # two inserts: 15 in all (it was 3 statements per message). A second run renders and writes nothing.
    assert len(sent) < 20, sent
    assert len(sent_again) < 10, sent_again


def _mixed_bookings(session, make, n: int) -> list:
    """n bookings, each of another member, caseworker and place, Danish and English members by turns, every
    channel, a minute apart."""
    made = []
    for i in range(n):
        location = make.location(name=f"Sted {i}")
        cw = make.caseworker(location=location)
        member = make.member(caseworker=cw, location=location, language="en" if i % 2 else "da")
        channel = ("in_person", "phone", "video")[i % 3]
        made.append(booking(session, member, cw, starts_at=NOW + timedelta(hours=2, minutes=i), channel=channel,
                            meeting_link="https://video.foa.dk/rum/x" if channel == "video" else None))
    make.commit()
    return made


@pytest.mark.parametrize("chunk", [1000, 7])
def test_a_chunk_costs_the_same_statements_for_5_or_40_reminders_of_different_members(session, make, db, chunk):
    """No statement per reminder: members, caseworkers, their names and places come with the chunk's one
    selection, and the outbox is written a chunk at a time (issue 19)."""
    _mixed_bookings(session, make, 5)
    with statements(db.engine) as few:
        enqueue_booking_reminders(session, now=NOW, hours=1)  # nothing due yet: the empty selection alone
    before = len(reminders(session))
    with statements(db.engine) as small:
        assert enqueue_booking_reminders(session, now=NOW, chunk=chunk)["enqueued"] == 5
    _mixed_bookings(session, make, 35)
    with statements(db.engine) as large:
        assert enqueue_booking_reminders(session, now=NOW + timedelta(minutes=1), chunk=chunk)["enqueued"] == 35
    assert before == 0 and len(few) == 1
    chunks_of_40 = -(-40 // chunk)
    # A chunk: its selection, the key lookup, the outbox's own lookup and two inserts; then the empty selection.
    assert len(small) == 5 + 1 and len(large) == 5 * chunks_of_40 + 1, (small, large)


def test_reminders_in_both_languages_are_written_in_the_order_the_conversations_start(session, make):
    """Each chunk is rendered a language at a time (one forced locale per language): the outbox still gets the
    soonest first, each in the member's own language."""
    made = _mixed_bookings(session, make, 6)

    enqueue_booking_reminders(session, now=NOW)

    rows = reminders(session)
    assert [row.idempotency_key for row in rows] == [f"reminder:booking:{b.id}:s0:24h" for b in made]
    assert [row.subject.split(":")[0] for row in rows] == ["Påmindelse", "Reminder"] * 3
    invitations = [row.attachments[0].content.decode().replace("\r\n ", "") for row in rows]  # unfolded
    assert ["with FOA A-kasse" in ics for ics in invitations] == [False, True] * 3  # the .ics in the same language
    assert "Phone: your caseworker will call you" in invitations[1]
    assert "Telefon: din sagsbehandler ringer til dig" in invitations[4]


def test_the_run_leaves_the_garbage_collector_as_it_found_it(session, make):
    import gc

    _mixed_bookings(session, make, 2)
    enqueue_booking_reminders(session, now=NOW)
    assert gc.isenabled()
    gc.disable()
    try:
        enqueue_booking_reminders(session, now=NOW + timedelta(minutes=1))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_reminder_written_by_a_parallel_run_after_the_lookup_counts_as_already_there(session, make, monkeypatch):
    from portal.services.messaging import outbox

    cw = make.caseworker()
    booking(session, make.member(caseworker=cw), cw, starts_at=NOW + timedelta(hours=20))
    make.commit()
    enqueue_booking_reminders(session, now=NOW)
    monkeypatch.setattr(outbox, "existing_keys", lambda session, keys: set())  # both lookups ran before it existed

    again = enqueue_booking_reminders(session, now=NOW + timedelta(minutes=10))

    assert again == {"due": 1, "enqueued": 0, "already": 1} and len(reminders(session)) == 1


def test_the_reminder_goes_by_sms_too_when_the_member_has_a_number_and_the_channel_is_on(app, session, make):
    cw = make.caseworker()
    texted = make.member(caseworker=cw)
    texted.phone = "+45 20 30 40 50"
    no_phone = make.member(caseworker=cw)
    b = booking(session, texted, cw, starts_at=NOW + timedelta(hours=20))
    booking(session, no_phone, cw, starts_at=NOW + timedelta(hours=21))
    make.commit()

    assert "sms" not in enqueue_booking_reminders(session, now=NOW)  # no gateway: e-mail only, nothing waits
    assert {r.channel for r in reminders(session)} == {"email"}

    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/rest/mtsms"
    counts = enqueue_booking_reminders(session, now=NOW + timedelta(minutes=5))  # switched on later: SMS added
    assert counts == {"due": 2, "enqueued": 0, "already": 2, "sms": 1}
    [text] = [r for r in reminders(session) if r.channel == "sms"]
    assert text.to_address == "+4520304050" and text.idempotency_key == f"reminder:booking:{b.id}:s0:24h:sms"
    assert "CV-samtale" in text.body_text and text.status == "pending"
    assert enqueue_booking_reminders(session, now=NOW + timedelta(minutes=10))["sms"] == 0  # once only
