"""Small builders for the offers tests (each test makes its own data)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.models.offers import Offer, OfferSession

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def make_offer(session, *, kind: str = "theme_meeting", title: str = "Temamøde: Jobsøgning", topic="job_search",
               groups=("1", "2a", "2b"), hold_hours: int = 24, **kwargs) -> Offer:
    flags = {"open_group_1": "1" in groups, "open_group_2a": "2a" in groups, "open_group_2b": "2b" in groups,
             "open_opsagt": "opsagt" in groups, "open_sygemeldt": "sygemeldt" in groups}
    if kind not in ("webinar", "theme_meeting"):
        topic = None
    kwargs.setdefault("requires_fvu_test", False)
    offer = Offer(kind=kind, title=title, description="Om at finde job.", topic=topic, provider="FOA A-kasse",
                  hold_hours=hold_hours, active=True, created_at=NOW, updated_at=NOW, sosu_variant=False,
                  **flags, **kwargs)
    session.add(offer)
    session.flush()
    return offer


def make_session(session, offer: Offer, *, location=None, capacity: int = 10, starts_in=timedelta(days=7),
                 hours: float = 2, online_link: str | None = None, now: datetime = NOW) -> OfferSession:
    starts = now + starts_in
    if location is None and online_link is None:
        online_link = "https://moede.foa.dk/w/test"
    offer_session = OfferSession(
        offer_id=offer.id, starts_at=starts, ends_at=starts + timedelta(hours=hours),
        location_id=location.id if location else None, venue="Mødelokale 1" if location else None,
        online_link=online_link, capacity=capacity, seats_taken=0, status="open", sequence=0,
        created_at=now, updated_at=now)
    session.add(offer_session)
    session.flush()
    return offer_session
