"""Demo data for the caseworker workspace: FOA JobMatch job orders across the locations since 2023, referrals and
placements (about 600 a year, about 40 % permanent, so the KPI has data), held conversations with sent summaries
for the demo member 'medlem', and every member's stored next statutory step.

Deterministic from ctx.rng and ctx.today; bulk inserts.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext, bulk_insert
from portal.demo.names import LAST, TRADES_FOA, TRADES_OTHER
from portal.models import Booking, Member, OutboxMessage
from portal.models.casework import (
    ConversationAgreement,
    HeldConversation,
    JobOrder,
    JobReferral,
    Placement,
    SummaryDispatch,
)
from portal.models.statuses import BookingStatus, JobOrderStatus, MemberStatus, OutboxStatus, ReferralStatus
from portal.timeutil import to_local

PLACEMENTS_PER_YEAR = 600
PERMANENT_SHARE = 0.4
OPEN_ORDERS = 90
EMPLOYERS = ["Kommune, Hjemmeplejen", "Kommune, Plejecenter", "Region, Hospital", "Kommune, Daginstitution",
             "Privat plejehjem", "Kommune, Køkkenet", "Rengøringsselskab", "Trafikselskab", "Bosted",
             "Kommune, Skolefritidsordning"]
TITLE_SUFFIX = ["dag", "aften", "nat", "weekend", "vikariat", "fast stilling", "deltid"]


def seed(session: Session, ctx: SeedContext) -> None:
    from portal.services.casework.caseload import refresh_all

    counts = _jobmatch(session, ctx)
    conversations = _demo_member(session, ctx)
    session.flush()
    next_steps = refresh_all(session, ctx.today)
    ctx.summary.update(job_orders=counts[0], job_referrals=counts[1], placements=counts[2],
                       held_conversations=conversations, next_steps=next_steps)


def _utc(day: date, at: time) -> datetime:
    from portal.timeutil import local_to_utc

    return local_to_utc(datetime.combine(day, at))


# ---------------------------------------------------------------- FOA JobMatch
def _jobmatch(session: Session, ctx: SeedContext) -> tuple[int, int, int]:
    rng = ctx.rng
    names = {loc_id: name for name, loc_id in ctx.location_ids.items()}
    location_ids = list(names)
    creators = [ctx.users[u] for u in ("sagsbehandler",) if u in ctx.users]
    creator = creators[0] if creators else None
    pool = session.execute(select(Member.id, Member.location_id, Member.trade, Member.status)
                           .where(Member.status.in_((MemberStatus.LEDIG, MemberStatus.OPSAGT, MemberStatus.SYGEMELDT,
                                                     MemberStatus.I_JOB)))).all()
    if not pool:
        return 0, 0, 0
    by_location: dict[int, list] = {}
    for row in pool:
        by_location.setdefault(row.location_id, []).append(row)
    orders, referrals, placements = [], [], []
    start = date(ctx.today.year - 3, 1, 1)
    days = (ctx.today - start).days
    # Past orders that were filled: one placement each, ~600 a year.
    total_filled = int(PLACEMENTS_PER_YEAR * days / 365)
    for _ in range(total_filled):
        created = start + timedelta(days=rng.randrange(max(1, days - 30)))
        orders.append(_order(rng, ctx, names, location_ids, created, status=JobOrderStatus.FILLED, creator=creator))
    for _ in range(total_filled // 6):  # closed unfilled
        created = start + timedelta(days=rng.randrange(max(1, days - 30)))
        orders.append(_order(rng, ctx, names, location_ids, created, status=JobOrderStatus.CLOSED, creator=creator))
    for _ in range(OPEN_ORDERS):
        created = ctx.today - timedelta(days=rng.randrange(0, 20))
        job = _order(rng, ctx, names, location_ids, created, status=JobOrderStatus.OPEN, creator=creator)
        job["deadline"] = ctx.today + timedelta(days=rng.randrange(3, 40))
        orders.append(job)
    # The demo caseworker's own location gets a few open orders in the demo member's trade.
    odense = ctx.location_ids.get("Odense")
    if odense:
        for suffix in ("dag", "aften"):
            job = _order(rng, ctx, names, location_ids, ctx.today - timedelta(days=2), status=JobOrderStatus.OPEN,
                         creator=creator)
            job.update(location_id=odense, trade="Social- og sundhedshjælper",
                       title=f"Social- og sundhedshjælper, {suffix}", employer="Odense Kommune, Hjemmeplejen",
                       deadline=ctx.today + timedelta(days=21))
            orders.append(job)
    ids = session.execute(bulk_insert(JobOrder).returning(JobOrder.id, sort_by_parameter_order=True), orders).scalars().all()
    for order_id, job in zip(ids, orders):
        local = by_location.get(job["location_id"]) or pool
        created_at = job["created_at"]
        n = {"filled": rng.randint(1, 3), "closed": rng.randint(0, 2), "open": rng.randint(0, 3)}[job["status"]]
        chosen = rng.sample(local, min(n, len(local)))
        for i, member in enumerate(chosen):
            at = created_at + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 7))
            if job["status"] == "filled":
                status = ReferralStatus.HIRED if i == 0 else rng.choice(["rejected", "withdrawn"])
            elif job["status"] == "closed":
                status = rng.choice(["rejected", "withdrawn"])
            else:
                status = rng.choice(["referred", "interview"])
                at = min(at, ctx.now)
            referrals.append({"job_order_id": order_id, "member_id": member.id, "status": status,
                              "referred_by_user_id": creator, "referred_at": at, "updated_at": at, "note": None,
                              "_start": job["deadline"] + timedelta(days=rng.randint(7, 35))})
    ref_ids = session.execute(
        bulk_insert(JobReferral).returning(JobReferral.id, sort_by_parameter_order=True),
        [{k: v for k, v in r.items() if not k.startswith("_")} for r in referrals],
    ).scalars().all()
    for ref_id, r in zip(ref_ids, referrals):
        if r["status"] == "hired":
            placements.append({"job_referral_id": ref_id, "member_id": r["member_id"],
                               "job_order_id": r["job_order_id"], "permanent": rng.random() < PERMANENT_SHARE,
                               "start_date": min(r["_start"], ctx.today), "registered_by_user_id": creator,
                               "registered_at": r["updated_at"] + timedelta(days=14)})
    if placements:
        session.execute(bulk_insert(Placement), placements)
    return len(orders), len(referrals), len(placements)


def _order(rng, ctx: SeedContext, names: dict[int, str], location_ids: list[int], created: date, *, status: str,
           creator: int | None) -> dict:
    trade = rng.choice(TRADES_FOA) if rng.random() < 0.9 else rng.choice(TRADES_OTHER)
    location_id = rng.choice(location_ids)
    town = names[location_id]
    created_at = datetime.combine(created, time(9), tzinfo=UTC)
    order = {
        "employer": f"{town} {rng.choice(EMPLOYERS)}", "title": f"{trade}, {rng.choice(TITLE_SUFFIX)}",
        "trade": trade, "disco_code": None, "location_id": location_id,
        "hours_per_week": rng.choice([20, 25, 28, 30, 32, 37]),
        "employment": "permanent" if rng.random() < 0.45 else "temporary",
        "deadline": created + timedelta(days=rng.randint(10, 30)),
        "contact_name": f"{rng.choice(['Hanne', 'Lis', 'Bo', 'Anne', 'Kim'])} {rng.choice(LAST)}",
        "contact_email": None, "contact_phone": None, "description": None, "status": status,
        "created_by_user_id": creator, "created_at": created_at, "updated_at": created_at,
    }
    # A title that names the kind of job says what the order says ("…, vikariat" marked permanent misled the list).
    if order["title"].endswith(", vikariat"):
        order["employment"] = "temporary"
    elif order["title"].endswith(", fast stilling"):
        order["employment"] = "permanent"
    return order


# ---------------------------------------------------------------- the demo member's conversations
def _demo_member(session: Session, ctx: SeedContext) -> int:
    """'medlem': the held CV and contact-course conversations (booking demo) registered, with sent summaries."""
    from portal.services.casework import summary as summary_service

    if ctx.demo_member_id is None or ctx.demo_caseworker_id is None:
        return 0
    member = session.get(Member, ctx.demo_member_id)
    held = {b.type: b for b in session.scalars(select(Booking).where(
        Booking.member_id == member.id, Booking.status == BookingStatus.HELD))}
    plan_ids = _plan_item_ids(session, member.id)
    made = 0
    for type_, text, agreements, group in (
        ("cv", ("Vi gennemgik dit CV og dine svar om, hvad der kan gøre det svært at få job. Du vil gerne "
               "blive i hjemmeplejen, gerne med faste aftenvagter."),
         [("Søg mindst 3 stillinger om ugen", 7, False)], "2a"),
        ("contact_course", ("Vi aftalte, at du starter på FVU-læsning hos AOF, og at du søger job i hele "
                           "Odense Kommune."),
         [("FVU-læsning hos AOF", 30, True)], None),
    ):
        booking = held.get(type_)
        at = booking.starts_at if booking else ctx.now - timedelta(weeks=4)
        conversation = HeldConversation(
            member_id=member.id, caseworker_id=ctx.demo_caseworker_id, booking_id=booking.id if booking else None,
            type=type_ if booking else "followup_phone", channel=booking.channel if booking else "phone",
            outcome="held", held_at=at, notes="Medlemmet er motiveret. Fysiske skånehensyn (ryg).",
            member_summary=text, qualitative_assessment="Enig i profileringens forslag om ekstra støtte.",
            group_decision=group, group_comment="Fysiske skånehensyn; behov for fokussamtaler." if group else None,
            created_by_user_id=ctx.users.get("sagsbehandler"), created_at=at + timedelta(hours=1))
        for position, (title, due_days, rad) in enumerate(agreements, start=1):
            conversation.agreements.append(ConversationAgreement(
                position=position, text=title, due_date=ctx.today + timedelta(days=due_days), right_and_duty=rad,
                plan_item_id=plan_ids.get(title)))
        session.add(conversation)
        session.flush()
        summary = summary_service.create_draft(session, conversation, today=to_local(at).date(),
                                               now=at + timedelta(hours=1))  # the record as of that day
        sent_at = at + timedelta(hours=2)
        summary.status, summary.sent_at = "sent", sent_at
        session.add(SummaryDispatch(summary=summary, recipient="member", dispatched_at=sent_at,
                                    actor_user_id=ctx.users.get("sagsbehandler")))
        message = OutboxMessage(
            idempotency_key=f"summary:{summary.id}:jobcenter", kind="conversation_summary", channel="jobcenter",
            member_id=member.id, to_address="jobcenter:Odense",
            subject=f"Samtalereferat – medlem {member.member_number}", body_text=summary.content["title"],
            status=OutboxStatus.SENT, attempts=1, created_at=sent_at, next_attempt_at=sent_at, sent_at=sent_at)
        session.add(message)
        session.flush()
        session.add(SummaryDispatch(summary=summary, recipient="jobcenter", dispatched_at=sent_at,
                                    outbox_message_id=message.id, actor_user_id=ctx.users.get("sagsbehandler")))
        made += 1
    _demo_referral(session, ctx, member)
    return made


def _demo_referral(session: Session, ctx: SeedContext, member: Member) -> None:
    """'medlem' was referred to the day job in home care the day it came in, and the employer has asked her to an
    interview since: her JobMatch page lists it, and Min side's messages say both (as the caseworker's buttons
    would have told her)."""
    from portal.services.minside import job_referrals

    order = session.scalar(select(JobOrder).where(JobOrder.title == "Social- og sundhedshjælper, dag",
                                                  JobOrder.status == JobOrderStatus.OPEN).limit(1))
    if order is None or session.scalar(select(JobReferral.id).where(
            JobReferral.job_order_id == order.id, JobReferral.member_id == member.id)) is not None:
        return
    referred_at = min(order.created_at + timedelta(hours=3), ctx.now - timedelta(hours=2))
    referral = JobReferral(job_order_id=order.id, member_id=member.id, status=ReferralStatus.REFERRED,
                           referred_by_user_id=ctx.users.get("sagsbehandler"), referred_at=referred_at,
                           updated_at=referred_at)
    session.add(referral)
    session.flush()
    job_referrals.tell_referred(session, referral, now=referred_at)
    changed_at = min(referred_at + timedelta(days=1), ctx.now - timedelta(hours=1))
    referral.status, referral.updated_at = ReferralStatus.INTERVIEW, changed_at
    job_referrals.tell_changed(session, referral, now=changed_at)


def _plan_item_ids(session: Session, member_id: int) -> dict[str, int]:
    from portal.models.plan import PlanItem

    return dict(session.execute(select(PlanItem.title, PlanItem.id).where(PlanItem.member_id == member_id)).all())
