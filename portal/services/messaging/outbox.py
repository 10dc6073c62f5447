"""Writing to the outbox. The scheduler's dispatcher sends what is written here (see scheduling/).

One rule, in `enqueue_many`: a message is written once per idempotency key, whoever asks how often. `enqueue` is
the same for one message. A batch costs about three statements per CHUNK messages (key lookup, one multi-row
insert, one insert of the attachments) instead of three per message.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models import OutboxAttachment, OutboxMessage
from portal.models.statuses import OutboxStatus
from portal.timeutil import utcnow

# Keys per `IN (...)` and rows per insert: 12 columns × 500 stays far below SQLite's 32,766 bound parameters.
CHUNK = 500


@dataclass(frozen=True)
class NewMessage:
    """A message to write. attachments: (filename, content_type, content), e.g. ("samtale.ics", "text/calendar", b"…")."""

    idempotency_key: str
    kind: str
    to_address: str
    subject: str
    body_text: str
    body_html: str | None = None
    member_id: int | None = None
    channel: str = "email"
    attachments: Sequence[tuple[str, str, bytes]] = ()
    send_before: datetime | None = None  # not sent from then on (a reminder once its event has begun)


def enqueue(
    session: Session,
    *,
    idempotency_key: str,
    kind: str,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    member_id: int | None = None,
    channel: str = "email",
    attachments: list[tuple[str, str, bytes]] | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Add one message in the caller's transaction. The same key twice returns the first message unchanged.

    attachments: (filename, content_type, content) triples, e.g. ("samtale.ics", "text/calendar", b"...").
    """
    enqueue_many(session, [NewMessage(
        idempotency_key=idempotency_key, kind=kind, to_address=to_address, subject=subject, body_text=body_text,
        body_html=body_html, member_id=member_id, channel=channel, attachments=tuple(attachments or ()),
    )], now=now)
    return session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)).one()


def enqueue_many(session: Session, messages: Iterable[NewMessage], *, now: datetime | None = None) -> set[str]:
    """Add messages in the caller's transaction; returns the keys written now.

    A key already in the outbox, or earlier in `messages`, is skipped (the first message for a key wins), so a
    job that runs twice writes each message once. A key that a parallel transaction writes between the lookup and
    the insert is skipped too (ON CONFLICT DO NOTHING on the unique key), not an error.
    """
    unique: dict[str, NewMessage] = {}
    for message in messages:
        unique.setdefault(message.idempotency_key, message)
    if not unique:
        return set()
    now = now or utcnow()
    session.flush()  # messages added through the ORM earlier in this transaction count as existing
    # In the caller's order, not sorted: the dispatcher sends by id, so the soonest reminder goes first.
    batch = list(unique.values())
    written: set[str] = set()
    for start in range(0, len(batch), CHUNK):
        chunk = batch[start:start + CHUNK]
        seen = existing_keys(session, [m.idempotency_key for m in chunk])
        new = [m for m in chunk if m.idempotency_key not in seen]
        if new:
            written.update(_insert(session, new, now))
    return written


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Those of `keys` that are in the outbox already: one query per CHUNK keys."""
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        found.update(session.scalars(select(OutboxMessage.idempotency_key)
                                     .where(OutboxMessage.idempotency_key.in_(keys[start:start + CHUNK]))))
    return found


def _insert(session: Session, messages: list[NewMessage], now: datetime) -> set[str]:
    """One multi-row insert of the messages, one of their attachments; returns the keys actually inserted."""
    rows = [{
        "idempotency_key": m.idempotency_key, "kind": m.kind, "channel": m.channel, "member_id": m.member_id,
        "to_address": m.to_address, "subject": m.subject, "body_text": m.body_text, "body_html": m.body_html,
        "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
        "send_before": m.send_before,
    } for m in messages]
    table = OutboxMessage.__table__
    statement = _insert_skipping_existing_keys(session, table)
    ids = dict(session.execute(statement.returning(table.c.idempotency_key, table.c.id), rows).all())
    attachments = [{"message_id": ids[m.idempotency_key], "filename": filename, "content_type": content_type,
                    "content": content}
                   for m in messages if m.idempotency_key in ids
                   for filename, content_type, content in m.attachments]
    if attachments:
        session.execute(insert(OutboxAttachment.__table__), attachments)
    return set(ids)


def _insert_skipping_existing_keys(session: Session, table):
    dialect = session.get_bind(OutboxMessage.__mapper__).dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
    return insert(table)  # elsewhere a racing duplicate fails on the unique key and the transaction rolls back


def stop_pending(session: Session, key_prefix: str, *, reason: str, now: datetime) -> int:
    """Messages whose idempotency key starts with `key_prefix` and that are not yet sent (pending, or failed and
    waiting for their retry) will not be sent: stopped as an admin's "Stop" does (status dead, `reason` first in
    last_error). A message being handed to the server right now ("sending") is not touched. In the caller's
    transaction; returns how many were stopped."""
    pattern = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key.like(pattern, escape="\\"),
               OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)))
        .values(status=OutboxStatus.DEAD, last_error=reason, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
