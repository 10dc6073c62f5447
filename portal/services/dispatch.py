"""The outbox dispatcher: sends pending outbox rows over SMTP, marks them sent, retries with backoff, gives up.

Guarantee (docs/scheduling.md "Exactly once in effect"):
- A row is written in the same transaction as the change that causes it, so nothing is lost: if the change
  commits, the row exists and stays until it is sent or an admin sees it as given up ("dead").
- Before sending, a row is claimed in its own committed transaction: status 'sending', attempts + 1 and
  `next_attempt_at` = now + lease. After the SMTP server accepted it, it is marked 'sent' — only if the claim is
  still ours (same `attempts`, the fencing token). A second dispatcher cannot claim a row that is being sent.
- If the process dies between the server's acceptance and the mark, the lease runs out and the row is sent again:
  at most one duplicate per crash, with the same Message-ID (derived from the idempotency key), which receiving
  systems can use to drop it. SMTP has no way to ask "did you already get this?", so this is the best possible.
"""
from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.config import BY_NAME
from portal.models import OutboxMessage
from portal.services import audit
from portal.services.errors import Conflict, NotFound
from portal.timeutil import utcnow

log = logging.getLogger("portal.dispatch")

# SMS rows are sent by portal.services.sms (an HTTP gateway); "jobcenter" rows ("jobcenter:<location>") go by e-mail to
# PORTAL_JOBCENTER_MAIL ("{location}" replaced by the location's slug) and wait while that is not configured.
SENDABLE_CHANNELS = ("email", "jobcenter")
RETRYABLE = ("pending", "failed", "sending")  # 'sending' only once its lease has run out
BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 6 * 3600


