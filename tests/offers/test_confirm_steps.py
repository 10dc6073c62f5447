"""Giving a held seat away and leaving a waiting list cannot be taken back: each is a disclosure that says what it
means, with the button that does it inside (no JavaScript needed), on Min side, /tilbud/mine and the offer's page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.models import User
from portal.services.offers import offers
from tests.offers_helpers import NOW, make_offer, make_session

pytestmark = pytest.mark.clock(NOW)


def _step(html: str, action: str) -> str:
    """The confirm-step disclosure whose form posts to `action`."""
    for part in html.split('<details class="inline-form confirm-step">')[1:]:
        block = part.split("</details>", 1)[0]
        if f'action="{action}"' in block:
            return block
    raise AssertionError(f"no confirm step posting to {action}")


def test_the_held_seat_and_the_waiting_list_ask_once_more(client, auth, session, make):
    odense = make.location("Odense")
    offer = make_offer(session, title="Temamøde: Jobsøgning")
    s = make_session(session, offer, location=odense, capacity=1, starts_in=timedelta(days=6))
    holder, mette, lise = (make.member(location=odense) for _ in range(3))
    held, mettes, lises = (offers.register(session, m, s.id, actor="cli", now=NOW + timedelta(seconds=i))
                           for i, m in enumerate((holder, mette, lise)))
    offers.cancel_registration(session, held, actor="cli", now=NOW, reason="Fik arbejde")  # mette's seat is held
    session.commit()

    auth.login(session.get(User, mette.user_id).username)
    decline = f"/tilbud/tilmelding/{mettes.id}/nej-tak"
    for page in ("/min-side", "/tilbud/mine", f"/tilbud/{offer.id}"):
        step = _step(client.get(page).get_data(as_text=True), decline)
        assert "<summary>Nej tak" in step and "du kan ikke få den tilbage" in step, page
        assert "Ja, giv pladsen videre" in step

    auth.logout()
    auth.login(session.get(User, lise.user_id).username)
    leave = f"/tilbud/tilmelding/{lises.id}/forlad-venteliste"
    for page in ("/tilbud/mine", f"/tilbud/{offer.id}"):
        step = _step(client.get(page).get_data(as_text=True), leave)
        assert "<summary>Forlad ventelisten" in step and "kommer du bagerst" in step, page
        assert "Ja, forlad ventelisten" in step
    # the button inside does what it says
    assert auth.post(leave, page="/tilbud/mine").status_code == 302
    session.refresh(lises)
    assert lises.status == "cancelled"
