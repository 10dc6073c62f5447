"""The DFDG adapter (issue 16) against a local fake DFDG service started in the test: every envelope matches the
documented message shapes (portal/data/dfdg_message.schema.json), a retry carries the same Idempotency-Key, 5xx and
refused connections are retried with backoff, a 4xx is not. No real external service is called."""
from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
from sqlalchemy import select

from portal.models.jobcentre import DfdgOutbound, JobcentreMessage
from portal.services.access import staff_scope
from portal.services.casework import referral
from portal.services.jobcentre import dfdg
from portal.services.jobcentre.municipalities import DATA_FILE
from portal.services.messaging.channels.jobcentre_exchange import MAX_ATTEMPTS
from portal.services.minside import plan

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)
SCHEMA = json.loads((DATA_FILE.parent / "dfdg_message.schema.json").read_text(encoding="utf-8"))


class FakeDfdg:
    """POST /messages: answers with the next status in `script` (then 202) and keeps what it got."""

    def __init__(self, script=()):
        self.script, self.received = list(script), []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append((self.path, self.headers["Idempotency-Key"], self.headers["Content-Type"],
                                      body))
                status = fake.script.pop(0) if fake.script else 202
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def world(app, make):
    app.config["JOBCENTRE_EXCHANGE"] = "dfdg"
    cw = make.caseworker("sagsb")
    member = make.member("mette", caseworker=cw, first_unemployment_day=date(2026, 1, 7))
    make.commit()
    return cw, member


def queue_internship(session, world):
    cw, member = world
    plan.propose_item(session, member, kind="company_internship", title="Virksomhedspraktik", due_date=None,
                      actor=cw.user, now=NOW)
    session.commit()
    return session.scalar(select(DfdgOutbound))


def test_messages_are_queued_in_the_documented_shape(session, world):
    cw, member = world
    row = queue_internship(session, world)
    referral.refer_to_jobcenter(session, staff_scope(session, cw.user), member, reason="Komplekse problemer",
                                referred_on=None, today=NOW.date(), now=NOW)
    session.commit()
    rows = session.scalars(select(DfdgOutbound).order_by(DfdgOutbound.id)).all()
    assert [r.payload["messageType"] for r in rows] == ["PlanApprovalRequest", "VisitationNotice"]
    for r in rows:
        jsonschema.validate(r.payload, SCHEMA)
        assert r.status == "pending" and r.message.adapter == "dfdg"
    assert row.payload["recipient"] == {"municipalityCode": 461, "jobcentre": "Jobcenter Odense"}
    assert row.payload["planItem"]["kind"] == "company_internship"


def test_contract_with_a_fake_dfdg_retry_on_503_and_a_refused_connection_then_sent(app, session, world):
    row = queue_internship(session, world)
    with FakeDfdg(script=[503]) as fake:
        app.config["DFDG_URL"] = fake.url
        first = dfdg.dispatch(session, NOW)
        assert first.as_dict() == {"sent": 0, "failed": 1, "dead": 0, "waiting": 0}
        assert row.status == "failed" and row.attempts == 1 and row.next_attempt_at == NOW + timedelta(minutes=1)
        assert dfdg.dispatch(session, NOW + timedelta(seconds=30)).as_dict()["sent"] == 0  # not due yet
        second = dfdg.dispatch(session, NOW + timedelta(minutes=1))
        assert second.sent == 1 and row.status == "sent" and row.attempts == 2
    (path1, key1, type1, body1), (_p, key2, _t, body2) = fake.received
    assert path1 == "/messages" and type1.startswith("application/json")
    assert key1 == key2 == body1["messageId"] == f"foa-akasse:jobcentre-message:{row.message_id}"
    assert body1 == body2
    jsonschema.validate(body1, SCHEMA)


def test_a_refused_connection_is_retried_and_a_4xx_is_not(app, session, world):
    row = queue_internship(session, world)
    with FakeDfdg() as gone:
        url = gone.url
    app.config["DFDG_URL"] = url  # nobody listens there any more
    result = dfdg.dispatch(session, NOW)
    assert result.failed == 1 and row.status == "failed" and "Error" in row.last_error
    with FakeDfdg(script=[400]) as fake:
        app.config["DFDG_URL"] = fake.url
        result = dfdg.dispatch(session, NOW + timedelta(minutes=5))
    assert result.dead == 1 and row.status == "dead" and row.last_error == "HTTP 400"
    assert dfdg.dispatch(session, NOW + timedelta(days=1)).as_dict()["dead"] == 0  # never again


def test_without_an_endpoint_the_queue_waits_and_gives_up_after_max_attempts(app, session, world):
    row = queue_internship(session, world)
    app.config["DFDG_URL"] = None
    assert dfdg.dispatch(session, NOW).as_dict() == {"sent": 0, "failed": 0, "dead": 0, "waiting": 1}
    assert row.status == "pending" and row.attempts == 0
    with FakeDfdg(script=[500] * MAX_ATTEMPTS) as fake:
        app.config["DFDG_URL"] = fake.url
        moment = NOW
        for _ in range(MAX_ATTEMPTS):
            dfdg.dispatch(session, moment)
            moment = row.next_attempt_at
    assert row.status == "dead" and row.attempts == MAX_ATTEMPTS and len(fake.received) == MAX_ATTEMPTS


def test_the_embedded_adapter_queues_nothing(app, session, world):
    app.config["JOBCENTRE_EXCHANGE"] = "embedded"
    queue_internship(session, world)
    assert session.scalar(select(JobcentreMessage)).adapter == "embedded"
    assert session.scalar(select(DfdgOutbound)) is None
