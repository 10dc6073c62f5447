"""portal/auth/service.py and the account's language without HTTP: they change rows and leave the commit to the
caller, and a refused login's bookkeeping is kept by the caller's unit of work (issue 20). Plus the same through
the login page, the API token and the language switch."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.service import authenticate, end_session
from portal.i18n import remember_language
from portal.models import AuditEntry, User
from portal.unit_of_work import unit_of_work
from tests.conftest import csrf_from
from tests.factories import PASSWORD

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


def _try(session, password, *, now=NOW, known_device=False):
    return authenticate(session, "mette", password, free_failures=1, max_delay_minutes=15,
                        known_device=known_device, now=now)


def _audited(session, action) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _mette(session) -> User:
    session.rollback()  # see only what was committed
    return session.scalar(select(User).where(User.username == "mette"))


@pytest.fixture
def mette(make):
    make.member("mette")
    make.commit()


def test_a_good_password_signs_in_and_is_committed_by_the_unit_of_work(session, mette):
    with unit_of_work():
        attempt = _try(session, PASSWORD)
    assert attempt.user is not None and attempt.refused is None
    user = _mette(session)
    assert user.last_login_at == NOW and user.failed_logins == 0 and _audited(session, "login.success") == 1


def test_a_refused_password_is_returned_not_raised_so_the_count_is_committed(session, mette):
    with unit_of_work():
        attempt = _try(session, "forkert-kode-123")
    assert attempt.user is None and attempt.refused == "Forkert brugernavn eller adgangskode."
    user = _mette(session)
    assert user.failed_logins == 1 and _audited(session, "login.failed") == 1


def test_authenticate_commits_nothing_itself(session, mette):
    attempt = _try(session, "forkert-kode-123")
    assert attempt.user is None
    assert _mette(session).failed_logins == 0 and _audited(session, "login.failed") == 0


def test_a_throttled_attempt_is_refused_with_the_wait_and_audited(session, mette):
    with unit_of_work():
        _try(session, "forkert-kode-123")
    assert _mette(session).locked_until == NOW + timedelta(seconds=1)
    with unit_of_work():
        attempt = _try(session, PASSWORD)  # the right password, within the wait
    assert attempt.user is None and "Vent 1 sekund," in attempt.refused
    assert _audited(session, "login.throttled") == 1 and _mette(session).failed_logins == 1
    with unit_of_work():
        assert _try(session, PASSWORD, known_device=True).user is not None


def test_an_unknown_login_is_refused_alike_and_writes_nothing(session, mette):
    with unit_of_work():
        attempt = authenticate(session, "ukendt", PASSWORD, free_failures=1, max_delay_minutes=15, now=NOW)
    assert attempt.refused == "Forkert brugernavn eller adgangskode."
    assert _audited(session, "login.failed") == 0


def test_end_session_is_committed_by_the_caller(session, mette):
    user = _mette(session)
    end_session(session, user)
    assert _mette(session).session_generation == 0  # not committed by end_session
    user = _mette(session)
    with unit_of_work():
        end_session(session, user)
    assert _mette(session).session_generation == 1 and _audited(session, "logout") == 1


def test_remember_language_sets_the_account_only_for_a_signed_in_user(session, mette):
    user = _mette(session)
    with unit_of_work():
        remember_language(user, "en")
    assert _mette(session).locale == "en"

    class Anonymous:
        is_authenticated = False
        locale = None

    nobody = Anonymous()
    remember_language(nobody, "en")
    assert nobody.locale is None


# ---- through HTTP: what used to be committed inside the service still is ---------------------------------------

def test_a_refused_login_on_the_page_keeps_the_count(client, session, mette):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": "mette", "password": "forkert-kode-123", "csrf_token": token})
    assert response.status_code == 401 and "Forkert brugernavn" in response.get_data(as_text=True)
    assert _mette(session).failed_logins == 1 and _audited(session, "login.failed") == 1


def test_a_refused_api_token_request_keeps_the_count(client, session, mette):
    response = client.post("/api/v1/auth/token", json={"username": "mette", "password": "forkert-kode-123"})
    assert response.status_code == 401 and response.get_json()["detail"] == "Forkert brugernavn eller adgangskode."
    assert _mette(session).failed_logins == 1 and _audited(session, "login.failed") == 1
    response = client.post("/api/v1/auth/token", json={"username": "mette", "password": PASSWORD})
    assert response.status_code == 200 and _mette(session).failed_logins == 0


def test_logout_and_the_language_switch_are_saved(client, auth, session, mette):
    auth.login("mette")
    client.get("/?lang=en")
    assert _mette(session).locale == "en"
    auth.post("/sprog/da", {"next": "/"}, page="/")
    assert _mette(session).locale == "da"
    auth.logout()
    assert _mette(session).session_generation == 1 and _audited(session, "logout") == 1
