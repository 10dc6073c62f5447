"""The actions as a standalone rasa-sdk action server (`python -m rasa_sdk --actions chatbot.actions`)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from chatbot.runtime.project import PROJECT_DIR
from portal import create_app
from portal.extensions import db
from portal.models import Consent, ServiceLocation
from portal.models.chat import ChatConversation
from portal.timeutil import utcnow

PORT = 5155
pytestmark = pytest.mark.real_clock("the action server is its own process and keeps the machine's clock")


@pytest.fixture
def action_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'actions.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        db.create_all()
        location = ServiceLocation(name="Odense", region="Syddanmark", latitude=55.4, longitude=10.4, fvu_city=True)
        db.session.add(location)
        db.session.flush()
        now = utcnow()
        db.session.add(ChatConversation(sender_id="afsender-1", source="flyer", location_id=location.id, language="da",
                                        state="bot", consent_given=False, tracker={}, created_at=now,
                                        last_activity_at=now, last_seen_at=now))
        db.session.commit()
        db.engine.dispose()
    env = dict(os.environ, PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY="x", PORTAL_LOG_LEVEL="WARNING",
               PORTAL_INSTANCE_PATH=str(tmp_path))
    try:
        requests.get(f"http://127.0.0.1:{PORT}/health", timeout=2)
        pytest.fail(f"port {PORT} is already in use; stop the other action server first")
    except requests.RequestException:
        pass
    process = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "chatbot.actions", "--port", str(PORT)],
                               cwd=PROJECT_DIR.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(process) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail("action server exited: " + process.stdout.read().decode()[-2000:])
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/health", timeout=3).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail("action server did not start within 90 s")


def _call(action: str, sender: str, slots: dict | None = None, intent: str = "greet",
          text: str = "x") -> requests.Response:
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
    tracker = {"sender_id": sender, "slots": {"language": "da", **(slots or {})},
               "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
               "events": [], "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": "action_listen"}
    return requests.post(f"http://127.0.0.1:{PORT}/webhook", timeout=30, json={
        "next_action": action, "sender_id": sender, "tracker": tracker, "domain": domain, "version": "3.6.21"})


@pytest.mark.slow
def test_action_server_answers_rasas_webhook_and_writes_to_the_portal(action_server):
    actions = requests.get(f"http://127.0.0.1:{PORT}/actions", timeout=10).json()
    assert {"name": "action_book_conversation"} in actions and {"name": "validate_registration_form"} in actions

    offers = _call("action_list_offers", "afsender-1")
    assert offers.status_code == 200
    assert offers.json()["responses"][0]["response"] == "utter_list_offers"

    explained = _call("action_explain_offer", "afsender-1", intent="tryghedspulje")
    assert explained.json()["responses"][0]["response"] == "utter_explain_tryghedspulje"

    booking = _call("action_start_booking", "afsender-1")  # no consent yet: ask for it first
    events = booking.json()["events"]
    assert {"event": "followup", "name": "utter_ask_consent"} in [{k: e[k] for k in ("event", "name")}
                                                                  for e in events if e["event"] == "followup"]

    consent = _call("action_record_consent", "afsender-1", intent="give_consent", text="/give_consent")
    assert consent.status_code == 200
    body = consent.json()
    assert body["responses"][0]["response"] == "utter_consent_given"
    assert any(e["event"] == "slot" and e["name"] == "consent" and e["value"] is True for e in body["events"])
    with Session(create_engine(action_server)) as session:
        stored = session.scalar(select(Consent))
        assert stored is not None and stored.purpose == "chat_contact" and stored.source == "chatbot"
        assert session.scalar(select(ChatConversation)).consent_given is True

    unknown = _call("action_does_not_exist", "afsender-1")
    assert unknown.status_code == 404
