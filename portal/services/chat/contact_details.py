"""A phone number or an e-mail address as a person typed it (the chat, the sign-in link): cleaned, or
ValidationFailed with the reason. Danish numbers only, in E.164 (phonenumbers' rules, portal/services/messaging/sms.py).
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from portal.services.errors import ValidationFailed
from portal.services.messaging.sms import parse_danish_phone


def clean_danish_phone(text: str) -> str:
    """A Danish phone number in E.164 (+45…), or ValidationFailed with the reason (phonenumbers' rules)."""
    number = parse_danish_phone(text)
    if number is None:
        raise ValidationFailed("Det er ikke et dansk telefonnummer. Skriv 8 cifre, fx 20 30 40 50.",
                               field="phone_number")
    return number


def clean_contact(text: str) -> tuple[str | None, str | None]:
    """(email, phone in E.164) from what the person typed, or ValidationFailed."""
    text = (text or "").strip()
    if "@" in text:
        try:
            return validate_email(text, check_deliverability=False).normalized, None
        except EmailNotValidError:
            raise ValidationFailed("E-mailadressen er ikke gyldig.", field="contact") from None
    number = parse_danish_phone(text)
    if number is None:
        raise ValidationFailed("Skriv en gyldig e-mailadresse eller et dansk telefonnummer.", field="contact")
    return None, number
