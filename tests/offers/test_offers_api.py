"""Offers API: catalogue, sessions, register/cancel with problem+json in Danish; responses match the spec."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.models import Member
from portal.models.offers import OfferRegistration, OfferSession
from portal.services.offers import offers
from portal.timeutil import utcnow
from tests.factories import PASSWORD
from tests.offers_helpers import make_offer, make_session

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


def _token(client, username):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.fixture
def world(session, make):
    odense = make.location("Odense")
    cw = make.caseworker("sb", location=odense)
    offer = make_offer(session)
    s = make_session(session, offer, location=odense, capacity=1, now=utcnow())
    webinar = make_offer(session, kind="webinar", title="Sådan går du til samtale", topic="interview",
                         groups=("2a", "2b"))
    make_session(session, webinar, now=utcnow())
    member = make.member("mette", location=odense, target_group="1")
    make.commit()
    return {"odense": odense, "cw": cw, "offer": offer, "s": s, "webinar": webinar, "member": member}


def _count(session, **where):
    query = select(func.count()).select_from(OfferRegistration)
    for key, value in where.items():
        query = query.where(getattr(OfferRegistration, key) == value)
    return session.scalar(query)


def test_offers_list_is_filtered_to_the_members_group(client, world):
    headers = _token(client, "mette")
    body = client.get("/api/v1/offers", headers=headers).get_json()
    assert [o["title"] for o in body["offers"]] == ["Temamøde: Jobsøgning"]
    assert body["offers"][0]["seats_left"] == 1
    assert client.get(f"/api/v1/offers/{world['webinar'].id}/sessions", headers=headers).status_code == 404


def test_unknown_kind_is_a_danish_problem(client, world):
    response = client.get("/api/v1/offers?kind=circus", headers=_token(client, "mette"))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "Ukendt type" in response.get_json()["detail"]


def test_register_then_duplicate_then_cancel(client, world, session):
    headers = _token(client, "mette")
    sid = world["s"].id
    created = client.post(f"/api/v1/sessions/{sid}/registration", headers=headers)
    assert created.status_code == 201 and created.get_json()["status"] == "registered"
    dup = client.post(f"/api/v1/sessions/{sid}/registration", headers=headers)
    assert dup.status_code == 409 and dup.get_json()["code"] == "already_registered"
    assert "allerede tilmeldt" in dup.get_json()["detail"]
    sessions = client.get(f"/api/v1/offers/{world['offer'].id}/sessions", headers=headers).get_json()["sessions"]
    assert sessions[0]["my_registration"]["status"] == "registered" and sessions[0]["seats_left"] == 0
    assert client.delete(f"/api/v1/sessions/{sid}/registration", headers=headers).status_code == 204
    assert _count(session, status="cancelled") == 1
    assert session.get(OfferSession, sid).seats_taken == 0


def test_full_session_is_409_unless_the_member_asks_for_the_waiting_list(client, world, session, make):
    offers.register(session, make.member(location=world["odense"]), world["s"].id, actor="cli", now=utcnow())
    make.commit()
    headers = _token(client, "mette")
    url = f"/api/v1/sessions/{world['s'].id}/registration"
    full = client.post(url, headers=headers)
    assert full.status_code == 409 and full.get_json()["code"] == "session_full"
    assert "fuldt" in full.get_json()["detail"]
    assert _count(session, member_id=world["member"].id) == 0
    queued = client.post(url, headers=headers, json={"join_waitlist": True})
    assert queued.status_code == 201
    assert queued.get_json()["status"] == "waitlisted" and queued.get_json()["waitlist_position"] == 1


def test_past_session_and_not_open_group_are_refused(client, world, session):
    past = make_session(session, world["offer"], location=world["odense"], starts_in=timedelta(hours=-1),
                        now=utcnow())
    session.commit()
    headers = _token(client, "mette")
    response = client.post(f"/api/v1/sessions/{past.id}/registration", headers=headers)
    assert response.status_code == 409 and response.get_json()["code"] == "session_closed"
    webinar_session = world["webinar"].sessions[0]
    refused = client.post(f"/api/v1/sessions/{webinar_session.id}/registration", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_open_to_member"
    assert "målgruppe" in refused.get_json()["detail"]
    assert _count(session) == 0


def test_right_and_duty_delete_needs_a_reason(client, world, session):
    reg = offers.assign_right_and_duty(session, world["member"], world["s"].id, actor=world["cw"].user, now=utcnow())
    session.commit()
    headers = _token(client, "mette")
    url = f"/api/v1/sessions/{world['s'].id}/registration"
    missing = client.delete(url, headers=headers)
    assert missing.status_code == 422 and "ret- og pligttilbud" in missing.get_json()["detail"]
    assert session.get(OfferRegistration, reg.id).status == "registered"
    assert client.delete(url, headers=headers, json={"reason": "Lægeaftale"}).status_code == 204


def test_accept_held_seat_over_the_api(client, world, session, make):
    holder = make.member(location=world["odense"])
    reg = offers.register(session, holder, world["s"].id, actor="cli", now=utcnow())
    offers.register(session, world["member"], world["s"].id, actor="cli", now=utcnow())
    offers.cancel_registration(session, reg, actor="cli", now=utcnow(), reason="Fik job")
    make.commit()
    headers = _token(client, "mette")
    mine = client.get("/api/v1/me/offer-registrations", headers=headers).get_json()["registrations"]
    assert mine[0]["status"] == "offered" and mine[0]["held_until"]
    accepted = client.post(f"/api/v1/sessions/{world['s'].id}/registration/accept", headers=headers)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "registered"


def test_no_token_and_bad_body(client, world):
    assert client.get("/api/v1/offers").status_code == 401
    headers = _token(client, "mette")
    bad = client.post(f"/api/v1/sessions/{world['s'].id}/registration", headers=headers,
                      json={"join_waitlist": "yes"})
    assert bad.status_code == 422 and "join_waitlist" in bad.get_json()["detail"]
    unknown = client.post("/api/v1/sessions/999999/registration", headers=headers)
    assert unknown.status_code == 404 and unknown.get_json()["detail"] == "Holdet findes ikke."


def test_staff_token_sees_all_offers_but_cannot_register(client, world):
    headers = _token(client, "sb")
    titles = {o["title"] for o in client.get("/api/v1/offers", headers=headers).get_json()["offers"]}
    assert titles == {"Temamøde: Jobsøgning", "Sådan går du til samtale"}
    assert client.post(f"/api/v1/sessions/{world['s'].id}/registration", headers=headers).status_code == 403


def test_accepting_a_held_seat_the_member_no_longer_fits_is_a_danish_403_and_the_seat_goes_on(client, world,
                                                                                              session, make):
    holder = make.member(location=world["odense"])
    reg = offers.register(session, holder, world["s"].id, actor="cli", now=utcnow())
    held = offers.register(session, world["member"], world["s"].id, actor="cli", now=utcnow())
    offers.cancel_registration(session, reg, actor="cli", now=utcnow(), reason="Fik job")
    session.execute(update(Member).where(Member.id == world["member"].id).values(status="i_job"))
    make.commit()
    headers = _token(client, "mette")
    refused = client.post(f"/api/v1/sessions/{world['s'].id}/registration/accept", headers=headers)
    assert refused.status_code == 403 and "ikke længere åbent for dig" in refused.get_json()["detail"]
    assert session.get(OfferRegistration, held.id).status == "declined"
