"""The disk under the SQLite file fills up: a write fails with a clear message (503, Danish page or problem+json),
nothing is half-written, reads keep working, and the portal writes again as soon as there is room, without a
restart. The database lives on a small tmpfs mounted for the test (root only; skipped with the reason elsewhere)."""
from __future__ import annotations

import errno
import logging
import os
import sqlite3
import subprocess
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.blueprints.booking import start_param
from portal.extensions import db
from portal.models import AuditEntry, Booking, OutboxMessage
from portal.timeutil import LOCAL_TZ
from tests import factories
from tests.booking_helpers import hours
from tests.conftest import AuthActions, IsolatedClient

pytestmark = pytest.mark.usefixtures("clock")

FULL_PAGE = "serverens lager er fuldt"


@contextmanager
def small_disk(where: Path, size: str = "16m"):
    """A tmpfs of `size` mounted at `where`, unmounted afterwards; skips the test where it cannot be mounted."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system for the disk-full test needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          check=False, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (no CAP_SYS_ADMIN?): {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        with suppress(OSError):
            where.rmdir()


def fill(disk: Path) -> Path:
    """Write a file until the file system says ENOSPC; returns it (delete it to make room again)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def full_disk_app(tmp_path):
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pytest.skip("the SQLite file's disk; the PostgreSQL leg runs the tablespace test below")
    with small_disk(tmp_path / "disk") as disk:
        url = f"sqlite:///{disk / 'portal.sqlite3'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
                          "RATELIMIT_STORAGE_URI": "memory://", "LOGIN_RATE_LIMIT": "1000 per minute",
                          "SERVER_NAME": None})
        app.test_client_class = IsolatedClient
        with app.app_context():
            db.create_all()
            yield app, disk
            db.session.remove()
            db.engine.dispose()


def _counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(Booking)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)))


def _weekday_at_ten(today) -> datetime:
    day = today + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=LOCAL_TZ).astimezone(UTC)


def test_a_full_disk_refuses_writes_clearly_keeps_reads_and_recovers_without_restart(full_disk_app, clock, caplog):
    app, disk = full_disk_app
    make = factories.Factory(db.session)
    loc = make.location("Odense")
    caseworker = make.caseworker("birgitte", location=loc)
    hours(db.session, caseworker, weekdays=range(7))
    make.member("mette", location=loc, caseworker=caseworker, target_group="2a")
    make.commit()

    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("mette").status_code == 302
    start = _weekday_at_ten(clock.today)
    confirm = f"/samtaler/bekraeft?type=cv&caseworker={caseworker.id}&start={start_param(start)}"
    form = {"type": "cv", "caseworker": caseworker.id, "start": start_param(start), "channel": "in_person",
            "note": "Mit CV"}
    token = auth.csrf(confirm)
    api = client.post("/api/v1/auth/token", json={"username": "mette", "password": factories.PASSWORD})
    bearer = {"Authorization": f"Bearer {api.get_json()['access_token']}"}

    # Empty the write-ahead log so the next write must grow a file, then fill the disk.
    db.session.execute(db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.session.commit()
    before = _counts()
    filler = fill(disk)

    with caplog.at_level(logging.CRITICAL, logger="portal.errors"):
        page = client.post("/samtaler/bekraeft", data={**form, "csrf_token": token})
    assert page.status_code == 503 and page.headers["Retry-After"] == "300"
    text = page.get_data(as_text=True)
    assert FULL_PAGE in text and "Intet af det, du sendte, er gemt" in text and "Traceback" not in text
    assert any("disk is full" in r.getMessage() for r in caplog.records)

    problem = client.post("/api/v1/me/bookings", headers=bearer,
                          json={"type": "cv", "caseworker_id": caseworker.id, "starts_at": start.isoformat(),
                                "channel": "in_person"})
    assert problem.status_code == 503 and problem.mimetype == "application/problem+json"
    assert FULL_PAGE in problem.get_json()["detail"]

    # Reads keep working, and nothing of the refused bookings was written.
    assert client.get("/min-side").status_code == 200
    assert _counts() == before

    # Room again: the same request works at once, in the same process.
    filler.unlink()
    done = client.post("/samtaler/bekraeft", data={**form, "csrf_token": token})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    booking = db.session.scalar(select(Booking))
    assert booking.starts_at == start and booking.member_note == "Mit CV"
    assert _counts()[0] == before[0] + 1

    db.session.remove()
    db.engine.dispose()
    with sqlite3.connect(disk / "portal.sqlite3") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.fixture
def small_tablespace(app, session):
    """PostgreSQL: the booking table moved into a tablespace on a small tmpfs (the server runs on this machine)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (its leg of `make test`)")
    import pwd
    import tempfile

    where = Path(tempfile.mkdtemp(prefix="portal-pg-full-", dir="/tmp"))
    os.chmod(where, 0o755)
    with small_disk(where / "disk", size="4m") as disk:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("the PostgreSQL server does not run as the local user 'postgres'")
        os.chown(disk, owner.pw_uid, owner.pw_gid)
        name = f"small_{os.getpid()}"
        autocommit = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as conn:
            try:
                conn.exec_driver_sql(f"CREATE TABLESPACE {name} LOCATION '{disk}'")
            except Exception as exc:  # noqa: BLE001 (a remote server, or not a superuser)
                pytest.skip(f"cannot create a tablespace on a local small disk: {exc}")
        try:
            # Tests start from emptied tables (tests/postgres.py), whose files keep the earlier tests' dead rows:
            # a TRUNCATE gives booking an empty file to move (it is empty now), or the move alone fills the disk.
            session.execute(db.text("TRUNCATE TABLE booking CASCADE"))
            session.execute(db.text(f"ALTER TABLE booking SET TABLESPACE {name}"))
            session.commit()
            yield disk
        finally:
            session.rollback()
            session.execute(db.text("ALTER TABLE booking SET TABLESPACE pg_default"))
            session.commit()
            db.engine.dispose()
            with autocommit.connect() as conn:
                conn.exec_driver_sql(f"DROP TABLESPACE {name}")
                # Nothing of the tablespace may be left for the checkpointer to flush once the disk is gone: a
                # file it could not find made the server PANIC and stop (and recovery then needs the directory).
                conn.exec_driver_sql("CHECKPOINT")
    where.rmdir()


def test_postgresql_disk_full_refuses_the_booking_clearly_and_recovers(app, session, make, small_tablespace, clock):
    loc = make.location("Odense")
    caseworker = make.caseworker("birgitte", location=loc)
    hours(session, caseworker, weekdays=range(7))
    make.member("mette", location=loc, caseworker=caseworker, target_group="2a")
    make.commit()
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("mette").status_code == 302
    start = _weekday_at_ten(clock.today)
    confirm = f"/samtaler/bekraeft?type=cv&caseworker={caseworker.id}&start={start_param(start)}"
    form = {"type": "cv", "caseworker": caseworker.id, "start": start_param(start), "channel": "in_person",
            "csrf_token": auth.csrf(confirm)}
    before = _counts()
    filler = fill(small_tablespace)

    page = client.post("/samtaler/bekraeft", data=form)
    assert page.status_code == 503 and FULL_PAGE in page.get_data(as_text=True)
    assert _counts() == before

    filler.unlink()
    assert client.post("/samtaler/bekraeft", data=form).status_code == 302
    assert _counts()[0] == before[0] + 1
