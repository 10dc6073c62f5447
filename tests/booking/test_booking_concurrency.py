"""No double booking under load: many members race for one slot against a served app (gunicorn, 4 worker processes
× 4 threads, real sockets). Exactly one wins each slot; the others get the Danish 'slot taken'; nothing half-written;
a cancelled slot is bookable again at once. Runs on SQLite (serialised transactions + triggers) and, in the
PostgreSQL leg, on PostgreSQL (exclusion constraints)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Booking, OutboxMessage
from portal.timeutil import LOCAL_TZ, local_today
from tests.booking_helpers import racers as make_racers
from tests.factories import PASSWORD
from tests.live import call_json, gunicorn_portal

RACERS = 24

pytestmark = [pytest.mark.slow,
              pytest.mark.real_clock("the portal runs under gunicorn in subprocesses, which keep the machine's clock")]


def _call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    return call_json(base, method, path, body, token)


@pytest.fixture
def served(app, tmp_path):
    with gunicorn_portal(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=4) as base:
        yield base


@pytest.fixture
def racers(make, session):
    return make_racers(make, session, RACERS)


def _race(base: str, calls: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int, token: str, body: dict) -> None:
        barrier.wait()
        results[i] = _call(base, "POST", "/api/v1/me/bookings", body, token)

    threads = [threading.Thread(target=run, args=(i, token, body)) for i, (token, body) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_exactly_one_wins_each_slot_under_concurrent_requests(served, racers, session):
    caseworker, members = racers
    tokens = []
    for member in members:
        status, body = _call(served, "POST", "/api/v1/auth/token",
                             {"username": member.user.username, "password": PASSWORD})
        assert status == 200, body
        tokens.append(body["access_token"])
    day = local_today() + timedelta(days=3)
    start = datetime.combine(day, time(10), tzinfo=LOCAL_TZ).astimezone(UTC)

    # Round 1: everyone wants the same 60-minute slot.
    body = {"type": "cv", "caseworker_id": caseworker.id, "starts_at": start.isoformat(), "channel": "in_person"}
    results = _race(served, [(token, body) for token in tokens])
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == RACERS - 1, statuses
    losers = [body for status, body in results if status == 409]
    assert all(b["code"] == "slot_taken" and "booket af en anden" in b["detail"] for b in losers)
    winner = next(b for status, b in results if status == 201)
    winner_index = [m.id for m in members].index(session.get(Booking, winner["id"]).member_id)

    # Round 2: overlapping, not identical: 60-minute CV conversations at 12:00 against 30-minute follow-ups at 12:30.
    later = start + timedelta(hours=2)
    calls, callers = [], []
    for i, token in enumerate(tokens):
        if i == winner_index:
            continue
        callers.append(i)
        if i % 2:
            calls.append((token, {"type": "cv", "caseworker_id": caseworker.id, "starts_at": later.isoformat()}))
        else:
            calls.append((token, {"type": "followup_phone", "caseworker_id": caseworker.id, "channel": "phone",
                                  "starts_at": (later + timedelta(minutes=30)).isoformat()}))
    results = _race(served, calls)
    assert [s for s, _ in results].count(201) == 1, [s for s, _ in results]
    second_winner_index = callers[[s for s, _ in results].index(201)]

    session.expire_all()
    active = session.scalar(select(func.count()).select_from(Booking).where(Booking.status == "booked"))
    assert active == 2
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # nothing half-written
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "booking.create")) == 2

    # A cancelled slot is bookable again at once.
    winner_token = tokens[winner_index]
    status, cancelled = _call(served, "DELETE", f"/api/v1/me/bookings/{winner['id']}", token=winner_token)
    assert status == 200 and cancelled["status"] == "cancelled_member"
    # someone with nothing booked (the second round's winner already has a conversation of a type: one at a time)
    other_token = next(token for i, token in enumerate(tokens) if i not in (winner_index, second_winner_index))
    status, again = _call(served, "POST", "/api/v1/me/bookings",
                          {"type": "cv", "caseworker_id": caseworker.id, "starts_at": start.isoformat()}, other_token)
    assert status == 201, again

