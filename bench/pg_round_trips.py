"""PostgreSQL round trips, before and after portal.db_connections, side by side in one process (issue 19).

    python -m bench.pg_round_trips                  # seeds a fresh 20,000-member database on BENCH_POSTGRES_URL
    BENCH_DATABASE_URL=postgresql+psycopg://…/db python -m bench.pg_round_trips   # an already seeded one

"before" is how the portal used PostgreSQL until this change: `pool_pre_ping` (one `;` round trip at every
checkout) and every request's transaction ending in ROLLBACK, which makes psycopg forget the statements it had
prepared. "after" is portal.db_connections: the socket check at checkout and COMMIT after a request that only read.
The two alternate round by round (ROUNDS=8, RUNS=10 requests a page and round) on the same app, database and
signed-in clients, so both see the same machine. Prints per page the median of each and their ratio, and the
round trips of one request (every `psycopg` network wait counted); writes bench/results/pg-round-trips-<time>.md
and .json.
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

from bench import goals
from bench.common import ROOT

ROUNDS = int(os.environ.get("ROUNDS", "8"))
RUNS = int(os.environ.get("RUNS", "10"))


class RoundTrips:
    """Counts psycopg's network waits (each one a round trip to the server)."""

    def __init__(self) -> None:
        import psycopg

        self.n = 0
        self._wait = psycopg.Connection.wait
        counter = self

        def wait(connection, *args, **kwargs):
            counter.n += 1
            return counter._wait(connection, *args, **kwargs)

        psycopg.Connection.wait = wait


def _variant(app, name: str) -> None:
    """Switch the app between how it used PostgreSQL before portal.db_connections and after."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from portal import db_connections
    from portal.extensions import db

    before = name == "before"
    with app.app_context():
        db.engine.pool._pre_ping = before
    if before and event.contains(Pool, "checkout", db_connections.discard_dropped_connection):
        event.remove(Pool, "checkout", db_connections.discard_dropped_connection)
    elif not before:
        event.listen(Pool, "checkout", db_connections.discard_dropped_connection)
    _variant.commit_if_only_read = getattr(_variant, "commit_if_only_read", db_connections.commit_if_only_read)
    db_connections.commit_if_only_read = (lambda session, error: None) if before else _variant.commit_if_only_read


def run(url: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-pg-round-trips-"))
    os.environ.update(PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY="bench-pg", PORTAL_LOG_LEVEL="WARNING",
                      PORTAL_INSTANCE_PATH=str(work), PORTAL_LOGIN_RATE_LIMIT="1000000 per minute")
    from portal import create_app

    app = create_app({"KPI_CACHE_SECONDS": 0})
    trips = RoundTrips()
    pages = goals.goal_pages(app)
    variants = ("before", "after")
    times = {(v, key): [] for v in variants for key in pages}
    round_trips = {}
    for _ in range(ROUNDS):
        for variant in variants:
            _variant(app, variant)
            for key, (client, path) in pages.items():
                for _ in range(3):  # the variant's steady state (after: statements prepared again)
                    assert client.get(path).status_code == 200, path
                for _ in range(RUNS):
                    trips.n = 0
                    started = time.perf_counter()
                    assert client.get(path).status_code == 200, path
                    times[(variant, key)].append((time.perf_counter() - started) * 1000)
                    round_trips[(variant, key)] = trips.n
    _variant(app, "after")
    out = {}
    for key, (_, path) in pages.items():
        before, after = (statistics.median(times[(v, key)]) for v in variants)
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
    header = (f"`python -m bench.pg_round_trips` at {stamp}, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f} at the end, {ROUNDS} alternating rounds × {RUNS} requests a page, "
              f"medians; wall {time.perf_counter() - started:.0f} s")
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
