"""Demo: the `medlem` login has a JobMatch CV with the job agent on (and has had one job-agent e-mail, sent);
the dismissed `opsagt` login has a CV with mark O. The agent's e-mail is marked sent: no pending demo mail."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext
from portal.models import Member, OutboxMessage
from portal.models.statuses import OutboxStatus
from portal.services.actors import SystemActor
from portal.services.casework import jobmatch_cv
from portal.services.casework.job_agent import run_job_agent


def seed(session: Session, ctx: SeedContext) -> None:
    medlem = session.get(Member, ctx.demo_member_id) if ctx.demo_member_id else None
    opsagt = session.get(Member, ctx.dismissed_member_id) if ctx.dismissed_member_id else None
    cvs = 0
    if medlem is not None:
        since = ctx.now - timedelta(days=3)  # switched on before the demo's newest Odense orders came in
        jobmatch_cv.save_cv(session, medlem, jobmatch_cv.CvInput(
            job_goals="Social- og sundhedshjælper i hjemmeplejen eller på plejecenter",
            experience=[{"title": "Social- og sundhedshjælper", "employer": "Odense Kommune, Hjemmeplejen Syd",
                         "years": "12"},
                        {"title": "Ufaglært hjemmehjælper", "employer": "Faaborg-Midtfyn Kommune", "years": "3"}],
            education="Social- og sundhedshjælper, SOSU Fyn 2008",
            certificates=["sosu_hjaelper", "forflytning", "foerstehjaelp"], driving_licence=True,
            hours_wanted="any", municipalities=["461", "479", "430"], visible_to_employers=True),
            actor=SystemActor.DEMO, now=since)
        jobmatch_cv.set_job_agent(session, medlem, True, actor=SystemActor.DEMO, now=since)
        cvs += 1
    if opsagt is not None:
        jobmatch_cv.save_cv(session, opsagt, jobmatch_cv.CvInput(
            job_goals="Køkkenassistent eller ernæringsassistent i et storkøkken",
            experience=[{"title": "Køkkenassistent", "employer": "Plejecenter Engen, Odense", "years": "9"}],
            education="Ernæringsassistent (trin 1), 2012", certificates=["hygiejne"], driving_licence=False,
            hours_wanted="full", radius_km="40", visible_to_employers=True), actor=SystemActor.DEMO, now=ctx.now)
        cvs += 1
    session.flush()
    result = run_job_agent(session, now=ctx.now)
    keys = list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "job_agent",
                                                               OutboxMessage.status == OutboxStatus.PENDING)))
    if keys:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(keys)).values(
            status=OutboxStatus.SENT, attempts=1, sent_at=ctx.now))
    ctx.summary.update(jobmatch_cvs=cvs, job_agent_mails=result["enqueued"])
