"""Demo data of the scheduler area: satisfaction answers for past held conversations (so the steering dashboard's
satisfaction measures have data), some sent outbox e-mails, one given up, and a few job runs.

If no earlier step made held conversations, a modest set of past CV conversations is made here (each caseworker at
most one per half hour, so the booking overlap rule holds).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext, bulk_insert
from portal.models import Booking, Member, OutboxMessage
from portal.models.scheduling import JobRun, SatisfactionSurvey, SurveyAnswer
from portal.models.statuses import BookingStatus, JobRunStatus, MemberStatus, OutboxStatus
from portal.services.danish_calendar import next_working_day
from portal.services.messaging import outbox
from portal.services.messaging.surveys import VALID_FOR
from portal.timeutil import local_to_utc

RESPONSE_RATE = 0.65
# Ratings 1–10, weights per value. Overall ≈ 8.4 (82 on 0–100), "knew my trade" ≈ 8.6 (84), "came closer to my
# next job" (group 2) ≈ 7.1 (67): near the 2018 average of 86 and below target where the trial has work to do.
OVERALL = [1, 1, 1, 2, 3, 5, 9, 18, 27, 33]
KNEW_TRADE = [1, 1, 1, 1, 2, 4, 8, 17, 28, 37]
CLOSER = [3, 3, 4, 5, 8, 11, 15, 20, 16, 15]
BATCH = 5000


def seed(session: Session, ctx: SeedContext) -> None:
    held = _held_conversations(session, ctx)
    if not held:
        _make_past_conversations(session, ctx)
        held = _held_conversations(session, ctx)
    surveys, answers = _surveys_and_answers(session, ctx, held)
    _outbox_examples(session, ctx)
    ctx.summary.update(survey_invitations=surveys, survey_answers=answers)


def _held_conversations(session: Session, ctx: SeedContext) -> list:
    return session.execute(
        select(Booking.id, Booking.member_id, Booking.caseworker_id, Booking.type, Booking.ends_at,
               Member.target_group, Member.status, Member.placement, Member.language)
        .join(Member, Member.id == Booking.member_id)
        .where(Booking.status == BookingStatus.HELD, Booking.ends_at < ctx.now - timedelta(hours=2))
        .order_by(Booking.id)
    ).all()


def _weighted(ctx: SeedContext, weights: list[int]) -> int:
    return ctx.rng.choices(range(1, 11), weights=weights)[0]


def _surveys_and_answers(session: Session, ctx: SeedContext, held: list) -> tuple[int, int]:
    rng = ctx.rng
    made = answered = 0
    for start in range(0, len(held), BATCH):
        chunk = held[start:start + BATCH]
        survey_rows = []
        for row in chunk:
            sent = row.ends_at + timedelta(hours=1)
            survey_rows.append({
                "booking_id": row.id, "member_id": row.member_id, "nonce": f"{rng.getrandbits(128):032x}",
                "asks_closer_to_job": (row.target_group or "").startswith("2"), "language": row.language or "da",
                "created_at": sent, "expires_at": sent + VALID_FOR, "answered_at": None,
            })
        answer_rows = []
        for row, survey in zip(chunk, survey_rows):
            if rng.random() >= RESPONSE_RATE:
                continue
            at = survey["created_at"] + timedelta(minutes=rng.randint(5, 4 * 24 * 60))
            if at >= ctx.now or at >= survey["expires_at"]:
                continue
            survey["answered_at"] = at
            answer_rows.append({
                "booking_id": row.id, "member_id": row.member_id, "caseworker_id": row.caseworker_id,
                "answered_at": at, "conversation_type": row.type, "target_group": row.target_group,
                "member_status": row.status, "placement": row.placement,
                "overall": _weighted(ctx, OVERALL), "knew_trade": _weighted(ctx, KNEW_TRADE),
                "closer_to_job": _weighted(ctx, CLOSER) if survey["asks_closer_to_job"] else None,
            })
        ids = session.execute(bulk_insert(SatisfactionSurvey).returning(SatisfactionSurvey.id, SatisfactionSurvey.booking_id,
                                                                   sort_by_parameter_order=True),
                              survey_rows).all()
        survey_id = {booking_id: sid for sid, booking_id in ids}
        for answer in answer_rows:
            answer["survey_id"] = survey_id[answer["booking_id"]]
        if answer_rows:
            session.execute(bulk_insert(SurveyAnswer), answer_rows)
        made += len(survey_rows)
        answered += len(answer_rows)
    return made, answered


def _make_past_conversations(session: Session, ctx: SeedContext) -> None:
    """Held CV conversations for about a third of the unemployed members whose 10th day has passed."""
    rng = ctx.rng
    members = session.execute(
        select(Member.id, Member.caseworker_id, Member.location_id, Member.first_unemployment_day)
        .where(Member.status == MemberStatus.LEDIG, Member.first_unemployment_day.is_not(None),
               Member.first_unemployment_day <= ctx.today - timedelta(days=12))
        .order_by(Member.id)
    ).all()
    taken: dict[tuple[int, object], int] = {}
    rows = []
    for member in members:
        if rng.random() > 0.35 and member.id != ctx.demo_member_id:
            continue
        caseworkers = ctx.caseworkers_by_location.get(member.location_id) or ctx.caseworker_ids
        caseworker = member.caseworker_id or rng.choice(caseworkers)
        day = member.first_unemployment_day + timedelta(days=rng.randint(3, 11))
        day = next_working_day(day)
        if day >= ctx.today:
            continue
        slot = taken.get((caseworker, day), 0)
        if slot >= 12:  # 09:00–15:00 in half hours
            continue
        taken[(caseworker, day)] = slot + 1
        starts = local_to_utc(datetime.combine(day, time(9)) + timedelta(minutes=30 * slot))
        rows.append({
            "uid": f"booking-demo-s{len(rows) + 1}-{ctx.seed}@portal.foa.dk", "member_id": member.id,
            "caseworker_id": caseworker, "location_id": member.location_id, "type": "cv",
            "channel": "in_person", "starts_at": starts, "ends_at": starts + timedelta(minutes=30), "status": "held",
            "sequence": 0, "meeting_link": None, "with_jobcenter": False, "created_at": starts - timedelta(days=5),
            "updated_at": starts + timedelta(minutes=30),
        })
    for start in range(0, len(rows), BATCH):
        session.execute(bulk_insert(Booking), rows[start:start + BATCH])
    ctx.summary["held_conversations_for_surveys"] = len(rows)


def _outbox_examples(session: Session, ctx: SeedContext) -> None:
    """What an admin sees on /admin/udbakke: sent reminders, one given up with the server's answer, a run log."""
    member = session.get(Member, ctx.demo_member_id) if ctx.demo_member_id else None
    if member is None:
        return
    now = ctx.now
    examples = [
        ("demo:reminder:1", "booking_reminder", member.email, "Påmindelse: CV-samtale", "sent", 1, None, 3),
        ("demo:survey:1", "survey_invitation", member.email, "Hvordan gik din samtale med FOA A-kasse?", "sent", 1,
         None, 2),
        ("demo:reminder:2", "booking_reminder", "tidligere.medlem@eksempel.invalid", "Påmindelse: Rådighedssamtale",
         "dead", 1, ("SMTPRecipientsRefused: 550 5.1.1 <tidligere.medlem@eksempel.invalid>: Recipient address "
                     "rejected: Domain not found"), 1),
    ]
    for key, kind, to, subject, status, attempts, error, days_ago in examples:
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            continue
        created = now - timedelta(days=days_ago)
        row = outbox.enqueue(session, idempotency_key=key, kind=kind, to_address=to, subject=subject,
                             body_text=f"Hej {member.first_name}\n\n(Demo-besked.)\n\nVenlig hilsen\nFOA A-kasse",
                             member_id=member.id, now=created)
        row.status, row.attempts, row.last_error = status, attempts, error
        row.sent_at = created + timedelta(minutes=1) if status == OutboxStatus.SENT else None
    session.add(JobRun(job_id="dispatch_outbox", holder="demo", trigger="schedule", started_at=now - timedelta(days=1),
                       finished_at=now - timedelta(days=1) + timedelta(seconds=2), status=JobRunStatus.OK,
                       summary={"sent": 2, "failed": 0, "dead": 1, "skipped": 0}))
    session.flush()
