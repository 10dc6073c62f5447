"""Booking reminders before and after, side by side (issue 19): `enqueue_booking_reminders` for every booked
conversation of the next 60 days, the way bench/goals.py measures it, in two trees.

    python -m bench.reminders_side_by_side /tmp/base     # another tree (a copy of an earlier state, with its
                                                         # translations compiled), and this one, alternating
    python -m bench.reminders_side_by_side               # this tree alone
    PROFILE=1 python -m bench.reminders_side_by_side /tmp/base   # one cProfile'd run per tree, top functions

Each tree runs in its own long-lived process; every round copies the cached QUICK demo database (bench.common,
20,000 members) afresh, so each run writes all reminders. Both trees get the same `now`. The driver alternates the
trees round by round (ROUNDS=5 after one warm-up round), prints per tree the median wall and CPU time, messages/s
and SQL statements, and the ratio new ÷ base; then it compares every outbox row and attachment the two trees wrote
(all columns, ids included) and says whether they are identical (if not, it keeps both as JSON lines to diff
and exits 1).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HOURS = 24 * 60


def child(tree: str, db_file: str, work: str, now_iso: str) -> None:
    """Serve rounds on stdin: each line ('run', 'profile' or 'dump') runs the reminders on a fresh copy."""
    sys.path.insert(0, tree)
    os.chdir(tree)
    copy = Path(work) / "reminders.sqlite3"
    os.environ.update(PORTAL_DATABASE_URL=f"sqlite:///{copy}", PORTAL_SECRET_KEY="bench-reminders",
                      PORTAL_LOG_LEVEL="WARNING", PORTAL_INSTANCE_PATH=work, PORTAL_FUND_PHONE="70 10 10 10")
    from sqlalchemy import event

    from portal import create_app
    from portal.extensions import db
    from portal.services.messaging.reminders import enqueue_booking_reminders

    app = create_app()
    now = datetime.fromisoformat(now_iso)
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        what = line.strip()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copy(db_file, copy)
            event.listen(db.engine, "before_cursor_execute", count)
            statements[0] = 0
            profile = None
            if what == "profile":
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
            wall, cpu = time.perf_counter(), time.process_time()
            counts = enqueue_booking_reminders(db.session, now=now, hours=HOURS)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if profile is not None:
                profile.disable()
                profile.dump_stats(str(Path(work) / "profile.out"))
            event.remove(db.engine, "before_cursor_execute", count)
            result = {"wall": wall, "cpu": cpu, "messages": counts["enqueued"], "statements": statements[0]}
            if what == "dump":
                result["digest"] = _dump(db.session, Path(work) / "outbox.jsonl")
        print(json.dumps(result), flush=True)


def _dump(session, path: Path) -> str:
    """Every reminder row and attachment, all columns, one JSON line each; returns their SHA-256."""
    from sqlalchemy import text

    digest = hashlib.sha256()
    with path.open("w") as out:
        reminders = "kind = 'booking_reminder'"
        for table, where in (("outbox_message", reminders),
                             ("outbox_attachment", f"message_id IN (SELECT id FROM outbox_message WHERE {reminders})")):
            result = session.execute(text(f"SELECT * FROM {table} WHERE {where} ORDER BY id"))  # nosec B608 - constants above
            columns = list(result.keys())
            for row in result:
                line = json.dumps([table, dict(zip(columns, (v.hex() if isinstance(v, bytes) else str(v)
                                                            for v in row)))], ensure_ascii=False)
                out.write(line + "\n")
                digest.update(line.encode())
    return digest.hexdigest()


def _profile_top(work: Path, limit: int = 22) -> None:
    import pstats

    stats = pstats.Stats(str(work / "profile.out"))
    for order in ("tottime", "cumulative"):
        stats.sort_stats(order).print_stats(limit)


def main(argv: list[str]) -> int:
    from bench.common import ROOT, demo_database
    from portal.timeutil import utcnow

    rounds = int(os.environ.get("ROUNDS", "5"))
    db_file, _ = demo_database(members=int(os.environ.get("BENCH_MEMBERS", "20000")))
    trees = {"base": str(Path(argv[0]).resolve())} if argv else {}
    trees["new"] = str(ROOT)
    now = utcnow().replace(microsecond=0)  # the same for both trees: DTSTAMP and created_at are written from it
    work = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    try:
        return _drive(trees, db_file, work, now, rounds)
    finally:
        if not (work / "keep").exists():
            shutil.rmtree(work, ignore_errors=True)


def _drive(trees: dict, db_file: Path, work: Path, now: datetime, rounds: int) -> int:
    from bench.common import ROOT

    procs, seen = {}, {name: [] for name in trees}
    try:
        for name, tree in trees.items():
            (work / name).mkdir()
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "bench.reminders_side_by_side", "--child", tree, str(db_file), str(work / name),
                 now.isoformat()],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": tree})
            assert json.loads(procs[name].stdout.readline()).get("ready")

        def one(name: str, what: str) -> dict:
            procs[name].stdin.write(what + "\n")
            procs[name].stdin.flush()
            return json.loads(procs[name].stdout.readline())

        if os.environ.get("PROFILE"):
            for name in trees:
                result = one(name, "profile")
                print(f"== {name}: {result['messages']} messages, {result['wall']:.2f} s wall under cProfile")
                _profile_top(work / name)
            return 0
        digests = {name: one(name, "dump") for name in trees}  # the warm-up round, and the outputs compared
        loads = [os.getloadavg()[0]]
        for r in range(rounds):
            for name in (list(trees) if r % 2 == 0 else list(reversed(trees))):
                seen[name].append(one(name, "run"))
            loads.append(os.getloadavg()[0])
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=120)
    print(f"{rounds} rounds alternated, {digests['new']['messages']} reminders each, now={now.isoformat()}, "
          f"load average {min(loads):.1f}–{max(loads):.1f}")
    medians = {}
    for name, results in seen.items():
        wall = statistics.median(r["wall"] for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        medians[name] = (wall, cpu)
        rates = ", ".join(f"{r['messages'] / r['wall']:.0f}" for r in results)
        print(f"{name:<5} wall {wall:6.2f} s  CPU {cpu:6.2f} s  {results[0]['messages'] / wall:7.0f} msg/s "
              f"({results[0]['messages'] / cpu:.0f} per CPU s)  {results[0]['statements']} SQL   rounds: {rates}")
    if "base" not in trees:
        return 0
    print(f"new ÷ base: wall {medians['new'][0] / medians['base'][0]:.2f}, CPU "
          f"{medians['new'][1] / medians['base'][1]:.2f}; msg/s ×{medians['base'][0] / medians['new'][0]:.2f}")
    if digests["base"]["digest"] == digests["new"]["digest"]:
        print("outbox rows and attachments: identical")
        return 0
    (work / "keep").touch()
    print(f"outbox rows and attachments: DIFFERENT (diff {work / 'base' / 'outbox.jsonl'} {work / 'new' / 'outbox.jsonl'})")
    return 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:6])
    else:
        sys.exit(main(sys.argv[1:]))
