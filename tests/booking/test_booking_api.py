"""The conversation API: slots, booking, moving, cancelling, .ics, bad input as problem+json (checked against the
OpenAPI document by the suite's client)."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import Booking, OutboxMessage
from portal.timeutil import LOCAL_TZ, local_today
from tests.booking_helpers import hours
from tests.factories import PASSWORD

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


def _weekday_at(days_ahead: int, at: time) -> datetime:
    day = local_today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def api(client, make, session):
    loc = make.location("Odense")
    own = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, own, weekdays=range(7))
    member = make.member("mette", location=loc, caseworker=own, target_group="1")
    other = make.member("ole", location=loc, caseworker=own)
    make.commit()

    def token(username):
        response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return {"own": own, "member": member, "other": other, "h": token("mette"), "h_other": token("ole"),
            "loc": loc}


def _book(client, api, start, type_="cv", channel="in_person", headers=None):
    return client.post("/api/v1/me/bookings", headers=headers or api["h"], json={
        "type": type_, "caseworker_id": api["own"].id, "starts_at": start.isoformat(), "channel": channel})


def test_slots_listed_with_own_caseworker_flag(client, api):
    response = client.get("/api/v1/slots?type=cv", headers=api["h"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] > 0 and body["slots"][0]["own_caseworker"] is True
    assert body["slots"][0]["starts_at"].endswith("Z")
    assert body["slots"][0]["channels"] == ["in_person"]


@pytest.mark.parametrize("query,field", [
    ("", "type"), ("type=nope", "type"), ("type=cv&channel=phone", "channel"), ("type=cv&from=igår", "from"),
    ("type=cv&from=2027-01-10&to=2027-01-01", "to"), ("type=cv&from=2027-01-01&to=2027-12-31", "to"),
    ("type=cv&limit=0", "limit"), ("type=cv&location=abc", "location"), ("type=cv&from=9999-12-31", "from"),
])
def test_bad_slot_queries_are_422_problems_in_danish(client, api, query, field):
    response = client.get(f"/api/v1/slots?{query}", headers=api["h"])
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json().get("errors", {})


def test_book_move_cancel_and_ics_through_the_api(client, api, session):
    start = _weekday_at(3, time(10))
    response = _book(client, api, start)
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert booking["status"] == "booked" and booking["caseworker_name"] == "Birgitte Holm"
    assert client.get(response.headers["Location"], headers=api["h"]).get_json()["id"] == booking["id"]
    listed = client.get("/api/v1/me/bookings?upcoming=true", headers=api["h"]).get_json()["bookings"]
    assert [b["id"] for b in listed] == [booking["id"]]
    moved = client.patch(f"/api/v1/me/bookings/{booking['id']}", headers=api["h"],
                         json={"starts_at": (start + timedelta(hours=2)).isoformat()})
    assert moved.status_code == 200 and moved.get_json()["sequence"] == 1
    ics = client.get(f"/api/v1/me/bookings/{booking['id']}.ics", headers=api["h"])
    assert ics.mimetype == "text/calendar" and b"SEQUENCE:1" in ics.data
    cancelled = client.delete(f"/api/v1/me/bookings/{booking['id']}", headers=api["h"])
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled_member"
    assert b"METHOD:CANCEL" in client.get(f"/api/v1/me/bookings/{booking['id']}.ics", headers=api["h"]).data
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


def test_moving_to_the_same_time_is_a_422_and_changes_nothing(client, api, session):
    start = _weekday_at(3, time(10))
    booking = _book(client, api, start).get_json()
    same = client.patch(f"/api/v1/me/bookings/{booking['id']}", headers=api["h"], json={"starts_at": start.isoformat()})
    assert same.status_code == 422 and "allerede på det tidspunkt" in same.get_json()["detail"]
    assert session.scalar(select(Booking.sequence)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_taken_slot_is_409_slot_taken_and_nothing_written(client, api, session):
    start = _weekday_at(3, time(11))
    assert _book(client, api, start, headers=api["h_other"]).status_code == 201
    response = _book(client, api, start + timedelta(minutes=30), type_="followup_phone", channel="phone")
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "slot_taken" and "booket af en anden" in body["detail"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 1
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_second_upcoming_booking_of_a_type_is_409_already_booked_naming_the_first(client, api, session):
    assert _book(client, api, _weekday_at(3, time(11))).status_code == 201
    response = _book(client, api, _weekday_at(6, time(11)))
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "already_booked" and "Du har allerede en CV-samtale" in body["detail"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_booking_says_whether_the_member_may_change_it_and_why_not(client, api, session):
    from portal.services.booking.booking import book_slot

    mine = _book(client, api, _weekday_at(3, time(11))).get_json()
    assert mine["changeable"] is True and mine["change_refusal"] is None
    joint = book_slot(session, member=api["member"], caseworker_id=api["own"].id, starts_at=_weekday_at(6, time(12)),
                      type="joint", channel="in_person", actor=api["own"].user, now=datetime.now(UTC))
    session.commit()
    listed = {b["id"]: b for b in client.get("/api/v1/me/bookings", headers=api["h"]).get_json()["bookings"]}
    assert listed[joint.id]["changeable"] is False and "jobcentret" in listed[joint.id]["change_refusal"]
    response = client.delete(f"/api/v1/me/bookings/{joint.id}", headers=api["h"])
    assert response.status_code == 403 and "jobcentret" in response.get_json()["detail"]


@pytest.mark.parametrize("payload,status", [
    ({"type": "cv", "caseworker_id": "1", "starts_at": "2030-01-01T10:00:00Z"}, 422),
    ({"type": "cv", "caseworker_id": 1, "starts_at": "2030-01-01T10:00:00"}, 422),  # no time zone
    ({"type": "cv", "caseworker_id": 1, "starts_at": "i morgen"}, 422),
    # found by schemathesis: a moment whose UTC time falls before year 1 was a 500 (OverflowError)
    ({"type": "joint", "caseworker_id": 1, "starts_at": "0001-01-01T00:00:01+00:01"}, 422),
    ({"type": "cv", "caseworker_id": 1, "starts_at": "9999-12-31T23:59:59-01:00"}, 422),
    ({"type": "joint", "caseworker_id": 1, "starts_at": "2030-01-01T10:00:00Z"}, 403),
    ({"type": "focus", "caseworker_id": 1, "starts_at": "2030-01-01T10:00:00Z", "channel": "phone"}, 403),
    ({"type": "cv", "caseworker_id": 1, "starts_at": "2030-01-01T10:00:00Z", "extra": 1}, 422),
    ({"type": "cv", "caseworker_id": 1, "starts_at": "2020-01-01T10:00:00Z"}, 422),  # past
])
def test_bad_bookings_change_nothing(client, api, session, payload, status):
    response = client.post("/api/v1/me/bookings", headers=api["h"], json=payload)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["detail"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


@pytest.mark.parametrize("caseworker_id", [9223372036854775808, 10**30, 2**31, 0, -1, True])
def test_a_caseworker_id_no_database_holds_is_a_422_not_a_500(client, api, session, caseworker_id):
    # 2**63 and 10**30 were a 500 (OverflowError in the working-hours query) for a time within the horizon
    response = client.post("/api/v1/me/bookings", headers=api["h"], json={
        "type": "cv", "caseworker_id": caseworker_id, "starts_at": _weekday_at(3, time(12)).isoformat(),
        "channel": "in_person"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "caseworker_id skal være et heltal fra slot-listen." in response.get_json()["detail"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


@pytest.mark.parametrize("note", ["Om\u202e CV", "bip\x07", "esc\x1b[2J"])
def test_a_note_with_control_characters_is_refused_and_books_nothing(client, api, session, note):
    response = client.post("/api/v1/me/bookings", headers=api["h"], json={
        "type": "cv", "caseworker_id": api["own"].id, "starts_at": _weekday_at(3, time(12)).isoformat(),
        "channel": "in_person", "note": note})
    assert response.status_code == 422 and "styretegn" in response.get_json()["detail"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_not_json_is_a_problem(client, api):
    response = client.post("/api/v1/me/bookings", headers=api["h"], data="type=cv")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_another_members_booking_is_404(client, api):
    booking = _book(client, api, _weekday_at(3, time(12)), headers=api["h_other"]).get_json()
    for method in ("get", "delete"):
        assert getattr(client, method)(f"/api/v1/me/bookings/{booking['id']}", headers=api["h"]).status_code == 404
    assert client.patch(f"/api/v1/me/bookings/{booking['id']}", headers=api["h"],
                        json={"channel": "in_person"}).status_code == 404
    assert client.get(f"/api/v1/me/bookings/{booking['id']}.ics", headers=api["h"]).status_code == 404


def test_staff_token_cannot_use_member_booking_api(client, api):
    response = client.post("/api/v1/auth/token", json={"username": "birgitte", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    assert client.get("/api/v1/slots?type=cv", headers=headers).status_code == 403
    assert client.get("/api/v1/slots?type=cv").status_code == 401
