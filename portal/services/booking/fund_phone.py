"""The a-kasse's phone number for members (PORTAL_FUND_PHONE), wherever a page, an e-mail or a refusal tells a
member to call: too close to a conversation to move it online, or a time agreed with the job centre. Unset: the
texts say "ring til a-kassen" without a number, as they did before the setting existed."""
from __future__ import annotations

from dataclasses import dataclass

from portal.config import value


@dataclass(frozen=True)
class Phone:
    shown: str  # as the operator wrote it: "70 10 10 10"
    href: str | None  # "tel:+4570101010" for a tap-to-call link; None if it is not a Danish number we can read


def number() -> str | None:
    shown = str(value("FUND_PHONE") or "").strip()
    return shown or None


def contact() -> Phone | None:
    """The number with its tap-to-call link, or None when no number is configured."""
    from portal.services.messaging.sms import parse_danish_phone

    shown = number()
    if shown is None:
        return None
    e164 = parse_danish_phone(shown)
    return Phone(shown, f"tel:{e164}" if e164 else None)
