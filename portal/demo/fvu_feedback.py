"""Demo FVU course feedback: the finished FVU course runs (portal/demo/offers.py) have AOF's word on most participants.

Every participant of a finished run has had the provider's link (as the scheduler job would have sent it, so the
job has nothing left to queue and the demo leaves no pending e-mail); about two in three were answered through it;
two participants in Odense were recorded by "sagsbehandler" on the check-in list instead.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext, bulk_insert
from portal.models import ServiceLocation
from portal.models.fvu_feedback import FvuFeedback, FvuFeedbackLink
from portal.models.offers import Offer, OfferRegistration, OfferSession
from portal.models.statuses import RegistrationStatus, SessionStatus
from portal.services.offers.fvu_feedback import PARTICIPANT_STATUSES, VALID_FOR
from portal.timeutil import LOCAL_TZ, local_to_utc, to_local

ANSWER_RATE = 0.65
PROVIDER_ADDRESS = "fvu-tilbagemelding@aof.example"
SITUATIONS = {
    "completed": [
        "Har gennemført trin 1 i læsning. Søger nu job som SSH-hjælper og vil skrive ansøgninger selv.",
        "Gennemført. Skriver nu sit CV færdigt og er klar til at søge job i ældreplejen.",
        "Har fået mere sikkerhed i regning og skemaer; vil gerne i gang med SOSU-hjælperuddannelsen.",
    ],
    "continuing": [
        "Fortsætter på næste trin hos AOF fra næste måned. Har brug for hjælp til at søge job samtidig.",
        "Vil fortsætte med FVU-digital; kan nu bruge Jobnet, men mangler øvelse i e-mail.",
    ],
    "dropped_out": [
        "Stoppede efter to uger på grund af sygdom i familien. Vil gerne starte på et senere hold.",
        "Mødte ikke op de sidste uger. Bør kontaktes af sin sagsbehandler.",
    ],
}


def seed(session: Session, ctx: SeedContext) -> None:
    rng = ctx.rng
    participants = session.execute(
        select(OfferRegistration.id, OfferRegistration.member_id, OfferRegistration.status,
               OfferRegistration.attended_hours, OfferSession.ends_at, ServiceLocation.name)
        .join(OfferSession, OfferRegistration.session_id == OfferSession.id).join(Offer)
        .join(ServiceLocation, ServiceLocation.id == OfferSession.location_id)
        .where(Offer.kind == "fvu_course", OfferSession.ends_at <= ctx.now, OfferSession.status == SessionStatus.OPEN,
               OfferRegistration.status.in_(PARTICIPANT_STATUSES))
        .order_by(OfferSession.ends_at, OfferRegistration.id)).all()
    links, answers, by_staff = [], [], []
    staff_user = ctx.users.get("sagsbehandler")
    for row in participants:
        sent = row.ends_at + timedelta(hours=1)
        link = {"registration_id": row.id, "to_address": PROVIDER_ADDRESS, "created_at": sent,
                "expires_at": sent + VALID_FOR, "used_at": None,
                "token_hash": hashlib.sha256(f"demo-{ctx.seed}-{row.id}-{rng.getrandbits(64)}".encode()).hexdigest()}
        links.append(link)
        feedback = _feedback(ctx, row, sent)
        if staff_user and row.name == "Odense" and len(by_staff) < 2:
            by_staff.append({**feedback, "source": "staff", "recorded_by_user_id": staff_user, "link_id": None})
        elif rng.random() < ANSWER_RATE and feedback["recorded_at"] < ctx.now:
            link["used_at"] = feedback["recorded_at"]
            answers.append((len(links) - 1, feedback))
    if links:
        ids = session.execute(bulk_insert(FvuFeedbackLink).returning(FvuFeedbackLink.id, sort_by_parameter_order=True),
                              links).scalars().all()
        rows = [{**feedback, "source": "provider", "recorded_by_user_id": None, "link_id": ids[i]}
                for i, feedback in answers] + by_staff
        if rows:
            session.execute(bulk_insert(FvuFeedback), rows)
    ctx.summary.update(fvu_feedback_links=len(links), fvu_feedback=len(answers) + len(by_staff))


def _feedback(ctx: SeedContext, row, sent) -> dict:
    rng = ctx.rng
    if row.status == RegistrationStatus.ATTENDED:
        outcome = "continuing" if rng.random() < 0.25 else "completed"
        hours = row.attended_hours if row.attended_hours is not None else Decimal(60)
    else:  # registered but never checked in, or a no-show: stopped along the way
        outcome = "dropped_out"
        hours = Decimal(rng.choice([0, 6, 9, 12, 18]))
    recorded = min(_office_moment(rng, sent), ctx.now - timedelta(minutes=5))
    return {"registration_id": row.id, "member_id": row.member_id, "outcome": outcome, "hours_attended": hours,
            "situation": rng.choice(SITUATIONS[outcome]), "recorded_at": recorded}


def _office_moment(rng, sent: datetime) -> datetime:
    """A working-day moment (8–16 local time) within a week after the link went out: when AOF's staff answer."""
    day = to_local(sent).date() + timedelta(days=rng.randint(1, 7))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    moment = datetime.combine(day, time(rng.randint(8, 15), rng.choice([0, 10, 20, 30, 40, 50])), tzinfo=LOCAL_TZ)
    return local_to_utc(moment)
