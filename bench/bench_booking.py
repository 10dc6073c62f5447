"""Issue: booking (conversations). With 250,000 members and 12 weeks of bookings:
1. slot listing for one location (about 10 caseworkers) over 4 weeks: median and p95, in-process and over HTTP;
2. booking throughput with 16 concurrent clients against a served app (gunicorn, production config), and the same
   server's bare insert-one-row endpoint in the same run (the ratio).

Uses bench.common.demo_database() if its cached file already has bookings; otherwise builds its own cached file
with the foundation and the booking step only (bench/.cache/booking-250000-<seed>.sqlite3). The served app works
on a copy, so the cache stays clean. Env: BENCH_BOOKING_PER_CLIENT (default 25), BENCH_BOOKING_PORT (5104).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from bench.common import CACHE, ROOT

MEMBERS = 250_000
SEED = 2026
CLIENTS = 16
PER_CLIENT = int(os.environ.get("BENCH_BOOKING_PER_CLIENT", "25"))
BARE_PER_CLIENT = 4 * PER_CLIENT
PORT = int(os.environ.get("BENCH_BOOKING_PORT", "5104"))
LISTING_RUNS = 40


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _database() -> tuple[Path, str, float]:
    shared = CACHE / f"demo-{MEMBERS}-{SEED}.sqlite3"
    if shared.exists():
        engine = create_engine(f"sqlite:///{shared}")
        with engine.connect() as conn:
            has = conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'working_hours'")) and \
                conn.scalar(text("SELECT count(*) FROM working_hours"))
        engine.dispose()
        if has:
            return shared, "bench.common.demo_database (all areas)", 0.0
    own = CACHE / f"booking-{MEMBERS}-{SEED}.sqlite3"
    if own.exists():
        return own, "foundation + booking step", 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    building = own.with_suffix(".building")
    building.unlink(missing_ok=True)
    script = (
        "from flask_migrate import upgrade\n"
        "from portal import create_app\n"
        "from portal.demo import seed_demo\n"
        "from portal.extensions import db\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{building}'}})\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        f"    print(seed_demo(db.session, members={MEMBERS}, seed={SEED}, areas=['booking']))\n"
    )
    started = time.perf_counter()
    env = {**os.environ, "PORTAL_SECRET_KEY": "bench", "PORTAL_LOG_LEVEL": "WARNING", "PORTAL_INSTANCE_PATH": str(CACHE)}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    building.rename(own)  # only a complete database becomes the cache
    return own, "foundation + booking step", time.perf_counter() - started


def _listing_in_process(db_file: Path) -> dict:
    from portal import create_app
    from portal.extensions import db
    from portal.models import Booking, Caseworker, ServiceLocation
    from portal.services.booking.slots import free_slots

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "SECRET_KEY": "bench"})
    with app.app_context():
        counts = db.session.execute(select(Caseworker.location_id, func.count()).group_by(Caseworker.location_id)).all()
        location_id, caseworkers = min(counts, key=lambda row: (abs(row[1] - 10), row[0]))
        name = db.session.get(ServiceLocation, location_id).name
        bookings = db.session.scalar(select(func.count()).select_from(Booking))
        now = datetime.now(UTC)
        times, slots = [], []
        for _ in range(LISTING_RUNS):
            started = time.perf_counter()
            slots = free_slots(db.session, type="followup_phone", start=now, end=now + timedelta(weeks=4), now=now,
                               location_id=location_id)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        db.engine.dispose()
    return {"location": name, "location_id": location_id, "caseworkers": caseworkers, "bookings_in_db": bookings,
            "slots_listed": len(slots), "runs": LISTING_RUNS, "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 0.95), 1)}


def _prepare(db_copy: Path) -> list[list[int]]:
    """PER_CLIENT members with logins (the demo password hash) for each of the 16 clients, and a table for the bare
    insert endpoint. A member holds one upcoming conversation of a type (booking.already_booked_refusal), so each
    booking of the run is a different member's, as at a real peak; members with a follow-up booked are left out."""
    from portal.models import Booking, Member, User
    from portal.timeutil import utcnow

    engine = create_engine(f"sqlite:///{db_copy}")
    with engine.begin() as conn:
        pw_hash = conn.scalar(select(User.password_hash).where(User.username == "medlem"))
        has_followup = select(Booking.id).where(Booking.member_id == Member.id, Booking.type == "followup_phone",
                                                Booking.status == "booked").exists()
        members = conn.execute(select(Member.id, Member.member_number).where(
            Member.status == "ledig", Member.user_id.is_(None), Member.caseworker_id.is_not(None), ~has_followup)
            .order_by(Member.id).limit(CLIENTS * PER_CLIENT)).all()
        for member_id, number in members:
            username = f"bench-booking-{number}"
            user_id = conn.execute(insert(User).values(
                username=username, password_hash=pw_hash, role="member", display_name=username, locale="da",
                active=True, failed_logins=0, session_generation=0, created_at=utcnow()).returning(User.id)).scalar()
            conn.execute(Member.__table__.update().where(Member.id == member_id).values(user_id=user_id))
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_insert (id INTEGER PRIMARY KEY, at TEXT NOT NULL)"))
    engine.dispose()
    ids = [member_id for member_id, _ in members]
    return [ids[client * PER_CLIENT:(client + 1) * PER_CLIENT] for client in range(CLIENTS)]


