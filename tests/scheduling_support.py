"""Helpers for the scheduling, outbox and survey tests: a real SMTP server on loopback and booking factories."""
from __future__ import annotations

import email
import socket
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy

from aiosmtpd.controller import Controller
from sqlalchemy import event

from portal.models import Booking

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Copenhagen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every accepted message; can be told to refuse recipients (5xx/4xx)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []
        self.refuse: dict[str, str] = {}  # address → SMTP reply, e.g. "550 5.1.1 No such user"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self, port: int | None = None, **kwargs) -> None:
        self.port = port or free_port()
        self.inbox = Inbox()
        self.kwargs = kwargs
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def configure(self, app) -> None:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=self.port, SMTP_STARTTLS=False, SMTP_USERNAME=None,
                          SMTP_PASSWORD=None, MAIL_FROM="FOA A-kasse <noreply@foa.dk>", SMTP_TIMEOUT=5)


def booking(session, member, caseworker, *, starts_at: datetime, minutes: int = 45, type: str = "cv",
            channel: str = "in_person", status: str = "booked", created_at: datetime | None = None,
            meeting_link: str | None = None, sequence: int = 0) -> Booking:
    b = Booking(
        uid=f"booking-{uuid.uuid4().hex[:12]}@portal.foa.dk", member_id=member.id, caseworker_id=caseworker.id,
        location_id=member.location_id, type=type, channel=channel, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes), status=status, sequence=sequence,
        meeting_link=meeting_link, with_jobcenter=type == "joint",
        created_at=created_at or starts_at - timedelta(days=7), updated_at=created_at or starts_at - timedelta(days=7),
    )
    session.add(b)
    session.flush()
    return b


@contextmanager
def statements(engine):
    """The SQL statements sent while the block runs (an executemany counts once), as a list of their texts."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
