"""Login, lockout, roles, CSRF, redirects and bad input."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEntry, User
from tests.conftest import csrf_from
from tests.factories import PASSWORD


def test_login_with_username_lands_on_home(client, auth, make):
    make.caseworker("sagsb")
    make.commit()
    response = auth.login("sagsb")
    assert response.status_code == 302
    assert client.get("/healthz").status_code in (200, 503)


def test_login_with_member_number(client, auth, make, session):
    member = make.member("mette")
    make.commit()
    response = auth.login(member.member_number)
    assert response.status_code == 302
    user = session.get(User, member.user_id)
    assert user.last_login_at is not None


@pytest.mark.parametrize("login,password", [("mette", "forkert-kode-123"), ("ukendt", PASSWORD)])
def test_wrong_password_or_unknown_user_gives_same_danish_message(client, auth, make, login, password):
    make.member("mette")
    make.commit()
    response = auth.login(login, password)
    assert response.status_code == 401
    assert "Forkert brugernavn eller adgangskode" in response.get_data(as_text=True)


def test_lockout_after_repeated_failures(app, client, auth, make, session):
    make.member("mette")
    make.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("mette", "forkert-kode-123")
    response = auth.login("mette")  # right password, but locked
    assert response.status_code == 401
    assert "midlertidigt låst" in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "mette")).locked_until is not None


def test_login_rate_limited_per_address(app, client, auth, make):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make.member("mette")
    make.commit()
    statuses = [auth.login(f"x{i}", "forkert-kode-123").status_code for i in range(4)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3] == 429


def test_missing_csrf_token_is_rejected_and_nothing_changes(client, make, session):
    make.member("mette")
    make.commit()
    response = client.post("/login", data={"login": "mette", "password": PASSWORD})
    assert response.status_code == 400
    assert "sikkerhedsnøglen" in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "mette")).last_login_at is None


def test_over_long_fields_are_refused_politely(client, auth, make):
    make.commit()
    response = auth.post("/login", {"login": "a" * 5000, "password": "b"}, page="/login")
    assert response.status_code == 401
    assert "højst 80" in response.get_data(as_text=True)


def test_non_utf8_body_is_a_400_not_a_500(client, make):
    response = client.post("/login", data=b"login=\xff\xfe&password=\xff",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_session_is_new_after_login(client, auth, make):
    make.member("mette")
    make.commit()
    client.get("/login")
    before = client.get_cookie("session")
    auth.login("mette")
    after = client.get_cookie("session")
    assert before is None or before.value != after.value
    assert after.http_only and after.same_site == "Lax"


def test_logout_invalidates_the_old_session_cookie(app, make):
    make.member("mette")
    make.commit()
    c1 = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(c1).login("mette")
    stolen = c1.get_cookie("session").value
    AuthActions(c1).logout()
    c2 = app.test_client()
    c2.set_cookie("session", stolen)
    response = c2.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_anonymous_is_redirected_to_login_with_next(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login?next=/admin/" in response.headers["Location"]


def test_member_gets_403_on_admin_page(client, auth, make):
    make.member("mette")
    make.commit()
    auth.login("mette")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "Ingen adgang" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_next_parameter_never_redirects_off_site(client, make, target):
    make.user("boss", role="admin")
    make.commit()
    page = client.get("/login")
    response = client.post(f"/login?next={target}", data={
        "login": "boss", "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/admin/", "http://localhost/admin/")


def test_login_and_failure_are_audited(client, auth, make, session):
    make.member("mette")
    make.commit()
    auth.login("mette", "forkert-kode-123")
    auth.login("mette")
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "login.failed" in actions and "login.success" in actions


def test_cli_creates_caseworker(runner, make, session):
    make.location("Odense")
    make.commit()
    result = runner.invoke(args=["users", "create", "--username", "ny-sb", "--role", "caseworker", "--name",
                                 "Ny Sagsbehandler", "--location", "Odense", "--password", "lang-nok-kode"])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "ny-sb"))
    assert user.caseworker.location.name == "Odense"


def test_cli_refuses_unknown_location_and_writes_nothing(runner, session):
    result = runner.invoke(args=["users", "create", "--username", "x-sb", "--role", "caseworker", "--name", "X",
                                 "--location", "Atlantis", "--password", "lang-nok-kode"])
    assert result.exit_code == 2
    assert session.scalar(select(User).where(User.username == "x-sb")) is None


def test_test_client_follows_redirects(client, auth, make):
    make.member("mette")
    make.commit()
    response = auth.login("mette", follow=True)
    assert response.status_code in (200, 403, 404)  # landed on the member's home (whatever areas are installed)
    assert len(response.history) == 1
