"""Sign-in links for members without a password (issue 15): the service's token lifecycle and the pages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth import signin_link
from portal.auth.passwords import verify_password
from portal.models import AuditEntry, OutboxMessage, User
from portal.models.users import SignInLink
from portal.services.errors import ValidationFailed
from portal.services.messaging import sms
from tests.conftest import csrf_from

SECRET = "test-secret"


def _passwordless_member(make, session, clock, **kwargs):
    member = make.member(login=False, status="opsagt", **kwargs)
    user = signin_link.ensure_member_account(session, member, now=clock.now)
    make.commit()
    return member, user


def _token_from(message: OutboxMessage) -> str:
    return message.body_text.split("/login/link/")[1].split()[0]


def _links(session):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "signin_link")
                           .order_by(OutboxMessage.id)).all()


# ---- services ---------------------------------------------------------------------------------------------

def test_a_member_without_a_password_gets_an_account_no_password_opens(make, session, clock, runner):
    member, user = _passwordless_member(make, session, clock)
    assert member.user_id == user.id and user.role == "member" and user.username == member.member_number
    assert not signin_link.has_password(user) and not verify_password(user.password_hash, signin_link.NO_PASSWORD)
    assert signin_link.ensure_member_account(session, member, now=clock.now) is user  # once
    listed = runner.invoke(args=["users", "list", "--role", "member"]).output
    assert f"{user.username}\tmember" in listed


def test_in_development_the_cli_prints_a_fresh_link_that_signs_in(app, make, session, clock, runner):
    member, user = _passwordless_member(make, session, clock)
    result = runner.invoke(args=["users", "signin-link", member.email])
    assert result.exit_code == 0 and "/login/link/" in result.output
    token = result.output.strip().split("/login/link/")[1]
    assert signin_link.use_link(session, token, secret=SECRET, now=clock.now) is user
    assert runner.invoke(args=["users", "signin-link", "ukendt@eksempel.dk"]).exit_code == 1


def test_link_lifecycle_stores_only_a_hash_is_single_use_and_expires(make, session, clock, app):
    member, user = _passwordless_member(make, session, clock)
    assert signin_link.request_link(session, member.email.upper(), secret=SECRET, now=clock.now)
    session.commit()
    (mail,) = _links(session)
    assert mail.channel == "email" and mail.to_address == member.email and mail.member_id == member.id
    token = _token_from(mail)
    row = session.scalar(select(SignInLink))
    assert row.expires_at == clock.now + timedelta(minutes=30) and row.used_at is None
    assert token not in row.token_hash and len(row.token_hash) == 64  # the secret itself is not stored

    generation = user.session_generation
    assert signin_link.use_link(session, token, secret=SECRET, now=clock.now + timedelta(minutes=29)) is user
    session.commit()
    assert row.used_at is not None and user.session_generation == generation + 1
    with pytest.raises(ValidationFailed, match="allerede brugt"):  # reused
        signin_link.use_link(session, token, secret=SECRET, now=clock.now + timedelta(minutes=29))
    session.rollback()

    signin_link.request_link(session, member.email, secret=SECRET, now=clock.now)
    session.commit()
    later = _token_from(_links(session)[-1])
    with pytest.raises(ValidationFailed):  # expired: 30 minutes and not a second more
        signin_link.use_link(session, later, secret=SECRET, now=clock.now + timedelta(minutes=30))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SignInLink).where(SignInLink.used_at.is_not(None))) == 1


def test_two_tabs_opening_one_link_at_once_sign_in_only_once(make, session, clock, db):
    from sqlalchemy.orm import Session

    member, _user = _passwordless_member(make, session, clock)
    signin_link.request_link(session, member.email, secret=SECRET, now=clock.now)
    session.commit()
    token = _token_from(_links(session)[0])
    assert session.scalar(select(SignInLink)).used_at is None  # this tab has read the link as unused …
    with Session(db.engine) as other_tab:  # … when the other tab uses it and commits
        signin_link.use_link(other_tab, token, secret=SECRET, now=clock.now)
        other_tab.commit()
    with pytest.raises(ValidationFailed):  # the conditional UPDATE finds it used, whatever this tab saw
        signin_link.use_link(session, token, secret=SECRET, now=clock.now)
    session.rollback()


def test_forged_and_tampered_links_are_refused_before_the_database_and_change_nothing(make, session, clock):
    from itsdangerous import URLSafeSerializer

    member, _user = _passwordless_member(make, session, clock)
    signin_link.request_link(session, member.email, secret=SECRET, now=clock.now)
    session.commit()
    token = _token_from(_links(session)[0])
    forged = URLSafeSerializer("another-secret", salt=signin_link.SALT).dumps("guess")
    for bad in (token[:-3] + "abc", forged, "", "x" * 500,
                URLSafeSerializer(SECRET, salt=signin_link.SALT).dumps("a-nonce-we-never-made")):
        with pytest.raises(ValidationFailed):
            signin_link.use_link(session, bad, secret=SECRET, now=clock.now)
        session.rollback()
    assert session.scalar(select(SignInLink.used_at)) is None


def test_a_phone_number_finds_the_member_but_no_sms_is_queued_while_nothing_sends_sms(make, session, clock):
    # The outbox has no SMS gateway (channels.email_smtp.SENDABLE_CHANNELS): the link goes to the member's e-mail instead,
    # and a member with only a phone number gets none rather than a message that would never arrive.
    assert not sms.available()
    member, _user = _passwordless_member(make, session, clock, phone="+4520304050")
    assert signin_link.request_link(session, "20 30 40 50", secret=SECRET, now=clock.now)
    (mail,) = _links(session)
    assert mail.channel == "email" and mail.to_address == member.email and "/login/link/" in mail.body_text
    member.email = None
    session.commit()
    assert not signin_link.request_link(session, "20 30 40 50", secret=SECRET, now=clock.now)
    assert len(_links(session)) == 1
    with pytest.raises(ValidationFailed, match="gyldig e-mailadresse eller et dansk telefonnummer"):
        signin_link.request_link(session, "ikke en adresse", secret=SECRET, now=clock.now)


def test_no_enumeration_and_a_limit_per_account(make, session, clock):
    member, _user = _passwordless_member(make, session, clock)
    staff = make.caseworker("birgitte")
    make.commit()
    assert not signin_link.request_link(session, "ukendt@eksempel.dk", secret=SECRET, now=clock.now)
    assert not signin_link.request_link(session, staff.user.email or "x@eksempel.dk", secret=SECRET, now=clock.now)
    sent = [signin_link.request_link(session, member.email, secret=SECRET, now=clock.now + timedelta(minutes=i))
            for i in range(5)]
    assert sent == [True, True, True, False, False]  # 3 per account per 30 minutes
    assert signin_link.request_link(session, member.email, secret=SECRET, now=clock.now + timedelta(minutes=31))
    assert "login.link_throttled" in set(session.scalars(select(AuditEntry.action)))


def test_a_member_with_a_password_keeps_it_and_staff_never_get_links(make, session, clock):
    member = make.member("mette")
    make.commit()
    assert signin_link.request_link(session, member.email, secret=SECRET, now=clock.now)  # a member may use links
    assert signin_link.has_password(session.get(User, member.user_id))


# ---- pages ------------------------------------------------------------------------------------------------

def _ask(client, address, remote="127.0.0.1"):
    token = csrf_from(client.get("/login/link").get_data(as_text=True))
    return client.post("/login/link", data={"address": address, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": remote})


def test_the_answer_page_is_the_same_for_known_and_unknown_addresses(app, make, session, clock):
    member, _user = _passwordless_member(make, session, clock)
    client = app.test_client()
    assert "/login/link" in client.get("/login").get_data(as_text=True)  # linked from the login page
    known, unknown = _ask(client, member.email), _ask(client, "findes-ikke@eksempel.dk")
    assert known.status_code == unknown.status_code == 200

    def body(response):
        html = response.get_data(as_text=True)
        return html[html.index("<main"):html.index("</main>")]

    assert body(known) == body(unknown) and "Hvis vi kender adressen" in body(known)
    assert len(_links(session)) == 1
    bad = _ask(client, "ikke-en-adresse")
    assert bad.status_code == 422 and "dansk telefonnummer" in bad.get_data(as_text=True)


def test_opening_the_link_signs_in_once_and_lands_on_min_side(app, make, session, clock):
    member, _user = _passwordless_member(make, session, clock)
    client = app.test_client()
    _ask(client, member.email)
    link = "/login/link/" + _token_from(_links(session)[0])
    shown = client.get(link)
    assert shown.status_code == 200 and session.scalar(select(SignInLink.used_at)) is None  # GET changes nothing
    pre_login_cookie = client.get_cookie("session")
    used = client.post(link, data={"csrf_token": csrf_from(shown.get_data(as_text=True))})
    assert used.status_code == 302 and used.headers["Location"].endswith("/min-side")
    assert client.get_cookie("session").value != (pre_login_cookie.value if pre_login_cookie else None)
    for page in ("/min-side", "/tilbud", "/samtaler/mine", "/min-side/mine-data", "/min-side/mine-data/download"):
        assert client.get(page).status_code == 200, page  # Min side works as for any member
    assert "login.success" in set(session.scalars(select(AuditEntry.action)))
    again = app.test_client().get(link)
    assert again.status_code == 410 and "Bed om et nyt link" in again.get_data(as_text=True)


def test_expired_forged_and_reused_links_get_a_clear_page_in_danish_and_english(app, make, session, clock):
    member, _user = _passwordless_member(make, session, clock)
    client = app.test_client()
    _ask(client, member.email)
    link = "/login/link/" + _token_from(_links(session)[0])
    forged = client.get(link[:-5] + "xxxxx")
    assert forged.status_code == 410 and "Linket virker ikke" in forged.get_data(as_text=True)
    clock.advance(timedelta(minutes=31))
    expired = client.post(link, data={"csrf_token": csrf_from(client.get("/login/link").get_data(as_text=True))})
    assert expired.status_code == 410 and 'href="/login/link"' in expired.get_data(as_text=True)
    assert session.scalar(select(SignInLink.used_at)) is None
    english = client.get(link + "?lang=en")
    assert english.status_code == 410 and "The link does not work" in english.get_data(as_text=True)


def test_requests_are_rate_limited_per_client_address_and_per_typed_address(app, make, session, clock):
    client = app.test_client()
    statuses = [_ask(client, f"p{i}@eksempel.dk", remote="203.0.113.5").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    statuses = [_ask(client, "samme@eksempel.dk", remote=f"198.51.100.{i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]


# ---- demo ---------------------------------------------------------------------------------------------------

def test_the_demo_has_a_chat_registered_member_without_a_password_and_nothing_pending(app, session, clock):
    from portal.demo import seed_demo
    from portal.demo.chat import CHAT_MEMBER_EMAIL
    from portal.models import Member

    summary = seed_demo(session, members=200, seed=5, now=clock.now, password="demo-adgangskode", areas=["chat"])
    member = session.scalar(select(Member).where(Member.email == CHAT_MEMBER_EMAIL))
    assert member.member_number == summary["chat_registered_member"] and member.status == "opsagt"
    user = session.get(User, member.user_id)
    assert not signin_link.has_password(user)
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status == "pending")) == 0
    assert [m.status for m in _links(session)] == ["sent"]
    assert signin_link.request_link(session, CHAT_MEMBER_EMAIL, secret=SECRET, now=clock.now)  # a new one works


def test_mistyped_addresses_do_not_use_up_the_limit(app, make, session, clock):
    # Five requests with an empty or malformed address (refused, nothing sent) shut the member out for ten minutes.
    client = app.test_client()
    mistyped = [_ask(client, typed, remote="203.0.113.9").status_code
                for typed in ("", "mette", "mette@", "@eksempel.dk", "mette eksempel.dk", "mette@@eksempel.dk")]
    assert mistyped == [422] * 6
    assert _ask(client, "mette@eksempel.dk", remote="203.0.113.9").status_code == 200
