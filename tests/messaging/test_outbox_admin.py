"""The admin pages /admin/udbakke and /admin/planlaegning: failures visible, retry and stop, admins only."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models import AuditEntry, OutboxMessage
from portal.models.scheduling import JobRun
from portal.services.messaging import outbox
from portal.timeutil import utcnow


def dead_message(session) -> OutboxMessage:
    row = outbox.enqueue(session, idempotency_key="reminder:booking:9:s0:24h", kind="booking_reminder",
                         to_address="forkert@eksempel.dk", subject="Påmindelse: CV-samtale", body_text="...")
    row.status, row.attempts, row.last_error = "dead", 8, "SMTPRecipientsRefused: 550 5.1.1 No such user"
    session.commit()
    return row


def test_admin_sees_given_up_messages_with_the_error_and_the_view_is_audited(client, auth, make, session):
    make.user("admin1", role="admin")
    dead_message(session)
    make.commit()
    auth.login("admin1")

    page = client.get("/admin/udbakke").get_data(as_text=True)

    assert "forkert@eksempel.dk" in page and "550 5.1.1 No such user" in page
    assert "Opgivet" in page and "Send igen" in page
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.view")) is not None
    # The menu badge tells admins on every page that something was given up.
    assert "Udbakke: opgivet" in client.get("/admin/").get_data(as_text=True)


def test_retry_puts_a_given_up_message_back_in_the_queue(client, auth, make, session):
    make.user("admin1", role="admin")
    row = dead_message(session)
    make.commit()
    auth.login("admin1")

    response = auth.post(f"/admin/udbakke/{row.id}/send-igen", page="/admin/udbakke")

    assert response.status_code == 302
    assert "sendes igen" in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    row = session.get(OutboxMessage, row.id)
    assert (row.status, row.attempts) == ("pending", 0) and row.next_attempt_at <= utcnow()
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.action == "outbox.retry")) == "outbox.retry"
    # A sent message cannot be "retried" into a second e-mail.
    row.status = "sent"
    session.commit()
    response = auth.post(f"/admin/udbakke/{row.id}/send-igen", page="/admin/udbakke")
    assert "Kun beskeder, der er fejlet eller opgivet" in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(OutboxMessage, row.id).status == "sent"


def test_stop_a_pending_message(client, auth, make, session):
    make.user("admin1", role="admin")
    row = outbox.enqueue(session, idempotency_key="x:1", kind="test", to_address="a@eksempel.dk", subject="S",
                         body_text="B")
    make.commit()
    auth.login("admin1")
    auth.post(f"/admin/udbakke/{row.id}/stop", page="/admin/udbakke?vis=afventer")
    session.expire_all()
    row = session.get(OutboxMessage, row.id)
    assert row.status == "dead" and row.last_error.startswith("Stoppet af administrator")


def test_outbox_pages_are_for_admins_only(client, auth, make, session):
    make.caseworker("sb1")
    make.commit()
    assert client.get("/admin/udbakke").status_code == 302  # anonymous → login
    auth.login("sb1")
    assert client.get("/admin/udbakke").status_code == 403
    assert client.get("/admin/planlaegning").status_code == 403


def test_jobs_page_shows_last_runs_and_errors_and_can_run_a_job(client, auth, make, session):
    make.user("admin1", role="admin")
    session.add(JobRun(job_id="dispatch_outbox", holder="host:1:a", started_at=utcnow() - timedelta(minutes=1),
                       finished_at=utcnow(), status="error", summary={},
                       error="SmtpUnavailable: SMTP 127.0.0.1:1025: Connection refused"))
    make.commit()
    auth.login("admin1")

    page = client.get("/admin/planlaegning").get_data(as_text=True)
    assert "Send e-mails fra udbakken" in page and "Connection refused" in page and "hvert minut" in page
    assert "Ingen planlægger kører" in page

    response = auth.post("/admin/planlaegning/retention/koer", page="/admin/planlaegning")
    assert "Jobbet er kørt." in client.get(response.location).get_data(as_text=True)
    assert session.scalar(select(JobRun.status).where(JobRun.job_id == "retention")) == "ok"


def test_after_send_again_the_old_error_is_shown_as_the_last_error_not_as_the_state(client, auth, make, session):
    make.user("admin1", role="admin")
    row = dead_message(session)
    make.commit()
    auth.login("admin1")
    given_up = client.get("/admin/udbakke").get_data(as_text=True)
    assert "550 5.1.1 No such user" in given_up and "Sidste fejl:" not in given_up  # given up: the error is why

    auth.post(f"/admin/udbakke/{row.id}/send-igen", page="/admin/udbakke")
    waiting = client.get("/admin/udbakke?vis=afventer").get_data(as_text=True)

    assert "Venter" in waiting
    assert 'Sidste fejl:</span> SMTPRecipientsRefused: 550 5.1.1 No such user' in waiting


def test_the_header_says_permanent_errors_are_given_up_at_once(client, auth, make, session):
    make.user("admin1", role="admin")
    make.commit()
    auth.login("admin1")
    page = client.get("/admin/udbakke").get_data(as_text=True)
    assert "opgives efter 8 forsøg" in page and "opgives med det samme" in page
    assert "efter 8 forsøg opgives den" not in page


def test_message_kinds_are_shown_in_danish_with_their_code(client, auth, make, session):
    make.user("admin1", role="admin")
    dead_message(session)
    outbox.enqueue(session, idempotency_key="x:offers", kind="offers.registered", to_address="a@eksempel.dk",
                   subject="Du er tilmeldt", body_text="...")
    outbox.enqueue(session, idempotency_key="x:new", kind="something_new", to_address="b@eksempel.dk",
                   subject="Ny slags", body_text="...")
    make.commit()
    auth.login("admin1")
    page = client.get("/admin/udbakke?vis=alle").get_data(as_text=True)
    assert '<span class="tag">Påmindelse om samtale</span> <small class="muted"><code>booking_reminder</code>' in page
    assert '<span class="tag">Tilbud: tilmeldt</span>' in page
    assert '<span class="tag">something_new</span>' in page  # an unknown kind is shown as its code
