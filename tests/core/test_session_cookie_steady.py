"""Reading a page again does not rewrite the session cookie. The Min side chat put the member's continuing
conversation's sender into the session on every page, so Flask re-signed the cookie and sent a Set-Cookie with
every response (`opsagt`, who has a chat, on every Min side page; measured in the served benchmark, issue 19). The
first visit may set it (the chat's sender, a language); the next reads of the same pages must not."""
from __future__ import annotations

import pytest

from tests.conftest import csrf_from

PAGES = {
    "medlem": ["/min-side", "/min-side/plan", "/tilbud", "/samtaler/mine", "/min-side/mine-data"],
    "opsagt": ["/min-side", "/min-side/plan", "/tilbud", "/samtaler/mine", "/min-side/mine-data"],
    "sygemeldt": ["/min-side", "/tilbud"],
    "sagsbehandler": ["/sagsbehandler/", "/kalender", "/sagsbehandler/overdragelser"],
    "admin": ["/sagsbehandler/", "/admin/udbakke"],
    "styregruppe": ["/styring"],
}


@pytest.fixture
def demo(session, clock):
    from tests.demo_copy import seed_demo_at_shared_moment

    seed_demo_at_shared_moment(session, clock, members=60, seed=5, password="demo-adgangskode")
    session.commit()


def _login(client, username: str) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": username, "password": "demo-adgangskode", "csrf_token": token})
    assert response.status_code == 302, (username, response.status_code)


@pytest.mark.parametrize("username", sorted(PAGES))
def test_a_page_read_again_sends_no_new_session_cookie(app, demo, username):
    client = app.test_client()
    _login(client, username)
    for path in PAGES[username]:  # the first visit of each may set what it needs
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    for path in PAGES[username] * 2:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers.getlist("Set-Cookie") == [], (username, path, response.headers.getlist("Set-Cookie"))


def test_opsagt_has_a_continuing_chat_on_min_side(app, demo, session):
    """The case the fix is about is in the demo: `opsagt` continues a Min side conversation (else the test above
    would pass without it)."""
    from sqlalchemy import select

    from portal.models import Member, User
    from portal.services.chat.chat import member_conversation

    member = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "opsagt"))
    assert member_conversation(session, member) is not None
