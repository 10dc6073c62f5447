"""Seats never exceed capacity under concurrent registrations and cancellations, against a served app
(gunicorn, 2 worker processes × 4 threads, real sockets). Runs on SQLite (BEGIN IMMEDIATE) and, in the
PostgreSQL leg, on PostgreSQL (SELECT … FOR UPDATE on the session row)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models.offers import SEAT_STATUSES, OfferRegistration, OfferSession
from portal.services.offers import offers
from portal.timeutil import utcnow
from tests.factories import PASSWORD
from tests.live import call_json, gunicorn_portal
from tests.offers_helpers import make_offer, make_session

RACERS = 24

pytestmark = [pytest.mark.slow,
              pytest.mark.real_clock("the portal runs under gunicorn in subprocesses, which keep the machine's clock")]


def _call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    return call_json(base, method, path, body, token)


@pytest.fixture
def served(app, tmp_path):
    with gunicorn_portal(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=2) as base:
        yield base


def _race(base: str, calls: list[tuple[str, str, str, dict | None]]) -> list[tuple[int, dict]]:
    """Start every call at the same moment (a barrier), each on its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int, method: str, path: str, token: str, body: dict | None) -> None:
        barrier.wait()
        results[i] = _call(base, method, path, body, token)

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _tokens(base: str, members) -> list[str]:
    tokens = []
    for member in members:
        status, body = _call(base, "POST", "/api/v1/auth/token",
                             {"username": member.user.username, "password": PASSWORD})
        assert status == 200, body
        tokens.append(body["access_token"])
    return tokens


def _seats_in_db(session, session_id: int) -> tuple[int, int]:
    session.expire_all()
    counted = session.scalar(select(func.count()).select_from(OfferRegistration).where(
        OfferRegistration.session_id == session_id, OfferRegistration.status.in_(SEAT_STATUSES)))
    return counted, session.get(OfferSession, session_id).seats_taken


@pytest.fixture
def racers(make, session):
    odense = make.location("Odense")
    members = [make.member(f"racer{i}", location=odense, target_group="1") for i in range(RACERS)]
    offer = make_offer(session)
    make.commit()
    return odense, offer, members


def test_concurrent_registrations_fill_exactly_the_capacity(served, racers, session):
    odense, offer, members = racers
    s = make_session(session, offer, location=odense, capacity=5, now=utcnow())
    session.commit()
    tokens = _tokens(served, members)
    path = f"/api/v1/sessions/{s.id}/registration"
    results = _race(served, [("POST", path, t, {"join_waitlist": True}) for t in tokens])
    assert all(status == 201 for status, _ in results), results
    statuses = [body["status"] for _, body in results]
    assert statuses.count("registered") == 5 and statuses.count("waitlisted") == RACERS - 5
    positions = sorted(body["waitlist_position"] for _, body in results if body["status"] == "waitlisted")
    assert positions == list(range(1, RACERS - 4))
    assert _seats_in_db(session, s.id) == (5, 5)

    # The same member clicking many times at once gets one registration (another offer, at another time: one
    # registration per offer, one place at a time).
    other_offer = make_offer(session, kind="webinar", title="Webinar: Jobsøgning", topic="job_search")
    other = make_session(session, other_offer, location=odense, capacity=10, starts_in=timedelta(days=9),
                         now=utcnow())
    session.commit()
    results = _race(served, [("POST", f"/api/v1/sessions/{other.id}/registration", tokens[0], None)] * 12)
    codes = sorted(status for status, _ in results)
    assert codes.count(201) == 1 and codes.count(409) == 11
    assert {body["code"] for status, body in results if status == 409} == {"already_registered"}
    assert _seats_in_db(session, other.id) == (1, 1)


def test_without_the_waiting_list_the_losers_get_a_clear_full_message(served, racers, session):
    odense, offer, members = racers
    s = make_session(session, offer, location=odense, capacity=3, now=utcnow())
    session.commit()
    tokens = _tokens(served, members)
    results = _race(served, [("POST", f"/api/v1/sessions/{s.id}/registration", t, None) for t in tokens])
    codes = sorted(status for status, _ in results)
    assert codes.count(201) == 3 and codes.count(409) == RACERS - 3
    assert {body["code"] for status, body in results if status == 409} == {"session_full"}
    assert all("fuldt" in body["detail"] for status, body in results if status == 409)
    assert _seats_in_db(session, s.id) == (3, 3)
    assert session.scalar(select(func.count()).select_from(OfferRegistration)) == 3  # nothing half-written

    # Cancellations racing registrations on another offer's session: never overbooked, the line keeps its order.
    second = make_offer(session, kind="webinar", title="Webinar: Jobsøgning", topic="job_search")
    s = make_session(session, second, location=odense, capacity=4, starts_in=timedelta(days=3), now=utcnow())
    session.commit()
    holders, waiting, newcomers = members[:4], members[4:10], members[10:]
    start = utcnow() - timedelta(hours=1)
    for i, m in enumerate(holders + waiting):
        offers.register(session, m, s.id, actor="cli", now=start + timedelta(seconds=i))
    session.commit()
    path = f"/api/v1/sessions/{s.id}/registration"
    calls = [("DELETE", path, t, None) for t in tokens[:4]] + [("POST", path, t, None) for t in tokens[10:]]
    results = _race(served, calls)
    assert [status for status, _ in results[:4]] == [204] * 4
    assert {status for status, _ in results[4:]} == {409}  # freed seats go to the line, not to newcomers
    counted, column = _seats_in_db(session, s.id)
    assert counted == column == 4
    offered = session.scalars(select(OfferRegistration.member_id).where(
        OfferRegistration.session_id == s.id, OfferRegistration.status == "offered")).all()
    assert sorted(offered) == sorted(m.id for m in waiting[:4])  # the first four in line, in order
    assert not any(m.id in offered for m in newcomers)

