"""Two scheduler processes (`flask --app portal scheduler run`, as operators start them) against one database:
only one holds the lease and acts, the other waits; when the acting one is killed (SIGKILL: no clean release) the
other takes over once the lease runs out. Runs on SQLite and, in the PostgreSQL leg, on PostgreSQL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.scheduling import JobRun, apscheduler_jobs
from scheduling.jobs import JOBS
from scheduling.lease import current_holder

pytestmark = [pytest.mark.slow,
              pytest.mark.real_clock("the schedulers run in subprocesses, which keep the machine's clock")]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def _start(database_url: str, tmp_path: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "test-secret",
           "PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
           "PORTAL_SCHEDULER_POLL_SECONDS": "1", "PORTAL_LOG_LEVEL": "INFO"}
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process below)
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "scheduler", "run"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log
    return proc


def _holder_pid() -> int | None:
    db.session.rollback()
    lease = current_holder(db.engine)
    if not lease or not lease["active"]:
        return None
    return int(lease["holder"].split(":")[-2])


def _wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return None


def test_two_scheduler_processes_started_at_once_one_acts_and_the_other_takes_over_after_a_kill(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    procs = [_start(url, tmp_path, "a"), _start(url, tmp_path, "b")]
    try:
        by_pid = {p.pid: p for p in procs}
        first = _wait_for(_holder_pid, timeout=60)
        assert first in by_pid, f"no scheduler took the lease: {[(tmp_path / n).read_text() for n in ('a.log', 'b.log')]}"

        # Both alive for several lease lifetimes: the lease never changes hands, the jobs are registered once.
        for _ in range(int(LEASE_SECONDS * 2 / 0.5)):
            assert all(p.poll() is None for p in procs)
            assert _holder_pid() == first
            time.sleep(0.5)
        db.session.rollback()
        stored = db.session.scalar(select(func.count()).select_from(apscheduler_jobs))
        assert stored == len(JOBS)
        waiting = next(pid for pid in by_pid if pid != first)
        assert not db.session.scalar(select(func.count()).select_from(JobRun)
                                     .where(JobRun.holder.like(f"%:{waiting}:%")))

        # The acting process dies without releasing the lease: the other acts once it has run out.
        killed_at = time.monotonic()
        by_pid[first].send_signal(signal.SIGKILL)
        by_pid[first].wait(10)
        assert _wait_for(lambda: _holder_pid() == waiting, timeout=LEASE_SECONDS + 10)
        assert time.monotonic() - killed_at >= LEASE_SECONDS - 1  # not before the lease ran out
        assert by_pid[waiting].poll() is None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            proc.log.close()
    # A clean stop releases the lease.
    assert _holder_pid() is None
