"""The one dispatch loop of every outbound channel: claim a due row, hand it to the channel's adapter, write the
outcome, retry with backoff, give up. The adapters (portal/services/messaging/channels/) only deliver one message each.

Guarantee (docs/scheduling.md "Exactly once in effect"), the same for every channel:
- A row is written in the same transaction as the change that causes it, so nothing is lost: if the change
  commits, the row exists and stays until it is sent or an admin sees it as given up ("dead").
- Before delivering, a row is claimed in its own committed transaction: attempts + 1, `next_attempt_at` = now +
  lease (and status 'sending' where the queue has it). After the other side accepted it, it is marked 'sent' — only
  if the claim is still ours (same `attempts`, the fencing token). A second dispatcher cannot claim a row in flight.
- If the process dies between the acceptance and the mark, the lease runs out and the row is delivered again: at
  most one duplicate per crash, with the same idempotency key (the e-mail's Message-ID, the gateway's
  Idempotency-Key), which receiving systems can use to drop it. Neither SMTP nor the gateways can be asked "did you
  already get this?", so this is the best possible.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from portal.database import Count, prepared
from portal.i18n import N_, gettext
from portal.models import OutboxMessage
from portal.models.messaging import OUTBOX_STATUSES
from portal.models.statuses import OutboxStatus
from portal.services import audit
from portal.services.actors import Actor
from portal.services.errors import Conflict, NotFound
from portal.services.messaging.channels.base import (
    Channel,
    ChannelUnavailable,
    DeliveryFailed,
    Queue,
    RetryPolicy,
    backoff,
)
from portal.services.messaging.channels.email_smtp import EmailSmtp, SmtpSettings, connect
from portal.services.messaging.reminder_keys import STOPPED_TIME_CHANGED
from portal.timeutil import utcnow

log = logging.getLogger("portal.dispatch")


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0  # will be retried
    dead: int = 0  # gave up
    skipped: int = 0  # claimed by someone else meanwhile
    waiting: int = 0  # due, but the channel is not configured: untouched
    late: int = 0  # not sent: its event had begun (`send_before` passed), stopped with the reason
    errors: list[str] = field(default_factory=list)
    reported: tuple[str, ...] = ("sent", "failed", "dead", "skipped")  # in `as_dict`: the queue's summary

    def as_dict(self) -> dict:
        counts = {key: getattr(self, key) for key in self.reported}
        return counts | ({"late": self.late} if self.late else {})


# Stored in last_error (Danish, as every stored error); /admin/udbakke shows these translated (`error_label`).
STOPPED_BY_ADMIN = N_("Stoppet af administrator.")
NOT_SENT_LATE = N_("Ikke sendt: det, beskeden minder om, var begyndt, før den kunne sendes.")
KNOWN_ERRORS = (STOPPED_BY_ADMIN, NOT_SENT_LATE, STOPPED_TIME_CHANGED)


def error_label(last_error: str | None) -> str:
    """A stored error as the admin reads it: the portal's own reasons (stored in Danish) in the reader's language,
    anything else (a server's answer) as stored."""
    text = last_error or ""
    for known in KNOWN_ERRORS:
        if text.startswith(known):
            return (gettext(known) + text[len(known):]).strip()
    return text


def deliver_due(session: Session, channel: Channel, *, now: datetime | None = None,
                policy: RetryPolicy | None = None) -> DispatchResult:
    """Deliver up to `policy.batch_size` due rows of the channel's queue, committing each outcome.

    Raises ChannelUnavailable (e.g. SmtpUnavailable) when the channel is down before anything was claimed (the
    rows stay untouched and the next run tries again) or refuses every message (that row is put back untouched).
    """
    # Both queues store the same codes for these outcomes (OutboxStatus; DfdgOutboundStatus has no 'sending').
    now = now or utcnow()
    policy = policy or RetryPolicy()
    queue = channel.queue
    result = DispatchResult(reported=queue.summary)
    result.late = stop_late(session, queue, now=now, channels=channel.channels() if queue.by_channel else None)
    ids = due_ids(session, queue, now=now, limit=policy.batch_size,
                  channels=channel.channels() if queue.by_channel else None)
    session.commit()
    if not ids:
        return result
    if not channel.ready():
        result.waiting = len(ids)
        return result
    channel.open()
    try:
        for id_ in ids:
            row = claim_to_send(session, queue, id_, now=now, policy=policy, result=result)
            if row is None:
                continue
            attempts = row.attempts
            try:
                channel.deliver(row, now)
            except ChannelUnavailable as exc:
                finish(session, queue, row, attempts, now, status=OutboxStatus.PENDING, attempts=attempts - 1,
                       next_attempt_at=now, last_error=exc.error[:1000])
                raise
            except DeliveryFailed as failure:
                give_up = failure.permanent or attempts >= policy.max_attempts
                finish(session, queue, row, attempts, now, status=OutboxStatus.DEAD if give_up else OutboxStatus.FAILED,
                       next_attempt_at=now + backoff(attempts), last_error=failure.error[:1000])
                result.dead += give_up
                result.failed += not give_up
                result.errors.append(failure.error[:200])
                log.warning("%s %s (%s) attempt %s failed: %s", queue.name, row.id, channel.name, attempts,
                            failure.error)
                if failure.connection_lost and not channel.reconnect():
                    break  # the rest stay due, untouched
                continue
            if finish(session, queue, row, attempts, now, status=OutboxStatus.SENT, sent_at=now, last_error=None):
                result.sent += 1
    finally:
        channel.close()
    return result


def dispatch_pending(session: Session, settings: SmtpSettings, *, now: datetime | None = None, batch_size: int = 200,
                     max_attempts: int = 8, lease: timedelta = timedelta(minutes=10),
                     smtp_factory=connect) -> DispatchResult:
    """The e-mail channel's run: up to `batch_size` due rows over one SMTP connection (`deliver_due`)."""
    return deliver_due(session, EmailSmtp(settings, smtp_factory), now=now,
                       policy=RetryPolicy(batch_size=batch_size, max_attempts=max_attempts, lease=lease))


def stop_late(session: Session, queue: Queue, *, now: datetime, channels: tuple[str, ...] | None = None) -> int:
    """Rows not sent yet whose `send_before` has come (a reminder of a conversation that has begun, after an outage
    or a long retry) are stopped with NOT_SENT_LATE instead of being sent; counted in the run as `late`. Claimed
    rows ("sending") are left to their run."""
    model = queue.model
    if not hasattr(model, "send_before"):
        return 0
    query = (update(model).where(model.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)),
                                 model.send_before.is_not(None), model.send_before <= now)
             .values(status=OutboxStatus.DEAD, last_error=NOT_SENT_LATE)
             .execution_options(synchronize_session=False))
    if channels is not None:
        query = query.where(model.channel.in_(channels))
    return session.execute(query).rowcount


