"""SMS (issue 15): the portal's phone-number rule, whether SMS is on, and the SMS channel's run.

Rows with channel `sms` (to_address: a +45 number in E.164, body_text: the message) are delivered by the scheduler
job `dispatch_sms` through the SMS gateway adapter (portal/services/messaging/channels/sms_gateway.py: the request, which
answers are retried) and the one dispatch loop (portal/services/messaging/dispatch.py): claimed and finished exactly as
e-mails are, retried after 1, 2, 4 … minutes (at most 6 hours), given up ("dead", shown on /admin/udbakke) after
PORTAL_OUTBOX_MAX_ATTEMPTS. Without a gateway URL the rows wait, and nobody is promised an SMS (`available()`: the
chatbot and the sign-in links ask it).

Phone numbers are normalised once, with the maintained `phonenumbers` library: `normalise_phone`.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy.orm import Session

from portal.config import value
from portal.services.errors import ValidationFailed
from portal.services.messaging.channels.base import RetryPolicy
from portal.services.messaging.channels.sms_gateway import SmsGateway, SmsSettings, post
from portal.services.messaging.dispatch import DispatchResult, deliver_due

# What a person types as a phone number: digits (0-9 only), spaces and - . / ( ) between them, "+" or "(+" first.
# phonenumbers itself reads far more: it drops a leading "-" or other text before the first digit, and turns letters
# into keypad digits, so "-20304050" became +4520304050 without a word.
_TYPED_PHONE = re.compile(r"\(?\+?[0-9](?:[0-9 ()./-]*[0-9])?")


def parse_danish_phone(text: str | None) -> str | None:
    """The one phone-number rule of the portal: a valid Danish (+45) number in E.164 ("+4520304050") from what a
    person typed ("20 30 40 50", "0045 2030 4050", "+45 20304050"), else None. Profile, chat, sign-in links and
    SMS all use it (each says in its own words what is wrong)."""
    if not isinstance(text, str) or not text.strip() or len(text) > 30 or not _TYPED_PHONE.fullmatch(text.strip()):
        return None
    try:
        number = phonenumbers.parse(text.strip(), "DK")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 45 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(number: str | None) -> str:
    """A stored number as people read it: "+45 20 30 40 50" (stored E.164, "+4520304050"); anything that does not
    parse is shown as stored."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "DK")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_phone(text: str, *, field: str = "phone") -> str:
    """`parse_danish_phone`, or ValidationFailed with a Danish message."""
    from portal.i18n import gettext as _

    number = parse_danish_phone(text)
    if number is None:
        raise ValidationFailed(_("Skriv et gyldigt dansk telefonnummer, fx 20 30 40 50."), field=field)
    return number


def available() -> bool:
    """Whether SMS messages are sent (a gateway is configured). Nothing may promise an SMS otherwise."""
    return bool(value("SMS_GATEWAY_URL"))


def dispatch_sms(session: Session, settings: SmsSettings, *, now: datetime | None = None, batch_size: int = 200,
                 max_attempts: int = 8, lease: timedelta = timedelta(minutes=10), send=post) -> DispatchResult:
    """The SMS channel's run: up to `batch_size` due SMS rows (`deliver_due`). Without a gateway URL nothing is
    claimed: the rows wait."""
    return deliver_due(session, SmsGateway(settings, send), now=now,
                       policy=RetryPolicy(batch_size=batch_size, max_attempts=max_attempts, lease=lease))
