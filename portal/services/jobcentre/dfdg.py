"""The DFDG adapter of the job-centre exchange (issue 16): a stub, honest about what it is.

DFDG (Det Fælles Datagrundlag, STAR's shared data platform) is how an a-kasse and a job centre exchange plans,
summaries and approvals in production. This adapter does what the a-kasse's side would do — it builds the message
envelope (shape: portal/data/dfdg_message.schema.json, documented in docs/jobcentre.md) and puts it on an outbound
queue (DfdgOutbound) that `dispatch` posts as JSON to PORTAL_DFDG_URL (the channel adapter
portal/services/messaging/channels/jobcentre_exchange.py and the one dispatch loop), retrying with backoff — but the endpoint, its
authentication (OCES certificates) and DFDG's real message formats are not known to this project; nothing here has
been tested against DFDG. Answers coming back (approve/reject, accept/propose a time) are not implemented: the
embedded adapter's pages are where job centres answer in the trial. No test calls a real external service: the
contract test starts a local fake.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portal.models.jobcentre import DfdgOutbound, JobcentreMessage
from portal.models.statuses import DfdgOutboundStatus
from portal.services.jobcentre import municipalities
from portal.services.messaging.channels.jobcentre_exchange import DfdgSettings, JobcentreExchange
from portal.services.messaging.dispatch import DispatchResult, deliver_due

MESSAGE_TYPES = {"plan_approval": "PlanApprovalRequest", "summary": "ConversationSummary",
                 "visitation": "VisitationNotice", "joint_invitation": "JointConversationInvitation"}


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
        session.add(DfdgOutbound(message_id=message.id, payload=envelope(message), status=DfdgOutboundStatus.PENDING,
                                 attempts=0, next_attempt_at=now, created_at=now))


def dispatch(session: Session, now: datetime, settings: DfdgSettings | None = None) -> DispatchResult:
    """Post due rows of the outbound queue through the DFDG channel adapter (portal/services/messaging/channels/
    jobcentre_exchange.py: which answers are retried) and the one dispatch loop (portal/services/messaging/dispatch.py):
    retried after 1, 2, 4 … minutes (at most 6 hours), dead after its MAX_ATTEMPTS. Commits per row."""
    channel = JobcentreExchange(settings or DfdgSettings.from_app())
    return deliver_due(session, channel, now=now, policy=JobcentreExchange.policy({}))
