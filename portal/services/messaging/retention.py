"""Retention: delete what we may no longer keep, and log what was purged (categories and counts, never contents).

Rules (docs/scheduling.md "Retention"):
- Chat transcripts without consent: the chat area's `purge_expired_transcripts` (session-only, stricter than the
  30 days of the issue). A withdrawn chat consent deletes the transcript at once (portal.services.chat.chat).
- Sent outbox messages: bodies and attachments deleted after 180 days (the metadata row stays as the record that
  something was sent); given-up messages after 180 days too.
- The scheduler's own logs: job runs after 90 days; expired, unanswered survey invitations after 90 days.
Survey answers are kept (the steering group's KPI); they hold ratings, not free text.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from portal.models import OutboxAttachment, OutboxMessage
from portal.models.scheduling import JobRun, PurgeLog, SatisfactionSurvey
from portal.models.statuses import OutboxStatus
from portal.services import audit, form_once
from portal.services.actors import Actor, SystemActor

CHAT_DAYS = 30
OUTBOX_DAYS = 180
JOB_RUN_DAYS = 90
SURVEY_DAYS = 90
PURGED_BODY = "[slettet efter opbevaringsperioden]"


def log_purge(session: Session, category: str, count: int, *, actor: Actor, now: datetime, **detail) -> None:
    session.add(PurgeLog(at=now, category=category, count=count, actor=actor, detail=detail))


def purge_chat_transcripts(session: Session, *, now: datetime) -> int:
    """Chat transcripts without consent: the chat area's rule (a transcript without consent lives only for the
    session, stricter than CHAT_DAYS); returns the number of messages deleted."""
    from portal.services.chat.chat_transcript import purge_expired_transcripts

    return int(purge_expired_transcripts(session, now=now) or 0)


def purge_outbox_bodies(session: Session, *, now: datetime) -> int:
    cutoff = now - timedelta(days=OUTBOX_DAYS)
    old = and_(OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.DEAD)),
               func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < cutoff,
               OutboxMessage.body_text != PURGED_BODY)
    ids = list(session.scalars(select(OutboxMessage.id).where(old)))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        session.execute(delete(OutboxAttachment).where(OutboxAttachment.message_id.in_(chunk)))
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(chunk))
                        .values(body_text=PURGED_BODY, body_html=None)
                        .execution_options(synchronize_session=False))
    return len(ids)


def purge_job_runs(session: Session, *, now: datetime) -> int:
    return session.execute(delete(JobRun).where(JobRun.started_at < now - timedelta(days=JOB_RUN_DAYS))).rowcount


def purge_unanswered_surveys(session: Session, *, now: datetime) -> int:
    return session.execute(delete(SatisfactionSurvey).where(
        SatisfactionSurvey.answered_at.is_(None),
        SatisfactionSurvey.expires_at < now - timedelta(days=SURVEY_DAYS))).rowcount


def run_retention(session: Session, *, now: datetime, actor: Actor = SystemActor.SCHEDULER) -> dict:
    """Every rule in its own transaction, each logged with its count (also when 0, so the log shows it ran)."""
    rules = {
        "chat_transcripts": (purge_chat_transcripts, {"days": CHAT_DAYS}),
        "outbox_bodies": (purge_outbox_bodies, {"days": OUTBOX_DAYS}),
        "job_runs": (purge_job_runs, {"days": JOB_RUN_DAYS}),
        "unanswered_surveys": (purge_unanswered_surveys, {"days": SURVEY_DAYS}),
        "form_keys": (form_once.purge, {"days": form_once.KEPT.days}),
    }
    counts: dict[str, int | str] = {}
    for category, (rule, detail) in rules.items():
        count = rule(session, now=now)
        log_purge(session, category, count, actor=actor, now=now, **detail)
        audit.record(session, actor, "retention.purge", reason=category, detail={"count": count, **detail},
                     now=now)
        session.commit()
        counts[category] = count
    return counts
