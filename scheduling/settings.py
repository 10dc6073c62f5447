"""The scheduler's settings: app.config if set there, else the PORTAL_* environment variable, else the default."""
from __future__ import annotations

import os

DEFAULTS = {
    "REMINDER_HOURS": 24,  # booking and offer-session reminders this many hours before
    "HANDOFF_SLA_MINUTES": 15,  # an unclaimed chatbot handoff escalates after this many working minutes
    "OUTBOX_MAX_ATTEMPTS": 8,  # give up (status "dead", shown on /admin/udbakke) after this many tries
    "OUTBOX_BATCH": 200,  # messages per dispatcher run (one SMTP connection)
    "SCHEDULER_LEASE_SECONDS": 60,  # a silent scheduler loses the lease after this long
    "SCHEDULER_POLL_SECONDS": 10,  # how often a waiting scheduler checks whether the lease is free
}


def setting(config, name: str) -> int:
    value = config.get(name)
    if value is None:
        value = os.environ.get(f"PORTAL_{name}", DEFAULTS[name])
    try:
        return int(value)
    except (TypeError, ValueError):
        return DEFAULTS[name]
