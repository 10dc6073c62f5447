"""SMS is real (issue 15): the outbox's sms channel goes to an HTTP SMS gateway with the e-mail dispatcher's
guarantees (at least once, retries with backoff, given up after N, shown to the admin), tested against a real
local gateway (tests/sms_sink.py) and a real `flask scheduler run-once dispatch_sms` process; phone numbers are
normalised with phonenumbers; nothing promises an SMS without a gateway."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import OutboxMessage
from portal.services.errors import ValidationFailed
from portal.services.messaging import outbox, sms
from portal.services.messaging.channels.sms_gateway import SmsSettings
from portal.services.messaging.dispatch import backoff
from portal.services.messaging.sms import dispatch_sms, normalise_phone
from portal.timeutil import utcnow
from tests.scheduling_support import free_port
from tests.sms_sink import SmsSink

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sink():
    running = SmsSink().start()
    yield running
    running.stop()


def settings_for(url: str | None) -> SmsSettings:
    return SmsSettings(url=url, token="hemmelig", sender="FOA", timeout=5)


def queue(session, n: int = 1, *, now, key: str = "sms") -> list[OutboxMessage]:
    for i in range(n):
        outbox.enqueue(session, idempotency_key=f"{key}:{i}", kind="test", channel="sms", to_address="+4520304050",
                       subject="SMS", body_text=f"Besked {i} fra FOA A-kasse", now=now)
    session.commit()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")
                                .order_by(OutboxMessage.id)))


@pytest.mark.parametrize("typed, expected", [
    ("20 30 40 50", "+4520304050"), ("+45 20 30 40 50", "+4520304050"), ("004520304050", "+4520304050"),
    ("2030-4050", "+4520304050"), ("(+45) 20 30 40 50", "+4520304050"), ("20.30.40.50", "+4520304050"),
])
def test_phone_numbers_are_normalised_to_e164(typed, expected):
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize("typed", ["", "hej", "1234", "20 30 40", "+45 20 30 40 50 60 70", "2O3O4O5O",
                                   "+46 70 123 45 67",
                                   # phonenumbers drops what stands before the first digit: these were saved as
                                   # +4520304050 without a word
                                   "-20304050", "tlf 20304050", "20304050 ring efter 16", "2030405O", "²0304050",
                                   "++4520304050"])
def test_what_is_not_a_phone_number_gets_a_clear_message(typed):
    with pytest.raises(ValidationFailed, match="gyldigt dansk telefonnummer"):
        normalise_phone(typed)


def test_an_sms_reaches_the_gateway_in_its_documented_shape(session, sink, clock):
    [message] = queue(session, now=clock.now)
    result = dispatch_sms(session, settings_for(sink.url), now=clock.now)
    assert result.as_dict() == {"sent": 1, "failed": 0, "dead": 0, "skipped": 0}
    [got] = sink.messages
    assert got["body"] == {"sender": "FOA", "message": "Besked 0 fra FOA A-kasse",
                           "recipients": [{"msisdn": 4520304050}], "userref": "sms:0"}
    assert got["headers"]["Authorization"] == "Token hemmelig" and got["headers"]["Idempotency-Key"] == "sms:0"
    session.refresh(message)
    assert message.status == "sent" and message.sent_at == clock.now


def test_gateway_trouble_is_retried_with_the_same_key_and_nothing_is_lost(session, sink, clock):
    queue(session, 2, now=clock.now)
    sink.fail_next(2, 503)
    first = dispatch_sms(session, settings_for(sink.url), now=clock.now)
    assert first.failed == 2 and sink.messages == []
    early = dispatch_sms(session, settings_for(sink.url), now=clock.now + timedelta(seconds=30))
    assert early.sent == 0  # the backoff is respected
    later = dispatch_sms(session, settings_for(sink.url), now=clock.now + backoff(1))
    assert later.sent == 2
    assert sorted(m["headers"]["Idempotency-Key"] for m in sink.messages) == ["sms:0", "sms:1"]


def test_a_refused_connection_is_retried_and_a_bad_request_is_given_up_at_once(session, sink, clock):
    [message] = queue(session, now=clock.now)
    closed = f"http://127.0.0.1:{free_port()}/rest/mtsms"
    refused = dispatch_sms(session, settings_for(closed), now=clock.now)
    session.refresh(message)
    assert refused.failed == 1 and message.status == "failed" and "Error" in message.last_error
    sink.fail_next(1, 400)
    bad = dispatch_sms(session, settings_for(sink.url), now=clock.now + backoff(1))
    session.refresh(message)
    assert bad.dead == 1 and message.status == "dead" and "HTTP 400" in message.last_error


def test_after_the_last_attempt_the_message_is_given_up_for_the_admin(session, sink, clock):
    [message] = queue(session, now=clock.now)
    sink.fail_next(3, 503)
    now = clock.now
    for attempt in range(1, 4):
        dispatch_sms(session, settings_for(sink.url), now=now, max_attempts=3)
        now += backoff(attempt)
    session.refresh(message)
    assert message.status == "dead" and message.attempts == 3


def test_without_a_gateway_the_messages_wait_and_nobody_is_promised_an_sms(app, session, clock):
    [message] = queue(session, now=clock.now)
    assert dispatch_sms(session, settings_for(None), now=clock.now).as_dict()["sent"] == 0
    session.refresh(message)
    assert message.status == "pending" and message.attempts == 0
    assert not sms.available()
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/rest/mtsms"
    assert sms.available()


@pytest.mark.slow
@pytest.mark.real_clock("the dispatcher runs in a subprocess with the machine's clock")
def test_the_scheduler_job_sends_them_as_an_operator_runs_it(app, session, sink, tmp_path):
    queue(session, 5, now=utcnow() - timedelta(seconds=1), key="job")
    sink.fail_next(1, 503)  # the first fails and waits for its retry
    env = dict(os.environ, PORTAL_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PORTAL_SECRET_KEY="x",
               PORTAL_INSTANCE_PATH=str(tmp_path), PORTAL_SMS_GATEWAY_URL=sink.url, PORTAL_SMS_GATEWAY_TOKEN="t")
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "scheduler", "run-once", "dispatch_sms"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    statuses = sorted(session.scalars(select(OutboxMessage.status)))
    session.commit()
    assert statuses == ["failed", "sent", "sent", "sent", "sent"] and len(sink.messages) == 4


def test_the_admin_sees_waiting_and_given_up_sms_and_can_send_one_again(app, client, auth, make, session, sink, clock):
    make.user("admin1", role="admin")
    [message] = queue(session, now=clock.now)
    auth.login("admin1")
    page = client.get("/admin/udbakke").get_data(as_text=True)
    assert "1 SMS'er venter: der er ikke sat en SMS-gateway op" in page
    app.config["SMS_GATEWAY_URL"] = sink.url
    sink.fail_next(1, 400)
    dispatch_sms(session, settings_for(sink.url), now=clock.now)
    page = client.get("/admin/udbakke").get_data(as_text=True)
    assert "SMS-gateway op" not in page and "+4520304050" in page and "HTTP 400" in page
    again = auth.post(f"/admin/udbakke/{message.id}/send-igen", page="/admin/udbakke")
    assert again.status_code == 302
    assert dispatch_sms(session, settings_for(sink.url), now=utcnow()).sent == 1
    assert [m["body"]["userref"] for m in sink.messages] == ["sms:0"]
