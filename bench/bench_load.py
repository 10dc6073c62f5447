"""Issue: quality gates. gunicorn with the production config on loopback, demo at 250,000 members; locust (headless)
runs the mixed member + caseworker workload for 60 s at 16 and 64 concurrent users, and Min side against a bare
"hello" route on the same server in the same run (the ratio).

Both database paths are measured: the embedded SQLite file and PostgreSQL (the production path; a fresh database on
`BENCH_POSTGRES_URL`, default the machine's 127.0.0.1:5432, dropped afterwards; skipped with a note when no server
answers). Users arrive at `BENCH_SPAWN_RATE` per second (default 8): a realistic ramp, not 64 logins in one instant.
"""
from __future__ import annotations

import csv
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bench.common import ROOT, demo_database
from tests.live import free_port

DURATION = os.environ.get("BENCH_LOAD_SECONDS", "60")
RATIO_DURATION = os.environ.get("BENCH_RATIO_SECONDS", "40")
RATIO_WARMUP = float(os.environ.get("BENCH_RATIO_WARMUP_SECONDS", "10"))
SPAWN_RATE = os.environ.get("BENCH_SPAWN_RATE", "8")
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MEMBERS = int(os.environ.get("BENCH_LOAD_MEMBERS", "250000"))


def _prepare_logins(url: str) -> dict:
    """Give 200 Odense members a login (demo password) and list Odense caseworkers and member numbers."""
    from portal.models import Caseworker, Member, ServiceLocation, User
    from portal.timeutil import utcnow

    engine = create_engine(url)
    with engine.begin() as conn:
        pw_hash = conn.scalar(select(User.password_hash).where(User.username == "medlem"))
        odense = conn.scalar(select(ServiceLocation.id).where(ServiceLocation.name == "Odense"))
        members = conn.execute(select(Member.id, Member.member_number).where(
            Member.location_id == odense, Member.status == "ledig", Member.user_id.is_(None))
            .order_by(Member.id).limit(200)).all()
        logins = []
        for member_id, number in members:
            username = f"bench-{number}"
            user_id = conn.execute(insert(User).values(
                username=username, password_hash=pw_hash, role="member", display_name=username, locale="da",
                active=True, failed_logins=0, session_generation=0, created_at=utcnow()).returning(User.id)).scalar()
            conn.execute(Member.__table__.update().where(Member.id == member_id).values(user_id=user_id))
            logins.append(username)
        caseworkers = conn.scalars(select(User.username).join(Caseworker, Caseworker.user_id == User.id)
                                   .where(Caseworker.location_id == odense)).all()
    engine.dispose()
    return {"members": logins, "caseworkers": list(caseworkers), "numbers": [n for _, n in members]}


def _wait_healthy(url: str, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:  # noqa: BLE001 - still starting
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not become healthy")


def _warm_up(url: str, workers: int) -> None:
    """Every worker has imported the app and opened its pool before the clock starts: a run measures the portal,
    not gunicorn's start-up (an unwarmed first run showed connection errors while workers were still booting)."""
    for _ in range(workers * 8):
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            response.read()


def _locust(url: str, classes: list[str], users: int, seconds: str, env: dict, out: Path) -> dict:
    prefix = out / f"{'-'.join(classes)}-{users}"
    run = subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), *classes,
                          "--headless", "-u", str(users), "-r", SPAWN_RATE, "-t", f"{seconds}s", "--host", url,
                          "--csv", str(prefix), "--csv-full-history", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                         env=env, cwd=ROOT, check=False, capture_output=True, text=True)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if len(rows) <= 1:  # only the aggregate line: locust ran nothing, say why
        raise RuntimeError(f"locust {classes} ran no request: {run.stderr[-1500:]}")
    result = {}
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with open(failures_file, newline="") as fh:
            result["failure_reasons"] = [f"{r['Method']} {r['Name']}: {r['Error'][:200]} × {r['Occurrences']}"
                                         for r in csv.DictReader(fh)][:10]
    for row in rows:
        name = row["Name"] if row["Type"] else "Aggregated"
        result[name] = {
            "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1), "p50_ms": _num(row["50%"]), "p95_ms": _num(row["95%"]),
            "p99_ms": _num(row["99%"]),
        }
    return result


def _steady_rps(classes: list[str], users: int, out: Path, name: str, skip_seconds: float) -> float | None:
    """Requests/s of `name` after the first `skip_seconds` (the users' logins) from locust's per-second history."""
    with open(out / f"{'-'.join(classes)}-{users}_stats_history.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return None
    start = min(int(r["Timestamp"]) for r in rows) + skip_seconds
    points = [(int(r["Timestamp"]), int(r["Total Request Count"])) for r in rows
              if r["Name"] == name and int(r["Timestamp"]) >= start]
    if len(points) < 2 or points[-1][0] == points[0][0]:
        return None
    return round((points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0]), 1)


