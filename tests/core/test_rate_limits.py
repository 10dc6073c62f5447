"""Flask-Limiter's per-request hooks are skipped where no limit can apply (portal/rate_limits.py), and only there."""
from __future__ import annotations

from flask_limiter import Limit
from flask_limiter.util import get_remote_address

from portal.extensions import limiter
from portal.rate_limits import limits_outside_views


def test_the_portal_has_no_limits_outside_its_views(app):
    assert not limits_outside_views()


def test_a_limited_view_still_counts_and_sends_its_headers(app, client, auth, make):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    make.member("mette")
    make.commit()
    first = auth.login("nobody", "forkert-kode-123")
    assert first.status_code == 401
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert auth.login("nobody", "forkert-kode-123").status_code == 401
    refused = auth.login("nobody", "forkert-kode-123")
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_a_page_without_limits_sends_no_limit_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert not [name for name, _ in response.headers.items() if name.startswith("X-RateLimit")]


def test_a_default_limit_brings_the_full_check_back_for_every_page(app, client, monkeypatch):
    default = Limit(limit_provider="2 per minute", key_function=get_remote_address).bind(limiter)
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [default])
    assert limits_outside_views()
    statuses = [client.get("/login").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_an_app_with_rate_limiting_switched_off_starts_and_serves(tmp_path):
    """RATELIMIT_ENABLED = False (the API fuzzing tests): Flask-Limiter registers no hooks, and nothing is wrapped."""
    from portal import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'off.sqlite3'}",
                      "SECRET_KEY": "off", "RATELIMIT_ENABLED": False})
    assert app.test_client().get("/healthz").status_code in (200, 503)
