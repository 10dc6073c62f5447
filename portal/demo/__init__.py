"""Demo data: the foundation (locations, caseworkers, members, demo accounts) then each area's step.

Each area adds a module portal/demo/<area>.py with `seed(session, ctx: SeedContext)` and lists it in `area_steps`.
Everything is deterministic for a given seed and `now`, and everything is placed relative to `now` (bookings, offer
sessions, benefit periods, outcomes, deadlines): the demo looks the same lived-in way on whatever day it is seeded.
"""
from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext  # noqa: F401  (re-exported for area steps)
from portal.demo.foundation import DEMO_LOGINS, seed_foundation  # noqa: F401
from portal.models import Member, ServiceLocation
from portal.timeutil import utcnow


def area_steps() -> dict:
    """The area steps by name, in dependency order (imported here: each imports portal.demo first)."""
    from portal.demo import (
        booking,
        casework,
        chat,
        fvu_feedback,
        jobcentre,
        jobmatch_cv,
        offers,
        outcomes,
        plan,
        profiling,
        scheduling,
        sick_listed,
    )

    return {"plan": plan, "booking": booking, "offers": offers, "fvu_feedback": fvu_feedback,
            "profiling": profiling, "chat": chat,
            "casework": casework, "jobmatch_cv": jobmatch_cv, "jobcentre": jobcentre, "sick_listed": sick_listed,
            "scheduling": scheduling, "outcomes": outcomes}


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(ServiceLocation)) and not session.scalar(
        select(func.count()).select_from(Member)
    )


def seed_demo(session: Session, *, members: int = 5744, seed: int = 2026, now: datetime | None = None,
              password: str | None = None, areas: list[str] | None = None) -> dict:
    """Seed everything as of `now` (default: the clock); returns counts. `areas` limits the area steps (tests)."""
    started = time.perf_counter()
    ctx = seed_foundation(session, members=members, seed=seed, now=now or utcnow(), password=password)
    timings = {"foundation": round(time.perf_counter() - started, 1)}
    steps = area_steps()
    for name in steps if areas is None else areas:
        module = steps[name]  # an unknown name is a KeyError: nothing is skipped silently
        step_started = time.perf_counter()
        module.seed(session, ctx)
        session.commit()
        timings[name] = round(time.perf_counter() - step_started, 1)
    ctx.summary["seconds_per_step"] = timings
    return ctx.summary
