"""`flask --app portal scheduler run | jobs | run-once JOB [--now TIME]`."""
from __future__ import annotations

import signal
import sys
from datetime import UTC, datetime

import click
from flask import current_app
from sqlalchemy import select

from portal.commands.errors import PortalGroup
from portal.extensions import db
from portal.models.scheduling import JobRun, apscheduler_jobs
from portal.models.statuses import JobRunStatus
from portal.timeutil import to_local

cli = PortalGroup("scheduler", help="Planlagte job: påmindelser, frister, undersøgelser, udbakken.")


@cli.command("run")
@click.option("--lease-seconds", type=int, default=None, help="Lease lifetime (default PORTAL_SCHEDULER_LEASE_SECONDS).")
def run_command(lease_seconds: int | None) -> None:
    """Run the scheduler in the foreground. A second instance waits until the first stops or dies."""
    from scheduling.runner import SchedulerRunner

    runner = SchedulerRunner(current_app._get_current_object(), lease_seconds=lease_seconds)

    def _stop(signum, frame):
        click.echo(f"scheduler: signal {signum}, stopping …")
        runner.stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"scheduler {runner.holder}: waiting for the lease (only one scheduler acts at a time)")
    runner.run()
    click.echo("scheduler stopped")


def _fmt(value: datetime | None) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@cli.command("jobs")
def jobs_command() -> None:
    """List the jobs with their schedule, next run time and last run."""
    from scheduling.jobs import JOBS
    from scheduling.lease import current_holder

    stored = {row.id: row.next_run_time for row in db.session.execute(select(apscheduler_jobs))}
    lease = current_holder(db.engine)
    if lease and lease["active"]:
        click.echo(f"Acting scheduler: {lease['holder']} (lease until {_fmt(lease['expires_at'])})")
    else:
        click.echo("Acting scheduler: none (start one with `flask --app portal scheduler run`)")
    click.echo(f"{'job':22} {'schedule':22} {'next run':20} {'last run':20} status")
    for spec in JOBS.values():
        ts = stored.get(spec.id)
        next_run = datetime.fromtimestamp(ts, UTC) if ts else None
        last = db.session.scalar(select(JobRun).where(JobRun.job_id == spec.id)
                                 .order_by(JobRun.started_at.desc()).limit(1))
        click.echo(f"{spec.id:22} {_schedule(spec.trigger):22} {_fmt(next_run):20} "
                   f"{_fmt(last.started_at if last else None):20} {last.status if last else '-'}")


def _schedule(trigger: dict) -> str:
    if trigger["trigger"] == "interval":
        unit = next(k for k in ("seconds", "minutes", "hours") if k in trigger)
        return f"every {trigger[unit]} {unit}"
    return f"daily {trigger.get('hour', 0):02d}:{trigger.get('minute', 0):02d} (Copenhagen)"


@cli.command("run-once")
@click.argument("job_id")
@click.option("--now", "now_text", default=None, metavar="TIME",
              help="Run as if it were TIME: 2026-12-07T10:00 (Copenhagen) or with an offset/Z. Production: not in "
                   "the future, at most 7 days back.")
def run_once_command(job_id: str, now_text: str | None) -> None:
    """Run one job now (operators, tests); exits 1 if it failed."""
    from scheduling.jobs import JOBS, NowRefused, chosen_now, parse_now, run_job

    if job_id not in JOBS:
        click.echo(f"Unknown job {job_id!r}. Jobs: {', '.join(JOBS)}", err=True)
        sys.exit(2)
    now = None
    if now_text is not None:
        try:
            now = chosen_now(parse_now(now_text), real_now=datetime.now(UTC),
                             production=current_app.config["ENV"] == "production")
        except NowRefused as refused:
            click.echo(f"Error: {refused}", err=True)
            sys.exit(2)
        click.echo(f"{job_id}: running as of {_fmt(now)} (Copenhagen)")
    run = run_job(job_id, app=current_app._get_current_object(), now=now, holder="cli", trigger="manual")
    click.echo(f"{job_id}: {run.status} {run.summary}")
    if run.error:
        click.echo(run.error.splitlines()[0], err=True)
    if run.status == JobRunStatus.ERROR:
        sys.exit(1)
