"""The scheduler lease: a row in `scheduler_lease` that says which process may act, until when.

Only the holder of an unexpired lease runs jobs. It renews the lease every third of its lifetime; a process
that crashes stops renewing, and another takes over once the lease has expired. Taking and renewing are single
conditional UPDATEs, so two processes racing cannot both win (the database serialises them).
"""
from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.models.scheduling import SchedulerLease
from portal.timeutil import utcnow

LEASE = SchedulerLease.__table__


def new_holder_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
    def __init__(self, engine: Engine, *, name: str = "scheduler", holder: str | None = None,
                 ttl: timedelta = timedelta(seconds=60), clock=utcnow) -> None:
        self.engine = engine
        self.name = name
        self.holder = holder or new_holder_id()
        self.ttl = ttl
        self.clock = clock
        self.confirmed_until: datetime | None = None  # the expiry the database last confirmed to us

    def try_acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours. True if we hold it now."""
        now = self.clock()
        values = {"holder": self.holder, "renewed_at": now, "expires_at": now + self.ttl}
        try:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(LEASE)
                    .where(LEASE.c.name == self.name, LEASE.c.holder != self.holder, LEASE.c.expires_at < now)
                    .values(acquired_at=now, **values)
                ).rowcount
                if not taken:
                    taken = conn.execute(
                        update(LEASE).where(LEASE.c.name == self.name, LEASE.c.holder == self.holder)
                        .values(**values)
                    ).rowcount
            if not taken:
                with self.engine.begin() as conn:
                    conn.execute(insert(LEASE).values(name=self.name, acquired_at=now, **values))
            self.confirmed_until = values["expires_at"]
            return True
        except IntegrityError:  # someone else inserted the row first
            return False
        except OperationalError:  # database busy or away: not ours this time
            return False

    def renew(self) -> bool:
        """Extend our lease; False if it is no longer ours (expired, or taken by another).

        A database that is busy for a moment (SQLite's lock, a PostgreSQL failover) does not cost the lease: while
        the expiry the database last confirmed is still ahead by a third of the lifetime, nobody else can take it, so
        we still hold it and try again at the next renewal."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                renewed = bool(conn.execute(
                    update(LEASE)
                    .where(LEASE.c.name == self.name, LEASE.c.holder == self.holder, LEASE.c.expires_at >= now)
                    .values(renewed_at=now, expires_at=now + self.ttl)
                ).rowcount)
        except OperationalError:
            return self.confirmed_until is not None and now + self.ttl / 3 < self.confirmed_until
        self.confirmed_until = now + self.ttl if renewed else None
        return renewed

    def held(self) -> bool:
        """Do we hold an unexpired lease right now (checked before each job run)?"""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(LEASE.c.holder, LEASE.c.expires_at).where(LEASE.c.name == self.name)).first()
        except OperationalError:
            return False
        return row is not None and row.holder == self.holder and row.expires_at >= self.clock()

    def release(self) -> None:
        """Give the lease up at once (clean shutdown), so a waiting process takes over without delay."""
        try:
            with self.engine.begin() as conn:
                conn.execute(update(LEASE).where(LEASE.c.name == self.name, LEASE.c.holder == self.holder)
                             .values(expires_at=self.clock() - timedelta(seconds=1)))
        except OperationalError:
            pass
        self.confirmed_until = None


def current_holder(engine: Engine, name: str = "scheduler", now: datetime | None = None) -> dict | None:
    """Who holds the lease (for `scheduler jobs` and the admin page); None if nobody does."""
    with engine.connect() as conn:
        row = conn.execute(select(LEASE).where(LEASE.c.name == name)).first()
    if row is None:
        return None
    now = now or utcnow()
    return {"holder": row.holder, "acquired_at": row.acquired_at, "renewed_at": row.renewed_at,
            "expires_at": row.expires_at, "active": row.expires_at >= now}
