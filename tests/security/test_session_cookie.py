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
    response = client.get("/api/v1/me")  # reads the session (who is signed in), leaves it empty
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert response.headers.getlist("Vary") == ["Cookie"]


def test_no_sign_in_leaves_a_remember_me_cookie_and_signing_out_ends_the_session(signed_in):
    """The portal never issues Flask-Login's remember-me cookie, so its renew-or-clear hook is not installed: a
    shared computer at a department must not keep anyone signed in beyond the session."""
    assert signed_in.get_cookie("remember_token") is None
    response = signed_in.get("/min-side")
    assert response.status_code == 200
    assert not any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))
    assert response.headers.getlist("Vary") == ["Cookie"]  # the page is the signed-in member's
    token = response.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert signed_in.post("/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert signed_in.get_cookie("remember_token") is None
    after = signed_in.get("/min-side")
    assert after.status_code in (302, 303) and "/login" in after.headers["Location"]


def test_an_answer_that_reads_no_session_does_not_vary_on_cookie(client):
    """With the remember-me hook gone nothing reads the session of a request that does not need it: the health
    check and the API's description are the same for every cookie, and say so by not varying on it."""
    for path in ("/healthz", "/api/openapi.json"):
        response = client.get(path, headers={"Cookie": "session=whatever"})
        assert response.status_code in (200, 503), path  # the health check says 503 while no scheduler runs
        assert "Vary" not in response.headers and "Set-Cookie" not in response.headers, path
