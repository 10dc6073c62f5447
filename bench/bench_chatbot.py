"""Chatbot: classifier training time, and the latency of one /webhooks/rest/webhook turn on the embedded runtime.

Runs against a copy of the cached demo database (250,000 members by default; BENCH_CHAT_MEMBERS to change).
Turns are a realistic mix: questions answered from reviewed texts, the two-stage fallback, consent (a database
write through the consent service), and the handoff to a person (queue + notifications).
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import demo_database

TRAINING_RUNS = 5
CONVERSATIONS = int(os.environ.get("BENCH_CHAT_CONVERSATIONS", "40"))
SCRIPT = [
    "hej",
    "hvad er tryghedspuljen",
    "kan jeg komme på kursus",  # ambiguous: the two-stage fallback's first stage
    "hvornår skal jeg melde mig ledig",
    "hvad er mine rettigheder",
    "jeg giver samtykke",
    "hvad er fvu",
    "jeg vil tale med et menneske",  # handoff: the bot goes silent after this
]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _training_seconds() -> list[float]:
    from chatbot.runtime.nlu import train

    return [train().training_seconds for _ in range(TRAINING_RUNS)]


def _turn_latencies(db_file: Path) -> tuple[list[float], list[float]]:
    from chatbot.runtime import get_agent
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "SECRET_KEY": "bench",
                      "CHAT_RATE_LIMIT": "100000 per minute", "CHAT_IP_RATE_LIMIT": "100000 per minute"})
    turns, parses = [], []
    with app.app_context():
        get_agent()  # model loaded/trained outside the timed turns, as at start-up
    for _ in range(CONVERSATIONS):
        client = app.test_client()
        page = client.get("/opsagt").get_data(as_text=True)
        sender = re.search(r'data-sender="([^"]+)"', page).group(1)
        for text in SCRIPT:
            started = time.perf_counter()
            response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
            turns.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)
            started = time.perf_counter()
            client.post("/model/parse", json={"text": text})
            parses.append(time.perf_counter() - started)
    return turns, parses


def run() -> dict:
    members = int(os.environ.get("BENCH_CHAT_MEMBERS", "250000"))
    source, seed_seconds = demo_database(members=members)
    workdir = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    os.environ.setdefault("PORTAL_CHATBOT_MODEL_DIR", str(workdir / "model"))
    try:
        db_file = workdir / "chat.sqlite3"
        shutil.copyfile(source, db_file)  # the turns write conversations and handoffs; keep the cache clean
        training = _training_seconds()
        turns, parses = _turn_latencies(db_file)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ms = [t * 1000 for t in turns]
    parse_ms = [t * 1000 for t in parses]
    return {
        "members": members,
        "seed_seconds": round(seed_seconds, 1),
        "training_seconds_median": round(statistics.median(training), 3),
        "training_seconds_all": [round(t, 3) for t in training],
        "webhook_turns": len(ms),
        "webhook_turn_ms_median": round(statistics.median(ms), 1),
        "webhook_turn_ms_p95": round(_percentile(ms, 95), 1),
        "webhook_turn_ms_max": round(max(ms), 1),
        "model_parse_ms_median": round(statistics.median(parse_ms), 1),
        "model_parse_ms_p95": round(_percentile(parse_ms, 95), 1),
    }
