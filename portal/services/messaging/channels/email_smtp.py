"""The e-mail channel: outbox rows `email` (the member's address) and `jobcenter` (a job centre's address, from
PORTAL_JOBCENTER_MAIL) over SMTP, one connection per run.

A resend after a crash carries the same Message-ID (derived from the idempotency key), so receiving systems can drop
the duplicate: SMTP has no way to ask "did you already get this?" (docs/scheduling.md "Exactly once in effect").
"""
from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from portal.config import BY_NAME
from portal.i18n import N_
from portal.models import OutboxMessage
from portal.services.messaging.channels.base import Channel, ChannelUnavailable, DeliveryFailed

# "jobcenter" rows ("jobcenter:<location>") go to PORTAL_JOBCENTER_MAIL ("{location}" replaced by the location's slug)
# and wait while that is not configured.
SENDABLE_CHANNELS = ("email", "jobcenter")


class SmtpUnavailable(ChannelUnavailable):
    """The SMTP server could not be reached or refused the login or the sender: nothing lost."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    mail_from: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    jobcenter_mail: str | None = None  # e.g. "jobcenter-{location}@kommune.example"

    @classmethod
    def from_config(cls, config) -> SmtpSettings:
        return cls(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]), mail_from=config["MAIL_FROM"],
                   starttls=bool(config.get("SMTP_STARTTLS")), username=config.get("SMTP_USERNAME"),
                   password=config.get("SMTP_PASSWORD"),
                   timeout=float(config.get("SMTP_TIMEOUT", BY_NAME["SMTP_TIMEOUT"].default)),
                   jobcenter_mail=config.get("JOBCENTER_MAIL"))

    @property
    def channels(self) -> tuple[str, ...]:
        return SENDABLE_CHANNELS if self.jobcenter_mail else ("email",)


def _slug(name: str) -> str:
    name = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-") or "ukendt"


def recipient(message: OutboxMessage, settings: SmtpSettings) -> str:
    """The e-mail address a row goes to: its own, or the job centre's for "jobcenter:<location>"."""
    if message.channel == "jobcenter" and "@" not in message.to_address:
        location = message.to_address.partition(":")[2] or "ukendt"
        return (settings.jobcenter_mail or "").replace("{location}", _slug(location))
    return message.to_address


def message_id(idempotency_key: str, mail_from: str) -> str:
    """The same logical message always gets the same Message-ID, so a resend after a crash can be recognised."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "portal.foa.dk"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_email(message: OutboxMessage, mail_from: str, now: datetime, to_address: str | None = None
                ) -> EmailMessage:
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = to_address or message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id(message.idempotency_key, mail_from)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a no-reply sender
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments:
        ctype, *param_parts = [p.strip() for p in attachment.content_type.split(";")]
        maintype, _, subtype = ctype.partition("/")
        params = {name.strip(): value.strip().strip('"')
                  for name, _, value in (p.partition("=") for p in param_parts if "=" in p)}
        if ctype == "text/calendar":  # rows written before calendar_attachment named them get the same header
            params.setdefault("method", "REQUEST")
            params.setdefault("charset", "utf-8")
        email.add_attachment(attachment.content, maintype=maintype or "application",
                             subtype=subtype or "octet-stream", filename=attachment.filename, params=params)
    return email


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        return smtp
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnavailable(f"SMTP {settings.host}:{settings.port}: {exc}") from exc


def _server_refuses_everything(exc: Exception) -> bool:
    """The sender or the session is refused (530 STARTTLS/auth required, 421 closing, MAIL FROM rejected)."""
    return isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError)) or \
        getattr(exc, "smtp_code", None) in (421, 530)


def _permanent(exc: Exception) -> bool:
    """5xx answers (unknown recipient, rejected content) will not get better by retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500 and not isinstance(exc, smtplib.SMTPServerDisconnected)


class EmailSmtp(Channel):
    """One SMTP connection per run; `smtp_factory` is `connect` (tests hand in one that dies on purpose)."""

    name = "email"
    job_id = "dispatch_outbox"
    job_title = N_("Send e-mails fra udbakken")
    row_channels = SENDABLE_CHANNELS

    def __init__(self, settings: SmtpSettings, smtp_factory=connect):
        self.settings = settings
        self.smtp_factory = smtp_factory
        self.smtp: smtplib.SMTP | None = None

    @classmethod
    def from_config(cls, config) -> EmailSmtp:
        return cls(SmtpSettings.from_config(config))

    def channels(self) -> tuple[str, ...]:
        return self.settings.channels

    def open(self) -> None:
        self.smtp = self.smtp_factory(self.settings)

    def deliver(self, message: OutboxMessage, now: datetime) -> None:
        to_address = recipient(message, self.settings)
        try:
            self.smtp.send_message(build_email(message, self.settings.mail_from, now, to_address),
                                   from_addr=parseaddr(self.settings.mail_from)[1], to_addrs=[to_address])
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if _server_refuses_everything(exc):
                # TLS or login required, sender not allowed: no message would go.
                raise SmtpUnavailable(f"SMTP {self.settings.host}:{self.settings.port} afviser afsendelse: {exc}",
                                      error=error) from exc
            raise DeliveryFailed(error, permanent=_permanent(exc),
                                 connection_lost=isinstance(exc, (OSError, smtplib.SMTPServerDisconnected))) from exc

    def reconnect(self) -> bool:
        try:
            self.smtp.close()
        except (OSError, smtplib.SMTPException):
            pass
        try:
            self.smtp = self.smtp_factory(self.settings)
        except SmtpUnavailable:
            self.smtp = None
            return False
        return True

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