def _tokens(db_copy: Path, members: list[list[int]]) -> list[list[str]]:
    """The members' API tokens, signed as `/api/v1/auth/token` signs them (the served app's secret is "bench"):
    400 password checks would only time argon2 before the run."""
    from portal import create_app
    from portal.blueprints.api.auth import issue_token
    from portal.extensions import db
    from portal.models import Member

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_copy}", "SECRET_KEY": "bench"})
    with app.app_context():
        tokens = [[issue_token(db.session.get(Member, member_id).user) for member_id in client] for client in members]
        db.engine.dispose()
    return tokens


def _plans(db_copy: Path, members: list[list[int]]) -> list[list[dict]]:
    """Per client, PER_CLIENT free slots that cannot collide with another client's (own caseworkers) or its own."""
    from portal import create_app
    from portal.extensions import db
    from portal.models import Caseworker, Member
    from portal.services.booking.conversation_types import rules
    from portal.services.booking.slots import free_slots

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_copy}", "SECRET_KEY": "bench"})
    buffer = rules().buffer
    plans: list[list[dict]] = [[] for _ in range(CLIENTS)]
    with app.app_context():
        caseworker_ids = list(db.session.scalars(select(Caseworker.id).order_by(Caseworker.id)))
        now = datetime.now(UTC)
        for index, cw in enumerate(caseworker_ids):
            client = index % CLIENTS
            if len(plans[client]) >= PER_CLIENT:
                continue
            for slot in free_slots(db.session, type="followup_phone", start=now, end=now + timedelta(days=55),
                                   now=now, caseworker_id=cw, member=db.session.get(Member, members[client][0])):
                plan = plans[client]
                if len(plan) >= PER_CLIENT:
                    break
                if all(slot.starts_at >= p["ends"] + buffer or slot.ends_at + buffer <= p["starts"] for p in plan):
                    plan.append({"caseworker_id": cw, "starts": slot.starts_at, "ends": slot.ends_at})
        db.engine.dispose()
    return plans


APP_MODULE = '''
from datetime import datetime, timezone
from flask import jsonify
from sqlalchemy import text
from portal import create_app
from portal.auth.decorators import public
from portal.extensions import csrf, db

app = create_app()


@app.route("/bench/insert", methods=["POST"])
@public
@csrf.exempt
def bench_insert():
    db.session.execute(text("INSERT INTO bench_insert (at) VALUES (:at)"),
                       {"at": datetime.now(timezone.utc).isoformat()})
    db.session.commit()
    return jsonify(ok=True), 201
'''


def _call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else b"")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as err:
        return err.code, _json(err.read())


def _json(raw: bytes):
    try:
        return json.loads(raw or b"null")
    except ValueError:  # e.g. an HTML error page
        return None


def _run_clients(work: list[list]) -> tuple[float, list[float], dict]:
    barrier = threading.Barrier(len(work))
    latencies: list[float] = []
    statuses: dict = {}
    lock = threading.Lock()

    def client(calls: list) -> None:
        barrier.wait()
        for call in calls:
            started = time.perf_counter()
            status, _ = call()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(calls,)) for calls in work]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, statuses


