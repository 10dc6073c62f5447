"""The scheduler process: wait for the lease, then run APScheduler with the jobs until stopped or the lease is lost.

APScheduler 3.x keeps the jobs in the portal's database (SQLAlchemyJobStore, table `apscheduler_jobs`); the
jobs defined in scheduling/jobs.py are (re)registered at every start with `replace_existing`, and jobs no longer
defined are removed, so the store always matches the code.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import MetaData

from portal.extensions import db
from portal.timeutil import LOCAL_TZ
from scheduling.jobs import JOBS, RUNNERS, run_job
from scheduling.lease import Lease

log = logging.getLogger("portal.scheduler")
ENTRY = "scheduling.jobs:scheduled_entry"


class SchedulerRunner:
    def __init__(self, app: Flask, *, holder: str | None = None, lease_seconds: float | None = None,
                 poll_seconds: float | None = None, jobs: dict | None = None) -> None:
        self.app = app
        with app.app_context():
            self.engine = db.engine
        ttl = lease_seconds if lease_seconds is not None else int(app.config["SCHEDULER_LEASE_SECONDS"])
        self.poll_seconds = poll_seconds if poll_seconds is not None else int(app.config["SCHEDULER_POLL_SECONDS"])
        self.lease = Lease(self.engine, holder=holder, ttl=timedelta(seconds=ttl))
        self.jobs = jobs if jobs is not None else JOBS
        self.scheduler: BackgroundScheduler | None = None
        self.acting = threading.Event()  # set while this process is the one that acts
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def holder(self) -> str:
        return self.lease.holder

    # -- the loop ---------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Block until stop(): wait for the lease, act while holding it, wait again if it is lost."""
        RUNNERS[self.holder] = self
        log.info("scheduler %s waiting for the lease", self.holder)
        try:
            while not self.stopping.is_set():
                if not self.lease.try_acquire():
                    self.stopping.wait(self.poll_seconds)
                    continue
                log.info("scheduler %s holds the lease and acts", self.holder)
                self._start_scheduler()
                self.acting.set()
                renew_every = max(self.lease.ttl.total_seconds() / 3, 0.05)
                while not self.stopping.wait(renew_every):
                    if not self.lease.renew():
                        log.error("scheduler %s lost the lease; stops acting", self.holder)
                        break
                self.acting.clear()
                self._stop_scheduler()
        finally:
            self.acting.clear()
            self._stop_scheduler()
            self.lease.release()
            RUNNERS.pop(self.holder, None)
            log.info("scheduler %s stopped", self.holder)

    def start_background(self) -> threading.Thread:
        """Run the loop in a daemon thread (the dev server's in-process scheduler, tests)."""
        self._thread = threading.Thread(target=self.run, name=f"scheduler-{self.holder}", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- APScheduler ------------------------------------------------------------------------------------------

    def _start_scheduler(self) -> None:
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename="apscheduler_jobs",
                                                     metadata=MetaData())},
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
            timezone=LOCAL_TZ,
        )
        scheduler.start(paused=True)
        register_jobs(scheduler, self.jobs, self.holder)
        scheduler.resume()
        self.scheduler = scheduler

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            try:
                self.scheduler.shutdown(wait=True)
            except Exception:  # already stopped
                log.debug("scheduler shutdown", exc_info=True)
            self.scheduler = None

    def run_scheduled(self, job_id: str) -> None:
        """Called by APScheduler: run the job only if we still hold the lease (fencing against a paused process)."""
        if not self.acting.is_set() or not self.lease.held():
            log.warning("job %s skipped: %s does not hold the scheduler lease", job_id, self.holder)
            return
        if job_id in self.jobs:
            run_job(job_id, app=self.app, holder=self.holder, trigger="schedule", jobs=self.jobs)


def register_jobs(scheduler: BackgroundScheduler, jobs: dict, holder: str) -> None:
    """Idempotent: every job in code is added or replaced; jobs in the store but not in code are removed."""
    for spec in jobs.values():
        trigger = dict(spec.trigger)
        kind = trigger.pop("trigger")
        scheduler.add_job(ENTRY, kind, args=[spec.id, holder], id=spec.id, name=spec.title,
                          replace_existing=True, **trigger)
    for job in scheduler.get_jobs():
        if job.id not in jobs:
            scheduler.remove_job(job.id)
            log.info("removed job %s (no longer defined)", job.id)
