"""The SMTP server dies in the middle of a dispatch run and comes back (issue 21: faults tested as they happen in
production). Real processes: the mail server is tests/smtp_sink.py, the dispatcher is
`flask --app portal scheduler run-once dispatch_outbox`, as an operator or the scheduler runs it.

Every message ends up delivered, each Message-ID once; none is lost. When the server died after storing a message
but before acknowledging it, that one message arrives twice with the same Message-ID: the documented at-most-one
duplicate (portal/services/messaging/dispatch.py), which receivers drop by Message-ID. When it died before a message started,
nothing arrives twice. Runs on SQLite and, in the PostgreSQL leg, on PostgreSQL."""
from __future__ import annotations

import email
import os
import subprocess
import sys
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select, update

from portal.models import OutboxMessage
from portal.services.messaging import outbox
from portal.services.messaging.channels.email_smtp import message_id
from portal.services.messaging.dispatch import backoff
from portal.timeutil import utcnow
from tests.scheduling_support import free_port

pytestmark = [pytest.mark.slow,
              pytest.mark.real_clock("the dispatcher runs in a subprocess with the machine's clock")]

ROOT = Path(__file__).resolve().parents[2]
MAIL_FROM = "FOA A-kasse <noreply@foa.dk>"
MESSAGES = 20
DIES_AT = 7  # the sink's fault happens at the 7th/8th message of the first run


@pytest.fixture
def start_sink():
    """start_sink(port, directory, *fault): an SMTP sink process, ready; all of them are stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(port: int, directory: Path, *fault: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "tests.smtp_sink", "--port", str(port), "--dir",
                                 str(directory), *fault], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        started.append(proc)
        line = proc.stdout.readline()
        if line.strip() != "ready":
            pytest.fail(f"the SMTP sink did not start: {line}{proc.stdout.read()}")
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()


def _dispatch(app, tmp_path: Path, port: int) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_SMTP_")}
    env.update(PORTAL_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PORTAL_SECRET_KEY="test-secret",
               PORTAL_INSTANCE_PATH=str(tmp_path), PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT=str(port),
               PORTAL_SMTP_STARTTLS="0", PORTAL_SMTP_TIMEOUT="5", PORTAL_MAIL_FROM=MAIL_FROM)
    command = [sys.executable, "-m", "flask", "--app", "portal", "scheduler", "run-once", "dispatch_outbox"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def _delivered(directory: Path) -> list[str]:
    """The Message-ID of every message the server stored, one entry per delivery."""
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"]
            for path in sorted(directory.glob("*.eml"))]


def _statuses(session) -> dict[str, str]:
    rows = dict(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.status)).all())
    session.commit()  # end the read: the dispatcher process writes next
    return rows


@pytest.mark.parametrize("fault, answered, stored", [
    # The server dies when the 8th MAIL FROM arrives: 7 delivered and acknowledged, the 8th never started.
    (("--die-at-mail", str(DIES_AT)), DIES_AT, DIES_AT),
    # The server stores the 7th message and dies before its 250: the dispatcher cannot know it arrived.
    (("--die-after-data", str(DIES_AT)), DIES_AT - 1, DIES_AT),
], ids=["dies-before-a-message", "dies-after-storing-unacknowledged"])
def test_smtp_server_dies_mid_run_and_comes_back_every_message_delivered_once(app, session, tmp_path, start_sink,
                                                                              fault, answered, stored):
    now = utcnow()
    keys = [f"smtp-dies:{i}" for i in range(MESSAGES)]
    for i, key in enumerate(keys):
        outbox.enqueue(session, idempotency_key=key, kind="test", to_address=f"m{i}@eksempel.dk",
                       subject=f"Besked {i}", body_text=f"Hej {i}", now=now)
    session.commit()
    expected = {message_id(key, MAIL_FROM): key for key in keys}
    in_flight = keys[answered]  # sent in id order: the one the server died on
    port, inbox = free_port(), tmp_path / "inbox"

    # Run 1: the server dies mid-run. The dispatcher finishes its run normally and says what it did.
    sink = start_sink(port, inbox, *fault)
    run = _dispatch(app, tmp_path, port)
    assert sink.wait(10) == 0, "the sink should have died at its fault"
    assert run.returncode == 0 and "dispatch_outbox: ok" in run.stdout, run.stdout + run.stderr
    statuses = _statuses(session)
    assert Counter(statuses.values()) == {"sent": answered, "failed": 1, "pending": MESSAGES - answered - 1}
    assert statuses[in_flight] == "failed"  # retried later with backoff; the rest untouched
    assert len(_delivered(inbox)) == stored
    sent = {message_id(k, MAIL_FROM) for k, s in statuses.items() if s == "sent"}
    assert sent <= set(_delivered(inbox))  # "sent" means the server has it

    # Run 2: the server is back on the same port and directory; the untouched rest goes out.
    start_sink(port, inbox)
    run = _dispatch(app, tmp_path, port)
    assert run.returncode == 0, run.stdout + run.stderr
    statuses = _statuses(session)
    assert Counter(statuses.values()) == {"sent": MESSAGES - 1, "failed": 1}  # its backoff has not passed

    # A minute passes: the failed message's backoff (1 minute after the 1st attempt) runs out. The dispatcher
    # process keeps the machine's clock, so the row's retry time moves back by the backoff instead.
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == in_flight))
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                    .values(next_attempt_at=row.next_attempt_at - backoff(row.attempts)))
    session.commit()

    # Run 3: the failed message goes out.
    run = _dispatch(app, tmp_path, port)
    assert run.returncode == 0, run.stdout + run.stderr

    assert set(_statuses(session).values()) == {"sent"}
    deliveries = Counter(_delivered(inbox))
    assert set(deliveries) == set(expected)  # none lost, nothing foreign
    duplicates = {expected[mid]: n for mid, n in deliveries.items() if n > 1}
    if answered == stored:
        assert duplicates == {} and sum(deliveries.values()) == MESSAGES
    else:  # the unacknowledged one arrived twice, under one Message-ID; nothing else did
        assert duplicates == {in_flight: 2} and sum(deliveries.values()) == MESSAGES + 1
