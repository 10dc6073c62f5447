"""Issue: booking (offers half). On the 250,000-member demo database (bench.common.demo_database()):
1. the member catalogue's queries (list_offers + offer_stats + member_registrations) for 60 members: median, p95;
2. one offer page's sessions (open_sessions at the member's location) for every offer: median, p95;
3. sequential registrations in-process (lock, count, insert, audit, outbox, commit) on a copy of the database.
Reads work on the cached file; the writes on a temporary copy, so the cache stays clean.
"""
from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.common import demo_database

REGISTRATIONS = 300


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: list[float]) -> dict:
    return {"median_ms": round(statistics.median(values) * 1000, 2), "p95_ms": round(_percentile(values, .95) * 1000, 2),
            "runs": len(values)}


def run() -> dict:
    from portal import create_app
    from portal.extensions import db
    from portal.models import Member
    from portal.models.offers import Offer, OfferSession
    from portal.services.errors import DomainError
    from portal.services.offers import offers
    from portal.timeutil import utcnow

    db_file, seed_seconds = demo_database()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "offers.sqlite3"
        shutil.copy(db_file, copy)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}", "SECRET_KEY": "bench", "TESTING": True})
        rng = random.Random(4)
        with app.app_context():
            session = db.session
            now = utcnow()
            ids = session.scalars(select(Member.id).where(Member.status.in_(("ledig", "sygemeldt", "opsagt")))).all()
            members = [session.get(Member, i) for i in rng.sample(ids, 60)]
            catalogue = []
            for member in members:
                started = time.perf_counter()
                found = offers.list_offers(session, member=member, location_id=member.location_id, now=now)
                offers.offer_stats(session, [o.id for o in found], location_id=member.location_id, now=now)
                offers.member_registrations(session, member, now)
                catalogue.append(time.perf_counter() - started)
            offer_ids = session.scalars(select(Offer.id)).all()
            pages = []
            for member in members[:20]:
                for offer_id in offer_ids:
                    started = time.perf_counter()
                    offers.open_sessions(session, offer_id, now, location_id=member.location_id)
                    pages.append(time.perf_counter() - started)
            session.rollback()
            # Writes: registrations spread over open sessions (some full → waiting list).
            sessions = session.scalars(select(OfferSession.id).where(OfferSession.starts_at > now,
                                                                     OfferSession.status == "open")).all()
            registered = waitlisted = refused = 0
            started = time.perf_counter()
            for member_id in rng.sample(ids, REGISTRATIONS):
                member = session.get(Member, member_id)
                try:
                    reg = offers.register(session, member, rng.choice(sessions), actor="cli", now=now)
                    session.commit()
                    registered += reg.status == "registered"
                    waitlisted += reg.status == "waitlisted"
                except DomainError:
                    session.rollback()
                    refused += 1
            elapsed = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
    return {
        "members": 250_000, "seed_seconds": round(seed_seconds, 1),
        "catalogue_queries": _ms(catalogue), "offer_page_sessions": _ms(pages),
        "registrations": {"attempts": REGISTRATIONS, "registered": registered, "waitlisted": waitlisted,
                          "refused_by_rules": refused, "per_second": round(REGISTRATIONS / elapsed, 1)},
    }
