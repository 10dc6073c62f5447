"""Retention with frozen time: what is purged, what is kept, and a log with counts only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import OutboxMessage
from portal.models.chat import ChatConversation, ChatMessage
from portal.models.scheduling import JobRun, PurgeLog
from portal.services.messaging import outbox
from portal.services.messaging.retention import PURGED_BODY, run_retention
from tests.scheduling_support import NOW

# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


def chat(session, sender: str, *, idle: timedelta, consent: bool = False) -> ChatConversation:
    at = NOW - idle
    conversation = ChatConversation(sender_id=sender, source="flyer", language="da", state="bot",
                                    consent_given=consent, tracker={"slots": {"name": "x"}}, created_at=at,
                                    last_activity_at=at, last_seen_at=at)
    session.add(conversation)
    session.flush()
    session.add(ChatMessage(conversation_id=conversation.id, at=at, sender="user", text="Jeg er blevet opsagt"))
    return conversation


def test_transcripts_without_consent_go_consented_ones_stay_and_the_log_has_counts_only(session):
    chat(session, "old-anon", idle=timedelta(days=31))
    chat(session, "consented", idle=timedelta(days=31), consent=True)
    chat(session, "active-now", idle=timedelta(minutes=5))
    session.commit()

    counts = run_retention(session, now=NOW)

    remaining = {c.sender_id: len(c.messages) for c in session.scalars(select(ChatConversation))}
    assert remaining["old-anon"] == 0 and remaining["consented"] == 1 and remaining["active-now"] == 1
    assert counts["chat_transcripts"] == 1
    log = session.scalar(select(PurgeLog).where(PurgeLog.category == "chat_transcripts"))
    assert log.count == 1 and log.actor == "scheduler"
    assert "opsagt" not in str(log.detail)  # counts, never contents


def test_old_sent_outbox_bodies_are_blanked_recent_and_pending_kept(session):
    for key, created, status in (("old-sent", NOW - timedelta(days=200), "sent"),
                                 ("new-sent", NOW - timedelta(days=10), "sent"),
                                 ("old-pending", NOW - timedelta(days=200), "pending")):
        row = outbox.enqueue(session, idempotency_key=key, kind="test", to_address="a@eksempel.dk",
                             subject="Emne", body_text="Personlige oplysninger", body_html="<p>x</p>", now=created,
                             attachments=[("a.ics", "text/calendar", b"x")])
        row.status = status
        row.sent_at = created if status == "sent" else None
    session.add(JobRun(job_id="dispatch_outbox", holder="x", started_at=NOW - timedelta(days=100), status="ok",
                       summary={}))
    session.commit()

    counts = run_retention(session, now=NOW)

    bodies = dict(session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.body_text)).all())
    assert bodies == {"old-sent": PURGED_BODY, "new-sent": "Personlige oplysninger",
                      "old-pending": "Personlige oplysninger"}
    assert counts["outbox_bodies"] == 1 and counts["job_runs"] == 1
    assert session.scalar(select(func.count()).select_from(PurgeLog)) == 5  # every rule logs, also a 0
    assert run_retention(session, now=NOW + timedelta(days=1))["outbox_bodies"] == 0
