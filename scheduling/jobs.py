"""The jobs: what runs when. Each job is one call to a service function; `run_job` wraps it with the job-run log.

A failing job is logged as "error" and never stops the scheduler. ("unavailable" is kept in the run log's schema
for runs recorded before every area existed.)
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.i18n import N_
from portal.models.scheduling import JobRun
from portal.models.statuses import JobRunStatus
from portal.services import audit
from portal.services.actors import SystemActor
from portal.services.messaging.channels import CHANNELS, Channel
from portal.services.messaging.channels.base import ChannelUnavailable
from portal.services.messaging.dispatch import deliver_due
from portal.services.steering.kpi_summary import REFRESH_MINUTES as KPI_SUMMARY_MINUTES
from portal.timeutil import LOCAL_TZ, utcnow

log = logging.getLogger("portal.scheduler")


@dataclass(frozen=True)
class JobSpec:
    id: str
    title: str  # Danish source string (N_), translated where shown to admins
    trigger: dict  # APScheduler trigger arguments; cron times are Copenhagen time
    func: Callable[[Session, datetime, Flask], dict]


def _today(now: datetime):
    return now.astimezone(LOCAL_TZ).date()


def channel_job(channel: type[Channel]) -> Callable[[Session, datetime, Flask], dict]:
    """The job of one outbound channel (portal/services/messaging/channels/): the one dispatch loop with its adapter."""
    def run(session: Session, now: datetime, app: Flask) -> dict:
        adapter = channel.from_config(app.config)
        return deliver_due(session, adapter, now=now, policy=channel.policy(app.config)).as_dict()

    run.__name__ = channel.job_id
    return run


def channel_jobs(channels: list[type[Channel]]) -> list[JobSpec]:
    """One job per registered outbound channel (dispatch_outbox, dispatch_sms, dfdg_outbound), every minute."""
    return [JobSpec(channel.job_id, channel.job_title, {"trigger": "interval", "minutes": 1}, channel_job(channel))
            for channel in channels]


def booking_reminders(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.messaging.reminders import enqueue_booking_reminders

    return enqueue_booking_reminders(session, now=now, hours=int(app.config["REMINDER_HOURS"]))


def session_reminders(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.messaging.reminders import enqueue_session_reminders

    return enqueue_session_reminders(session, now=now, hours=int(app.config["REMINDER_HOURS"]))


def satisfaction_surveys(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.messaging.surveys import send_due_surveys

    return send_due_surveys(session, now=now, secret=app.config["SECRET_KEY"])


def joint_invitations(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.booking.deadlines import send_joint_invitations

    return send_joint_invitations(session, today=_today(now), now=now)


def deadline_alerts(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.booking.deadlines import send_caseworker_alerts

    return send_caseworker_alerts(session, today=_today(now), now=now)


def waiting_list(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.offers.waitlist import expire_held_seats

    count = expire_held_seats(session, now)
    session.commit()
    return {"expired_holds": int(count or 0)}


def handoff_sla(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.chat.handoff import escalate_overdue_handoffs

    result = escalate_overdue_handoffs(session, now=now, sla_minutes=int(app.config["HANDOFF_SLA_MINUTES"]))
    session.commit()
    return result if isinstance(result, dict) else {"escalated": len(result) if hasattr(result, "__len__")
                                                    else int(result or 0)}


def reprofiling(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.profiling import score_all

    result = score_all(session, now=now, only_changed=True)
    session.commit()
    return result if isinstance(result, dict) else {"scored": int(result or 0)}


def caseload_next_steps(session: Session, now: datetime, app: Flask) -> dict:
    """Recompute every member's stored next statutory step: days pass and deadlines become overdue without any
    row changing, and bulk imports bypass the ORM's stale-marking."""
    from portal.services.casework.caseload import refresh_all

    refreshed = refresh_all(session, _today(now))
    session.commit()
    return {"refreshed": int(refreshed or 0)}


def jobcentre_escalation(session: Session, now: datetime, app: Flask) -> dict:
    """Job-centre requests unanswered for PORTAL_JOBCENTRE_ANSWER_DAYS: the caseworker is told; accepted joint
    conversations starting within PORTAL_REMINDER_HOURS: the job centre's users are reminded (issue 16)."""
    from portal.services.jobcentre.jobcentre import escalate_unanswered
    from portal.services.jobcentre.joint_conversation import remind

    escalated = escalate_unanswered(session, now)
    reminded = remind(session, now, hours=int(app.config["REMINDER_HOURS"]))
    session.commit()
    return {"escalated": escalated, "joint_reminders": reminded}


