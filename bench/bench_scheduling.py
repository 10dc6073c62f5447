"""Issue: scheduling. Reminder selection and outbox enqueue for a day with 20,000 conversations among 1,000,000
bookings: wall time, queries issued, peak memory.

Builds its own cached SQLite file (bench/.cache/scheduling-1m.sqlite3): the schema from the models, 47 locations,
1,500 caseworkers, 250,000 members and 1,000,000 bookings over two years (about 1,400 a day) with 20,000 on the
measured day. (The day is at a scale beyond the trial's 220 caseworkers: 1,250 caseworkers × 16 half-hour slots.)
Each run works on a copy, so the cache stays clean. Measures, with the reminder job's own code:
1. selection only (the chunked keyset query over ix_booking_starts_status),
2. the job (selection, rendering Danish/English text + HTML, the .ics, enqueue, commit per chunk),
3. the same job again (everything already enqueued: selection + one key lookup per 500),
and the dispatcher's claim-send-mark cost per message against a local SMTP sink (1,000 messages).
"""
from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, insert, select

from bench.common import CACHE, peak_rss_mb

MEMBERS = 250_000
CASEWORKERS = 1_500
BOOKINGS = int(os.environ.get("BENCH_SCHEDULING_BOOKINGS", "1000000"))
DAY_BOOKINGS = 20_000
DAY = date(2027, 3, 10)  # a Wednesday; bookings from two years before to a few weeks after
SLOTS = 16  # half-hour slots 08:00–16:00 per caseworker and day
DB_NAME = f"scheduling-{BOOKINGS}.sqlite3"


def _app(db_file: Path):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "SECRET_KEY": "bench", "TESTING": True,
                       "LOG_LEVEL": "WARNING", "BASE_URL": "https://portal.foa.dk"})


def _slot_start(day: date, slot: int) -> datetime:
    from portal.timeutil import local_to_utc

    return local_to_utc(datetime(day.year, day.month, day.day, 8, 0) + timedelta(minutes=30 * slot))


def _build(db_file: Path) -> float:
    from portal.extensions import db
    from portal.models import Booking, Caseworker, Member, ServiceLocation, User

    started = time.perf_counter()
    app = _app(db_file)
    rng = random.Random(2026)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    with app.app_context():
        db.create_all()
        s = db.session
        s.execute(insert(ServiceLocation), [{"name": f"Afdeling {i}", "region": "Syddanmark", "latitude": 55.0,
                                             "longitude": 10.0, "fvu_city": True} for i in range(47)])
        s.execute(insert(User), [{"username": f"sb{i}", "password_hash": "x", "role": "caseworker",
                                  "display_name": f"Sagsbehandler {i}", "email": f"sb{i}@eksempel.dk", "locale": "da",
                                  "active": True, "failed_logins": 0, "session_generation": 0, "created_at": now}
                                 for i in range(CASEWORKERS)])
        s.execute(insert(Caseworker), [{"user_id": i + 1, "location_id": i % 47 + 1, "group2_specialist": False,
                                        "central_unit": False} for i in range(CASEWORKERS)])
        for start in range(0, MEMBERS, 25_000):
            s.execute(insert(Member), [{
                "member_number": str(3_000_000 + n), "user_id": None, "first_name": "Medlem", "last_name": str(n),
                "email": f"m{n}@eksempel.dk", "phone": "+4512345678", "birth_date": date(1975, 1, 1),
                "gender": "female", "location_id": n % 47 + 1, "caseworker_id": n % CASEWORKERS + 1,
                "status": "ledig", "mark_o": False, "first_unemployment_day": date(2026, 12, 1),
                "target_group": "1", "trade_inside_foa": True, "placement": "new", "preferred_channel": "in_person",
                "language": "en" if n % 20 == 0 else "da", "created_at": now, "updated_at": now,
            } for n in range(start, min(MEMBERS, start + 25_000))])
        s.commit()
        # Bulk load: the overlap triggers are dropped while loading (the rows are generated without overlaps)
        # and put back afterwards, so the measured database has them; durability off only while building.
        from sqlalchemy import text

        from portal.models.booking import SQLITE_NO_OVERLAP

        s.execute(text("PRAGMA synchronous=OFF"))
        for statement in SQLITE_NO_OVERLAP:
            s.execute(text(f"DROP TRIGGER IF EXISTS {statement.split()[2]}"))
        rows = []
        other = BOOKINGS - DAY_BOOKINGS
        days = [DAY + timedelta(days=d) for d in range(-700, 30) if d != 0]
        per_day = -(-other // len(days))
        n = 0
        for day in days:
            for i in range(min(per_day, other - n)):
                rows.append(_booking_row(rng, n, day, i % CASEWORKERS + 1, i // CASEWORKERS, (day.toordinal() * 7
                                         + i) % MEMBERS + 1, now))
                n += 1
            if len(rows) >= 50_000:
                s.execute(insert(Booking), rows)
                rows = []
        for i in range(DAY_BOOKINGS):
            rows.append(_booking_row(rng, n + i, DAY, i % (DAY_BOOKINGS // SLOTS) + 1, i // (DAY_BOOKINGS // SLOTS),
                                     (i * 12_347) % MEMBERS + 1, now))
        s.execute(insert(Booking), rows)
        for statement in SQLITE_NO_OVERLAP:
            s.execute(text(statement))
        s.commit()
    db_file.with_suffix(".ok").write_text("built")
    return time.perf_counter() - started


def _booking_row(rng, n: int, day: date, caseworker: int, slot: int, member: int, now: datetime) -> dict:
    starts = _slot_start(day, slot % SLOTS)
    channel = rng.choices(["in_person", "phone", "video"], [0.6, 0.25, 0.15])[0]
    status = "booked" if day >= DAY else rng.choice(["held", "held", "held", "no_show", "cancelled_member"])
    return {"uid": f"b{n}@bench", "member_id": member, "caseworker_id": caseworker, "location_id": caseworker % 47 + 1,
            "type": "followup_video" if channel == "video" else ("followup_phone" if channel == "phone" else "cv"),
            "channel": channel, "starts_at": starts, "ends_at": starts + timedelta(minutes=30), "status": status,
            "sequence": 0, "meeting_link": "https://video.foa.dk/r/x" if channel == "video" else None,
            "with_jobcenter": False, "created_at": starts - timedelta(days=10),
            "updated_at": starts - timedelta(days=10)}


class QueryCounter:
    def __init__(self, engine) -> None:
        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *args, **kwargs) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)


