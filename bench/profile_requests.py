"""Where one request's time goes (issue 19): cProfile over many in-process requests to one path.

    python -m bench.profile_requests /bench/hello 2000          # anonymous, straight through the WSGI app
    python -m bench.profile_requests /min-side 200 medlem       # logged in (demo password), through the test client

Runs on a copy of the cached QUICK demo database (`make bench QUICK=1` seeds it), or on BENCH_DATABASE_URL as it is
(a seeded PostgreSQL database: `flask db upgrade` and `flask demo seed --members 20000 --seed 2026` on it), with the served settings of
bench/goals.py (log level WARNING unless PORTAL_LOG_LEVEL says otherwise). Prints the wall time per request and the
top functions by cumulative and by own time.
"""
from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import demo_database

PASSWORD = "demo-adgangskode"


def _app(work: Path):
    url = os.environ.get("BENCH_DATABASE_URL")  # e.g. a seeded PostgreSQL database, used as it is
    if not url:
        db_file, _ = demo_database(members=int(os.environ.get("BENCH_MEMBERS", "20000")))
        copy = work / "profile.sqlite3"
        shutil.copy(db_file, copy)
        url = f"sqlite:///{copy}"
    os.environ.update(PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY="bench-profile",
                      PORTAL_BENCH_ROUTES="1", PORTAL_INSTANCE_PATH=str(work),
                      PORTAL_LOGIN_RATE_LIMIT="1000000 per minute")
    os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
    from portal import create_app

    return create_app()


def _login(app, username: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"login": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    return client


def wsgi_get(app, path: str):
    """One GET straight through the WSGI callable (no test client: its own cost would hide the app's)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
               "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    body = app(environ, start_response)
    b"".join(body)
    getattr(body, "close", lambda: None)()


def main(argv: list[str]) -> int:
    path, n = argv[0], int(argv[1]) if len(argv) > 1 else 1000
    username = argv[2] if len(argv) > 2 else None
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        app = _app(work)
        if username:
            client = _login(app, username)

            def get():
                assert client.get(path).status_code == 200
        else:
            def get():
                wsgi_get(app, path)
        for _ in range(20):
            get()
        started = time.perf_counter()
        for _ in range(n):
            get()
        per_request = (time.perf_counter() - started) / n * 1000
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            get()
        profiler.disable()
        print(f"{path}: {per_request:.3f} ms per request unprofiled ({n} requests)")
        profiler.dump_stats(os.environ.get("PROFILE_OUT", "/tmp/profile.out"))
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
