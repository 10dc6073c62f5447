"""Outbound channels: one adapter module each, registered in CHANNELS (docs/architecture.md "Outbound channels").

Adding a channel: an adapter module here (a `Channel` subclass: how to deliver one message, which failures are
permanent), one line in CHANNELS — the scheduler gets its job (`job_id`) from this list — and, for a new outbox
channel name, the name in `portal.models.messaging.OUTBOX_CHANNELS` with a migration (the schema refuses unknown
channel names). Claiming, retries with backoff, giving up and the admin view come from portal/services/messaging/dispatch.py.
"""
from __future__ import annotations

from portal.services.messaging.channels.base import Channel
from portal.services.messaging.channels.email_smtp import EmailSmtp
from portal.services.messaging.channels.jobcentre_exchange import JobcentreExchange
from portal.services.messaging.channels.sms_gateway import SmsGateway

CHANNELS: list[type[Channel]] = [EmailSmtp, SmsGateway, JobcentreExchange]