def _num(value: str):
    try:
        return float(value)
    except ValueError:
        return None


def _flask(args: list[str], env: dict) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=ROOT, check=True,
                   capture_output=True, env=env)


def _measure(db_url: str, work: Path, database: str) -> dict:
    """Serve `db_url` with the production gunicorn config and run the workloads against it."""
    logins = _prepare_logins(db_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PORTAL_DATABASE_URL=db_url,  # plain http on loopback: no Secure cookies
               PORTAL_SECRET_KEY="bench-load", PORTAL_BENCH_ROUTES="1", PORTAL_BIND=f"127.0.0.1:{port}",
               PORTAL_LOG_LEVEL="WARNING", PORTAL_LOGIN_RATE_LIMIT="1000000 per minute",
               PORTAL_INSTANCE_PATH=str(work), BENCH_MEMBER_LOGINS=",".join(logins["members"]),
               BENCH_CASEWORKER_LOGINS=",".join(logins["caseworkers"]),
               BENCH_MEMBER_NUMBERS=",".join(logins["numbers"]))
    workers = int(env.get("PORTAL_WORKERS", os.cpu_count() * 2 + 1))
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                               "portal:create_app()"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_healthy(url)
        _warm_up(url, workers)
        results = {"database": database, "workers": workers, "threads": int(env.get("PORTAL_THREADS", 2)),
                   "spawn_rate_per_s": int(SPAWN_RATE), "seconds": int(DURATION)}
        for users in (16, 64):
            results[f"mixed_{users}_users"] = _locust(url, ["MemberUser", "CaseworkerUser"], users, DURATION, env,
                                                      work)
        hello = _locust(url, ["HelloUser"], 16, RATIO_DURATION, env, work)
        minside = _locust(url, ["MinSideUser"], 16, RATIO_DURATION, env, work)
        results["hello_16_users"] = hello
        results["minside_16_users"] = minside
        # Both in steady state: after every user has logged in (Min side) or connected (hello).
        hello_rps = _steady_rps(["HelloUser"], 16, work, "GET /bench/hello", RATIO_WARMUP)
        minside_rps = _steady_rps(["MinSideUser"], 16, work, "GET /min-side", RATIO_WARMUP)
        results["steady_rps"] = {"hello": hello_rps, "minside": minside_rps, "skipped_first_seconds": RATIO_WARMUP}
        results["minside_to_hello_throughput_ratio"] = (round(minside_rps / hello_rps, 3)
                                                         if hello_rps and minside_rps else None)
        results["errors_total"] = sum(v["Aggregated"]["failures"] for k, v in results.items()
                                      if k.startswith("mixed_"))
        return results
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _sqlite(work: Path) -> dict:
    source, _ = demo_database(members=MEMBERS, seed=99)  # the seed bench's database: built by the current code
    db_file = work / "load.sqlite3"
    shutil.copy(source, db_file)
    db_url = f"sqlite:///{db_file}"
    _flask(["db", "upgrade"], dict(os.environ, PORTAL_DATABASE_URL=db_url, PORTAL_SECRET_KEY="bench",
                                   PORTAL_INSTANCE_PATH=str(work)))
    return _measure(db_url, work, "sqlite")


def _postgresql(work: Path) -> dict:
    base = make_url(POSTGRES)
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - a machine without PostgreSQL measures SQLite only
        return {"skipped": f"no PostgreSQL answers at {base.render_as_string(hide_password=True)} "
                           f"({type(exc).__name__})"}
    name = f"bench_load_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
    db_url = base.set(database=name).render_as_string(hide_password=False)
    try:
        env = dict(os.environ, PORTAL_DATABASE_URL=db_url, PORTAL_SECRET_KEY="bench", PORTAL_INSTANCE_PATH=str(work))
        _flask(["db", "upgrade"], env)
        started = time.perf_counter()
        _flask(["demo", "seed", "--members", str(MEMBERS), "--seed", "99"], env)
        seed_seconds = round(time.perf_counter() - started, 1)
        with create_engine(db_url).connect() as conn:  # fresh statistics, as autovacuum would have by now
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        return {"seed_seconds": seed_seconds, **_measure(db_url, work, "postgresql")}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run() -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        return {"sqlite": _sqlite(work), "postgresql": _postgresql(work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
