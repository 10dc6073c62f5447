"""Health check, headers, error pages, language switch, migrations."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/nope", "/healthz"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Request-ID"]


def test_request_ids_are_16_hex_digits_and_differ_from_request_to_request_and_worker_to_worker(client):
    ids = [client.get("/healthz").headers["X-Request-ID"] for _ in range(200)]
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    assert len(set(ids)) == len(ids)
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234.a"}).headers["X-Request-ID"] == "lb-1234.a"
    read, write = os.pipe()
    pid = os.fork()  # a gunicorn worker is a fork of the master: it must not repeat the master's ids
    if pid == 0:
        os.close(read)
        os.write(write, client.get("/healthz").headers["X-Request-ID"].encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        child = pipe.read()
    assert len(child) == 16 and child != client.get("/healthz").headers["X-Request-ID"]


def test_404_page_is_danish(client):
    response = client.get("/findes-ikke")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.get_data(as_text=True)


def test_api_errors_are_problem_json(client):
    response = client.get("/api/v1/findes-ikke")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_unexpected_error_shows_no_stack_trace(app, client):
    @app.route("/boom-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "secret internals" not in body
    assert "uventet fejl" in body


def test_danish_by_default_and_english_on_request(client):
    assert '<html lang="da">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # kept in the session


def test_page_has_landmarks_and_skip_link(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'class="skip-link" href="#indhold"' in html and '<main id="indhold"' in html
    assert '<label for="login">' in html


def test_all_assets_are_local(client):
    html = client.get("/login").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html


# Tests that migrate a SQLite file of their own: the PostgreSQL leg would run them again unchanged
# (tests/core/test_pg_migrations.py migrates PostgreSQL).
SQLITE_FILE_OF_ITS_OWN = pytest.mark.skipif(bool(os.environ.get("PORTAL_TEST_DATABASE_URL")),
                                            reason="migrates a SQLite file of its own: the SQLite leg runs it")


@pytest.mark.skipif(bool(os.environ.get("PORTAL_TEST_DATABASE_URL")), reason="the PostgreSQL leg is migrated")
def test_healthz_reports_behind_without_migrations(client):
    response = client.get("/healthz")  # test schema made with create_all, no alembic_version
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "ok"


@pytest.mark.slow
@SQLITE_FILE_OF_ITS_OWN
def test_migrations_build_the_schema_from_nothing_and_match_the_models(tmp_path):
    db_file = tmp_path / "mig.sqlite3"
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{db_file}", "PORTAL_SECRET_KEY": "x", "PATH": "/usr/bin:/bin",
           "PORTAL_INSTANCE_PATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"], env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "check"], env=env,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    tables = set(inspect(create_engine(f"sqlite:///{db_file}")).get_table_names())
    assert {"member", "caseworker", "service_location", "user_account", "consent", "audit_entry"} <= tables


@SQLITE_FILE_OF_ITS_OWN
def test_healthz_ok_when_migrated(tmp_path):
    from portal import create_app
    from portal.extensions import db

    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        response = app.test_client().get("/healthz")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["checks"]["migrations"] == "ok"
        db.engine.dispose()
    # alembic's logging setup leaves the portal's loggers alone (it used to disable them for the whole process,
    # so an error page after an in-process migration logged nothing)
    assert not logging.getLogger("portal.errors").disabled
    assert not logging.getLogger("portal.access").disabled


@SQLITE_FILE_OF_ITS_OWN
def test_healthz_reads_the_migration_scripts_once_per_process_and_still_sees_the_database_move(tmp_path,
                                                                                                monkeypatch):
    """A load balancer asks every few seconds: the code's heads are read once (about 20 ms each time before), the
    database's revision on every call, so a database migrated down under a running server is reported at once."""
    from flask_migrate import downgrade, upgrade

    from portal import create_app, migrations_state
    from portal.extensions import db

    real = migrations_state.script_directory
    reads = []
    monkeypatch.setattr(migrations_state, "script_directory", lambda: reads.append(1) or real())
    migrations_state.code_heads.cache_clear()
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    try:
        with app.app_context():
            upgrade()
            client = app.test_client()
            answers = [client.get("/healthz") for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 200]
            heads = answers[0].get_json()["checks"]["migration_heads"]
            assert heads == sorted(real().get_heads()) and len(reads) == 1
            downgrade(revision="-1")
            behind = client.get("/healthz")
            assert behind.status_code == 503 and behind.get_json()["checks"]["migrations"] == "behind"
            assert behind.get_json()["checks"]["migration_heads"] == heads and len(reads) == 1
            db.engine.dispose()
    finally:
        migrations_state.code_heads.cache_clear()  # the next test reads the real scripts again

@pytest.mark.slow
@SQLITE_FILE_OF_ITS_OWN
def test_migrations_downgrade_to_nothing_and_up_again(tmp_path):
    """With foreign keys enforced: batch mode rebuilds tables under demo data (env.py turns the pragma off for the
    migration and runs foreign_key_check after it), and the portal's connections enforce them again afterwards.

    The commands an operator types run in this process, through Flask's CLI runner: as six processes they paid the
    portal's imports six times. test_migrations_build_the_schema_from_nothing_and_match_the_models runs `flask db`
    as a process of its own."""
    from portal import create_app

    db_file = tmp_path / "rt.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    steps = (["db", "upgrade"], ["demo", "seed", "--members", "20"], ["db", "downgrade", "0002_minside"],
             ["db", "upgrade"], ["db", "downgrade", "base"], ["db", "upgrade"])
    engine = create_engine(f"sqlite:///{db_file}")
    counts: dict[str, int] = {}
    for number, args in enumerate(steps):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, f"{' '.join(args)}: {result.output[-2000:]} {result.exception!r}"
        with engine.connect() as conn:
            if number == 1:  # the demo seeded: what each table holds
                counts = {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar()
                          for t in inspect(conn).get_table_names() if t != "alembic_version"}
                assert counts["member"] > 20
                # 0011_jobcentre's downgrade deletes the job centre's plan events, which 0002's kinds do not hold
                counts["plan_item_event"] -= conn.exec_driver_sql(
                    "SELECT count(*) FROM plan_item_event WHERE kind LIKE 'jc\\_%' ESCAPE '\\'").scalar()
            if number == 2:  # down to 0002: the tables that are left
                kept = set(inspect(conn).get_table_names()) - {"alembic_version"}
                assert {"member", "user_account", "audit_entry"} <= kept
            if number == 3:  # rebuilt under the demo data: nothing lost in the tables that stayed
                assert {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar() for t in kept} == \
                    {t: counts[t] for t in kept}
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            if number == 4:
                assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@SQLITE_FILE_OF_ITS_OWN
def test_connections_enforce_foreign_keys_after_migrating(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from portal import create_app
    from portal.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fk.sqlite3'}",
                      "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()  # the migration's connection goes back to the pool: it must enforce again
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"):  # no member 424242
            db.session.execute(text("INSERT INTO consent (member_id, purpose, text_shown, source, given_at) "
                                    "VALUES (424242, 'chat_contact', 'ja', 'chatbot', '2026-11-27 09:00:00')"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_translations_work_outside_a_request(app):
    from flask_babel import force_locale, gettext

    assert gettext("Log ind") == "Log ind"  # the scheduler and CLI get Danish by default
    with force_locale("en"):
        assert gettext("Log ind") in ("Log in", "Log ind")  # English where the catalogue has it


def test_code_is_ruff_clean():
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "portal", "chatbot", "scheduling", "tests", "bench"],
                         cwd=root, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:]
