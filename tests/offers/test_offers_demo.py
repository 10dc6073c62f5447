"""The demo programme: many locations and kinds for eight weeks, consistent seats, the demo member's situations."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.models import Member, User
from portal.models.offers import SEAT_STATUSES, Offer, OfferRegistration, OfferSession


def test_demo_programme_is_realistic_and_consistent(app, session, clock):
    seed_demo(session, members=600, seed=5, now=clock.now, password="demo-adgangskode", areas=["offers"])
    kinds = set(session.scalars(select(Offer.kind)))
    assert kinds == {"webinar", "theme_meeting", "fvu_test", "fvu_course", "it_cafe", "job_club", "job_dating"}
    locations = session.scalar(select(func.count(func.distinct(OfferSession.location_id))))
    assert locations >= 30
    last = session.scalar(select(func.max(OfferSession.starts_at)))
    assert last.date() >= clock.today + timedelta(weeks=7)
    # seats_taken matches the registrations holding a seat, and never exceeds capacity
    counted = dict(session.execute(select(OfferRegistration.session_id, func.count())
                                   .where(OfferRegistration.status.in_(SEAT_STATUSES))
                                   .group_by(OfferRegistration.session_id)).all())
    for sid, taken, capacity in session.execute(select(OfferSession.id, OfferSession.seats_taken,
                                                       OfferSession.capacity)):
        assert taken == counted.get(sid, 0) <= capacity
    assert all(0 < h <= 60 for h in session.scalars(select(Offer.course_hours).where(Offer.kind == "fvu_course")))


def test_demo_member_has_every_situation(app, session, clock):
    seed_demo(session, members=600, seed=5, now=clock.now, password="demo-adgangskode", areas=["offers"])
    medlem = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "medlem"))
    regs = session.scalars(select(OfferRegistration).where(OfferRegistration.member_id == medlem.id)).all()
    statuses = {r.status for r in regs}
    assert {"registered", "waitlisted", "offered", "attended"} <= statuses
    assert any(r.right_and_duty for r in regs)
    waiting = next(r for r in regs if r.status == "waitlisted")
    full = session.get(OfferSession, waiting.session_id)
    assert full.seats_taken == full.capacity
    from portal.services.offers.waitlist import waitlist_position

    assert waitlist_position(session, waiting) == 2


def test_demo_keeps_one_place_at_a_time_and_one_registration_per_offer(app, session, clock):
    from portal.models import Booking
    from portal.models.booking import ACTIVE_BOOKING_STATUSES
    from portal.services.booking.clashes import MAX_MEETING

    seed_demo(session, members=600, seed=5, now=clock.now, password="demo-adgangskode", areas=["booking", "offers"])
    places: dict[int, list] = {}
    for member_id, starts, ends, title in session.execute(
            select(OfferRegistration.member_id, OfferSession.starts_at, OfferSession.ends_at, Offer.title)
            .join(OfferSession, OfferRegistration.session_id == OfferSession.id).join(Offer)
            .where(OfferRegistration.status.in_(("registered", "offered")), OfferSession.status == "open")):
        if ends - starts <= MAX_MEETING:  # course periods of weeks are not single places
            places.setdefault(member_id, []).append((starts, ends, title))
    for member_id, starts, ends, type_ in session.execute(
            select(Booking.member_id, Booking.starts_at, Booking.ends_at, Booking.type)
            .where(Booking.status.in_(ACTIVE_BOOKING_STATUSES))):
        places.setdefault(member_id, []).append((starts, ends, type_))
    assert sum(len(p) for p in places.values()) > 1000  # a lived-in demo, not an empty one
    clashes = [(m, a, b) for m, p in places.items() for a, b in zip(sorted(p), sorted(p)[1:]) if b[0] < a[1]]
    assert clashes == []
    live = session.execute(
        select(OfferRegistration.member_id, OfferSession.offer_id, func.count())
        .join(OfferSession, OfferRegistration.session_id == OfferSession.id)
        .where(OfferRegistration.status.in_(("registered", "offered", "waitlisted")), OfferSession.ends_at > clock.now)
        .group_by(OfferRegistration.member_id, OfferSession.offer_id).having(func.count() > 1)).all()
    assert live == []
