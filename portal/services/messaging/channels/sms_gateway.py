"""The SMS channel (issue 15): outbox rows `sms` (to_address: a +45 number in E.164, body_text: the message) posted to
PORTAL_SMS_GATEWAY_URL, a JSON API shaped like Danish gateways' (GatewayAPI's `/rest/mtsms`):

    POST <url>   Authorization: Token <PORTAL_SMS_GATEWAY_TOKEN>   Idempotency-Key: <the outbox key>
    {"sender": "FOA", "message": "...", "recipients": [{"msisdn": 4520304050}], "userref": "<the outbox key>"}

2xx: sent. 5xx, 408, 425, 429, timeouts and refused connections: retried. Other answers: permanent (the same request
would be refused again). A resend after a crash carries the same idempotency key, which the gateway can use to drop
the duplicate. Without a gateway URL the rows wait (and nobody is promised an SMS: portal.services.messaging.sms.available).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.i18n import N_
from portal.models import OutboxMessage
from portal.services.messaging.channels.base import Channel, DeliveryFailed, post_json

RETRY_STATUSES = (408, 425, 429)
MAX_LENGTH = 612  # four concatenated SMS parts


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


def payload(message: OutboxMessage, settings: SmsSettings) -> dict:
    return {"sender": settings.sender[:11], "message": message.body_text[:MAX_LENGTH],
            "recipients": [{"msisdn": int(message.to_address.lstrip("+"))}], "userref": message.idempotency_key}


def post(settings: SmsSettings, body: dict) -> int:
    """POST one message to the gateway; the HTTP status (OSError for no answer at all)."""
    return post_json(settings.url, body, {"Authorization": f"Token {settings.token or ''}",
                                          "Idempotency-Key": body["userref"]}, settings.timeout)


class SmsGateway(Channel):
    """One HTTP request per message; `send` is `post` unless a test hands in another."""

    name = "sms"
    job_id = "dispatch_sms"
    job_title = N_("Send SMS'er fra udbakken (kun med en SMS-gateway)")
    row_channels = ("sms",)

    def __init__(self, settings: SmsSettings, send=post):
        self.settings = settings
        self.send = send

    @classmethod
    def from_config(cls, config) -> SmsGateway:
        return cls(SmsSettings.from_config(config))

    def ready(self) -> bool:
        return bool(self.settings.url)

    def deliver(self, message: OutboxMessage, now: datetime) -> None:
        try:
            status = self.send(self.settings, payload(message, self.settings))
        except (OSError, ValueError) as exc:  # refused, timed out, unreachable
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"SMS-gateway svarede HTTP {status}",
                                 permanent=not (status >= 500 or status in RETRY_STATUSES))