def _served(db_copy: Path, tmp: Path):
    (tmp / "bench_booking_app.py").write_text(APP_MODULE)
    env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{db_copy}", "PORTAL_SECRET_KEY": "bench",
           "PORTAL_INSTANCE_PATH": str(tmp), "PORTAL_BIND": f"127.0.0.1:{PORT}", "PORTAL_WORKERS": "4",
           "PORTAL_THREADS": "4", "PORTAL_LOG_LEVEL": "WARNING", "PORTAL_LOGIN_RATE_LIMIT": "100000 per minute",
           "PYTHONPATH": f"{tmp}:{ROOT}"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--preload",
                             "--access-logfile", "/dev/null", "bench_booking_app:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{PORT}"
    deadline = time.time() + 240
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the served app did not start") from None
            time.sleep(0.5)
    return proc, base


def run() -> dict:
    db_file, source, build_seconds = _database()
    listing = _listing_in_process(db_file)
    tmp = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    db_copy = tmp / "bench.sqlite3"
    shutil.copy(db_file, db_copy)
    members = _prepare(db_copy)
    plans = _plans(db_copy, members)
    tokens = _tokens(db_copy, members)
    proc, base = _served(db_copy, tmp)
    try:
        status, body = _call(base, "POST", "/api/v1/auth/token",
                             {"username": "medlem", "password": os.environ.get("PORTAL_DEMO_PASSWORD",
                                                                                "demo-adgangskode")})
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        location_id = listing["location_id"]
        now = datetime.now(UTC)
        query = (f"/api/v1/slots?type=followup_phone&location={location_id}&from={now.date().isoformat()}"
                 f"&to={(now + timedelta(weeks=4)).date().isoformat()}")
        http_times = []
        for _ in range(10):
            started = time.perf_counter()
            status, body = _call(base, "GET", query, token=tokens[0][0])
            http_times.append((time.perf_counter() - started) * 1000)
        listing["http_median_ms"] = round(statistics.median(http_times), 1)
        listing["http_p95_ms"] = round(_percentile(http_times, 0.95), 1)

        booking_work = [[(lambda p=p, t=t: _call(base, "POST", "/api/v1/me/bookings", {
            "type": "followup_phone", "caseworker_id": p["caseworker_id"], "channel": "phone",
            "starts_at": p["starts"].isoformat()}, t)) for p, t in zip(plan, client_tokens)]
            for plan, client_tokens in zip(plans, tokens)]
        booking_seconds, booking_lat, booking_status = _run_clients(booking_work)
        bare_work = [[(lambda: _call(base, "POST", "/bench/insert", {})) for _ in range(BARE_PER_CLIENT)]
                     for _ in range(CLIENTS)]
        bare_seconds, bare_lat, bare_status = _run_clients(bare_work)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    engine = create_engine(f"sqlite:///{db_copy}")
    with engine.connect() as conn:
        overlaps = conn.scalar(text(
            "SELECT count(*) FROM booking a JOIN booking b ON a.caseworker_id = b.caseworker_id AND a.id < b.id "
            "AND a.status IN ('booked','held') AND b.status IN ('booked','held') "
            "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"))
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    booked = booking_status.get(201, 0)
    booking_rps = booked / booking_seconds
    bare_rps = bare_status.get(201, 0) / bare_seconds
    return {
        "database": source, "members": MEMBERS, "build_seconds": round(build_seconds, 1),
        "slot_listing_4_weeks": listing,
        "booking_throughput": {
            "clients": CLIENTS, "requests": len(booking_lat), "statuses": booking_status,
            "bookings_per_second": round(booking_rps, 1), "median_ms": round(statistics.median(booking_lat), 1),
            "p95_ms": round(_percentile(booking_lat, 0.95), 1)},
        "bare_insert": {
            "clients": CLIENTS, "requests": len(bare_lat), "statuses": bare_status,
            "inserts_per_second": round(bare_rps, 1), "median_ms": round(statistics.median(bare_lat), 1),
            "p95_ms": round(_percentile(bare_lat, 0.95), 1)},
        "booking_to_bare_ratio": round(booking_rps / bare_rps, 3) if bare_rps else None,
        "overlapping_active_bookings_after_run": overlaps,
        "server": "gunicorn gthread, 4 workers x 4 threads, SQLite, loopback",
    }
