"""Booking rules without HTTP: slots, ordering, notice, channels, focus limit, outbox/.ics, DST, DB guard."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from portal.models import AuditEntry, Booking, Notification, OutboxMessage
from portal.services.booking import booking as svc
from portal.services.booking.availability import add_exception
from portal.services.booking.slots import free_slots
from portal.services.errors import Conflict, NotAllowed, SlotTaken, ValidationFailed
from portal.timeutil import to_local
from tests.booking_helpers import NOW, hours, utc

# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def odense(make, session):
    loc = make.location("Odense", lat=55.40, lon=10.39)
    own = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    other = make.caseworker("anders", location=loc, display_name="Anders Berg")
    middelfart = make.location("Middelfart", lat=55.51, lon=9.73, fvu_city=False)
    far = make.caseworker("frida", location=middelfart, display_name="Frida Fjern")
    for cw in (own, other, far):
        hours(session, cw)
    member = make.member("mette", location=loc, caseworker=own, target_group="2a")
    make.commit()
    return {"loc": loc, "own": own, "other": other, "far": far, "member": member}


def book(session, member, cw, starts_at, type="cv", channel="in_person", actor=None, **kw):
    actor = actor or member.user
    result = svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=starts_at, type=type,
                           channel=channel, actor=actor, now=NOW, **kw)
    session.commit()
    return result


def test_slots_put_own_caseworker_first_then_location_then_nearby(session, odense):
    slots = free_slots(session, type="cv", start=NOW, end=NOW + timedelta(days=7), now=NOW, member=odense["member"])
    names = [s.caseworker_name for s in slots]
    first_other = names.index("Anders Berg")
    first_far = names.index("Frida Fjern")
    assert set(names[:first_other]) == {"Birgitte Holm"} and all(s.own_caseworker for s in slots[:first_other])
    assert first_other < first_far and set(names[first_far:]) == {"Frida Fjern"}
    assert slots[0].location_name == "Odense" and slots[-1].location_name == "Middelfart"
    own = [s.starts_at for s in slots[:first_other]]
    assert own == sorted(own)


def test_slots_respect_minimum_notice_hours_and_length(session, odense):
    slots = free_slots(session, type="cv", start=NOW, end=NOW + timedelta(days=3), now=NOW,
                       caseworker_id=odense["own"].id)
    assert slots[0].starts_at >= NOW + timedelta(hours=24)
    for slot in slots:
        local_start, local_end = to_local(slot.starts_at), to_local(slot.ends_at)
        assert time(9) <= local_start.time() and local_end.time() <= time(15)
        assert slot.ends_at - slot.starts_at == timedelta(minutes=60)
        assert local_start.weekday() < 5


def test_booked_time_and_buffer_are_not_offered(session, odense):
    start = utc(2027, 3, 24, 9, 0)  # Wednesday 10:00 local
    book(session, odense["member"], odense["own"], start)
    slots = free_slots(session, type="followup_phone", start=utc(2027, 3, 24, 0, 0), end=utc(2027, 3, 25, 0, 0),
                       now=NOW, caseworker_id=odense["own"].id)
    starts = {s.starts_at for s in slots}
    # 10:00-11:00 booked, 15 min buffer each side: 09:30 (ends 10:00) and 11:00 are blocked, 08:00 UTC free.
    assert utc(2027, 3, 24, 8, 30) not in starts and utc(2027, 3, 24, 10, 0) not in starts
    assert utc(2027, 3, 24, 8, 0) in starts and utc(2027, 3, 24, 10, 30) in starts


def test_booking_writes_row_audit_outbox_with_ics_and_notifies_caseworker(session, odense):
    member = odense["member"]
    booking = book(session, member, odense["own"], utc(2027, 3, 24, 9, 0))
    assert booking.status == "booked" and booking.location_id == odense["loc"].id
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.create")).member_id == member.id
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
    assert mail.to_address == member.email and "CV-samtale" in mail.subject and "kl. 10:00" in mail.subject
    cal = Calendar.from_ical(mail.attachments[0].content)
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "REQUEST" and str(event["UID"]) == booking.uid and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == utc(2027, 3, 24, 9, 0)
    note = session.scalar(select(Notification).where(Notification.user_id == odense["own"].user_id))
    assert "CV-samtale" in note.text


def test_video_booking_has_meeting_link_in_ics(session, odense):
    booking = book(session, odense["member"], odense["own"], utc(2027, 3, 24, 9, 0), type="followup_video",
                   channel="video")
    assert booking.meeting_link.startswith("https://")
    event = Calendar.from_ical(svc.booking_ics(booking, NOW)).walk("VEVENT")[0]
    assert str(event["URL"]) == booking.meeting_link


@pytest.mark.parametrize("type_,channel", [("cv", "phone"), ("availability", "video"), ("followup_phone", "video")])
def test_wrong_channel_is_refused_and_nothing_written(session, odense, type_, channel):
    with pytest.raises(ValidationFailed) as err:
        book(session, odense["member"], odense["own"], utc(2027, 3, 24, 9, 0), type=type_, channel=channel)
    assert "kan kun holdes som" in err.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("starts_at,message", [
    (utc(2027, 3, 20, 9, 0), "passeret"),
    (utc(2027, 3, 22, 12, 0), "mindst 24 timer"),
    (utc(2027, 3, 24, 16, 0), "uden for sagsbehandlerens arbejdstid"),
    (utc(2027, 3, 27, 9, 0), "uden for sagsbehandlerens arbejdstid"),  # Saturday
    (utc(2027, 7, 1, 8, 0), "60 dage"),
])
def test_bad_times_are_refused_with_danish_reason(session, odense, starts_at, message):
    with pytest.raises(ValidationFailed) as err:
        book(session, odense["member"], odense["own"], starts_at)
    assert message in err.value.message


def test_no_slots_on_public_holidays_and_a_booking_there_is_refused_unless_hours_were_added(session, odense):
    """Easter 2027: Maundy Thursday 25, Good Friday 26 and Easter Monday 29 March are closed; 24 and 30 are not."""
    own = odense["own"]
    slots = free_slots(session, type="cv", start=utc(2027, 3, 24, 0, 0), end=utc(2027, 3, 31, 0, 0), now=NOW,
                       caseworker_id=own.id)
    days = {to_local(s.starts_at).date() for s in slots}
    assert days == {date(2027, 3, 24), date(2027, 3, 30)}
    with pytest.raises(ValidationFailed, match="holder lukket den dag"):
        book(session, odense["member"], own, utc(2027, 3, 29, 8, 0))
    add_exception(session, caseworker=own, day=date(2027, 3, 29), kind="extra", start_time=time(9),
                  end_time=time(11), location_id=own.location_id, note="Åbent for akutte samtaler",
                  actor=own.user, today=NOW.date(), now=NOW)
    session.commit()
    assert book(session, odense["member"], own, utc(2027, 3, 29, 8, 0)).status == "booked"  # 10:00 CEST


def test_same_or_overlapping_slot_taken(session, odense, make):
    book(session, odense["member"], odense["own"], utc(2027, 3, 24, 9, 0))
    other_member = make.member("ole", location=odense["loc"])
    make.commit()
    # A 30-minute follow-up laid inside the 60-minute CV conversation, not the same start.
    with pytest.raises(SlotTaken) as err:
        book(session, other_member, odense["own"], utc(2027, 3, 24, 9, 30), type="followup_phone", channel="phone")
    assert "booket af en anden" in err.value.message


def test_member_cannot_hold_two_overlapping_bookings(session, odense):
    book(session, odense["member"], odense["own"], utc(2027, 3, 24, 9, 0))
    with pytest.raises(Conflict):
        book(session, odense["member"], odense["other"], utc(2027, 3, 24, 9, 30), type="followup_phone",
             channel="phone")


def test_database_refuses_overlap_even_without_the_service(session, odense, make):
    book(session, odense["member"], odense["own"], utc(2027, 3, 24, 9, 0))
    other_member = make.member("ole", location=odense["loc"])
    make.commit()
    row = {"uid": "x@y", "member_id": other_member.id, "caseworker_id": odense["own"].id, "location_id": odense["loc"].id,
               "type": "cv", "channel": "in_person", "starts_at": utc(2027, 3, 24, 9, 30), "ends_at": utc(2027, 3, 24, 10, 0),
               "status": "booked", "sequence": 0, "with_jobcenter": False, "created_at": NOW, "updated_at": NOW}
    session.add(Booking(**row))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    # A cancelled booking does not block.
    session.add(Booking(**{**row, "status": "cancelled_member"}))
    session.commit()


def test_group_2_gets_two_focus_conversations_third_needs_caseworker(session, odense):
    member, own = odense["member"], odense["own"]
    book(session, member, own, utc(2027, 3, 24, 8, 0), type="focus", channel="phone")
    # both are due by week 13: the second is booked while the first is still ahead (not one at a time)
    book(session, member, own, utc(2027, 3, 30, 8, 0), type="focus", channel="video")
    with pytest.raises(NotAllowed) as err:
        book(session, member, own, utc(2027, 3, 31, 8, 0), type="focus", channel="in_person")
    assert "2 fokussamtaler" in err.value.message
    third = book(session, member, own, utc(2027, 3, 31, 8, 0), type="focus", channel="in_person", actor=own.user)
    assert third.status == "booked"


def test_group_1_cannot_book_focus_and_member_cannot_book_joint(session, odense, make):
    g1 = make.member("ib", location=odense["loc"], caseworker=odense["own"], target_group="1")
    make.commit()
    with pytest.raises(NotAllowed, match="målgruppe 2"):
        book(session, g1, odense["own"], utc(2027, 3, 24, 8, 0), type="focus", channel="phone")
    with pytest.raises(NotAllowed, match="Fællessamtalen"):
        book(session, g1, odense["own"], utc(2027, 3, 24, 8, 0), type="joint")


def test_caseworker_books_joint_conversation_with_job_centre(session, odense):
    own = odense["own"]
    booking = book(session, odense["member"], own, utc(2027, 3, 22, 12, 0), type="joint", actor=own.user)
    assert booking.with_jobcenter  # and staff skip the 24-hour notice
    channels = set(session.scalars(select(OutboxMessage.channel).where(OutboxMessage.member_id == booking.member_id)))
    assert channels == {"email", "jobcenter"}
    assert session.scalar(select(Notification).where(Notification.user_id == odense["member"].user_id))
    # The member cannot move it on Min side (only the caseworker can), so the e-mail does not promise that.
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "email"))
    assert "Tiden er aftalt med jobcentret" in mail.body_text and "Du kan flytte" not in mail.body_text
    with pytest.raises(NotAllowed, match="kan ikke selv flytte eller aflyse"):
        svc.reschedule_booking(session, booking, starts_at=utc(2027, 3, 23, 12, 0), actor=odense["member"].user,
                               now=NOW)
    session.rollback()


def test_member_reschedules_and_cancels_with_new_sequence(session, odense):
    member = odense["member"]
    booking = book(session, member, odense["own"], utc(2027, 3, 24, 9, 0))
    svc.reschedule_booking(session, booking, starts_at=utc(2027, 3, 30, 9, 0), actor=member.user, now=NOW)
    session.commit()
    assert booking.sequence == 1 and booking.starts_at == utc(2027, 3, 30, 9, 0)
    svc.cancel_booking(session, booking, actor=member.user, now=NOW)
    session.commit()
    assert booking.status == "cancelled_member" and booking.sequence == 2
    last = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    cal = Calendar.from_ical(last.attachments[0].content)
    assert str(cal["METHOD"]) == "CANCEL" and int(cal.walk("VEVENT")[0]["SEQUENCE"]) == 2
    # The freed time is bookable again at once.
    again = book(session, member, odense["own"], utc(2027, 3, 30, 9, 0))
    assert again.status == "booked"


def test_member_cannot_cancel_inside_minimum_notice_but_caseworker_can_with_reason(session, odense):
    member, own = odense["member"], odense["own"]
    booking = book(session, member, own, utc(2027, 3, 24, 9, 0))
    late = utc(2027, 3, 23, 12, 0)
    with pytest.raises(Conflict, match="mindre end 24 timer"):
        svc.cancel_booking(session, booking, actor=member.user, now=late)
    with pytest.raises(ValidationFailed, match="begrundelse"):
        svc.cancel_booking(session, booking, actor=own.user, now=late)
    svc.cancel_booking(session, booking, actor=own.user, now=late, reason="Sygdom")
    session.commit()
    assert booking.status == "cancelled_fund"
    note = session.scalar(select(Notification).where(Notification.user_id == member.user_id)
                          .order_by(Notification.id.desc()))
    assert "Sygdom" in note.text


def test_a_caseworkers_reason_over_the_limit_is_refused_whole_not_cut(session, odense):
    """The member is told the reason: it is kept whole or refused with the limit (it was cut at 500 silently)."""
    member, own = odense["member"], odense["own"]
    booking = book(session, member, own, utc(2027, 3, 24, 9, 0))
    long_reason = "Sygdom. " + "x" * 600
    with pytest.raises(ValidationFailed, match="højst være 500 tegn. Den er 608 tegn") as refused:
        svc.cancel_booking(session, booking, actor=own.user, now=NOW, reason=long_reason)
    session.rollback()
    assert refused.value.field == "reason"
    with pytest.raises(ValidationFailed, match="højst være 500 tegn"):
        svc.reschedule_booking(session, booking, starts_at=utc(2027, 3, 25, 9, 0), actor=own.user, now=NOW,
                               reason=long_reason)
    session.rollback()
    session.refresh(booking)
    assert booking.status == "booked" and booking.starts_at == utc(2027, 3, 24, 9, 0) and booking.sequence == 0
    svc.cancel_booking(session, booking, actor=own.user, now=NOW, reason="x" * 500)  # the limit itself is kept
    session.commit()
    assert booking.cancel_reason == "x" * 500
    # The audit entry's reason column holds 200 (a 500 on PostgreSQL before): shortened there, whole in its detail.
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.cancel"))
    assert len(entry.reason) == 200 and entry.detail["reason"] == "x" * 500


def test_outcome_only_after_start_and_only_by_staff(session, odense):
    member, own = odense["member"], odense["own"]
    booking = book(session, member, own, utc(2027, 3, 24, 9, 0))
    with pytest.raises(NotAllowed):
        svc.register_outcome(session, booking, outcome="held", actor=member.user, now=utc(2027, 3, 24, 10, 0))
    with pytest.raises(ValidationFailed, match="ikke begyndt"):
        svc.register_outcome(session, booking, outcome="held", actor=own.user, now=NOW)
    svc.register_outcome(session, booking, outcome="no_show", actor=own.user, now=utc(2027, 3, 24, 10, 0))
    session.commit()
    assert booking.status == "no_show" and booking.outcome_registered_at is not None


def test_absence_removes_slots_and_reports_booked_conversations(session, odense):
    own = odense["own"]
    book(session, odense["member"], own, utc(2027, 3, 24, 9, 0))
    _item, affected = add_exception(session, caseworker=own, day=date(2027, 3, 24), kind="absence", start_time=None,
                                    end_time=None, location_id=None, note="Kursus", actor=own.user,
                                    today=date(2027, 3, 22), now=NOW)
    session.commit()
    assert len(affected) == 1
    slots = free_slots(session, type="cv", start=utc(2027, 3, 24, 0, 0), end=utc(2027, 3, 25, 0, 0), now=NOW,
                       caseworker_id=own.id)
    assert slots == []


def test_extra_hours_add_slots_on_a_saturday(session, odense):
    own = odense["own"]
    add_exception(session, caseworker=own, day=date(2027, 3, 27), kind="extra", start_time=time(10),
                  end_time=time(12), location_id=odense["loc"].id, note=None, actor=own.user,
                  today=date(2027, 3, 22), now=NOW)
    session.commit()
    slots = free_slots(session, type="cv", start=utc(2027, 3, 27, 0, 0), end=utc(2027, 3, 28, 0, 0), now=NOW,
                       caseworker_id=own.id)
    assert [to_local(s.starts_at).strftime("%H:%M") for s in slots] == ["10:00", "10:30", "11:00"]


@pytest.mark.parametrize("before,after", [
    # Last Sunday of March 2027 is the 28th (Easter Sunday: 25, 26 and 29 March are closed): CET (UTC+1) before,
    # CEST (UTC+2) after.
    ((2027, 3, 24), (2027, 3, 30)),
    # Last Sunday of October 2027 is the 31st: CEST before, CET after.
    ((2027, 10, 29), (2027, 11, 1)),
])
def test_slots_across_clock_changes_start_at_nine_local(session, odense, before, after):
    own = odense["own"]
    now = utc(*before, 0, 0) - timedelta(days=3)
    slots = free_slots(session, type="cv", start=utc(*before, 0, 0), end=utc(*after, 23, 0), now=now,
                       caseworker_id=own.id, booking_rules=None)
    by_day: dict = {}
    for slot in slots:
        by_day.setdefault(to_local(slot.starts_at).date(), []).append(slot)
    assert next(to_local(s.starts_at).strftime("%H:%M") for s in by_day[date(*before)]) == "09:00"
    assert next(to_local(s.starts_at).strftime("%H:%M") for s in by_day[date(*after)]) == "09:00"
    offsets = {to_local(by_day[date(*d)][0].starts_at).utcoffset() for d in (before, after)}
    assert len(offsets) == 2  # one hour apart in UTC
    booking = svc.book_slot(session, member=odense["member"], caseworker_id=own.id,
                            starts_at=by_day[date(*after)][0].starts_at, type="cv", channel="in_person",
                            actor=odense["member"].user, now=now)
    session.commit()
    assert to_local(booking.starts_at).strftime("%H:%M") == "09:00"
    assert "kl. 09:00" in session.scalar(select(OutboxMessage.subject))


def test_sqlite_guard_is_a_trigger(session, odense):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only")
    names = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    assert {"tr_booking_caseworker_overlap_insert", "tr_booking_member_overlap_update"} <= names


def test_chatbot_books_with_member_rules(session, odense, make):
    g1 = make.member("ib", location=odense["loc"], caseworker=odense["own"], target_group="1")
    make.commit()
    with pytest.raises(NotAllowed):
        book(session, g1, odense["own"], utc(2027, 3, 24, 8, 0), type="joint", actor="chatbot")
    with pytest.raises(ValidationFailed, match="24 timer"):
        book(session, g1, odense["own"], utc(2027, 3, 22, 13, 0), actor="chatbot")
    booking = book(session, g1, odense["own"], utc(2027, 3, 24, 8, 0), actor="chatbot")
    assert booking.booked_by_user_id is None
    assert session.scalar(select(AuditEntry.actor_label).where(AuditEntry.action == "booking.create")) == "chatbot"


def test_member_bookings_upcoming_only_and_order(session, odense):
    member = odense["member"]
    first = book(session, member, odense["own"], utc(2027, 3, 30, 9, 0))
    svc.cancel_booking(session, first, actor=member.user, now=NOW)
    session.commit()
    second = book(session, member, odense["own"], utc(2027, 3, 24, 9, 0))
    assert [b.id for b in svc.member_bookings(session, member, now=NOW)] == [first.id, second.id]
    assert [b.id for b in svc.member_bookings(session, member, upcoming_only=True, now=NOW)] == [second.id]


def test_migration_creates_the_database_guard(tmp_path):
    """`flask db upgrade` (not create_all) must give the same overlap guard."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'mig.sqlite3'}",
                      "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        conn = db.session.connection()
        conn.exec_driver_sql("INSERT INTO service_location (id, name, region, latitude, longitude, fvu_city) "
                             "VALUES (1, 'Odense', 'Syddanmark', 55.4, 10.4, 1)")
        conn.exec_driver_sql("INSERT INTO user_account (id, username, password_hash, role, display_name, locale, "
                             "active, failed_logins, session_generation, created_at) VALUES "
                             "(1, 'a', 'x', 'caseworker', 'A', 'da', 1, 0, 0, '2027-01-01 00:00:00')")
        conn.exec_driver_sql("INSERT INTO caseworker (id, user_id, location_id, group2_specialist, central_unit) "
                             "VALUES (1, 1, 1, 0, 0)")
        for n in (1, 2):
            conn.exec_driver_sql(
                "INSERT INTO member (id, member_number, first_name, last_name, birth_date, gender, location_id, "
                "status, mark_o, first_unemployment_day, trade_inside_foa, placement, preferred_channel, language, "
                f"created_at, updated_at) VALUES ({n}, '{n}', 'A', 'B', '1970-01-01', 'female', 1, 'ledig', 0, "
                "'2027-01-01', 1, 'new', 'in_person', 'da', '2027-01-01 00:00:00', '2027-01-01 00:00:00')")
        insert = ("INSERT INTO booking (uid, member_id, caseworker_id, location_id, type, channel, starts_at, ends_at, "
                  "status, sequence, with_jobcenter, created_at, updated_at) VALUES "
                  "('{uid}', {member}, 1, 1, 'cv', 'in_person', '{start}', '{end}', 'booked', 0, 0, "
                  "'2027-01-01 00:00:00', '2027-01-01 00:00:00')")
        conn.exec_driver_sql(insert.format(uid="a", member=1, start="2027-03-24 09:00:00.000000",
                                           end="2027-03-24 10:00:00.000000"))
        with pytest.raises(IntegrityError, match="booking_overlap_caseworker"):
            conn.exec_driver_sql(insert.format(uid="b", member=2, start="2027-03-24 09:30:00.000000",
                                               end="2027-03-24 10:00:00.000000"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_focus_conversation_right_belongs_to_the_current_course(app, session, make):
    """Two focus conversations in an earlier unemployment period do not use up the right in the new one."""
    from datetime import timedelta

    from portal.models import Booking
    from portal.services.booking import booking as svc
    from portal.services.booking.conversation_types import TYPES

    cw = make.caseworker()
    member = make.member(target_group="2a", caseworker=cw, first_unemployment_day=NOW.date() - timedelta(days=20))
    old = NOW - timedelta(days=300)
    for i in range(2):
        session.add(Booking(uid=f"old-{i}", member_id=member.id, caseworker_id=cw.id, location_id=cw.location_id,
                            type="focus", channel="phone", starts_at=old + timedelta(days=i),
                            ends_at=old + timedelta(days=i, minutes=45), status="held", created_at=old,
                            updated_at=old))
    make.commit()
    assert svc.member_booking_refusal(session, member, TYPES["focus"]) is None
    member.first_unemployment_day = NOW.date() - timedelta(days=400)  # the same course: both count
    assert "booket eller haft dine 2 fokussamtaler" in svc.member_booking_refusal(session, member, TYPES["focus"])


def test_each_party_is_told_in_their_own_language_not_the_clickers(app, session, odense):
    """A caseworker working in English books for a Danish member: the member's e-mail, .ics and note are Danish;
    a member who corresponds in English gets English whatever the caseworker's language."""
    own, member = odense["own"], odense["member"]
    with app.test_request_context("/?lang=en"):
        book(session, member, own, utc(2027, 3, 22, 12, 0), type="joint", actor=own.user)
    mails = {m.channel: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == member.id))}
    assert mails["email"].subject.startswith("Bekræftelse:") and "Kære" in mails["email"].body_text
    assert "Fællessamtale" in mails["email"].subject and "kl." in mails["email"].subject
    assert Calendar.from_ical(mails["email"].attachments[0].content).walk("VEVENT")[0]["SUMMARY"].endswith(
        "med FOA A-kasse")
    assert mails["jobcenter"].body_text.startswith("Fællessamtale med jobcentret for medlem")
    note = session.scalar(select(Notification.text).where(Notification.user_id == member.user_id))
    assert "er booket" in note

    member.language = "en"
    session.commit()
    with app.test_request_context("/?lang=da"):
        booking = book(session, member, own, utc(2027, 3, 23, 12, 0), type="followup_phone", channel="phone",
                       actor=own.user)
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"booking-{booking.id}-%")))
    assert mail.subject.startswith("Confirmation:") and "Dear" in mail.body_text, mail.subject


