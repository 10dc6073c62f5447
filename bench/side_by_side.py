"""Before and after in one run (issue 19): bare Flask, the portal from another tree and this tree's portal, all
served by `gunicorn -c gunicorn.conf.py` at once, alternating rounds with bench/goals.py's load generator.

    git archive <commit> | tar -x -C /tmp/base     # plus its compiled translations (make setup) or a copy of them
    python -m bench.side_by_side /tmp/base          # ROUNDS=5 SECONDS_PER=4 MINSIDE=0 PORTAL_MAX_REQUESTS=0 …
    BENCH_DATABASE_URL=postgresql+psycopg://…/db python -m bench.side_by_side /tmp/base   # a PostgreSQL database
                                                    # seeded with `flask demo seed --members 20000 --seed 2026`

Prints, per measure, the rounds' req/s, the median's ratio to the bare app, and the server's own CPU time per
request (its processes in /proc; a worker recycled during a round takes its CPU time with it, so read the CPU
column from a run with PORTAL_MAX_REQUESTS=0).
"""
from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import goals
from bench.common import ROOT, demo_database


def cpu_seconds(master: int) -> float:
    """utime + stime of a gunicorn master and its live workers."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(pid) == master or int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def start(app: str, env: dict, port: int, tree: Path) -> subprocess.Popen:
    return goals.gunicorn_server(app, {**env, "PYTHONPATH": str(tree)}, port, tree)


def main(argv: list[str]) -> int:
    base = Path(argv[0]).resolve()
    rounds_n, seconds = int(os.environ.get("ROUNDS", "3")), float(os.environ.get("SECONDS_PER", "4"))
    db_file, _ = demo_database(members=int(os.environ.get("BENCH_MEMBERS", "20000")))
    work = Path(tempfile.mkdtemp(prefix="bench-sbs-"))
    procs: dict[str, subprocess.Popen] = {}
    ports: dict[str, int] = {}
    try:
        for name, tree, app in (("bare", ROOT, "bench.bare_app:app"), ("base", base, "portal:create_app()"),
                                ("new", ROOT, "portal:create_app()")):
            url = os.environ.get("BENCH_DATABASE_URL")  # a seeded PostgreSQL database, both trees on it as it is
            if not url:
                copy = work / f"{name}.sqlite3"
                shutil.copy(db_file, copy)
                url = f"sqlite:///{copy}"
            (work / name).mkdir()
            env = dict(os.environ, PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY="bench-goals",
                       PORTAL_BENCH_ROUTES="1", PORTAL_LOG_LEVEL=os.environ.get("PORTAL_LOG_LEVEL", "WARNING"),
                       PORTAL_LOGIN_RATE_LIMIT="1000000 per minute", PORTAL_INSTANCE_PATH=str(work / name))
            ports[name] = goals._free_port()
            procs[name] = start(app, env, ports[name], tree)
        plan = [("bare hello", "bare", "/bench/hello", ""), ("base hello", "base", "/bench/hello", ""),
                ("new hello", "new", "/bench/hello", "")]
        if os.environ.get("MINSIDE", "1") == "1":
            plan += [(f"{n} min-side", n, "/min-side", goals._login_cookie(ports[n], "medlem")) for n in ("base", "new")]
        rps: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        for _ in range(rounds_n):
            for key, name, path, cookie in plan:
                before = cpu_seconds(procs[name].pid)
                result = goals.load(ports[name], path, seconds, cookie)
                used = cpu_seconds(procs[name].pid) - before
                rps.setdefault(key, []).append(round(result["rps"], 1))
                cpu.setdefault(key, []).append(used / max(1.0, result["rps"] * seconds) * 1e6)
                errors[key] = errors.get(key, 0) + result["errors"]
        bare = statistics.median(rps["bare hello"])
        for key, values in rps.items():
            print(f"{key:15} {values} median {statistics.median(values):.1f} req/s, ratio to bare "
                  f"{statistics.median(values) / bare:.3f}, {errors[key]} errors, server CPU "
                  f"{statistics.median(cpu[key]):.0f} µs/request")
        print("load average at the end", os.getloadavg())
    finally:
        for proc in procs.values():
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
