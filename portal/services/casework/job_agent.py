"""The job agent: e-mails a member the new open job orders that match their JobMatch CV, each order once.

A scheduler job (scheduling/jobs.py "job_agent") calls `run_job_agent` with `now`; the CV and the switch live in
portal/services/casework/jobmatch_cv.py, the matching in portal/services/casework/jobmatch.py.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from portal.models import Member
from portal.models.casework import JobOrder
from portal.models.jobmatch import JobAgentHit, JobmatchCv
from portal.models.statuses import JobOrderStatus
from portal.services.casework.jobmatch import score_match
from portal.services.links import external_url
from portal.services.messaging import outbox
from portal.services.messaging.email_render import render_email
from portal.timeutil import LOCAL_TZ

AGENT_ORDERS_PER_MAIL = 20


def agent_key(member_id: int, order_ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(order_ids))).encode()).hexdigest()[:16]
    return f"jobagent:{member_id}:{digest}"


def run_job_agent(session: Session, *, now: datetime) -> dict:
    """Tell every member with the job agent on about open job orders created since they switched it on that match
    their CV and that they have not been told about: one e-mail per member (outbox). Idempotent for the same `now`
    and across runs (job_agent_hit). The caller commits."""
    today = now.astimezone(LOCAL_TZ).date()
    counts = {"members": 0, "orders": 0, "enqueued": 0, "no_email": 0}
    cvs = session.scalars(select(JobmatchCv).options(joinedload(JobmatchCv.member).joinedload(Member.location))
                          .where(JobmatchCv.job_agent.is_(True)).order_by(JobmatchCv.member_id)).all()
    if not cvs:
        return counts
    earliest = min(cv.job_agent_since or now for cv in cvs)
    orders = session.scalars(select(JobOrder).options(joinedload(JobOrder.location))
                             .where(JobOrder.status == JobOrderStatus.OPEN, JobOrder.deadline >= today,
                                    JobOrder.created_at > earliest, JobOrder.created_at <= now)
                             .order_by(JobOrder.created_at, JobOrder.id)).all()
    if not orders:
        return counts
    told = {(m, o) for m, o in session.execute(select(JobAgentHit.member_id, JobAgentHit.job_order_id).where(
        JobAgentHit.member_id.in_([cv.member_id for cv in cvs])))}
    link = external_url("jobmatch_cv.page")
    messages, hits = [], []
    for cv in cvs:
        member = cv.member
        fresh = [(order, match) for order in orders
                 if order.created_at > (cv.job_agent_since or now) and (member.id, order.id) not in told
                 and (match := score_match(order, member, order_location=order.location,
                                           member_location=member.location, today=today, cv=cv))]
        if not fresh:
            continue
        if not member.email:
            counts["no_email"] += 1
            continue
        fresh.sort(key=lambda pair: (-pair[1].score, pair[0].deadline))
        fresh = fresh[:AGENT_ORDERS_PER_MAIL]  # the rest go in the next run's e-mail
        key = agent_key(member.id, [order.id for order, _m in fresh])
        email = render_email("job_agent", member.language, member=member, matches=fresh, link=link)
        messages.append(outbox.NewMessage(idempotency_key=key, kind="job_agent", to_address=member.email,
                                          subject=email.subject, body_text=email.text, body_html=email.html,
                                          member_id=member.id))
        hits += [{"member_id": member.id, "job_order_id": order.id, "outbox_key": key, "sent_at": now}
                 for order, _m in fresh]
        counts["members"] += 1
        counts["orders"] += len(fresh)
    counts["enqueued"] = len(outbox.enqueue_many(session, messages, now=now))
    if hits:
        session.execute(insert(JobAgentHit), hits)
    session.flush()
    return counts
