"""What a request costs in instructions, counted (issue 19): side by side across trees, independent of the host.

    python -m bench.instructions                  # this tree: the goal pages and the two hellos
    python -m bench.instructions /tmp/base        # another tree as well (a copy of an earlier commit with its
                                                  # translations compiled): each page's count new ÷ base
    N=10 PAGES=min_side,calendar python -m bench.instructions /tmp/base   # (PAGES: the labels below)
    KEEP=/tmp/cg python -m bench.instructions     # keeps callgrind's dumps there (callgrind_annotate reads them)
    BENCH_DATABASE_URL=postgresql+psycopg://…/db python -m bench.instructions /tmp/base   # on a PostgreSQL
                                                  # database seeded with `flask demo seed --members 20000 --seed
                                                  # 2026`: the portal's side only (the server is another process)

Why: on this shared machine a page's median time moves ±20 % from one minute to the next, and the host itself ran
2.2× slower on 6 December than the day before (bench.goals' machine reference 88 µs against 40 µs), so a small
gain or loss can not be read from times. The number of instructions a request executes barely moves (±0.1 %
between runs of the same tree), and it is what the CPU-bound served rows of `make bench` are made of.

How: each tree runs in one process under Valgrind's callgrind with instrumentation off (`--instr-atstart=no`).
The app starts on a copy of the cached QUICK demo database (bench.common, 20,000 members), signs in as `medlem`
and as `sagsbehandler`, and reads every page WARM times; then, per page, a small C helper (compiled here from
valgrind/callgrind.h) switches the counting on, the page is read N times through the test client, and the count
is dumped. The bare Flask hello (bench/bare_app.py) and the portal's `/bench/hello` are called straight through
their WSGI callables, the way bench.profile_requests calls them. PYTHONHASHSEED is fixed so both trees lay
their dictionaries out alike. What is counted: user-space instructions of the request (Python, the C extensions,
SQLite, the test client for the pages); not the kernel's share of file and socket work, nor time spent waiting.

Prints per page the instructions per request for each tree, new ÷ base, and each page ÷ the bare hello (the
host-independent counterpart of the served ratios), and writes bench/results/instructions-<UTC time>.md/.json.
Needs valgrind, its headers and a C compiler (Debian: valgrind, gcc); says so and exits 2 without them.
"""
from __future__ import annotations

import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.common import CACHE, ROOT, demo_database

RESULTS = ROOT / "bench" / "results"
PAGES = {  # label → (who reads it, path); NUMBER is medlem's member number
    "bare_hello": ("bare", "/bench/hello"), "portal_hello": ("wsgi", "/bench/hello"),
    "min_side": ("medlem", "/min-side"), "min_plan": ("medlem", "/min-side/plan"), "tilbud": ("medlem", "/tilbud"),
    "samtaler": ("medlem", "/samtaler/mine"), "caseload": ("sagsbehandler", "/sagsbehandler/"),
    "calendar": ("sagsbehandler", "/kalender"),
    "conversation_screen": ("sagsbehandler", "/sagsbehandler/medlem/NUMBER"),
}
MARKER_C = r"""
#include <valgrind/callgrind.h>
void marker_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void marker_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
"""