class SmtpUnavailable(Exception):
    """The SMTP server could not be reached or refused the login: nothing was claimed, nothing lost."""


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


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0  # will be retried
    dead: int = 0  # gave up
    skipped: int = 0  # claimed by someone else meanwhile
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "dead": self.dead, "skipped": self.skipped}


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, at most 6 hours."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def message_id(idempotency_key: str, mail_from: str) -> str:
    """The same logical message always gets the same Message-ID, so a resend after a crash can be recognised."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "portal.foa.dk"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def due_message_ids(session: Session, *, now: datetime, limit: int,
                    channels: tuple[str, ...] = SENDABLE_CHANNELS) -> list[int]:
    return list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status.in_(RETRYABLE), OutboxMessage.next_attempt_at <= now,
               OutboxMessage.channel.in_(channels))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ))


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
        params = dict(p.partition("=")[::2] for p in param_parts if "=" in p)
        if ctype == "text/calendar":
            params.setdefault("method", "REQUEST")
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


def claim(session: Session, message_id_: int, *, now: datetime, lease: timedelta) -> OutboxMessage | None:
    """Take the row for sending in its own committed transaction; None if someone else has it."""
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id_, OutboxMessage.status.in_(RETRYABLE),
               OutboxMessage.next_attempt_at <= now)
        .values(status="sending", attempts=OutboxMessage.attempts + 1, next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if not claimed:
        return None
    return session.get(OutboxMessage, message_id_, populate_existing=True)


def claim_to_send(session: Session, message_id_: int, *, now: datetime, lease: timedelta, max_attempts: int,
                  result: DispatchResult) -> OutboxMessage | None:
    """`claim`, counted in `result`: None when someone else has the row (skipped) or when a crashed send used its
    last attempt (given up: it may or may not have gone out, and the admin sees it)."""
    message = claim(session, message_id_, now=now, lease=lease)
    if message is None:
        result.skipped += 1
        return None
    if message.attempts > max_attempts:
        finish(session, message, message.attempts, status="dead",
               last_error="Afsendelsen blev afbrudt for mange gange; beskeden er muligvis ikke sendt.")
        result.dead += 1
        return None
    return message


def finish(session: Session, message: OutboxMessage, claimed_attempts: int, **values) -> bool:
    """Write the outcome only if the claim is still ours (fencing on attempts)."""
    done = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "sending",
               OutboxMessage.attempts == claimed_attempts)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return bool(done)


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


def dispatch_pending(session: Session, settings: SmtpSettings, *, now: datetime | None = None, batch_size: int = 200,
                     max_attempts: int = 8, lease: timedelta = timedelta(minutes=10),
                     smtp_factory=connect) -> DispatchResult:
    """Send up to `batch_size` due rows over one SMTP connection. Raises SmtpUnavailable if the server is down
    before anything was claimed (the rows stay untouched and the next run tries again)."""
    now = now or utcnow()
    result = DispatchResult()
    ids = due_message_ids(session, now=now, limit=batch_size, channels=settings.channels)
    session.commit()
    if not ids:
        return result
    smtp = smtp_factory(settings)
    try:
        for id_ in ids:
            message = claim_to_send(session, id_, now=now, lease=lease, max_attempts=max_attempts, result=result)
            if message is None:
                continue
            attempts = message.attempts
            try:
                to_address = recipient(message, settings)
                smtp.send_message(build_email(message, settings.mail_from, now, to_address),
                                  from_addr=parseaddr(settings.mail_from)[1], to_addrs=[to_address])
            except (OSError, smtplib.SMTPException) as exc:
                if _server_refuses_everything(exc):
                    # Not this message's fault (TLS or login required, sender not allowed): put it back untouched,
                    # stop the batch and report it, so a misconfiguration cannot burn every message's attempts.
                    finish(session, message, attempts, status="pending", attempts=attempts - 1,
                            next_attempt_at=now, last_error=f"{type(exc).__name__}: {exc}"[:1000])
                    raise SmtpUnavailable(f"SMTP {settings.host}:{settings.port} afviser afsendelse: {exc}") from exc
                give_up = _permanent(exc) or attempts >= max_attempts
                finish(session, message, attempts, status="dead" if give_up else "failed",
                        next_attempt_at=now + backoff(attempts), last_error=f"{type(exc).__name__}: {exc}"[:1000])
                result.dead += give_up
                result.failed += not give_up
                result.errors.append(str(exc)[:200])
                log.warning("outbox %s attempt %s failed: %s", message.id, attempts, exc)
                if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                    smtp = _reconnect(smtp, settings, smtp_factory)
                    if smtp is None:
                        break  # the rest stay pending, untouched
                continue
            if finish(session, message, attempts, status="sent", sent_at=now, last_error=None):
                result.sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return result


def _reconnect(smtp, settings: SmtpSettings, smtp_factory):
    try:
        smtp.close()
    except (OSError, smtplib.SMTPException):
        pass
    try:
        return smtp_factory(settings)
    except SmtpUnavailable:
        return None


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: 0 for status in ("pending", "sending", "sent", "failed", "dead")} | dict(rows)


def retry_message(session: Session, message_id_: int, actor, *, now: datetime | None = None) -> OutboxMessage:
    """An admin sends a given-up (or failing) message again now; counts attempts afresh."""
    now = now or utcnow()
    message = session.get(OutboxMessage, message_id_)
    if message is None:
        raise NotFound(gettext("Beskeden findes ikke."))
    if message.status not in ("dead", "failed"):
        raise Conflict(gettext("Kun beskeder, der er fejlet eller opgivet, kan sendes igen."))
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = now
    audit.record(session, actor, "outbox.retry", member_id=message.member_id, target=message,
                 detail={"kind": message.kind, "last_error": (message.last_error or "")[:200]}, now=now)
    return message


def cancel_message(session: Session, message_id_: int, actor, *, now: datetime | None = None) -> OutboxMessage:
    """An admin stops a message that keeps failing (e.g. a wrong address): it will not be sent."""
    now = now or utcnow()
    message = session.get(OutboxMessage, message_id_)
    if message is None:
        raise NotFound(gettext("Beskeden findes ikke."))
    if message.status not in ("pending", "failed"):
        raise Conflict(gettext("Beskeden kan ikke stoppes, fordi den er sendt, opgivet eller ved at blive sendt."))
    message.status = "dead"
    message.last_error = f"Stoppet af administrator. {message.last_error or ''}".strip()[:1000]
    audit.record(session, actor, "outbox.cancel", member_id=message.member_id, target=message,
                 detail={"kind": message.kind}, now=now)
    return message