def fvu_feedback_requests(session: Session, now: datetime, app: Flask) -> dict:
    """After an FVU course the provider (PORTAL_FVU_PROVIDER_EMAIL) gets one single-use feedback form link per
    participant (application §2.1.3: the a-kasse is told each member's situation after the course)."""
    from portal.services.offers.fvu_feedback import send_feedback_requests

    result = send_feedback_requests(session, now=now, secret=app.config["SECRET_KEY"],
                                    to_address=app.config.get("FVU_PROVIDER_EMAIL"))
    session.commit()
    return result


def retention(session: Session, now: datetime, app: Flask) -> dict:
    from portal.services.messaging.retention import run_retention

    return run_retention(session, now=now, actor=SystemActor.SCHEDULER)


def kpi_summary(session: Session, now: datetime, app: Flask) -> dict:
    """The steering dashboard's summary table, recomputed for today (issue 19; docs/kpi.md "The summary table")."""
    from portal.services.steering.kpi_summary import refresh

    return refresh(session, now=now)


def job_agent(session: Session, now: datetime, app: Flask) -> dict:
    """Members with the job agent on get one e-mail listing new job orders that match their JobMatch CV."""
    from portal.services.casework.job_agent import run_job_agent

    result = run_job_agent(session, now=now)
    session.commit()
    return result


JOBS: dict[str, JobSpec] = {spec.id: spec for spec in (
    *channel_jobs(CHANNELS),
    JobSpec("booking_reminders", N_("Påmindelser om samtaler"), {"trigger": "interval", "minutes": 10},
            booking_reminders),
    JobSpec("session_reminders", N_("Påmindelser om webinarer, temamøder og kurser"),
            {"trigger": "interval", "minutes": 10}, session_reminders),
    JobSpec("satisfaction_surveys", N_("Tilfredshedsundersøgelser efter afholdte samtaler"),
            {"trigger": "interval", "minutes": 15}, satisfaction_surveys),
    JobSpec("joint_invitations", N_("Invitation til fællessamtale (efter 9 uger)"),
            {"trigger": "cron", "hour": 6, "minute": 0}, joint_invitations),
    JobSpec("deadline_alerts", N_("Fristvarsler og Min plan-påmindelser til sagsbehandlere"),
            {"trigger": "cron", "hour": 6, "minute": 15}, deadline_alerts),
    JobSpec("waiting_list", N_("Ventelister: udløbne pladsreservationer"), {"trigger": "interval", "minutes": 5},
            waiting_list),
    JobSpec("handoff_sla", N_("Overdragelser fra chatbotten: eskalering"), {"trigger": "interval", "minutes": 1},
            handoff_sla),
    JobSpec("reprofiling", N_("Ny profilafklaring af medlemmer med ændrede data"),
            {"trigger": "cron", "hour": 2, "minute": 30}, reprofiling),
    JobSpec("caseload_next_steps", N_("Sagsbehandlernes oversigt: næste lovpligtige skridt genberegnes"),
            {"trigger": "cron", "hour": 1, "minute": 45}, caseload_next_steps),
    JobSpec("jobcentre_escalation", N_("Jobcentret: ubesvarede anmodninger til sagsbehandleren, påmindelser om "
                                       "fællessamtaler"), {"trigger": "interval", "minutes": 30}, jobcentre_escalation),
    JobSpec("fvu_feedback_requests", N_("FVU: links til udbyderens tilbagemelding efter afsluttede kurser"),
            {"trigger": "interval", "minutes": 30}, fvu_feedback_requests),
    JobSpec("job_agent", N_("Jobagent: nye jobordrer, der passer til medlemmernes CV"),
            {"trigger": "interval", "minutes": 30}, job_agent),
    # The dashboard states this interval as how old its numbers may be.
    JobSpec("kpi_summary", N_("Styringsdashboardets tal genberegnes"),
            {"trigger": "interval", "minutes": KPI_SUMMARY_MINUTES}, kpi_summary),
    JobSpec("retention", N_("Sletning efter opbevaringsregler"), {"trigger": "cron", "hour": 3, "minute": 15},
            retention),
)}


