"""Writing to the outbox. The scheduler's dispatcher sends what is written here (see scheduling/)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import OutboxAttachment, OutboxMessage
from portal.timeutil import utcnow


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
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key))
    if existing is not None:
        return existing
    now = now or utcnow()
    message = OutboxMessage(
        idempotency_key=idempotency_key,
        kind=kind,
        channel=channel,
        member_id=member_id,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    for filename, content_type, content in attachments or []:
        message.attachments.append(OutboxAttachment(filename=filename, content_type=content_type, content=content))
    session.add(message)
    return message
