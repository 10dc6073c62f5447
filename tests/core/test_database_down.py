"""A database that cannot be reached: /healthz answers its 503 JSON, every page the Danish error page with 503 and
problem+json under /api/, never a traceback and never a second error from a hook (request teardown, the error
handler loading the signed-in user)."""
from __future__ import annotations

import pytest

from portal import create_app
from tests.conftest import IsolatedClient

UNREACHABLE = {
    "postgresql": "postgresql+psycopg://u:p@127.0.0.1:1/db",  # nothing listens on port 1
    "sqlite": "sqlite:////nonexistent/dir/portal.sqlite3",  # unable to open database file
}


@pytest.fixture(params=sorted(UNREACHABLE))
def dead_app(request):
    app = create_app({"SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param], "SECRET_KEY": "test-secret",
                      "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False, "SERVER_NAME": None})
    app.test_client_class = IsolatedClient
    return app


def _signed_in(client):
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = "1:0"  # what Flask-Login keeps for a user signed in earlier
        cookie_session["_fresh"] = True
    return client


def test_healthz_answers_503_json_when_the_database_is_unreachable(dead_app):
    response = dead_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "checks": {"database": "error: OperationalError"}}


def test_a_login_attempt_gets_the_danish_503_page(dead_app):
    response = dead_app.test_client().post("/login", data={"login": "medlem", "password": "demo-adgangskode"})
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    body = response.get_data(as_text=True)
    assert "Vi kan ikke nå vores database lige nu" in body and '<html lang="da">' in body
    assert "Traceback" not in body and "OperationalError" not in body


@pytest.mark.parametrize("path", ["/min-side", "/sagsbehandler/", "/findes-ikke"])
def test_a_signed_in_user_gets_our_error_page_not_the_servers_bare_500(dead_app, path):
    response = _signed_in(dead_app.test_client()).get(path)
    body = response.get_data(as_text=True)
    assert response.status_code in (503, 404)  # 404: the error page itself no longer needs the database
    assert '<html lang="da">' in body and "Internal Server Error" not in body


def test_the_api_answers_problem_json_503(dead_app):
    response = dead_app.test_client().post("/api/v1/auth/token", json={"username": "medlem", "password": "x" * 12})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Midlertidigt utilgængelig"


def test_a_signed_in_json_client_gets_problem_json_503(dead_app):
    response = _signed_in(dead_app.test_client()).get("/min-side", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.get_json()["status"] == 503
