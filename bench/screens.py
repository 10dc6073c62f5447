"""The caseworker's three screens before and after, side by side (issue 19): caseload, calendar, conversation screen;
with SCREENS=member the member's four pages instead (Min side, Min plan, /tilbud, /samtaler/mine as `medlem`).

    python -m bench.screens                 # this tree alone
    python -m bench.screens /tmp/base       # another tree (e.g. `git worktree add --detach /tmp/base <commit>`
                                            # plus its compiled translations) and this one, alternating rounds
    SCREENS=member python -m bench.screens /tmp/base
    BENCH_DATABASE_URL=postgresql+psycopg://…/db python -m bench.screens /tmp/base   # a PostgreSQL database seeded
                                            # with `flask db upgrade` and `flask demo seed --members 20000 --seed 2026`

Each tree runs in its own long-lived process on its own copy of the cached QUICK demo database (bench.common),
logged in as `sagsbehandler` through Flask's test client, the way bench/goals.py measures its in-process rows. The
driver alternates the trees round by round (ROUNDS=6, READS=20 reads of each page per round, after 5 warm-up
reads), so both see the same machine load; it prints per page the median wall and CPU time of all reads and the
SQL statements of one read, and the ratio new ÷ base.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

MEMBER = os.environ.get("SCREENS") == "member"
PAGES = ("minside", "plan", "offers", "my_bookings") if MEMBER else ("caseload", "calendar", "conversation_screen")


def child(tree: str, db_file: str, work: str) -> None:
    """Serve rounds on stdin: each line 'N' measures N reads of every page and prints one JSON line."""
    import re
    import time

    from bench.common import enter_tree

    enter_tree(tree, db_file, work, "screens")
    from sqlalchemy import event, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import Member, User

    try:
        from portal.read_ahead import counted
    except ImportError:  # a tree from before reads were sent ahead through execute: every statement counts
        def counted(context):
            return True

    app = create_app()
    statements = [0]
    with app.app_context():
        def count(conn, cursor, statement, parameters, context, executemany):
            if counted(context):  # a read sent ahead is counted once, where the page runs it
                statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        number = db.session.scalar(select(Member.member_number).join(User, User.id == Member.user_id)
                                   .where(User.username == "medlem"))
        db.session.remove()
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"login": "medlem" if MEMBER else "sagsbehandler",
                                           "password": "demo-adgangskode", "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    if MEMBER:
        paths = {"minside": "/min-side", "plan": "/min-side/plan", "offers": "/tilbud",
                 "my_bookings": "/samtaler/mine"}
    else:
        paths = {"caseload": "/sagsbehandler/", "calendar": "/kalender",
                 "conversation_screen": f"/sagsbehandler/medlem/{number}"}
    for path in paths.values():
        for _ in range(5):
            assert client.get(path).status_code == 200, path
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        n = int(line)
        out = {}
        for key, path in paths.items():
            wall, cpu = [], []
            for _ in range(n):
                statements[0] = 0
                w, c = time.perf_counter(), time.process_time()
                response = client.get(path)
                cpu.append((time.process_time() - c) * 1000)
                wall.append((time.perf_counter() - w) * 1000)
                assert response.status_code == 200, path
            out[key] = {"wall": wall, "cpu": cpu, "sql": statements[0], "bytes": len(response.get_data())}
        print(json.dumps(out), flush=True)


def _start(tree: Path, db_file: Path, work: Path) -> subprocess.Popen:
    work.mkdir()
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(tree), str(db_file), str(work)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(tree)})
    assert json.loads(proc.stdout.readline()).get("ready")
    return proc


def main(argv: list[str]) -> int:
    from bench.common import ROOT, alternating_rounds, demo_database

    rounds, reads = int(os.environ.get("ROUNDS", "6")), int(os.environ.get("READS", "20"))
    db_file = "" if os.environ.get("BENCH_DATABASE_URL") else demo_database(
        members=int(os.environ.get("BENCH_MEMBERS", "20000")))[0]
    trees = {"base": Path(argv[0]).resolve()} if argv else {}
    trees["new"] = ROOT
    work = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    procs = {}
    seen: dict = {name: {page: {"wall": [], "cpu": [], "sql": set(), "bytes": set()} for page in PAGES}
                  for name in trees}
    try:
        for name, tree in trees.items():
            procs[name] = _start(tree, db_file, work / name)
        for name, result in alternating_rounds(procs, rounds, reads):
            for page in PAGES:
                s = seen[name][page]
                s["wall"] += result[page]["wall"]
                s["cpu"] += result[page]["cpu"]
                s["sql"].add(result[page]["sql"])
                s["bytes"].add(result[page]["bytes"])
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{rounds} rounds × {reads} reads per page and tree, load average {os.getloadavg()[0]:.1f}")
    print(f"{'page':<22}" + "".join(f"{name + ' wall ms':>15}{name + ' cpu ms':>14}{'SQL':>7}" for name in trees)
          + ("      new ÷ base (wall, cpu)" if "base" in trees else ""))
    for page in PAGES:
        line = f"{page:<22}"
        medians = {}
        for name in trees:
            s = seen[name][page]
            medians[name] = (statistics.median(s["wall"]), statistics.median(s["cpu"]))
            line += f"{medians[name][0]:>15.2f}{medians[name][1]:>14.2f}{'/'.join(map(str, sorted(s['sql']))):>7}"
        if "base" in trees:
            line += (f"      {medians['new'][0] / medians['base'][0]:.2f}, "
                     f"{medians['new'][1] / medians['base'][1]:.2f}")
        print(line)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        sys.exit(main(sys.argv[1:]))
