"""The outbox dispatcher against a real SMTP server on loopback: sent once, retried, never lost."""
from __future__ import annotations

import shutil
import smtplib
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import OutboxMessage
from portal.services.messaging import outbox
from portal.services.messaging.channels.email_smtp import SmtpSettings, SmtpUnavailable, connect, message_id
from portal.services.messaging.dispatch import dispatch_pending
from tests.scheduling_support import NOW, SmtpServer

# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def smtp(app):
    server = SmtpServer().start()
    server.configure(app)
    yield server
    server.stop()


def settings(app) -> SmtpSettings:
    return SmtpSettings.from_config(app.config)


def add(session, n: int = 1, *, prefix: str = "test", to: str = "m{}@eksempel.dk", **kwargs) -> list[OutboxMessage]:
    rows = [outbox.enqueue(session, idempotency_key=f"{prefix}:{i}", kind="test", to_address=to.format(i),
                           subject=f"Besked {i}", body_text=f"Hej {i}", now=NOW, **kwargs) for i in range(n)]
    session.commit()
    return rows


def status_of(session, key: str) -> OutboxMessage:
    session.expire_all()
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def test_pending_message_is_sent_with_both_parts_attachment_and_stable_message_id(app, session, smtp):
    outbox.enqueue(session, idempotency_key="reminder:booking:1:s0:24h", kind="booking_reminder",
                   to_address="mette@eksempel.dk", subject="Påmindelse: CV-samtale", body_text="Hej Mette",
                   body_html="<p>Hej Mette</p>", now=NOW,
                   attachments=[("samtale.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")])
    session.commit()

    result = dispatch_pending(session, settings(app), now=NOW)

    assert result.sent == 1
    [mail] = smtp.inbox.messages
    assert mail["Subject"] == "Påmindelse: CV-samtale"
    assert mail["To"] == "mette@eksempel.dk"
    assert mail["Message-ID"] == message_id("reminder:booking:1:s0:24h", "noreply@foa.dk")
    assert mail.get_body(("plain",)).get_content().strip() == "Hej Mette"
    assert "<p>Hej Mette</p>" in mail.get_body(("html",)).get_content()
    [ics] = list(mail.iter_attachments())
    assert ics.get_filename() == "samtale.ics" and ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    row = status_of(session, "reminder:booking:1:s0:24h")
    assert row.status == "sent" and row.sent_at == NOW and row.attempts == 1


def test_same_key_twice_and_dispatcher_twice_give_one_email(app, session, smtp):
    add(session, 1, prefix="same")
    add(session, 1, prefix="same")  # the same idempotency key: the first row is returned
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1

    dispatch_pending(session, settings(app), now=NOW)
    dispatch_pending(session, settings(app), now=NOW + timedelta(minutes=5))

    assert len(smtp.inbox.messages) == 1


def test_a_batch_is_sent_like_single_messages_once_each_with_the_same_message_ids(app, session, smtp):
    ics = ("samtale.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    batch = [outbox.NewMessage(idempotency_key=f"batch:{i}", kind="test", to_address=f"m{i}@eksempel.dk",
                               subject=f"Besked {i}", body_text=f"Hej {i}", attachments=[ics]) for i in range(3)]
    outbox.enqueue_many(session, batch + batch, now=NOW)
    session.commit()

    dispatch_pending(session, settings(app), now=NOW)
    dispatch_pending(session, settings(app), now=NOW + timedelta(minutes=5))

    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(
        message_id(f"batch:{i}", "noreply@foa.dk") for i in range(3))
    assert all([a.get_filename() for a in m.iter_attachments()] == ["samtale.ics"] for m in smtp.inbox.messages)


def test_smtp_down_then_up_nothing_is_lost_or_counted_as_a_failed_attempt(app, session):
    server = SmtpServer()
    server.configure(app)  # configured but not started: connection refused
    add(session, 3)

    with pytest.raises(SmtpUnavailable):
        dispatch_pending(session, settings(app), now=NOW)
    rows = session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {0}

    server.start()
    try:
        result = dispatch_pending(session, settings(app), now=NOW + timedelta(minutes=1))
    finally:
        server.stop()
    assert result.sent == 3
    assert sorted(server.inbox.subjects()) == ["Besked 0", "Besked 1", "Besked 2"]


def test_temporary_refusal_is_retried_with_exponential_backoff_then_given_up(app, session, smtp):
    add(session, 1, prefix="flaky", to="flaky@eksempel.dk")
    smtp.inbox.refuse["flaky@eksempel.dk"] = "451 4.3.0 Try again later"
    now = NOW
    waits = []
    for attempt in range(1, 4):
        result = dispatch_pending(session, settings(app), now=now, max_attempts=3)
        row = status_of(session, "flaky:0")
        assert row.attempts == attempt
        if attempt < 3:
            assert result.failed == 1 and row.status == "failed" and "451" in row.last_error
            waits.append(row.next_attempt_at - now)
            # Not due yet: nothing happens before the backoff has passed.
            assert dispatch_pending(session, settings(app), now=now + timedelta(seconds=1), max_attempts=3).failed == 0
            now = row.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    assert row.status == "dead" and result.dead == 1
    assert smtp.inbox.messages == []


def test_permanent_refusal_is_given_up_at_once_and_others_still_go(app, session, smtp):
    add(session, 3, prefix="mix")
    smtp.inbox.refuse["m1@eksempel.dk"] = "550 5.1.1 No such user"

    result = dispatch_pending(session, settings(app), now=NOW)

    assert (result.sent, result.dead) == (2, 1)
    dead = status_of(session, "mix:1")
    assert dead.status == "dead" and "550" in dead.last_error
    assert sorted(m["To"] for m in smtp.inbox.messages) == ["m0@eksempel.dk", "m2@eksempel.dk"]


