"""The signed-in session cookie is renewed when it is a minute old, not on every response (issue 19), and the
session still ends SESSION_MINUTES after the last renewal."""
from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from portal import security


def _sets_session_cookie(response) -> bool:
    return any(header.startswith("session=") for header in response.headers.getlist("Set-Cookie"))


@pytest.fixture
def signed_in(client, auth, make):
    make.member("mette")
    make.commit()
    response = auth.login("mette")
    assert response.status_code in (302, 303)
    assert _sets_session_cookie(response)  # the login itself changes the session
    return client


def test_an_unchanged_session_is_not_re_signed_on_every_page(signed_in):
    signed_in.get("/min-side")  # the first page after login adds the form token (a change: saved)
    for _ in range(3):
        response = signed_in.get("/min-side")
        assert response.status_code == 200
        assert not _sets_session_cookie(response)


def test_a_minute_old_cookie_is_renewed_and_the_renewed_one_still_signs_in(signed_in, monkeypatch):
    later = time.time() + security.REFRESH_AFTER_SECONDS + 1
    monkeypatch.setattr(security, "_now", lambda: later)
    response = signed_in.get("/min-side")
    assert response.status_code == 200
    assert _sets_session_cookie(response)
    cookie = signed_in.get_cookie("session")
    assert cookie.expires is not None
    monkeypatch.setattr(security, "_now", time.time)
    assert signed_in.get("/min-side").status_code == 200  # the renewed cookie is a valid session


def test_a_changed_session_is_saved_at_once(signed_in):
    token = signed_in.get("/min-side").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = signed_in.post("/sprog/en", data={"csrf_token": token, "next": "/min-side"})
    assert response.status_code in (302, 303)
    assert _sets_session_cookie(response)


def test_a_cookie_older_than_the_session_lifetime_signs_nobody_in(signed_in, app, monkeypatch):
    """The server-side end of the session is the signature's age, whatever the renewal does."""
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + lifetime + 1)
    response = signed_in.get("/min-side")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_vary_on_cookie_adds_cookie_once_to_what_the_response_varies_on():
    from werkzeug.wrappers import Response

    from portal.security import vary_on_cookie

    fresh = Response("x")
    vary_on_cookie(fresh)
    assert fresh.headers.getlist("Vary") == ["Cookie"]
    other = Response("x", headers={"Vary": "Accept-Language"})
    vary_on_cookie(other)
    assert other.headers.getlist("Vary") == ["Accept-Language, Cookie"]
    already = Response("x", headers={"Vary": "cookie"})
    vary_on_cookie(already)
    assert already.headers.getlist("Vary") == ["cookie"]


def test_an_anonymous_answer_that_read_the_session_but_sets_no_cookie_still_varies_on_cookie(client):
    response = client.get("/healthz")  # reads the session (language), leaves it empty
    assert "Set-Cookie" not in response.headers
    assert response.headers.getlist("Vary") == ["Cookie"]
