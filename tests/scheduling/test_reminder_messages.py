"""Reminders as the member reads them: every part in the member's language (whoever runs the job), the place of
an offer session said once, nothing sent for a time that was cancelled, moved or has begun; `run-once --now`."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.models import OutboxMessage
from portal.services.messaging import dispatch
from portal.services.messaging.reminder_keys import STOPPED_TIME_CHANGED
from portal.services.messaging.reminders import enqueue_booking_reminders, enqueue_session_reminders
from portal.timeutil import LOCAL_TZ
from scheduling.jobs import NowRefused, chosen_now, parse_now, run_job
from tests.scheduling_support import NOW, booking

pytestmark = pytest.mark.clock(NOW)


def rows(session, kind: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def ics_event(message: OutboxMessage):
    [attachment] = message.attachments
    return Calendar.from_ical(attachment.content).walk("VEVENT")[0]


def test_an_english_members_reminder_is_english_in_every_part_when_the_scheduler_runs_it(app, session, make):
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/rest/mtsms"
    cw = make.caseworker(display_name="Birgitte Holm")
    member = make.member(caseworker=cw, language="en", phone="+45 20 30 40 50")
    booking(session, member, cw, starts_at=NOW + timedelta(hours=20))
    make.commit()

    run = run_job("booking_reminders", app=app, now=NOW, holder="test")

    assert run.status == "ok", run.error
    email, sms = rows(session, "booking_reminder")
    assert email.subject.startswith("Reminder: CV conversation ")
    assert "CV-samtale" not in email.subject + email.body_text + email.body_html
    assert "CV conversation" in email.body_text and "CV conversation" in email.body_html
    assert sms.channel == "sms" and sms.body_text == email.subject
    event = ics_event(email)
    assert str(event["summary"]) == "CV conversation with FOA A-kasse"
    assert "Caseworker: Birgitte Holm" in str(event["description"])
    assert "Sagsbehandler" not in str(event["description"])


def test_an_admin_with_an_english_page_running_the_job_does_not_make_danish_mails_english(
        app, client, auth, session, make):
    make.user("admin1", role="admin")
    cw = make.caseworker(display_name="Birgitte Holm")
    member = make.member(caseworker=cw)
    english = make.member(caseworker=cw, language="en")
    booking(session, member, cw, starts_at=NOW + timedelta(hours=20))
    booking(session, english, cw, starts_at=NOW + timedelta(hours=21))
    make.commit()
    auth.login("admin1")
    assert "Scheduled jobs" in client.get("/admin/planlaegning?lang=en").get_data(as_text=True)

    auth.post("/admin/planlaegning/booking_reminders/koer", page="/admin/planlaegning")

    danish, other = rows(session, "booking_reminder")
    assert danish.subject.startswith("Påmindelse: CV-samtale ") and "Hej" in danish.body_text
    assert str(ics_event(danish)["summary"]) == "CV-samtale med FOA A-kasse"
    assert "Sagsbehandler: Birgitte Holm" in str(ics_event(danish)["description"])
    assert other.subject.startswith("Reminder: CV conversation ")


def _session_with(session, make, *, venue: str | None, town: str = "Odense", starts_at=None, kind="fvu_test"):
    from tests.offers_helpers import make_offer, make_session

    location = make.location(town)
    offer = make_offer(session, kind=kind, title="FVU læsning" if kind == "fvu_test" else "Temamøde: Jobsøgning")
    offer_session = make_session(session, offer, location=location, now=NOW,
                                 starts_in=(starts_at or NOW + timedelta(hours=20)) - NOW)
    offer_session.venue = venue
    session.flush()
    return offer_session


def _register(session, offer_session, member):
    from portal.models.offers import OfferRegistration

    reg = OfferRegistration(session_id=offer_session.id, member_id=member.id, status="registered", created_at=NOW,
                            updated_at=NOW, registered_at=NOW)
    session.add(reg)
    offer_session.seats_taken += 1
    session.flush()
    return reg


@pytest.mark.parametrize("venue, place", [
    ("AOF Odense", "AOF Odense"),  # the FVU course at AOF, not "FOA Odense, AOF Odense"
    ("FOA Odense, mødelokale 1", "FOA Odense, mødelokale 1"),  # said once
    ("Vestergade 10, 2. sal", "Vestergade 10, 2. sal, Odense"),  # the town added when the venue does not name it
    (None, "FOA Odense"),
])
def test_a_session_reminder_says_the_place_once_as_the_calendar_does_and_links_to_my_registrations(
        session, make, venue, place):
    member = make.member()
    offer_session = _session_with(session, make, venue=venue)
    _register(session, offer_session, member)
    make.commit()

    enqueue_session_reminders(session, now=NOW)

    [row] = rows(session, "session_reminder")
    assert f"Sted: {place}." in row.body_text and f"Sted: {place}.</p>" in row.body_html
    assert str(ics_event(row)["location"]) == place
    assert 'href="http://127.0.0.1:5000/tilbud/mine"' in row.body_html
    assert "http://127.0.0.1:5000/tilbud/mine" in row.body_text
    assert row.attachments[0].content_type == 'text/calendar; method=REQUEST; charset="utf-8"'


def test_a_session_reminder_is_stopped_when_the_member_cancels_or_staff_cancel_the_session(session, make):
    from portal.services.offers.offer_editing import cancel_session
    from portal.services.offers.offers import cancel_registration

    staff = make.user("kursus", role="admin")
    leaving, staying = make.member(), make.member()
    offer_session = _session_with(session, make, venue="AOF Odense", starts_at=NOW + timedelta(hours=30),
                                  kind="theme_meeting")
    leaving_reg = _register(session, offer_session, leaving)
    _register(session, offer_session, staying)
    make.commit()
    enqueue_session_reminders(session, now=NOW, hours=48)
    first, second = rows(session, "session_reminder")

    cancel_registration(session, leaving_reg, actor=leaving.user, now=NOW)
    session.commit()
    session.refresh(first)
    session.refresh(second)
    assert (first.status, first.last_error) == ("dead", STOPPED_TIME_CHANGED) and second.status == "pending"

    cancel_session(session, offer_session, reason="Underviseren er syg", actor=staff, now=NOW)
    session.commit()
    session.refresh(second)
    assert (second.status, second.last_error) == ("dead", STOPPED_TIME_CHANGED)


def test_the_dispatcher_does_not_send_a_reminder_whose_conversation_has_begun(app, session, make):
    from portal.services.messaging.channels.email_smtp import SmtpSettings
    from portal.services.messaging.dispatch import dispatch_pending

    cw = make.caseworker()
    member = make.member(caseworker=cw)
    b = booking(session, member, cw, starts_at=NOW + timedelta(hours=2))
    make.commit()
    enqueue_booking_reminders(session, now=NOW)
    [reminder] = rows(session, "booking_reminder")
    assert reminder.send_before == b.starts_at

    def no_smtp(settings):  # the SMTP server is never needed: nothing may be sent
        raise AssertionError("nothing is due, so nothing connects")

    result = dispatch_pending(session, SmtpSettings.from_config(app.config), now=b.starts_at + timedelta(minutes=5),
                              smtp_factory=no_smtp)

    session.refresh(reminder)
    assert result.sent == 0 and result.as_dict()["late"] == 1
    assert reminder.status == "dead" and reminder.last_error == dispatch.NOT_SENT_LATE
    assert dispatch.given_up_count(session) == 0


@pytest.mark.parametrize("text, expected", [
    ("2026-12-07T10:00", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),  # Copenhagen wall-clock time (CET)
    ("2026-07-07T10:00", datetime(2026, 7, 7, 8, 0, tzinfo=UTC)),  # summer time
    ("2026-12-07T09:00Z", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
    ("2026-12-07T10:00+01:00", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
])
def test_run_once_now_reads_copenhagen_time_or_an_offset(text, expected):
    assert parse_now(text) == expected


def test_production_refuses_a_future_now_and_one_more_than_a_week_back():
    real = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert chosen_now(real - timedelta(days=2), real_now=real, production=True) == real - timedelta(days=2)
    assert chosen_now(real + timedelta(days=30), real_now=real, production=False) == real + timedelta(days=30)
    with pytest.raises(NowRefused, match="future"):
        chosen_now(real + timedelta(hours=1), real_now=real, production=True)
    with pytest.raises(NowRefused, match="7 days"):
        chosen_now(real - timedelta(days=8), real_now=real, production=True)
    with pytest.raises(NowRefused, match="not a time"):
        parse_now("i morgen")


def test_run_once_with_now_runs_the_job_as_of_that_moment(app, runner, session, make):
    cw = make.caseworker()
    member = make.member(caseworker=cw)
    later = NOW + timedelta(days=3)
    booking(session, member, cw, starts_at=later + timedelta(hours=20))
    make.commit()
    local = later.astimezone(LOCAL_TZ)  # the operator types Copenhagen time

    result = runner.invoke(args=["scheduler", "run-once", "booking_reminders", "--now",
                                 local.strftime("%Y-%m-%dT%H:%M")])

    assert result.exit_code == 0, result.output
    assert "booking_reminders: ok" in result.output and "'enqueued': 1" in result.output
    assert len(rows(session, "booking_reminder")) == 1


def test_run_once_refuses_a_future_now_in_production(app, runner, session):
    app.config["ENV"] = "production"
    result = runner.invoke(args=["scheduler", "run-once", "booking_reminders", "--now", "2099-01-01T10:00"])
    assert result.exit_code == 2 and "refused in production" in result.output
    assert rows(session, "booking_reminder") == []
    bad = runner.invoke(args=["scheduler", "run-once", "booking_reminders", "--now", "snart"])
    assert bad.exit_code == 2 and "not a time" in bad.output


def test_the_jobs_page_labels_every_summary_key_and_translates_stored_stop_reasons(
        app, client, auth, session, make, monkeypatch):
    from portal.blueprints.outbox_admin import SUMMARY_LABELS

    make.user("admin1", role="admin")
    make.commit()
    run_job("caseload_next_steps", app=app, holder="test")
    auth.login("admin1")
    page = client.get("/admin/planlaegning").get_data(as_text=True)
    assert "refreshed:" not in page and f"{SUMMARY_LABELS['refreshed']}: 0" in page

    monkeypatch.setattr(dispatch, "gettext", lambda text: f"<{text}>")  # stands in for the English catalogue
    assert dispatch.error_label("Stoppet af administrator. SMTP 550") == "<Stoppet af administrator.> SMTP 550"
    assert dispatch.error_label("SMTPRecipientsRefused: 550") == "SMTPRecipientsRefused: 550"