def due_ids(session: Session, queue: Queue, *, now: datetime, limit: int,
            channels: tuple[str, ...] | None = None) -> list[int]:
    """The rows to try now, soonest first; `channels`: only rows of these outbox channels."""
    model = queue.model
    query = select(model.id).where(model.status.in_(queue.claimable), model.next_attempt_at <= now)
    if channels is not None:
        query = query.where(model.channel.in_(channels))
    return list(session.scalars(query.order_by(model.next_attempt_at, model.id).limit(limit)))


def claim(session: Session, queue: Queue, row_id: int, *, now: datetime, lease: timedelta):
    """Take the row for delivery in its own committed transaction; None if someone else has it."""
    model = queue.model
    values = {"attempts": model.attempts + 1, "next_attempt_at": now + lease}
    if queue.claimed:
        values["status"] = queue.claimed
    claimed = session.execute(
        update(model)
        .where(model.id == row_id, model.status.in_(queue.claimable), model.next_attempt_at <= now)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if not claimed:
        return None
    return session.get(model, row_id, populate_existing=True)


def claim_to_send(session: Session, queue: Queue, row_id: int, *, now: datetime, policy: RetryPolicy,
                  result: DispatchResult):
    """`claim`, counted in `result`: None when someone else has the row (skipped) or when a crashed delivery used
    its last attempt (given up: it may or may not have gone out, and the admin sees it)."""
    row = claim(session, queue, row_id, now=now, lease=policy.lease)
    if row is None:
        result.skipped += 1
        return None
    if row.attempts > policy.max_attempts:
        finish(session, queue, row, row.attempts, now, status=OutboxStatus.DEAD,
               last_error="Afsendelsen blev afbrudt for mange gange; beskeden er muligvis ikke sendt.")
        result.dead += 1
        return None
    return row


def finish(session: Session, queue: Queue, row, claimed_attempts: int, now: datetime, **values) -> bool:
    """Write the outcome only if the claim is still ours (fencing on attempts); commits."""
    model = queue.model
    still_claimed = model.status == queue.claimed if queue.claimed else model.status.in_(queue.claimable)
    done = session.execute(
        update(model)
        .where(model.id == row.id, still_claimed, model.attempts == claimed_attempts)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done and queue.on_finish is not None:
        queue.on_finish(session, row, values, now)
    session.commit()
    return bool(done)


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: 0 for status in OUTBOX_STATUSES} | dict(rows)


@dataclass
class OutboxPage:
    """What the admin's outbox page shows: one page of messages and the queue's state."""

    messages: list
    has_more: bool
    counts: dict[str, int]
    waiting_by_channel: dict[str, int]
    last_dispatch: object | None


def outbox_page(session: Session, viewer: Actor, *, statuses, shown: str, page: int, page_size: int,
                now: datetime | None = None) -> OutboxPage:
    """One page of the outbox with the given statuses, newest first, the counts per status and per waiting
    channel, and the e-mail dispatcher's last run; the look is audited (`outbox.view`: addresses and texts)."""
    from portal.models.scheduling import JobRun

    page = max(1, page)
    messages = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(page_size + 1).offset((page - 1) * page_size)))
    waiting = dict(session.execute(
        select(OutboxMessage.channel, func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
        .group_by(OutboxMessage.channel)).all())
    last = session.scalar(select(JobRun).where(JobRun.job_id == "dispatch_outbox")
                          .order_by(JobRun.started_at.desc()).limit(1))
    audit.record(session, viewer, "outbox.view", detail={"filter": shown, "page": page}, now=now)
    return OutboxPage(messages[:page_size], len(messages) > page_size, status_counts(session), waiting, last)


def given_up_count(session: Session) -> int:
    """Messages given up on ('dead'): the admin's badge. Reminders the portal stopped itself (the time was changed,
    or had passed) need nobody's eye and are not counted."""
    return given_up().run(session)


def given_up() -> Count:
    """`given_up_count` as a Count, to be run with others (the staff badges)."""
    return Count(("outbox.given_up",), _given_up(), {})


@prepared
def _given_up():
    return (select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.DEAD,
                   or_(OutboxMessage.last_error.is_(None),
                       OutboxMessage.last_error.not_in((NOT_SENT_LATE, STOPPED_TIME_CHANGED)))))


