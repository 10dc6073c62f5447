"""One function names a registration's state: every page, the API and the e-mails say the same words for it.

The issue saw the catalogue say "Du er tilmeldt" for a waiting-list place and a held seat while "Dine tilmeldinger"
said otherwise. Here one member goes waiting list → held seat → registered and every surface is read in each state.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import OutboxMessage
from portal.models.offers import REGISTRATION_STATUSES, OfferRegistration
from portal.services.offers import offers, registration_state, waitlist
from portal.timeutil import utcnow
from tests.offers.test_offers_api import _token
from tests.offers_helpers import make_offer, make_session

pytestmark = pytest.mark.usefixtures("clock")


def test_every_status_has_one_name_and_a_tone_and_no_two_share_a_name(app):
    with app.test_request_context():
        states = [registration_state.describe(code) for code in REGISTRATION_STATUSES]
    assert all(s.label and s.label != s.code for s in states)
    assert len({s.label for s in states}) == len(states)
    assert {s.tone for s in states} <= {"ok", "warn", "bad", "muted"}
    assert [s.code for s in states if s.has_seat] == ["registered", "attended", "no_show"]
    with pytest.raises(ValueError):
        registration_state.describe("confirmed")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _surfaces(client, auth, member, cw_name) -> dict[str, str]:
    """The words each surface shows for the member's one registration."""
    auth.login(member.user.username)
    catalogue = client.get("/tilbud").get_data(as_text=True)
    card = catalogue[catalogue.index('class="card offer-card"'):]
    found = {"catalogue card": _text(card[:card.index("</li>")]),
             "mine": _text(client.get("/tilbud/mine").get_data(as_text=True)),
             "min side": _text(client.get("/min-side").get_data(as_text=True))}
    auth.logout()
    headers = _token(client, member.user.username)
    api = client.get("/api/v1/me/offer-registrations", headers=headers).get_json()
    found["api"] = api["registrations"][0]["status_label"]
    auth.login(cw_name)
    found["caseworker"] = _text(client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True))
    auth.logout()
    return found


def _last_mail(session, member) -> OutboxMessage:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == member.email)
                           .order_by(OutboxMessage.id.desc())).first()


def test_waiting_list_then_held_seat_then_registered_named_alike_everywhere(client, auth, make, session, app):
    odense = make.location("Odense")
    cw = make.caseworker("sb", location=odense)
    offer = make_offer(session, title="Temamøde: Jobmatch", topic="job_matching")
    seat = make_session(session, offer, location=odense, capacity=1, now=utcnow())
    ole = make.member("ole", location=odense, caseworker=cw)
    mette = make.member("mette", location=odense, caseworker=cw)
    make.commit()
    first = offers.register(session, ole, seat.id, actor="cli", now=utcnow())
    mine = offers.register(session, mette, seat.id, actor="cli", now=utcnow())
    session.commit()
    assert mine.status == "waitlisted"

    others = ("Tilmeldt", "Plads holdt til dig", "På venteliste")
    for expected, advance in (("På venteliste", None), ("Plads holdt til dig", "ole cancels"),
                              ("Tilmeldt", "mette accepts")):
        if advance == "ole cancels":
            offers.cancel_registration(session, first, actor=ole.user, now=utcnow())
            session.commit()
        elif advance == "mette accepts":
            waitlist.accept_offered_seat(session, session.get(OfferRegistration, mine.id), actor="cli", now=utcnow())
            session.commit()
        session.expire_all()
        surfaces = _surfaces(client, auth, mette, "sb")
        assert surfaces.pop("api") == expected
        for name, text in surfaces.items():
            # the caseworker reads the member's held seat as the member's ("held for the member")
            said = "Plads holdt til medlemmet" if name == "caseworker" and expected == "Plads holdt til dig" \
                else expected
            assert said in text, (name, said)
            wrong = [o for o in others if o != expected and re.search(rf"(?<![\w-]){o}(?![\w-])", text)]
            if name == "catalogue card":
                assert not wrong and "Du er tilmeldt" not in text, (name, wrong)
        if advance is not None:
            mail = _last_mail(session, mette)
            assert f"Din status: {expected}" in mail.body_text, mail.body_text
        if expected == "Tilmeldt":
            assert _last_mail(session, mette).subject == "Tilmeldt: Temamøde: Jobmatch"


def test_the_api_names_the_state_in_english_for_an_english_request(client, make, session):
    odense = make.location("Odense")
    offer = make_offer(session)
    seat = make_session(session, offer, location=odense, capacity=3, now=utcnow())
    mette = make.member("mette", location=odense)
    make.commit()
    offers.register(session, mette, seat.id, actor="cli", now=utcnow())
    session.commit()
    headers = _token(client, "mette")
    danish = client.get("/api/v1/me/offer-registrations", headers=headers).get_json()
    english = client.get("/api/v1/me/offer-registrations?lang=en", headers=headers).get_json()
    assert danish["registrations"][0]["status_label"] == "Tilmeldt"
    assert english["registrations"][0]["status_label"] == "Signed up"
