"""Login, throttling and known devices, roles, CSRF, redirects and bad input."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.service import retry_delay
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


@pytest.mark.parametrize("failures,seconds", [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (14, 512), (15, 900),
                                               (40, 900)])
def test_the_wait_after_wrong_passwords_doubles_up_to_the_cap(failures, seconds):
    assert retry_delay(failures, 5, timedelta(minutes=15)) == timedelta(seconds=seconds)


def _login(client, username, password=PASSWORD, address="127.0.0.1"):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"login": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_make_the_account_wait_growing_delays_not_a_lockout(app, client, make, session, clock):
    make.member("mette")
    make.commit()
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert "Forkert brugernavn" in _login(client, "mette", "forkert-kode-123").get_data(as_text=True)
    response = _login(client, "mette")  # right password, but within the 1-second wait

    assert response.status_code == 401
    assert "Vent 1 sekund," in response.get_data(as_text=True)
    clock.advance(timedelta(seconds=2))
    assert _login(client, "mette").status_code == 302  # the owner is in once the wait is over
    user = session.scalar(select(User).where(User.username == "mette"))
    assert user.failed_logins == 0 and user.locked_until is None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "login.throttled")) is not None


def test_a_password_storm_does_not_keep_the_owner_out_of_their_own_browser(app, make, session, clock):
    make.caseworker("birgitte")
    make.commit()
    desk, attacker = app.test_client(), app.test_client()
    assert _login(desk, "birgitte").status_code == 302  # she has signed in at her desk before
    desk.post("/logout", data={"csrf_token": csrf_from(desk.get("/sagsbehandler/").get_data(as_text=True))})
    for _ in range(14):  # waits of 1, 2, 4 … 512 s: each attempt made after the wait, as a patient attacker would
        _login(attacker, "birgitte", "gæt-nummer-mange", address="203.0.113.9")
        clock.advance(timedelta(minutes=15, seconds=1))
    _login(attacker, "birgitte", "gæt-nummer-mange", address="203.0.113.9")
    user = session.scalar(select(User).where(User.username == "birgitte"))
    assert user.failed_logins == 15 and user.locked_until == clock.now + timedelta(minutes=15)

    refused = _login(attacker, "birgitte", address="203.0.113.9")  # even the right password must wait there
    assert refused.status_code == 401 and "Vent 900 sekunder" in refused.get_data(as_text=True)
    mistyped = _login(desk, "birgitte", "forkert-kode-123")  # at her desk a typo is just a typo
    assert mistyped.status_code == 401 and "Forkert brugernavn" in mistyped.get_data(as_text=True)
    assert _login(desk, "birgitte").status_code == 302


def test_the_per_login_name_rate_limit_spares_a_known_device(app, make):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make.caseworker("birgitte")
    make.commit()
    desk, attacker = app.test_client(), app.test_client()
    assert _login(desk, "birgitte", address="10.1.1.1").status_code == 302
    desk.post("/logout", data={"csrf_token": csrf_from(desk.get("/sagsbehandler/").get_data(as_text=True))})
    statuses = [_login(attacker, "birgitte", "forkert-kode-123", address=f"198.51.100.{i}").status_code
                for i in range(3)]
    assert statuses == [401, 401, 429]  # the name's 3 a minute (her own login was one) …
    assert _login(desk, "birgitte", address="10.1.1.1").status_code == 302  # … but not for its owner's browser


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
    assert "må højst være 80 tegn" in response.get_data(as_text=True)


@pytest.mark.parametrize("form,shown", [
    ({"login": "", "password": ""}, ["Skriv dit brugernavn eller medlemsnummer.", "Skriv din adgangskode."]),
    ({"login": "mette", "password": ""}, ["Skriv din adgangskode."]),
    ({"login": "  ", "password": "x"}, ["Skriv dit brugernavn eller medlemsnummer."]),
])
def test_an_empty_field_is_named_once_and_marked(client, auth, make, form, shown):
    make.commit()
    response = auth.post("/login", form, page="/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    for message in shown:
        assert html.count(message) == 1, message  # once, in the summary that links to the field
    assert html.count('aria-invalid="true"') == len(shown)
    if len(shown) == 1 and "adgangskode" in shown[0]:
        assert 'aria-describedby="password-error"' in html and 'id="password-error"' in html


def test_wrong_password_message_is_shown_once(client, auth, make):
    make.member("mette")
    make.commit()
    html = auth.post("/login", {"login": "mette", "password": "forkert"}, page="/login").get_data(as_text=True)
    start = html.index('class="error-summary"')
    summary = html[start:html.index("</ul>", start)]
    assert summary.count("<li") == 1 and html.count("Forkert brugernavn eller adgangskode.") == 1
    assert 'aria-describedby="form-error"' in html


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


def test_admin_page_tells_of_unusual_failed_login_volumes(app, make, session, clock):
    make.user("chefen", role="admin")
    make.caseworker("birgitte")
    make.commit()
    admin, attacker = app.test_client(), app.test_client()
    assert _login(admin, "chefen").status_code == 302
    calm = admin.get("/admin/").get_data(as_text=True)
    assert "0 mislykkede loginforsøg det seneste døgn" in calm and "Usædvanligt mange" not in calm
    for _ in range(6):
        _login(attacker, "birgitte", "gæt-igen-og-igen", address="203.0.113.9")
        clock.advance(timedelta(seconds=5))

    page = admin.get("/admin/").get_data(as_text=True)
    assert "6 mislykkede loginforsøg det seneste døgn" in page and "Usædvanligt mange" in page
    row = page[page.index("<td>birgitte</td>"):]
    assert "<td>Sagsbehandler</td><td>6</td>" in row[:200]


def _unlock_link(session) -> str:
    from portal.models import OutboxMessage

    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "login_unlock"))
    assert mail is not None, "no unlock e-mail was written"
    return "/login/laas-op/" + mail.body_text.split("/login/laas-op/")[1].split()[0]


def _ask_for_unlock(client, login):
    token = csrf_from(client.get("/login/laas-op").get_data(as_text=True))
    return client.post("/login/laas-op", data={"login": login, "csrf_token": token})


def test_the_holder_on_a_new_phone_unlocks_by_e_mail_during_a_storm(app, make, session, clock):
    from portal.models import OutboxMessage

    make.caseworker("birgitte")
    make.commit()
    attacker, phone = app.test_client(), app.test_client()
    for _ in range(12):
        _login(attacker, "birgitte", "gæt-nummer-mange", address="203.0.113.9")
        clock.advance(timedelta(minutes=15, seconds=1))
    _login(attacker, "birgitte", "gæt-nummer-mange", address="203.0.113.9")
    assert "Vent" in _login(phone, "birgitte").get_data(as_text=True)  # a new phone must wait like anyone

    answer = _ask_for_unlock(phone, "birgitte")
    assert answer.status_code == 200 and "Hvis der findes en konto" in answer.get_data(as_text=True)
    assert _ask_for_unlock(phone, "birgitte").status_code == 200  # asked twice: still one e-mail
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "login_unlock")).all()
    assert len(mails) == 1 and mails[0].to_address.endswith("@eksempel.dk")
    assert "Lås din konto op" in mails[0].subject

    opened = phone.get(_unlock_link(session))
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/login")
    assert _login(phone, "birgitte").status_code == 302  # the wait is over, and the phone is now known
    audit_actions = set(session.scalars(select(AuditEntry.action)))
    assert {"login.unlock_requested", "login.unlocked_by_email", "login.success"} <= audit_actions


def test_unlock_answers_alike_for_unknown_accounts_and_refuses_old_or_forged_links(app, make, session, clock):
    from portal.models import OutboxMessage

    make.caseworker("birgitte")
    make.commit()
    client = app.test_client()
    known, unknown = _ask_for_unlock(client, "birgitte"), _ask_for_unlock(client, "findes-ikke")
    assert known.get_data(as_text=True).count("Hvis der findes en konto") == 1
    assert unknown.get_data(as_text=True).count("Hvis der findes en konto") == 1
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    link = _unlock_link(session)

    clock.advance(timedelta(minutes=31))
    expired = client.get(link)
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/login/laas-op")
    assert "Linket virker ikke længere" in client.get("/login/laas-op").get_data(as_text=True)
    assert client.get(link[:-4] + "abcd").status_code == 302
    assert "login.unlocked_by_email" not in set(session.scalars(select(AuditEntry.action)))