def retry_message(session: Session, message_id_: int, actor: Actor, *, now: datetime | None = None) -> OutboxMessage:
    """An admin sends a given-up (or failing) message again now; counts attempts afresh."""
    now = now or utcnow()
    message = session.get(OutboxMessage, message_id_)
    if message is None:
        raise NotFound(gettext("Beskeden findes ikke."))
    if message.status not in (OutboxStatus.DEAD, OutboxStatus.FAILED):
        raise Conflict(gettext("Kun beskeder, der er fejlet eller opgivet, kan sendes igen."))
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    audit.record(session, actor, "outbox.retry", member_id=message.member_id, target=message,
                 detail={"kind": message.kind, "last_error": (message.last_error or "")[:200]}, now=now)
    return message


def cancel_message(session: Session, message_id_: int, actor: Actor, *, now: datetime | None = None) -> OutboxMessage:
    """An admin stops a message that keeps failing (e.g. a wrong address): it will not be sent."""
    now = now or utcnow()
    message = session.get(OutboxMessage, message_id_)
    if message is None:
        raise NotFound(gettext("Beskeden findes ikke."))
    if message.status not in (OutboxStatus.PENDING, OutboxStatus.FAILED):
        raise Conflict(gettext("Beskeden kan ikke stoppes, fordi den er sendt, opgivet eller ved at blive sendt."))
    message.status = OutboxStatus.DEAD
    message.last_error = f"{STOPPED_BY_ADMIN} {message.last_error or ''}".strip()[:1000]
    audit.record(session, actor, "outbox.cancel", member_id=message.member_id, target=message,
                 detail={"kind": message.kind}, now=now)
    return message
