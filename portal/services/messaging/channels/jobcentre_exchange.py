"""The job-centre exchange's DFDG channel (issue 16, a stub; docs/jobcentre.md): the envelopes that
portal/services/jobcentre/dfdg.py queued in `dfdg_outbound` are posted as JSON to PORTAL_DFDG_URL + "/messages", with the
envelope's messageId as Idempotency-Key.

2xx: sent. 5xx, 408, 409, 425, 429, timeouts and refused connections: retried. Other 4xx: permanent (the same
envelope would be refused again). Without PORTAL_DFDG_URL the queue waits. Every attempt's outcome is audited
(`dfdg.sent`, `dfdg.failed`, `dfdg.dead`) on the member, as the exchange itself is.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from portal.i18n import N_
from portal.models.jobcentre import DfdgOutbound
from portal.models.statuses import DfdgOutboundStatus
from portal.services import audit
from portal.services.actors import SystemActor
from portal.services.messaging.channels.base import Channel, DeliveryFailed, Queue, RetryPolicy, post_json

log = logging.getLogger("portal.dfdg")

MAX_ATTEMPTS = 8
BATCH = 100
PERMANENT = range(400, 500)  # refused as malformed or forbidden: retrying sends the same thing again
RETRYABLE_4XX = (408, 409, 425, 429)


def _audit_outcome(session: Session, row: DfdgOutbound, outcome: dict, now: datetime) -> None:
    audit.record(session, SystemActor.SCHEDULER, f"dfdg.{outcome['status']}", member_id=row.message.member_id, target=row,
                 now=now, detail={"attempts": outcome.get("attempts", row.attempts),
                                  "error": outcome.get("last_error")})


# Its own table (one envelope per job-centre message, kept with the exchange's other tables): no 'sending' status,
# so a claimed row keeps its status and the lease (next_attempt_at) alone keeps a second run off it.
DFDG_OUTBOUND = Queue("dfdg_outbound", DfdgOutbound, claimable=(DfdgOutboundStatus.PENDING, DfdgOutboundStatus.FAILED),
                      claimed=None, by_channel=False,
                      summary=("sent", "failed", "dead", "waiting"), on_finish=_audit_outcome)


@dataclass(frozen=True)
class DfdgSettings:
    url: str | None
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> DfdgSettings:
        url = config.get("DFDG_URL") or None
        if url and not url.startswith(("https://", "http://")):
            log.error("DFDG_URL must be an http(s) URL; the queue waits")
            url = None
        return cls(url=url, timeout=float(config.get("DFDG_TIMEOUT", 10)))

    @classmethod
    def from_app(cls) -> DfdgSettings:
        return cls.from_config(current_app.config if has_app_context() else {})


def post(url: str, payload: dict, timeout: float) -> int:
    """POST one envelope; the HTTP status (OSError for no answer at all)."""
    return post_json(f"{url.rstrip('/')}/messages", payload, {"Idempotency-Key": payload["messageId"]}, timeout)


class JobcentreExchange(Channel):
    name = "dfdg"
    job_id = "dfdg_outbound"
    job_title = N_("Send til jobcentrene via DFDG (kun med DFDG-adapteren)")
    queue = DFDG_OUTBOUND

    def __init__(self, settings: DfdgSettings):
        self.settings = settings

    @classmethod
    def from_config(cls, config) -> JobcentreExchange:
        return cls(DfdgSettings.from_config(config))

    @classmethod
    def policy(cls, config) -> RetryPolicy:
        return RetryPolicy(batch_size=BATCH, max_attempts=MAX_ATTEMPTS)

    def ready(self) -> bool:
        return bool(self.settings.url)

    def deliver(self, row: DfdgOutbound, now: datetime) -> None:
        try:
            status = post(self.settings.url, row.payload, self.settings.timeout)
        except OSError as exc:  # refused, reset, timeout, DNS (URLError is an OSError)
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}", permanent=status in PERMANENT and status not in RETRYABLE_4XX)
