"""PostgreSQL round trips, before and after portal.db_connections, side by side in one process (issue 19).

    python -m bench.pg_round_trips                  # seeds a fresh 20,000-member database on BENCH_POSTGRES_URL
    BENCH_DATABASE_URL=postgresql+psycopg://…/db python -m bench.pg_round_trips   # an already seeded one
    BEFORE=begin python -m bench.pg_round_trips     # "before": every transaction begun at its first statement

"before" is how the portal used PostgreSQL until this change: `pool_pre_ping` (one `;` round trip at every
checkout) and every request's transaction ending in ROLLBACK, which makes psycopg forget the statements it had
prepared. "after" is portal.db_connections: the socket check at checkout and COMMIT after a request that only read.
With BEFORE=begin, "before" is portal.db_connections without its lazy start (`begin_before_write`): psycopg sends
BEGIN before a request's first statement, read or write, and the request's end sends COMMIT or ROLLBACK.
Two apps run in this process, one each way, with their own pools on the same database; their requests alternate one
by one (WARM=10 first, then RUNS=150 a page each), so both see the same machine. Prints per page the median of each
and their ratio, and the round trips of one request (every `psycopg` network wait counted); writes
bench/results/pg-round-trips-<time>.md and .json.
"""
from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.pool import Pool

from bench import goals
from bench.common import ROOT

WARM = int(os.environ.get("WARM", "10"))  # psycopg prepares a statement at its sixth run on a connection
RUNS = int(os.environ.get("RUNS", "150"))
BEFORE = os.environ.get("BEFORE", "pre_ping")  # what "before" is: pre_ping (the default) or begin


class RoundTrips:
    """Counts psycopg's round trips to the server: the calls of `Connection.wait` whose generator had to wait for
    the socket at least once, and the BEGIN psycopg sends inside the first statement's wait. psycopg also runs
    generators that need no network through `wait` (a commit or rollback outside a transaction, setting
    autocommit): those are not counted."""

    def __init__(self) -> None:
        import psycopg

        self.n = 0
        self._wait = psycopg.Connection.wait
        counter = self

        def counted(gen):
            try:
                value = next(gen)
            except StopIteration as stop:
                return stop.value
            counter.n += 1
            while True:
                sent = yield value
                try:
                    value = gen.send(sent)
                except StopIteration as stop:
                    return stop.value

        def wait(connection, gen, *args, **kwargs):
            return counter._wait(connection, counted(gen), *args, **kwargs)

        psycopg.Connection.wait = wait
        self._exec_command = psycopg.Connection._exec_command

        def exec_command(connection, command, *args, **kwargs):
            # BEGIN goes out inside the wait of the transaction's first statement: a round trip of its own
            # (queued with the statements in pipeline mode)
            if isinstance(command, bytes) and command.startswith(b"BEGIN") and not connection._pipeline:
                counter.n += 1
            return counter._exec_command(connection, command, *args, **kwargs)

        psycopg.Connection._exec_command = exec_command


def _as_before(app) -> None:
    """Make `app` use PostgreSQL as the portal did before portal.db_connections: pre-ping at every checkout, no
    socket check, and every request's transaction closed by the session's ROLLBACK."""
    from sqlalchemy import event

    from portal import db_connections
    from portal.extensions import db

    with app.app_context():
        pool = db.engine.pool
    pool._pre_ping = True
    if event.contains(Pool, "checkout", db_connections.discard_dropped_connection):
        event.remove(Pool, "checkout", db_connections.discard_dropped_connection)
    app.teardown_appcontext_funcs[:] = [f for f in app.teardown_appcontext_funcs
                                        if f.__name__ != "_commit_if_only_read"]


def _begin_at_first_statement(app) -> None:
    """Make `app` begin each transaction at its first statement, as psycopg does by itself (BEFORE=begin): its
    engine names READ COMMITTED as every connection's isolation level, which the lazy start leaves alone. (Not by
    taking the hook off one engine: a listener added to one engine after the class-wide one was removed was seen
    on the other engine's connections too.)"""
    from portal.extensions import db

    with app.app_context():
        db.engine.update_execution_options(isolation_level="READ COMMITTED")


def _as_now(app) -> None:
    from sqlalchemy import event

    from portal import db_connections
    from portal.extensions import db

    with app.app_context():
        event.listen(db.engine.pool, "checkout", db_connections.discard_dropped_connection)


def run(url: str) -> dict:
    """Two apps in this process, each with its own engine and pool: one as before, one as now. Requests alternate
    between them one by one, so both see the same moments of the machine; each keeps its own connections (and
    so its own prepared statements)."""
    work = Path(tempfile.mkdtemp(prefix="bench-pg-round-trips-"))
    os.environ.update(PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY="bench-pg", PORTAL_LOG_LEVEL="WARNING",
                      PORTAL_INSTANCE_PATH=str(work), PORTAL_LOGIN_RATE_LIMIT="1000000 per minute")
    from portal import create_app

    apps = {"before": create_app({"KPI_CACHE_SECONDS": 0}), "after": create_app({"KPI_CACHE_SECONDS": 0})}
    if BEFORE == "begin":
        _begin_at_first_statement(apps["before"])
    else:
        _as_before(apps["before"])
        _as_now(apps["after"])
    trips = RoundTrips()
    pages = {name: goals.goal_pages(app) for name, app in apps.items()}
    times = {(v, key): [] for v in apps for key in pages["after"]}
    round_trips = {}
    for key in pages["after"]:
        for _ in range(WARM):
            for v in apps:
                client, path, *before = pages[v][key]
                for prepare in before:
                    prepare()
                assert client.get(path).status_code == 200, path
        for _ in range(RUNS):
            for v in apps:
                client, path, *before = pages[v][key]
                for prepare in before:
                    prepare()
                trips.n = 0
                started = time.perf_counter()
                assert client.get(path).status_code == 200, path
                times[(v, key)].append((time.perf_counter() - started) * 1000)
                round_trips[(v, key)] = trips.n
    out = {}
    for key, (_, path, *_before) in pages["after"].items():
        before, after = (statistics.median(times[(v, key)]) for v in apps)
        out[key] = {"path": path, "before_ms": round(before, 2), "after_ms": round(after, 2),
                    "ratio": round(after / before, 3), "round_trips_before": round_trips[("before", key)],
                    "round_trips_after": round_trips[("after", key)]}
    return out


def markdown(result: dict, header: str) -> str:
    lines = [header, "", "| page | before | after | after ÷ before | round trips before → after |",
             "| --- | --- | --- | --- | --- |"]
    for row in result.values():
        lines.append(f"| `{row['path']}` | {row['before_ms']} ms | {row['after_ms']} ms | {row['ratio']} | "
                     f"{row['round_trips_before']} → {row['round_trips_after']} |")
    return "\n".join(lines)


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL")
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if not url:
            database = stack.enter_context(goals.Database(goals.Mode(quick=True, pg=True)))
            url = database.pg_url
        result = run(url)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    command = ("" if BEFORE == "pre_ping" else f"BEFORE={BEFORE} ") + "python -m bench.pg_round_trips"
    header = (f"`{command}` at {stamp}, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} at the end, {RUNS} requests a page to each app, alternating one by one "
              f"after {WARM} warm-up requests, medians; wall {time.perf_counter() - started:.0f} s")
    table = markdown(result, header)
    print(table)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"pg-round-trips-{stamp}.md").write_text(table + "\n")
    (results / f"pg-round-trips-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"   written bench/results/pg-round-trips-{stamp}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
