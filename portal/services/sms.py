"""The outbox's SMS channel: an HTTP SMS gateway adapter (issue 15), with the e-mail dispatcher's guarantees.

Rows with channel `sms` (to_address: a +45 number in E.164, body_text: the message) are sent by the scheduler job
`dispatch_sms` to `PORTAL_SMS_GATEWAY_URL`, a JSON API shaped like Danish gateways' (GatewayAPI's `/rest/mtsms`):

    POST <url>   Authorization: Token <PORTAL_SMS_GATEWAY_TOKEN>   Idempotency-Key: <the outbox key>
    {"sender": "FOA", "message": "...", "recipients": [{"msisdn": 4520304050}], "userref": "<the outbox key>"}

2xx: sent. 5xx, 408, 425, 429, timeouts and refused connections: retried after 1, 2, 4 … minutes (at most 6 hours),
given up ("dead", shown on /admin/udbakke) after PORTAL_OUTBOX_MAX_ATTEMPTS. Other 4xx: dead at once (the same
request would be refused again). Rows are claimed and finished exactly as e-mails are (portal.services.dispatch):
at least once, and a crash between the gateway's acceptance and the mark re-sends with the same idempotency key,
which the gateway can use to drop the duplicate. Without a gateway URL the rows wait, and nobody is promised an SMS
(`available()`: the chatbot and the sign-in links ask it).

Phone numbers are normalised once, with the maintained `phonenumbers` library: `normalise_phone`.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy.orm import Session

from portal.config import value
from portal.services.dispatch import DispatchResult, backoff, claim_to_send, due_message_ids, finish
from portal.services.errors import ValidationFailed
from portal.timeutil import utcnow

log = logging.getLogger("portal.sms")
RETRY_STATUSES = (408, 425, 429)
MAX_LENGTH = 612  # four concatenated SMS parts


def parse_danish_phone(text: str | None) -> str | None:
    """The one phone-number rule of the portal: a valid Danish (+45) number in E.164 ("+4520304050") from what a
    person typed ("20 30 40 50", "0045 2030 4050", "+45 20304050"), else None. Profile, chat, sign-in links and
    SMS all use it (each says in its own words what is wrong)."""
    if not isinstance(text, str) or not text.strip() or len(text) > 30:
        return None
    try:
        number = phonenumbers.parse(text.strip(), "DK")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 45 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(text: str, *, field: str = "phone") -> str:
    """`parse_danish_phone`, or ValidationFailed with a Danish message."""
    from flask_babel import gettext as _

    number = parse_danish_phone(text)
    if number is None:
        raise ValidationFailed(_("Skriv et gyldigt dansk telefonnummer, fx 20 30 40 50."), field=field)
    return number


@dataclass(frozen=True)
class SmsSettings:
    url: str | None
    token: str | None
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> SmsSettings:
        return cls(url=config.get("SMS_GATEWAY_URL"), token=config.get("SMS_GATEWAY_TOKEN"),
                   sender=config.get("SMS_SENDER") or "FOA", timeout=float(config.get("SMS_TIMEOUT") or 10))


def available() -> bool:
    """Whether SMS messages are sent (a gateway is configured). Nothing may promise an SMS otherwise."""
    return bool(value("SMS_GATEWAY_URL"))


def payload(message, settings: SmsSettings) -> dict:
    return {"sender": settings.sender[:11], "message": message.body_text[:MAX_LENGTH],
            "recipients": [{"msisdn": int(message.to_address.lstrip("+"))}], "userref": message.idempotency_key}


def post(settings: SmsSettings, body: dict) -> int:
    """POST one message to the gateway; the HTTP status (OSError for no answer at all)."""
    request = urllib.request.Request(settings.url, data=json.dumps(body).encode("utf-8"), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Token {settings.token or ''}",
        "Idempotency-Key": body["userref"]})
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:  # nosec B310 - configured URL
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def dispatch_sms(session: Session, settings: SmsSettings, *, now: datetime | None = None, batch_size: int = 200,
                 max_attempts: int = 8, lease: timedelta = timedelta(minutes=10), send=post) -> DispatchResult:
    """Send up to `batch_size` due SMS rows. Without a gateway URL nothing is claimed: the rows wait."""
    now = now or utcnow()
    result = DispatchResult()
    if not settings.url:
        return result
    ids = due_message_ids(session, now=now, limit=batch_size, channels=("sms",))
    session.commit()
    for id_ in ids:
        message = claim_to_send(session, id_, now=now, lease=lease, max_attempts=max_attempts, result=result)
        if message is None:
            continue
        attempts = message.attempts
        try:
            status = send(settings, payload(message, settings))
            error = None if 200 <= status < 300 else f"SMS-gateway svarede HTTP {status}"
        except (OSError, ValueError) as exc:  # refused, timed out, unreachable
            status, error = None, f"{type(exc).__name__}: {exc}"
        if error is None:
            if finish(session, message, attempts, status="sent", sent_at=now, last_error=None):
                result.sent += 1
            continue
        retry = status is None or status >= 500 or status in RETRY_STATUSES
        give_up = not retry or attempts >= max_attempts
        finish(session, message, attempts, status="dead" if give_up else "failed",
                next_attempt_at=now + backoff(attempts), last_error=error[:1000])
        result.dead += give_up
        result.failed += not give_up
        result.errors.append(error[:200])
        log.warning("outbox %s (sms) attempt %s failed: %s", message.id, attempts, error)
    return result
