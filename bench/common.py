"""Shared benchmark helpers: a cached demo database at 250,000 members, peak memory, served apps."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"


def enter_tree(tree: str, db_file: str, work: str, name: str, **settings: str) -> None:
    """In a child process that measures `tree`: import the portal from there, on BENCH_DATABASE_URL as it is (a
    seeded PostgreSQL database both trees share) or on a copy of the demo file in `work`."""
    import shutil

    sys.path.insert(0, tree)
    os.chdir(tree)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        copy = Path(work) / f"{name}.sqlite3"
        shutil.copy(db_file, copy)
        url = f"sqlite:///{copy}"
    os.environ.update(PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY=f"bench-{name}", PORTAL_LOG_LEVEL="WARNING",
                      PORTAL_INSTANCE_PATH=work, PORTAL_LOGIN_RATE_LIMIT="1000000 per minute", **settings)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def flask(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)


def bench_env(db_file: Path) -> dict:
    env = dict(os.environ)
    env.update(PORTAL_DATABASE_URL=f"sqlite:///{db_file}", PORTAL_SECRET_KEY="bench", PORTAL_LOG_LEVEL="WARNING",
               PORTAL_INSTANCE_PATH=str(CACHE))
    return env


def demo_database(members: int = 250_000, seed: int = 2026, fresh: bool = False) -> tuple[Path, float]:
    """A migrated, seeded SQLite file (cached between runs). Returns (path, seed seconds or 0.0 if cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    db_file = CACHE / f"demo-{members}-{seed}.sqlite3"
    if db_file.exists() and not fresh:
        flask(["db", "upgrade"], bench_env(db_file))  # seeded by older code: its newer migrations (data stays)
        return db_file, 0.0
    db_file.unlink(missing_ok=True)
    env = bench_env(db_file)
    flask(["db", "upgrade"], env)
    started = time.perf_counter()
    flask(["demo", "seed", "--members", str(members), "--seed", str(seed)], env)
    return db_file, time.perf_counter() - started


def alternating_rounds(procs: dict, rounds: int, reads: int):
    """Drive child processes (one per tree, each reading a count on stdin and printing one JSON line of results)
    round by round, the order reversed every other round so no tree always runs first; yields (name, result)."""
    import json

    names = list(procs)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else list(reversed(names))):
            procs[name].stdin.write(f"{reads}\n")
            procs[name].stdin.flush()
            yield name, json.loads(procs[name].stdout.readline())
