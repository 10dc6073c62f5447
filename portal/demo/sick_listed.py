"""Demo: the sick-listed member 'sygemeldt' (Susanne Berg), after the booking, offers and job-centre steps.

The application (sections 4.1 and 6.1): members moving from sickness benefit to unemployment benefit meet the
a-kasse and the job centre at a round-table conversation, and sick-listed members get the dismissed members'
offers where relevant. Through the same services a caseworker and a member use: 'sagsbehandler' has booked a
round-table conversation with her and Jobcenter Odense (the job centre got the invitation through the exchange),
and she has signed up for a webinar open to sick-listed members. No contact course runs while she is sick-listed.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext
from portal.models import Member, OutboxMessage, User
from portal.models.offers import Offer, OfferSession
from portal.models.statuses import OutboxStatus, SessionStatus
from portal.services.booking import booking
from portal.services.booking.clashes import Clash
from portal.services.booking.slots import free_slots
from portal.services.errors import DomainError
from portal.services.offers import offers
from portal.timeutil import local_to_utc


def seed(session: Session, ctx: SeedContext) -> None:
    if ctx.sick_member_id is None:
        return
    member = session.get(Member, ctx.sick_member_id)
    caseworker_user = session.get(User, ctx.users["sagsbehandler"]) if ctx.users.get("sagsbehandler") else None
    booked = _round_table(session, ctx, member, caseworker_user) if caseworker_user else None
    webinar = _webinar(session, ctx, member)
    # The confirmations went out when the booking and the registration were made (the demo has no mail server
    # behind it; left pending, the dispatcher would retry them against one).
    session.execute(update(OutboxMessage).where(OutboxMessage.member_id == member.id,
                                                OutboxMessage.status == OutboxStatus.PENDING)
                    .values(status=OutboxStatus.SENT, sent_at=ctx.now, attempts=1))
    ctx.summary.update(sick_listed_round_table=booked is not None, sick_listed_webinar=webinar is not None)


def _round_table(session: Session, ctx: SeedContext, member: Member, caseworker_user: User):
    """The first free hour for a round-table conversation 8–20 days ahead with her own caseworker."""
    start = local_to_utc(datetime.combine(ctx.today + timedelta(days=8), time(0)))
    for slot in free_slots(session, type="round_table", start=start, end=start + timedelta(days=12), now=ctx.now,
                           member=member, caseworker_id=member.caseworker_id, channel="in_person", staff=True):
        try:
            with session.begin_nested():
                return booking.book_slot(session, member=member, caseworker_id=member.caseworker_id,
                                         starts_at=slot.starts_at, type="round_table", channel="in_person",
                                         actor=caseworker_user, now=ctx.now)
        except (Clash, DomainError):
            continue
    return None


def _webinar(session: Session, ctx: SeedContext, member: Member):
    """The next webinar session open to sick-listed members that fits her diary."""
    sessions = session.scalars(
        select(OfferSession).join(Offer).where(Offer.kind == "webinar", Offer.open_sygemeldt.is_(True),
                                               OfferSession.status == SessionStatus.OPEN,
                                               OfferSession.starts_at > ctx.now + timedelta(days=2))
        .order_by(OfferSession.starts_at).limit(10)).all()
    for offer_session in sessions:
        try:
            with session.begin_nested():
                return offers.register(session, member, offer_session.id, actor=member.user, now=ctx.now)
        except DomainError:
            continue
    return None
