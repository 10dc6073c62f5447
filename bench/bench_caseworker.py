"""Issue 7 (caseworker workspace). At 250,000 members, on a served app (gunicorn, production config):
1. the caseload page for the demo caseworker ("Mine medlemmer") and for the central unit (every member, overdue
   filter, sorted by due date): median and p95;
2. the conversation screen (samtalebillede) for the demo member and for random members: median and p95;
3. the number of SQL statements each page issues (SQLAlchemy event counter, in-process), for two page sizes of
   data, to show there is no N+1.

Uses its own cached file bench/.cache/caseworker-250000-<seed>.sqlite3 (foundation + plan, booking and casework
steps; built once, a few minutes). The served app works on a copy. Env: BENCH_CASEWORKER_PORT (5107),
BENCH_CASEWORKER_RUNS (40).
"""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from bench.common import CACHE, ROOT

MEMBERS = 250_000
SEED = 2026
PORT = int(os.environ.get("BENCH_CASEWORKER_PORT", "5107"))
RUNS = int(os.environ.get("BENCH_CASEWORKER_RUNS", "40"))
PASSWORD = "demo-adgangskode"


def _database() -> tuple[Path, float]:
    own = CACHE / f"caseworker-{MEMBERS}-{SEED}.sqlite3"
    if own.exists():
        return own, 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = own.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    script = (
        "from flask_migrate import upgrade\n"
        "from portal import create_app\n"
        "from portal.demo import seed_demo\n"
        "from portal.extensions import db\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp}'}})\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        f"    print(seed_demo(db.session, members={MEMBERS}, seed={SEED}, password='{PASSWORD}',\n"
        "                    areas=['plan', 'booking', 'casework']))\n"
    )
    started = time.perf_counter()
    env = {**os.environ, "PORTAL_SECRET_KEY": "bench", "PORTAL_LOG_LEVEL": "WARNING",
           "PORTAL_INSTANCE_PATH": str(CACHE)}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    tmp.rename(own)
    return own, time.perf_counter() - started


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stats(values: list[float]) -> dict:
    return {"runs": len(values), "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(_percentile(values, 0.95), 1), "max_ms": round(max(values), 1)}


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, str, float]:
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=60) as response:
            body = response.read().decode()
            return response.status, body, (time.perf_counter() - started) * 1000

    def login(self, username: str) -> None:
        _, html, _ = self.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({"login": username, "password": PASSWORD, "csrf_token": token}).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=60) as response:
            response.read()


def _serve(db_copy: Path) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_DATABASE_URL": f"sqlite:///{db_copy}", "PORTAL_SECRET_KEY": "bench",
           "PORTAL_LOG_LEVEL": "WARNING", "PORTAL_ENV": "development", "PORTAL_INSTANCE_PATH": str(db_copy.parent),
           "PORTAL_LOGIN_RATE_LIMIT": "1000 per minute"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{PORT}", "portal:create_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("the served app did not start")


def _sample_members(db_file: Path, location: str, n: int) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(db_file)
    rows = conn.execute("SELECT member_number FROM member JOIN service_location ON service_location.id = "
                        "member.location_id WHERE service_location.name = ? AND member.status = 'ledig' "
                        "ORDER BY member.id LIMIT 2000", (location,)).fetchall()
    conn.close()
    return [r[0] for r in random.Random(SEED).sample(rows, min(n, len(rows)))]


def _timed(browser: Browser, paths: list[str]) -> dict:
    browser.get(paths[0])  # warm
    times = []
    for i in range(RUNS):
        status, _, ms = browser.get(paths[i % len(paths)])
        assert status == 200, status
        times.append(ms)
    return _stats(times)


def _query_counts(db_copy: Path, members: list[str]) -> dict:
    """Statements per page, in-process (test client), for the same pages as the served run."""
    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_copy}", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "1000 per minute"})
    result = {}
    with app.app_context():
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

        def count(client, path: str) -> int:
            client.get(path)  # warm (stored next steps)
            statements.clear()
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return len(statements)

        for username, label, paths in (
            ("sagsbehandler", "caseload_mine", ["/sagsbehandler/", "/sagsbehandler/?sorter=name"]),
            ("sb-valby-1", "caseload_central_all_overdue",
             ["/sagsbehandler/?omfang=all&overskredet=1", "/sagsbehandler/?omfang=all&overskredet=1&side=40"]),
            ("sagsbehandler", "conversation_screen",
             ["/sagsbehandler/medlem/1000001"] + [f"/sagsbehandler/medlem/{m}" for m in members[:1]]),
        ):
            client = app.test_client()
            client.post("/login", data={"login": username, "password": PASSWORD})
            result[label] = [count(client, p) for p in paths]
        db.session.remove()
        db.engine.dispose()
    return result


def run() -> dict:
    db_file, seed_seconds = _database()
    workdir = Path(tempfile.mkdtemp(prefix="bench-caseworker-"))
    db_copy = workdir / "portal.sqlite3"
    shutil.copy(db_file, db_copy)
    members = _sample_members(db_copy, "Odense", 20)
    result: dict = {"members": MEMBERS, "database": db_file.name, "seed_seconds": round(seed_seconds, 1)}
    proc = _serve(db_copy)
    try:
        base = f"http://127.0.0.1:{PORT}"
        cw = Browser(base)
        cw.login("sagsbehandler")
        result["caseload_mine"] = _timed(cw, ["/sagsbehandler/", "/sagsbehandler/?sorter=name",
                                              "/sagsbehandler/?gruppe=2", "/sagsbehandler/?q=jens"])
        central = Browser(base)
        central.login("sb-valby-1")
        result["caseload_central_all_overdue"] = _timed(central, [
            "/sagsbehandler/?omfang=all&overskredet=1", "/sagsbehandler/?omfang=all&overskredet=1&side=7",
            "/sagsbehandler/?omfang=all&q=nielsen", "/sagsbehandler/?omfang=all&gruppe=2b&sorter=weeks"])
        result["conversation_screen"] = _timed(cw, [f"/sagsbehandler/medlem/{m}" for m in members] +
                                               ["/sagsbehandler/medlem/1000001"])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    result["sql_statements_per_page"] = _query_counts(db_copy, members)
    result["note"] = ("sql_statements_per_page lists the count for each of two pages with different rows; equal "
                      "counts mean no per-row queries (no N+1).")
    shutil.rmtree(workdir, ignore_errors=True)
    return result
