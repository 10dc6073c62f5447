"""Login throttling with both storages: memory (one process) and Redis (several gunicorn workers share counts)."""
from __future__ import annotations

import os

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import AuthActions, IsolatedClient

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def _worker(tmp_path, storage: str, prefix: str):
    """A fresh app instance (a new gunicorn worker: its own limiter storage connection) on one database."""
    url = f"sqlite:///{tmp_path / 'rl.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x",
                      "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix,
                      "LOGIN_RATE_LIMIT": "6 per minute"})
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return app


def _fail_logins(app, n: int) -> list[int]:
    with app.app_context():
        client = app.test_client()
        statuses = [AuthActions(client).login(f"nobody{i}", "wrong-password-x").status_code for i in range(n)]
        db.session.remove()
        db.engine.dispose()
    return statuses


def test_memory_storage_counts_per_process(tmp_path):
    assert _fail_logins(_worker(tmp_path, "memory://", "t"), 3) == [401, 401, 401]
    assert _fail_logins(_worker(tmp_path, "memory://", "t"), 4) == [401] * 4  # a new worker: its own count


@pytest.mark.skipif(not _redis_answers(), reason=f"!! Redis not answering at {REDIS_URL}: Redis leg skipped")
def test_redis_storage_is_shared_between_workers(tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # db 15 is the tests' own
    assert _fail_logins(_worker(tmp_path, REDIS_URL, "r"), 3) == [401, 401, 401]
    # Another worker sees the same counts, so it is refused before its own 4 attempts are used.
    assert 429 in _fail_logins(_worker(tmp_path, REDIS_URL, "r"), 4)
