"""`flask --app portal …` with a wrong setting or database: one or two lines on stderr saying what is wrong and what
to do, a non-zero exit status, no traceback (unless asked for with --verbose or PORTAL_LOG_LEVEL=DEBUG)."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py: heaviest modules first)


def _flask(tmp_path, *args, **env):
    base = {"PATH": "/usr/bin:/bin", "PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_LOG_JSON": "0",
            "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], env={**base, **env},
                          capture_output=True, text=True, check=False, timeout=120)


def _empty_database(tmp_path) -> str:
    sqlite3.connect(tmp_path / "empty.sqlite3").close()
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.mark.parametrize("command,env,expected", [
    (["users", "list"], {"PORTAL_DATABASE_URL": "nonsense://x"}, "PORTAL_DATABASE_URL='nonsense://x'"),
    (["users", "list"], {"PORTAL_DATABASE_URL": "sqlite:////nonexistent/dir/db"}, "Cannot open the SQLite database"),
    (["users", "list"], {"PORTAL_ENV": "production"}, "PORTAL_SECRET_KEY must be set"),
    (["users", "list"], {"PORTAL_ENV": "prod"}, "PORTAL_ENV='prod': expected one of development, production"),
    (["users", "list"], {"PORTAL_SESSION_MINUTES": "abc"}, "PORTAL_SESSION_MINUTES='abc': expected a whole number"),
    (["scheduler", "run-once", "kpi_summary"], {"PORTAL_DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:1/db"},
     "Check PORTAL_DATABASE_URL and that the database server is running"),
], ids=["unknown-url", "sqlite-folder-missing", "production-without-secret", "misspelt-env", "not-a-number",
        "database-down"])
def test_a_wrong_setting_or_database_is_said_in_two_lines(tmp_path, command, env, expected):
    run = _flask(tmp_path, *command, **env)
    assert run.returncode != 0
    assert expected in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) <= 2, run.stderr
    assert ":pw@" not in run.stderr  # the password stays out of the message


def test_a_database_without_the_schema_says_to_migrate(tmp_path):
    run = _flask(tmp_path, "scheduler", "run-once", "kpi_summary", PORTAL_DATABASE_URL=_empty_database(tmp_path))
    assert run.returncode != 0
    assert "no table job_run" in run.stderr and "flask --app portal db upgrade" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 2, run.stderr


def test_the_traceback_is_there_when_asked_for(tmp_path):
    url = _empty_database(tmp_path)
    assert "Traceback" in _flask(tmp_path, "users", "--verbose", "list", PORTAL_DATABASE_URL=url).stderr
    assert "Traceback" in _flask(tmp_path, "users", "list", PORTAL_DATABASE_URL=url, PORTAL_LOG_LEVEL="DEBUG").stderr