class Crash(BaseException):
    """The process dies (kill -9 at the worst moment): not an Exception, nothing catches it."""


def crashing_after(n_sent: int):
    """An SMTP connection that dies right after the server accepted the n-th message, before it is marked."""
    def factory(cfg):
        smtp = connect(cfg)
        real_send = smtp.send_message
        count = {"n": 0}

        def send_message(*args, **kwargs):
            result = real_send(*args, **kwargs)
            count["n"] += 1
            if count["n"] == n_sent:
                raise Crash()
            return result

        smtp.send_message = send_message
        return smtp
    return factory


def test_restart_in_the_middle_of_a_batch_resends_at_most_the_one_in_flight_with_the_same_message_id(
        app, session, smtp):
    add(session, 5, prefix="batch")
    lease = timedelta(minutes=10)
    with pytest.raises(Crash):
        dispatch_pending(session, settings(app), now=NOW, lease=lease, smtp_factory=crashing_after(3))
    session.rollback()
    statuses = [status_of(session, f"batch:{i}").status for i in range(5)]
    assert statuses == ["sent", "sent", "sending", "pending", "pending"]
    assert len(smtp.inbox.messages) == 3

    # Restart at once: the rest go, the one in flight waits for its lease (maybe the server has it).
    dispatch_pending(session, settings(app), now=NOW + timedelta(minutes=1), lease=lease)
    assert len(smtp.inbox.messages) == 5
    assert status_of(session, "batch:2").status == "sending"

    # After the lease: sent again, with the same Message-ID so the receiver can drop the duplicate.
    dispatch_pending(session, settings(app), now=NOW + lease + timedelta(seconds=1), lease=lease)
    assert [status_of(session, f"batch:{i}").status for i in range(5)] == ["sent"] * 5
    received = [m["To"] for m in smtp.inbox.messages]
    assert sorted(set(received)) == [f"m{i}@eksempel.dk" for i in range(5)]  # none lost
    assert received.count("m2@eksempel.dk") == 2 and len(received) == 6  # one duplicate at most
    ids = {m["Message-ID"] for m in smtp.inbox.to("m2@eksempel.dk")}
    assert len(ids) == 1


def test_a_second_dispatcher_cannot_take_a_message_being_sent(app, session, smtp):
    add(session, 1, prefix="race")
    session.execute(OutboxMessage.__table__.update().values(status="sending", attempts=1,
                                                            next_attempt_at=NOW + timedelta(minutes=10)))
    session.commit()

    result = dispatch_pending(session, settings(app), now=NOW)

    assert result.sent == 0 and smtp.inbox.messages == []


def test_smtp_login_is_used_when_configured_and_a_wrong_password_touches_nothing(app, session):
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session_, envelope, mechanism, auth_data):
        ok = auth_data.login == b"portal" and auth_data.password == b"hemmelig"
        return AuthResult(success=ok)

    server = SmtpServer(authenticator=authenticator, auth_require_tls=False).start()
    try:
        server.configure(app)
        add(session, 1, prefix="auth")
        app.config.update(SMTP_USERNAME="portal", SMTP_PASSWORD="forkert")
        with pytest.raises(SmtpUnavailable):
            dispatch_pending(session, settings(app), now=NOW)
        assert status_of(session, "auth:0").attempts == 0
        app.config.update(SMTP_PASSWORD="hemmelig")
        assert dispatch_pending(session, settings(app), now=NOW).sent == 1
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()


def test_jobcenter_rows_go_to_the_configured_address_and_wait_without_one(app, session, smtp):
    outbox.enqueue(session, idempotency_key="jc:1", kind="joint_invitation_jobcenter", channel="jobcenter",
                   to_address="jobcenter:Sønderborg", subject="Fællessamtale", body_text="...", now=NOW)
    session.commit()
    assert dispatch_pending(session, settings(app), now=NOW).sent == 0  # no PORTAL_JOBCENTER_MAIL: waits
    assert status_of(session, "jc:1").status == "pending"

    app.config["JOBCENTER_MAIL"] = "jobcenter-{location}@kommune.eksempel.dk"
    assert dispatch_pending(session, settings(app), now=NOW).sent == 1
    assert smtp.inbox.messages[0]["To"] == "jobcenter-soenderborg@kommune.eksempel.dk"


def test_connect_reports_a_closed_port_as_unavailable():
    cfg = SmtpSettings(host="127.0.0.1", port=1, mail_from="x@foa.dk", timeout=2)
    with pytest.raises(SmtpUnavailable) as err:
        connect(cfg)
    assert "127.0.0.1:1" in str(err.value)
    assert not isinstance(err.value, smtplib.SMTPException)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test certificate")
def test_starttls_is_used_when_configured_and_the_certificate_is_checked(app, session, tmp_path, monkeypatch):
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = SmtpServer(tls_context=context, require_starttls=True).start()
    try:
        server.configure(app)
        add(session, 1, prefix="tls")
        # Without STARTTLS the server refuses every message: a configuration error, the message keeps its attempts.
        with pytest.raises(SmtpUnavailable) as err:
            dispatch_pending(session, settings(app), now=NOW)
        assert "530" in str(err.value)
        row = status_of(session, "tls:0")
        assert (row.status, row.attempts) == ("pending", 0)
        # With STARTTLS, but a certificate nobody vouches for: refused before anything is sent.
        app.config["SMTP_STARTTLS"] = True
        later = NOW + timedelta(hours=1)
        with pytest.raises(SmtpUnavailable):
            dispatch_pending(session, settings(app), now=later)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now trusted, as a real CA-signed certificate would be
        assert dispatch_pending(session, settings(app), now=later).sent == 1
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()
