"""Helpers for the chat tests (no tests here): working hours, a conversation, sending messages."""
from __future__ import annotations

import os
import tempfile
from datetime import time

# One trained model for the whole test run, outside the repository's instance/.
os.environ.setdefault("PORTAL_CHATBOT_MODEL_DIR", os.path.join(tempfile.gettempdir(), "chat-test-model"))

from portal.models import Caseworker
from portal.models.booking import WorkingHours


def give_hours(session, caseworker: Caseworker, start: time = time(8, 0), end: time = time(16, 0)) -> None:
    """Monday–Friday office hours at the caseworker's location."""
    for weekday in range(5):
        session.add(WorkingHours(caseworker_id=caseworker.id, location_id=caseworker.location_id, weekday=weekday,
                                 start_time=start, end_time=end))
    session.flush()


def flyer_sender(client, token: str | None = None) -> str:
    """Open /opsagt (optionally with a flyer token) and return the sender id the widget would use."""
    import re

    page = client.get("/opsagt" + (f"?k={token}" if token else ""))
    assert page.status_code == 200
    match = re.search(r'data-sender="([^"]+)"', page.get_data(as_text=True))
    assert match, "no chat widget on the page"
    return match.group(1)


def say(client, sender: str, text: str, status: int = 200):
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def texts(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies)
