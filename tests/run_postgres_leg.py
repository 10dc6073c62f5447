"""Run the PostgreSQL leg: a fresh database per run, the production-path tests against it, then drop it.

Uses PORTAL_TEST_DATABASE_URL if set (a server URL; a fresh database is created on it), else tries
postgresql+psycopg://postgres@127.0.0.1:5432/test. If no server answers it says so loudly and exits 0, so a fresh
laptop without PostgreSQL still passes. Extra arguments go to pytest (e.g. `-n 2`: each xdist worker then makes
its own database next to this one, see tests/postgres.py); test files or node ids among them run instead of the
whole leg.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The tests that must also pass on PostgreSQL (migrations, booking concurrency, waiting lists, outbox, scheduler
# lock, KPIs, the benefit history, login/roles); a missing pattern is simply skipped.
PATTERNS = ["tests/core/test_app.py", "tests/core/test_auth.py", "tests/*/test_pg_*.py", "tests/*/test_booking_*.py",
            "tests/*/test_offers_*.py", "tests/*/test_outbox_*.py", "tests/*/test_scheduling_*.py", "tests/*/test_kpi_*.py",
            "tests/*/test_chat_handoff*.py", "tests/chat/test_chat_open_race.py", "tests/*/test_minside_*.py",
            "tests/booking/test_contact_course.py",
            "tests/*/test_benefit_history*.py", "tests/casework/test_caseworker_caseload.py", "tests/core/test_disk_full.py", "tests/core/test_request_text.py",
            "tests/core/test_staff_badges.py", "tests/chat/test_member_chat_read_with_cards.py",
            "tests/core/test_read_lines.py", "tests/core/test_read_ahead.py", "tests/minside/test_home_cache.py",
            "tests/minside/test_statement_counts.py"]


def main(extra: list[str]) -> int:
    base = make_url(os.environ.get("PORTAL_TEST_DATABASE_URL") or DEFAULT)
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        print("\n" + "!" * 78)
        print(f"!! PostgreSQL leg SKIPPED: no server answers at {base.render_as_string(hide_password=True)}")
        print(f"!! ({type(exc).__name__}). Set PORTAL_TEST_DATABASE_URL to run it.")
        print("!" * 78 + "\n")
        return 0
    name = f"portal_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
    url = base.set(database=name).render_as_string(hide_password=False)
    print(f"== PostgreSQL leg on database {name}", flush=True)
    try:
        import glob

        chosen = [a for a in extra if not a.startswith("-") and os.path.exists(a.split("::")[0])]
        extra = [a for a in extra if a not in chosen]
        files = chosen or sorted({f for p in PATTERNS for f in glob.glob(p)})
        env = dict(os.environ, PORTAL_TEST_DATABASE_URL=url)
        return subprocess.call([sys.executable, "-m", "pytest", *files, "-p", "no:cacheprovider", *extra], env=env)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
