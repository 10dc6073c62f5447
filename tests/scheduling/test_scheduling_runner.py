"""The scheduler process: only one acts even if two start; the second takes over when the first stops or dies;
jobs are registered idempotently in the database job store; `run_job` logs every run."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, select

from portal.extensions import db
from portal.models.scheduling import JobRun, apscheduler_jobs
from portal.timeutil import utcnow
from scheduling.jobs import JOBS, JobSpec, run_job
from scheduling.lease import Lease, current_holder
from scheduling.runner import SchedulerRunner


def tick(session, now, app):
    return {"ok": 1}


FAST_JOBS = {"tick": JobSpec("tick", "Test", {"trigger": "interval", "seconds": 0.2}, tick)}


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def runs_by_holder(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(JobRun.holder, func.count()).where(JobRun.job_id == "tick")
                                       .group_by(JobRun.holder)).all())


@pytest.fixture
def runners(app):
    started: list[SchedulerRunner] = []

    def start(**kwargs) -> SchedulerRunner:
        runner = SchedulerRunner(app, lease_seconds=kwargs.pop("lease_seconds", 3), poll_seconds=0.1,
                                 jobs=kwargs.pop("jobs", FAST_JOBS), **kwargs)
        runner.start_background()
        started.append(runner)
        return runner

    yield start
    for runner in started:
        runner.stop()


def test_two_schedulers_started_at_once_only_one_acts(app, runners):
    a, b = runners(), runners()

    assert wait_until(lambda: a.acting.is_set() or b.acting.is_set())
    acting, waiting = (a, b) if a.acting.is_set() else (b, a)
    assert wait_until(lambda: runs_by_holder(app).get(acting.holder, 0) >= 3)
    assert not waiting.acting.is_set()
    assert set(runs_by_holder(app)) == {acting.holder}  # the waiting one never ran a job
    with app.app_context():
        assert current_holder(db.engine)["holder"] == acting.holder

    acting.stop()  # clean shutdown releases the lease: the other takes over at once
    assert wait_until(lambda: waiting.acting.is_set(), timeout=5)
    assert wait_until(lambda: runs_by_holder(app).get(waiting.holder, 0) >= 2)


def test_a_crashed_scheduler_is_replaced_once_its_lease_expires(app, runners):
    with app.app_context():
        dead = Lease(db.engine, holder="host:4242:dead", ttl=timedelta(seconds=1.5))
        assert dead.try_acquire()  # took the lease, then the process died (no renewals, no release)
    started = time.monotonic()
    b = runners()

    assert wait_until(lambda: b.acting.is_set(), timeout=8)
    assert time.monotonic() - started >= 1.0  # it waited for the lease to run out
    assert not dead.renew()  # the dead process, were it to wake up, may no longer act


def test_lease_can_be_held_by_only_one_holder(app):
    with app.app_context():
        first = Lease(db.engine, holder="one", ttl=timedelta(seconds=30))
        second = Lease(db.engine, holder="two", ttl=timedelta(seconds=30))
        assert first.try_acquire() and not second.try_acquire()
        assert first.held() and not second.held()
        assert first.try_acquire()  # re-acquiring our own lease renews it
        first.release()
        assert second.try_acquire() and second.held() and not first.renew()


def test_a_busy_database_does_not_cost_a_lease_that_is_still_confirmed(app, monkeypatch):
    """SQLite's lock or a failover for a moment: the holder keeps acting while the expiry the database last confirmed
    is well ahead, and gives up only once it could have run out (then another may take it)."""
    from sqlalchemy.exc import OperationalError

    moments = iter([])
    with app.app_context():
        lease = Lease(db.engine, holder="one", ttl=timedelta(seconds=30), clock=lambda: next(moments))
        start = utcnow()
        moments = iter([start])
        assert lease.try_acquire()

        def busy():
            raise OperationalError("UPDATE scheduler_lease", {}, Exception("database is locked"))

        monkeypatch.setattr(lease.engine, "begin", busy)
        moments = iter([start + timedelta(seconds=10), start + timedelta(seconds=21)])
        assert lease.renew()  # 20 s left of what the database confirmed: still ours
        assert not lease.renew()  # 9 s left, less than a third of the lifetime: stop acting before it can lapse
        monkeypatch.undo()
        other = Lease(db.engine, holder="two", ttl=timedelta(seconds=30), clock=lambda: start + timedelta(seconds=29))
        assert not other.try_acquire()  # the database still says it is ours until start + 30 s


def test_jobs_are_registered_idempotently_and_stale_ones_removed(app, runners):
    with app.app_context():
        db.session.execute(insert(apscheduler_jobs).values(id="job_from_an_old_version", next_run_time=None,
                                                           job_state=b"x"))
        db.session.commit()
    for _ in range(2):
        runner = runners(jobs=JOBS, lease_seconds=30)
        assert wait_until(runner.acting.is_set)
        runner.stop()
    with app.app_context():
        stored = set(db.session.scalars(select(apscheduler_jobs.c.id)))
        db.session.execute(delete(apscheduler_jobs))
        db.session.commit()
    assert stored == set(JOBS)


def test_run_job_logs_ok_and_error(app, monkeypatch):
    def broken(session, now, app):
        raise RuntimeError("database on fire")

    jobs = {"ok": JobSpec("ok", "OK", {"trigger": "interval", "seconds": 60}, tick),
            "broken": JobSpec("broken", "Broken", {"trigger": "interval", "seconds": 60}, broken)}
    results = {job_id: run_job(job_id, app=app, jobs=jobs, holder="test") for job_id in jobs}

    assert results["ok"].status == "ok" and results["ok"].summary == {"ok": 1}
    assert results["broken"].status == "error" and "database on fire" in results["broken"].error
    assert all(r.finished_at is not None for r in results.values())
    with app.app_context():
        from portal.models import AuditEntry

        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_label == "scheduler")))
    assert actions == {"job.ok", "job.broken"}


def test_cli_lists_jobs_and_runs_one(app, runner, session):
    result = runner.invoke(args=["scheduler", "jobs"])
    assert result.exit_code == 0
    for job_id in JOBS:
        assert job_id in result.output
    assert "Acting scheduler: none" in result.output

    result = runner.invoke(args=["scheduler", "run-once", "retention"])
    assert result.exit_code == 0 and "retention: ok" in result.output
    assert session.scalar(select(JobRun.status).where(JobRun.job_id == "retention")) == "ok"

    result = runner.invoke(args=["scheduler", "run-once", "nonsense"])
    assert result.exit_code == 2 and "Unknown job" in result.output


def test_every_defined_job_runs_without_crashing_on_an_empty_database(app, session):
    for job_id in JOBS:
        if job_id == "dispatch_outbox":
            continue  # needs an SMTP server only when there is something to send; covered elsewhere
        run = run_job(job_id, app=app, holder="test")
        assert run.status == "ok", (job_id, run.error)