def _measure(fn):
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, round(wall, 2), round(peak / 1024 / 1024, 1)


def run() -> dict:
    from portal.extensions import db
    from portal.models import OutboxMessage
    from portal.services.messaging.reminders import due_booking_reminders, enqueue_booking_reminders
    from portal.timeutil import local_to_utc

    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / DB_NAME
    build_seconds = 0.0
    if not cached.with_suffix(".ok").exists():
        cached.unlink(missing_ok=True)
        build_seconds = _build(cached)
    work = Path(tempfile.mkdtemp(prefix="bench-scheduling-")) / DB_NAME
    shutil.copy(cached, work)
    app = _app(work)
    now = local_to_utc(datetime(DAY.year, DAY.month, DAY.day) - timedelta(hours=0))  # the day's reminders
    out: dict = {"bookings": BOOKINGS, "bookings_on_the_day": DAY_BOOKINGS, "members": MEMBERS,
                 "build_seconds": round(build_seconds, 1)}
    try:
        with app.app_context():
            counter = QueryCounter(db.engine)
            selected, wall, peak = _measure(lambda: sum(len(c) for c in due_booking_reminders(db.session, now=now)))
            out["selection"] = {"due": selected, "wall_seconds": wall, "queries": counter.count, "peak_mb": peak}
            db.session.rollback()
            counter.count = 0
            counts, wall, peak = _measure(lambda: enqueue_booking_reminders(db.session, now=now))
            out["enqueue"] = {**counts, "wall_seconds": wall, "queries": counter.count, "peak_mb": peak,
                              "per_message_ms": round(1000 * wall / max(counts["enqueued"], 1), 2)}
            counter.count = 0
            counts, wall, peak = _measure(lambda: enqueue_booking_reminders(db.session, now=now))
            out["second_run"] = {**counts, "wall_seconds": wall, "queries": counter.count, "peak_mb": peak}
            out["outbox_rows"] = db.session.scalar(select(func.count()).select_from(OutboxMessage))
            out["dispatch"] = _dispatch(app, now)
            counter.close()
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def _dispatch(app, now: datetime) -> dict:
    """1,000 of the enqueued reminders sent to a local SMTP sink that accepts everything."""
    from aiosmtpd.controller import Controller

    from portal.extensions import db
    from portal.services.messaging.channels.email_smtp import SmtpSettings
    from portal.services.messaging.dispatch import dispatch_pending

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, mail_from="FOA A-kasse <noreply@foa.dk>")
        started = time.perf_counter()
        result = dispatch_pending(db.session, settings, now=now, batch_size=1000)
        wall = time.perf_counter() - started
    finally:
        controller.stop()
    return {"sent": result.sent, "wall_seconds": round(wall, 2),
            "per_message_ms": round(1000 * wall / max(result.sent, 1), 2)}