def test_confirmations_go_by_sms_only_with_a_number_and_a_gateway(app, session, odense):
    member = odense["member"]
    member.phone = "20 30 40 50"
    session.commit()
    plain = book(session, member, odense["own"], utc(2027, 3, 24, 9, 0))  # no gateway: e-mail only, nothing waits
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.channel == "sms")) == 0
    plain.status = "held"
    session.commit()
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/rest/mtsms"
    booking = book(session, member, odense["own"], utc(2027, 3, 30, 9, 0))
    svc.cancel_booking(session, booking, actor=member.user, now=NOW)
    session.commit()
    texts = list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")
                                 .order_by(OutboxMessage.id)))
    assert [m.kind for m in texts] == ["booking_created", "booking_cancelled"]
    assert {m.to_address for m in texts} == {"+4520304050"} and all(m.status == "pending" for m in texts)
    assert "CV-samtale" in texts[0].body_text and "Odense" in texts[0].body_text
    assert texts[0].idempotency_key == f"booking-{booking.id}-0-created-sms"
    member.phone = "ikke et nummer"  # an old, invalid number: no SMS rather than a dead row
    session.commit()
    other = book(session, member, odense["own"], utc(2027, 3, 31, 9, 0))
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.channel == "sms", OutboxMessage.idempotency_key.like(
                              f"booking-{other.id}-%"))) == 0


def test_an_absence_note_over_the_limit_is_refused_whole_not_cut(session, odense):
    own = odense["own"]
    with pytest.raises(ValidationFailed, match="højst 200 tegn"):
        add_exception(session, caseworker=own, day=date(2027, 3, 24), kind="absence", start_time=None,
                      end_time=None, location_id=None, note="k" * 201, actor=own.user, today=date(2027, 3, 22),
                      now=NOW)
    item, _affected = add_exception(session, caseworker=own, day=date(2027, 3, 24), kind="absence", start_time=None,
                                    end_time=None, location_id=None, note="k" * 200, actor=own.user,
                                    today=date(2027, 3, 22), now=NOW)
    assert item.note == "k" * 200


def test_the_channels_a_type_allows_are_named_as_a_sentence(session, odense):
    """"… som fremmøde, telefon eller video", not "fremmøde, telefon, video" (walk-through, 5 December)."""
    with pytest.raises(ValidationFailed) as err:
        book(session, odense["member"], odense["own"], utc(2027, 3, 24, 9, 0), type="focus", channel="chat")
    assert err.value.message == "Fokussamtale kan kun holdes som fremmøde, telefon eller video.", err.value.message
