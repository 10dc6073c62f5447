"""Issue: quality gates. gunicorn with the production config on loopback, demo at 250,000 members; locust (headless)
runs the mixed member + caseworker workload for 60 s at 16 and 64 concurrent users, and Min side against a bare
"hello" route on the same server in the same run (the ratio)."""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from bench.common import ROOT, demo_database
from tests.live import free_port

DURATION = os.environ.get("BENCH_LOAD_SECONDS", "60")
RATIO_DURATION = os.environ.get("BENCH_RATIO_SECONDS", "30")


def _prepare_logins(db_file: Path) -> dict:
    """Give 200 Odense members a login (demo password) and list Odense caseworkers and member numbers."""
    from portal.models import Caseworker, Member, ServiceLocation, User

    engine = create_engine(f"sqlite:///{db_file}")
    with engine.begin() as conn:
        pw_hash = conn.scalar(select(User.password_hash).where(User.username == "medlem"))
        odense = conn.scalar(select(ServiceLocation.id).where(ServiceLocation.name == "Odense"))
        members = conn.execute(select(Member.id, Member.member_number).where(
            Member.location_id == odense, Member.status == "ledig", Member.user_id.is_(None)).limit(200)).all()
        from portal.timeutil import utcnow

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


def _wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:  # noqa: BLE001 - still starting
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not become healthy")


def _locust(url: str, classes: list[str], users: int, seconds: str, env: dict, out: Path) -> dict:
    prefix = out / f"{'-'.join(classes)}-{users}"
    subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), *classes,
                    "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", url,
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                   env=env, cwd=ROOT, check=False, capture_output=True)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
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


def _num(value: str):
    try:
        return float(value)
    except ValueError:
        return None


def run() -> dict:
    source, _ = demo_database(members=250_000, seed=99)  # the seed bench's database: built by the current code
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    db_file = work / "load.sqlite3"
    shutil.copy(source, db_file)
    subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "db", "upgrade"], cwd=ROOT, check=True,
                   capture_output=True, env=dict(os.environ, PORTAL_DATABASE_URL=f"sqlite:///{db_file}",
                                                 PORTAL_SECRET_KEY="bench", PORTAL_INSTANCE_PATH=str(work)))
    logins = _prepare_logins(db_file)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PORTAL_DATABASE_URL=f"sqlite:///{db_file}",  # plain http on loopback: no Secure cookies
               PORTAL_SECRET_KEY="bench-load", PORTAL_BENCH_ROUTES="1", PORTAL_BIND=f"127.0.0.1:{port}",
               PORTAL_LOG_LEVEL="WARNING", PORTAL_LOGIN_RATE_LIMIT="1000000 per minute",
               PORTAL_INSTANCE_PATH=str(work), BENCH_MEMBER_LOGINS=",".join(logins["members"]),
               BENCH_CASEWORKER_LOGINS=",".join(logins["caseworkers"]),
               BENCH_MEMBER_NUMBERS=",".join(logins["numbers"]))
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                               "portal:create_app()"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_healthy(url)
        results = {"workers": int(env.get("PORTAL_WORKERS", os.cpu_count() * 2 + 1)), "database": "sqlite"}
        for users in (16, 64):
            results[f"mixed_{users}_users"] = _locust(url, ["MemberUser", "CaseworkerUser"], users, DURATION, env,
                                                      work)
        hello = _locust(url, ["HelloUser"], 16, RATIO_DURATION, env, work)["Aggregated"]
        minside = _locust(url, ["MinSideUser"], 16, RATIO_DURATION, env, work)["GET /min-side"]
        results["hello_16_users"] = hello
        results["minside_16_users"] = minside
        results["minside_to_hello_throughput_ratio"] = round(minside["rps"] / hello["rps"], 3) if hello["rps"] else None
        results["errors_total"] = sum(v["Aggregated"]["failures"] for k, v in results.items()
                                      if k.startswith("mixed_"))
        return results
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
