"""The DFDG adapter of the job-centre exchange (issue 16): a stub, honest about what it is.

DFDG (Det Fælles Datagrundlag, STAR's shared data platform) is how an a-kasse and a job centre exchange plans,
summaries and approvals in production. This adapter does what the a-kasse's side would do — it builds the message
envelope (shape: portal/data/dfdg_message.schema.json, documented in docs/jobcentre.md) and puts it on an outbound
queue (DfdgOutbound) that `dispatch` posts as JSON to PORTAL_DFDG_URL, retrying with backoff — but the endpoint, its
authentication (OCES certificates) and DFDG's real message formats are not known to this project; nothing here has
been tested against DFDG. Answers coming back (approve/reject, accept/propose a time) are not implemented: the
embedded adapter's pages are where job centres answer in the trial. No test calls a real external service: the
contract test starts a local fake.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.jobcentre import DfdgOutbound, JobcentreMessage
from portal.services import audit, municipalities
from portal.services.dispatch import backoff

log = logging.getLogger("portal.dfdg")

MESSAGE_TYPES = {"plan_approval": "PlanApprovalRequest", "summary": "ConversationSummary",
                 "visitation": "VisitationNotice", "joint_invitation": "JointConversationInvitation"}
MAX_ATTEMPTS = 8
BATCH = 100
PERMANENT = range(400, 500)  # refused as malformed or forbidden: retrying sends the same thing again
RETRYABLE_4XX = (408, 409, 425, 429)


def envelope(message: JobcentreMessage) -> dict:
    """The message as DFDG would get it (portal/data/dfdg_message.schema.json)."""
    member = message.member
    payload = {
        "messageId": f"foa-akasse:jobcentre-message:{message.id}",
        "messageType": MESSAGE_TYPES[message.kind],
        "sentAt": message.created_at.isoformat(),
        "sender": {"name": "FOA A-kasse"},
        "recipient": {"municipalityCode": message.jobcentre_code,
                      "jobcentre": municipalities.jobcentre_name(message.jobcentre_code) or ""},
        # DFDG identifies a citizen by CPR number; this system holds none (DOMAIN.md "Data protection").
        "citizen": {"memberNumber": member.member_number, "name": member.full_name},
        "subject": message.subject,
        "body": message.body_text,
    }
    if message.plan_item is not None:
        item = message.plan_item
        payload["planItem"] = {"id": item.id, "kind": item.kind, "title": item.title,
                               "dueDate": item.due_date.isoformat() if item.due_date else None}
    if message.booking is not None:
        booking = message.booking
        payload["booking"] = {"startsAt": booking.starts_at.isoformat(), "endsAt": booking.ends_at.isoformat(),
                              "channel": booking.channel, "place": booking.location.name}
    return payload


class DfdgExchange:
    """Puts every message on the outbound queue (in the caller's transaction)."""

    name = "dfdg"

    def deliver(self, session: Session, message: JobcentreMessage, now: datetime) -> None:
        session.add(DfdgOutbound(message_id=message.id, payload=envelope(message), status="pending", attempts=0,
                                 next_attempt_at=now, created_at=now))


@dataclass(frozen=True)
class DfdgSettings:
    url: str | None
    timeout: float = 10.0

    @classmethod
    def from_app(cls) -> DfdgSettings:
        config = current_app.config if has_app_context() else {}
        url = config.get("DFDG_URL") or None
        if url and not url.startswith(("https://", "http://")):
            log.error("DFDG_URL must be an http(s) URL; the queue waits")
            url = None
        return cls(url=url, timeout=float(config.get("DFDG_TIMEOUT", 10)))


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0  # no endpoint configured: the rows wait
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "dead": self.dead, "waiting": self.waiting}


def _post(url: str, payload: dict, timeout: float) -> int:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(f"{url.rstrip('/')}/messages", data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": payload["messageId"]})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310 - the configured DFDG_URL
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def dispatch(session: Session, now: datetime, settings: DfdgSettings | None = None) -> DispatchResult:
    """Post due rows of the outbound queue; 2xx: sent; 5xx, timeouts and refused connections: retried after 1, 2,
    4 … minutes (at most 6 hours), dead after MAX_ATTEMPTS; other 4xx: dead at once (the same envelope would be
    refused again). Commits per row, so a crash loses no state."""
    settings = settings or DfdgSettings.from_app()
    result = DispatchResult()
    due = session.scalars(select(DfdgOutbound).where(DfdgOutbound.status.in_(("pending", "failed")),
                                                     DfdgOutbound.next_attempt_at <= now)
                          .order_by(DfdgOutbound.next_attempt_at, DfdgOutbound.id).limit(BATCH)).all()
    if not settings.url:
        result.waiting = len(due)
        return result
    for row in due:
        row.attempts += 1
        try:
            status = _post(settings.url, row.payload, settings.timeout)
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except (OSError, urllib.error.URLError) as exc:  # refused, reset, timeout, DNS
            status, error = 0, f"{type(exc).__name__}: {exc}"[:500]
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", now, None
            result.sent += 1
        elif status in PERMANENT and status not in RETRYABLE_4XX or row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = "dead", error
            result.dead += 1
            result.errors.append(error)
        else:
            row.status, row.last_error, row.next_attempt_at = "failed", error, now + backoff(row.attempts)
            result.failed += 1
            result.errors.append(error)
        audit.record(session, "scheduler", f"dfdg.{row.status}", member_id=row.message.member_id, target=row,
                     now=now, detail={"attempts": row.attempts, "error": row.last_error})
        session.commit()
    if result.errors:
        log.warning("dfdg dispatch: %s", result.as_dict())
    return result