def run_job(job_id: str, *, app: Flask, now: datetime | None = None, holder: str = "manual",
            trigger: str = "schedule", jobs: dict[str, JobSpec] | None = None) -> JobRun:
    """Run one job now in its own app context; log the run (status, counts or error). Never raises for job errors."""
    spec = (jobs or JOBS)[job_id]
    with app.app_context():
        session = db.session
        started = utcnow()
        run = JobRun(job_id=job_id, holder=holder, trigger=trigger, started_at=started, status=JobRunStatus.RUNNING,
                     summary={})
        session.add(run)
        session.commit()
        run_id = run.id
        try:
            # Danish unless a message forces its recipient's language: an admin's "Kør nu" runs inside their
            # request, and their English page must not make a Danish member's e-mail English.
            with force_locale("da"):
                summary = spec.func(session, now or utcnow(), app)
            session.commit()
            status, error = JobRunStatus.OK, None
        except ChannelUnavailable as exc:  # expected while e.g. the mail server is down: no traceback every minute
            session.rollback()
            summary, status, error = {}, JobRunStatus.ERROR, f"{type(exc).__name__}: {exc}"
            log.warning("job %s: %s", job_id, exc)
        except Exception as exc:  # a failing job must not stop the scheduler; the run log shows why
            session.rollback()
            summary, status = {}, JobRunStatus.ERROR
            error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:4000]
            log.exception("job %s failed", job_id)
        run = session.get(JobRun, run_id)
        run.finished_at = utcnow()
        run.status = status
        run.summary = _jsonable(summary)
        run.error = error
        # One audit entry per run (what the job changed, as counts), not one per e-mail or alert.
        audit.record(session, SystemActor.SCHEDULER, f"job.{job_id}", target=run, reason=status, detail=run.summary)
        session.commit()
        session.refresh(run)
        session.expunge(run)  # returned to callers outside this app context
        log.info("job %s %s %s", job_id, status, run.summary)
        return run


def _jsonable(summary) -> dict:
    if not isinstance(summary, dict):
        return {"result": str(summary)}
    return {str(k): v if isinstance(v, (int, float, str, bool, type(None))) else str(v) for k, v in summary.items()}


# `scheduler run-once JOB --now …` (an operator catching up after an outage, a test of a day's run): how far back
# production accepts. Never ahead: a future now would send reminders and surveys early and pass held seats on before
# their deadline. Back is safe for catching up: every job writes each message once per key, and the dispatcher does
# not send a reminder whose event has begun (send_before). (waiting_list needs no catching up: a hold that ran out
# during the outage is passed on by the next ordinary run, and a seat it offers is held from the `now` it runs with.)
CATCH_UP_LIMIT = timedelta(days=7)
FUTURE_TOLERANCE = timedelta(minutes=1)


class NowRefused(ValueError):
    """A chosen `now` the scheduler will not run with; the message says why."""


def parse_now(text: str) -> datetime:
    """'2026-12-07T10:00' (Copenhagen wall-clock time) or with an offset or Z ('2026-12-07T09:00Z') → aware UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise NowRefused(f"--now {text!r} is not a time: write e.g. 2026-12-07T10:00 (Copenhagen time) or "
                         "2026-12-07T09:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


def chosen_now(moment: datetime, *, real_now: datetime, production: bool) -> datetime:
    """`moment` if a job may run as if it were then. Development: any moment. Production: not in the future
    (beyond FUTURE_TOLERANCE) and at most CATCH_UP_LIMIT back; NowRefused otherwise."""
    if not production:
        return moment
    if moment > real_now + FUTURE_TOLERANCE:
        raise NowRefused("--now in the future is refused in production: it would send reminders and surveys early "
                         "and give held seats away before their deadline.")
    if moment < real_now - CATCH_UP_LIMIT:
        raise NowRefused(f"--now more than {CATCH_UP_LIMIT.days} days back is refused in production: catch up on "
                         "a longer outage day by day from the most recent, or ask a developer.")
    return moment


# The function APScheduler stores by reference ("scheduling.jobs:scheduled_entry"); runners register here.
RUNNERS: dict[str, object] = {}


def scheduled_entry(job_id: str, holder: str) -> None:
    runner = RUNNERS.get(holder)
    if runner is None:
        log.warning("job %s for runner %s skipped: not running here", job_id, holder)
        return
    runner.run_scheduled(job_id)


def job_overview(session: Session) -> list[dict]:
    """The admin's scheduling page: each job with its next planned run (APScheduler's job store) and its last
    five runs."""
    from datetime import UTC

    from sqlalchemy import select

    from portal.models.scheduling import apscheduler_jobs

    stored = {row.id: row.next_run_time for row in session.execute(select(apscheduler_jobs))}
    return [{"spec": spec,
             "next_run": datetime.fromtimestamp(stored[spec.id], UTC) if stored.get(spec.id) else None,
             "runs": list(session.scalars(select(JobRun).where(JobRun.job_id == spec.id)
                                          .order_by(JobRun.started_at.desc()).limit(5)))}
            for spec in JOBS.values()]


def run_for_admin(session: Session, app: Flask, user, job_id: str) -> JobRun:
    """An admin runs a job now: the request is audited (committed first, so it stands whatever the job does),
    then the job runs in its own context and logs its run."""
    from portal.unit_of_work import unit_of_work

    with unit_of_work(session):
        audit.record(session, user, "scheduler.run_once", reason=job_id)
    return run_job(job_id, app=app, holder=f"admin:{user.id}", trigger="manual")
