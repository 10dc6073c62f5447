"""What one page's SQL statements take, one by one (issue 19): the wall time of each statement a request runs,
measured around the DBAPI call (SQLAlchemy's cursor events), median over many reads.

    BENCH_DATABASE_URL=postgresql+psycopg://…/db python -m bench.statement_times /sagsbehandler/ 200 sagsbehandler

On BENCH_DATABASE_URL as it is, or a copy of the cached QUICK demo database (bench.profile_requests). After 10
warm-up reads (psycopg prepares a statement at its sixth run), prints the page's median wall time, each
statement's runs per read and median time, and their sum per read: what is left is the portal's own Python.
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.profile_requests import _app, _login


def main(argv: list[str]) -> int:
    path, n, username = argv[0], int(argv[1]), argv[2]
    work = Path(tempfile.mkdtemp(prefix="bench-statements-"))
    try:
        from sqlalchemy import event

        from portal.extensions import db

        app = _app(work)
        client = _login(app, username)
        with app.app_context():
            engine = db.engine
        for _ in range(10):
            assert client.get(path).status_code == 200, path
        times: dict[str, list[float]] = {}

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            elapsed = time.perf_counter() - conn.info.pop("bench_started")
            times.setdefault(" ".join(statement.split())[:110], []).append(elapsed)

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        walls = []
        for _ in range(n):
            started = time.perf_counter()
            assert client.get(path).status_code == 200, path
            walls.append(time.perf_counter() - started)
        print(f"{path}: median {statistics.median(walls) * 1000:.2f} ms a read ({n} reads)")
        total = 0.0
        for statement, spent in times.items():
            median = statistics.median(spent) * 1000
            total += median * len(spent) / n
            print(f"{len(spent) / n:4.1f} × {median:6.3f} ms  {statement}")
        print(f"statements: {total:.2f} ms a read")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