def marker_library() -> Path:
    """The helper that starts and dumps callgrind's count from inside the process (built once into bench/.cache)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    source, library = CACHE / "callgrind_marker.c", CACHE / "callgrind_marker.so"
    if not library.exists() or not source.exists() or source.read_text() != MARKER_C:
        source.write_text(MARKER_C)
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)], check=True)
    return library


def child(tree: str, db_file: str, work: str, library: str, n: int, warm: int, labels: list[str]) -> None:
    """Inside callgrind: read every page `warm` times uninstrumented, then count `n` reads of each."""
    import ctypes

    from bench.common import enter_tree

    enter_tree(tree, db_file, work, "instructions", PORTAL_BENCH_ROUTES="1")
    from sqlalchemy import select

    from bench.bare_app import app as bare
    from bench.profile_requests import _login as signed_in_client
    from bench.profile_requests import wsgi_get
    from portal import create_app
    from portal.extensions import db
    from portal.models import Member, User

    marker = ctypes.CDLL(library)
    app = create_app()
    with app.app_context():
        number = db.session.scalar(select(Member.member_number).join(User, User.id == Member.user_id)
                                   .where(User.username == "medlem"))
        db.session.remove()

    readers = {"bare": lambda path: wsgi_get(bare, path), "wsgi": lambda path: wsgi_get(app, path)}
    for who in ("medlem", "sagsbehandler"):
        client = signed_in_client(app, who)

        def read(path: str, client=client) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        readers[who] = read
    for label in labels:
        who, path = PAGES[label]
        path = path.replace("NUMBER", number)
        for _ in range(warm):
            readers[who](path)
        # As the served workers run (gunicorn.conf.py freezes what the warmed-up app holds), and from the same
        # collector state in every tree: otherwise one tree's counted reads may hold a full collection of the whole
        # heap (40 M instructions on the conversation screen) and the other's not.
        gc.collect()
        gc.freeze()
        marker.marker_start()
        for _ in range(n):
            readers[who](path)
        marker.marker_dump(label.encode())
    print("done", flush=True)


def counts(directory: Path) -> dict[str, int]:
    """label → instructions, from the dumps callgrind wrote (each names the client request that asked for it)."""
    out = {}
    for path in directory.glob("callgrind.out.*"):
        text = path.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.MULTILINE)
        total = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
        if label and total:
            out[label.group(1)] = int(total.group(1))
    return out


def run_tree(tree: Path, db_file: Path, library: Path, n: int, warm: int, labels: list[str]) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    try:
        env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=str(ROOT))
        code = (f"from bench.instructions import child; child({str(tree)!r}, {str(db_file)!r}, {str(work)!r}, "
                f"{str(library)!r}, {n}, {warm}, {labels!r})")
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--collect-jumps=no",
                        f"--callgrind-out-file={work}/callgrind.out.%p", sys.executable, "-c", code],
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.environ.get("KEEP"):  # the dumps, for callgrind_annotate
            keep = Path(os.environ["KEEP"]) / tree.name
            shutil.copytree(work, keep, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.sqlite3*"))
        found = counts(work)
        missing = [label for label in labels if label not in found]
        if missing:
            raise RuntimeError(f"no count for {missing} in {tree}")
        return {label: found[label] / n for label in labels}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(results: dict[str, dict[str, float]], labels: list[str]) -> str:
    trees = list(results)
    head = "| page | " + " | ".join(f"{t}: instructions a request" for t in trees)
    head += " | new ÷ base" if len(trees) == 2 else ""
    head += " | ÷ bare hello |"
    lines = [head, "|" + " --- |" * (head.count("|") - 1)]
    new = results[trees[-1]]
    for label in labels:
        row = f"| {label} | " + " | ".join(f"{results[t][label]:,.0f}" for t in trees)
        if len(trees) == 2:
            row += f" | {new[label] / results[trees[0]][label]:.3f}"
        bare = new.get("bare_hello")
        row += f" | {new[label] / bare:.1f} |" if bare else " | |"
        lines.append(row)
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    missing = [tool for tool in ("valgrind", "cc") if shutil.which(tool) is None]
    if missing or not Path("/usr/include/valgrind/callgrind.h").exists():
        print(f"bench.instructions needs valgrind, its headers and a C compiler (missing: {missing or 'callgrind.h'});"
              " on Debian: apt-get install valgrind gcc", file=sys.stderr)
        return 2
    n, warm = int(os.environ.get("N", "10")), int(os.environ.get("WARM", "10"))
    wanted = [label for label in os.environ.get("PAGES", "").split(",") if label]
    unknown = [label for label in wanted if label not in PAGES]
    if unknown:
        print(f"unknown page {unknown}: choose from {', '.join(PAGES)}", file=sys.stderr)
        return 2
    labels = wanted or list(PAGES)
    if "bare_hello" not in labels:
        labels.insert(0, "bare_hello")
    db_file, _ = demo_database(members=20_000)
    library = marker_library()
    trees = {Path(a).name or a: Path(a).resolve() for a in argv} | {"new": ROOT}
    if len(trees) == 2:
        trees = {"base": next(iter(trees.values())), "new": ROOT}
    results = {name: run_tree(tree, db_file, library, n, warm, labels) for name, tree in trees.items()}
    at = datetime.now(UTC)
    where = ("PostgreSQL (" + os.environ["BENCH_DATABASE_URL"].rsplit("/", 1)[-1] + "; the portal's instructions only)"
             if os.environ.get("BENCH_DATABASE_URL") else "SQLite, the QUICK demo database")
    header = (f"`python -m bench.instructions{' ' + ' '.join(argv) if argv else ''}` at {at:%Y-%m-%d %H:%M} UTC: "
              f"{n} counted reads a page after {warm} uncounted ones, callgrind, {where} (20,000 members)."
              f" Trees: " + ", ".join(f"{name} = {tree}" for name, tree in trees.items()))
    text = header + "\n\n" + table(results, labels)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"instructions-{at:%Y%m%dT%H%M%SZ}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps({"at": at.isoformat(), "n": n, "warm": warm,
                                                     "trees": {k: str(v) for k, v in trees.items()},
                                                     "instructions_per_request": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
