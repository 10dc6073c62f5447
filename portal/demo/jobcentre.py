"""Demo data for the job centre in the loop (issue 16), after the plan and casework steps.

- Agreed Min plan items of kinds the job centre approves were approved by the member's job centre 1–6 days after
  they were made (an answered request each): the history says who approved what, and the steering counts work.
- Sent summaries and visitations went to the member's job centre (read by it when older than two days).
- The login 'jobcenter' (Jobcenter Odense, medlem's) finds an inbox: medlem's company internship awaiting its
  approval, made by 'sagsbehandler' two days ago, and a few more Odense citizens' activations.
- Booked joint conversations were proposed to the member's job centre: two in three accepted (on the job centre's
  list of coming joint conversations), the rest awaiting an answer.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext, bulk_insert
from portal.models import Caseworker, Member, User
from portal.models.casework import ConversationSummary, JobcenterReferral
from portal.models.jobcentre import JobcentreMessage
from portal.models.plan import PlanItem, PlanItemEvent
from portal.models.statuses import (
    BookingStatus,
    JobcentreDecision,
    JobcentreMessageStatus,
    MemberStatus,
    PlanStatus,
    SummaryStatus,
)
from portal.services.actors import SystemActor
from portal.services.jobcentre import jobcentre, municipalities
from portal.services.minside import plan
from portal.timeutil import to_local

ODENSE = 461


def seed(session: Session, ctx: SeedContext) -> None:
    rng = random.Random(ctx.seed + 16)
    jc_user = ctx.users.get("jobcenter")
    approved = _approved_items(session, ctx, rng, jc_user)
    shared = _summaries_and_visitations(session, ctx) + _joint_invitations(session, ctx, rng, jc_user)
    waiting = _waiting_in_odense(session, ctx, rng)
    ctx.summary.update(jobcentre_approved_items=approved, jobcentre_messages_shared=shared,
                       jobcentre_awaiting=waiting)


def _message(ctx: SeedContext, key: str, member: tuple, kind: str, subject: str, body: str, created, **extra) -> dict:
    member_id, code = member[0], member[4]
    row = {"idempotency_key": key, "jobcentre_code": municipalities.jobcentre_code_for(code), "member_id": member_id,
           "kind": kind, "plan_item_id": None, "summary_id": None, "referral_id": None, "booking_id": None,
           "subject": subject[:200], "body_text": body, "status": "sent", "decision": None, "decision_reason": None,
           "counter_time": None, "decided_by_user_id": None, "decided_at": None, "read_at": None,
           "escalated_at": None, "adapter": "embedded", "created_at": created, "updated_at": created}
    row.update(extra)
    return row


def _members(session: Session, ids: set[int]) -> dict[int, tuple]:
    rows = session.execute(select(Member.id, Member.member_number, Member.first_name, Member.last_name,
                                  Member.municipality_code).where(Member.id.in_(ids))).all() if ids else []
    return {r[0]: tuple(r) for r in rows}


def _approved_items(session: Session, ctx: SeedContext, rng: random.Random, jc_user: int | None) -> int:
    kinds = jobcentre.approval_kinds()
    items = session.execute(select(PlanItem.id, PlanItem.member_id, PlanItem.title, PlanItem.created_at)
                            .where(PlanItem.kind.in_(kinds), PlanItem.status.in_((PlanStatus.ACTIVE, PlanStatus.DONE)),
                                   PlanItem.jobcentre_decision.is_(None))).all()
    members = _members(session, {i.member_id for i in items})
    messages, events, updates = [], [], []
    for item_id, member_id, title, created in items:
        member = members[member_id]
        if municipalities.jobcentre_code_for(member[4]) is None:
            continue
        decided = min(ctx.now, created + timedelta(days=rng.uniform(1, 6)))
        decider = jc_user if municipalities.jobcentre_code_for(member[4]) == ODENSE else None
        messages.append(_message(ctx, f"plan:{item_id}:1", member, "plan_approval",
                                 f"Godkendelse i Min plan: {title}",
                                 f"Medlem: {member[2]} {member[3]} ({member[1]})\nAktivitet: {title}", created,
                                 plan_item_id=item_id, status=JobcentreMessageStatus.ANSWERED,
                                 decision=JobcentreDecision.APPROVED,
                                 decided_by_user_id=decider, decided_at=decided, read_at=decided,
                                 updated_at=decided))
        events += [{"item_id": item_id, "at": created, "actor_user_id": None, "actor_label": SystemActor.JOBCENTRE_EXCHANGE,
                    "kind": "jc_request", "from_status": None, "to_status": None,
                    "text": municipalities.jobcentre_name(member[4]), "changes": {}},
                   {"item_id": item_id, "at": decided, "actor_user_id": decider,
                    "actor_label": f"user:{decider}" if decider else municipalities.jobcentre_name(member[4]),
                    "kind": "jc_approved", "from_status": "awaiting_jc", "to_status": "active", "text": None,
                    "changes": {}}]
        updates.append({"id": item_id, "jobcentre_decision": "approved", "jobcentre_decided_at": decided})
    if messages:
        session.execute(bulk_insert(JobcentreMessage), messages)
        session.execute(bulk_insert(PlanItemEvent), events)
        table = PlanItem.__table__
        session.execute(table.update().where(table.c.id == _bindparam("id")).values(
            jobcentre_decision=_bindparam("jobcentre_decision"),
            jobcentre_decided_at=_bindparam("jobcentre_decided_at")),
            [{"_" + k: v for k, v in u.items()} for u in updates])
    return len(messages)


def _bindparam(name: str):
    from sqlalchemy import bindparam

    return bindparam("_" + name)


def _summaries_and_visitations(session: Session, ctx: SeedContext) -> int:
    read_before = ctx.now - timedelta(days=2)
    rows = []
    summaries = session.execute(select(ConversationSummary.id, ConversationSummary.member_id,
                                       ConversationSummary.sent_at)
                                .where(ConversationSummary.status == SummaryStatus.SENT)).all()
    referrals = session.execute(select(JobcenterReferral.id, JobcenterReferral.member_id,
                                       JobcenterReferral.created_at, JobcenterReferral.reason)).all()
    members = _members(session, {s.member_id for s in summaries} | {r.member_id for r in referrals})
    for summary_id, member_id, sent_at in summaries:
        member = members[member_id]
        if sent_at is None or municipalities.jobcentre_code_for(member[4]) is None:
            continue
        read = sent_at < read_before
        rows.append(_message(ctx, f"summary:{summary_id}", member, "summary",
                             f"Samtalereferat – medlem {member[1]}",
                             "Samtalereferatet ligger som PDF hos a-kassen og på medlemmets Min side.", sent_at,
                             summary_id=summary_id,
                             status=JobcentreMessageStatus.READ if read else JobcentreMessageStatus.SENT,
                             read_at=sent_at + timedelta(days=1) if read else None))
    for referral_id, member_id, created, reason in referrals:
        member = members[member_id]
        if municipalities.jobcentre_code_for(member[4]) is None:
            continue
        rows.append(_message(ctx, f"visitation:{referral_id}", member, "visitation",
                             f"Visitation til parallelt kontaktforløb – medlem {member[1]}",
                             f"Medlem: {member[2]} {member[3]} ({member[1]})\n\nBegrundelse:\n{reason}", created,
                             referral_id=referral_id, status=(JobcentreMessageStatus.READ if created < read_before
                                                              else JobcentreMessageStatus.SENT),
                             read_at=created + timedelta(days=1) if created < read_before else None))
    if rows:
        session.execute(bulk_insert(JobcentreMessage), rows)
    return len(rows)


def _joint_invitations(session: Session, ctx: SeedContext, rng: random.Random, jc_user: int | None) -> int:
    from portal.models import Booking

    bookings = session.execute(select(Booking.id, Booking.member_id, Booking.sequence, Booking.starts_at,
                                      Booking.created_at)
                               .where(Booking.type == "joint", Booking.status == BookingStatus.BOOKED,
                                      Booking.starts_at > ctx.now)).all()
    members = _members(session, {b.member_id for b in bookings})
    rows = []
    for booking_id, member_id, sequence, starts_at, created in bookings:
        member = members[member_id]
        code = municipalities.jobcentre_code_for(member[4])
        if code is None:
            continue
        when = to_local(starts_at).strftime("%d.%m.%Y kl. %H.%M")
        answered = rng.random() < 2 / 3
        decided = min(ctx.now, created + timedelta(days=rng.uniform(0.5, 3)))
        extra = {"status": "answered", "decision": "accepted", "decided_at": decided, "read_at": decided,
                 "decided_by_user_id": jc_user if code == ODENSE else None, "updated_at": decided} if answered else {}
        rows.append(_message(ctx, f"joint:{booking_id}:{sequence}", member, "joint_invitation",
                             f"Fællessamtale {when}", f"Fællessamtale for medlem {member[1]} {when}.",
                             created, booking_id=booking_id, **extra))
    if rows:
        session.execute(bulk_insert(JobcentreMessage), rows)
    return len(rows)


def _waiting_in_odense(session: Session, ctx: SeedContext, rng: random.Random) -> int:
    """Through the service, as a caseworker would: medlem's internship and three more Odense citizens'."""
    count = 0
    medlem = session.get(Member, ctx.demo_member_id)
    caseworker = session.get(User, ctx.users["sagsbehandler"])
    if medlem is not None and caseworker is not None:
        plan.propose_item(session, medlem, kind="company_internship",
                          title="Virksomhedspraktik på Plejecenter Bakkegården",
                          description="4 ugers praktik i hjemmeplejen, 25 timer om ugen, med mentor.",
                          due_date=ctx.today + timedelta(days=21), actor=caseworker,
                          now=ctx.now - timedelta(days=2))
        count += 1
    others = session.scalars(select(Member).where(Member.municipality_code == ODENSE,
                                                  Member.status == MemberStatus.LEDIG,
                                                  Member.caseworker_id.is_not(None), Member.id != ctx.demo_member_id)
                             .order_by(Member.id).limit(3)).all()
    titles = [("wage_subsidy", "Løntilskud som køkkenassistent, 6 måneder"),
              ("company_internship", "Virksomhedspraktik i dagplejen"),
              ("education_long", "Social- og sundhedsassistentuddannelsen")]
    for member, (kind, title) in zip(others, titles):
        actor = session.scalar(select(User).join(Caseworker, Caseworker.user_id == User.id)
                               .where(Caseworker.id == member.caseworker_id))
        plan.propose_item(session, member, kind=kind, title=title, actor=actor,
                          now=ctx.now - timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8)))
        count += 1
    session.flush()
    return count
