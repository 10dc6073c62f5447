"""Every request's own cost, in-process, side by side (issue 19): `/bench/hello` of the portal in two trees and of
the bare Flask app, straight through the WSGI callable, CPU time per request.

    python -m bench.hello_side_by_side /tmp/base      # a tree of an earlier commit (with compiled translations)

Each app runs in its own long-lived process; the driver alternates them round by round (ROUNDS=9 of N=3000
requests), so all see the same machine load, and prints per app the best and the median round and the ratio
to the bare app.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(tree: str, db_file: str, work: str) -> None:
    """Serve rounds on stdin: each line 'N' times N requests and prints the CPU µs per request."""
    if tree == "bare":
        from bench.bare_app import app
    else:
        sys.path.insert(0, tree)
        os.chdir(tree)
        copy = Path(work) / "hello.sqlite3"
        shutil.copy(db_file, copy)
        os.environ.update(PORTAL_DATABASE_URL=f"sqlite:///{copy}", PORTAL_SECRET_KEY="bench-hello",
                          PORTAL_LOG_LEVEL="WARNING", PORTAL_INSTANCE_PATH=work, PORTAL_BENCH_ROUTES="1")
        from portal import create_app

        app = create_app()

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    def get():
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/bench/hello", "QUERY_STRING": "",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
                   "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
                   "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
                   "wsgi.run_once": False}
        body = app(environ, start_response)
        b"".join(body)
        getattr(body, "close", lambda: None)()

    for _ in range(500):
        get()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        n = int(line)
        started = time.process_time()
        for _ in range(n):
            get()
        print(json.dumps({"us": (time.process_time() - started) / n * 1e6}), flush=True)


def main(argv: list[str]) -> int:
    from bench.common import ROOT, demo_database

    rounds, n = int(os.environ.get("ROUNDS", "9")), int(os.environ.get("N", "3000"))
    db_file, _ = demo_database(members=int(os.environ.get("BENCH_MEMBERS", "20000")))
    apps = {"bare": "bare"}
    if argv:
        apps["base"] = str(Path(argv[0]).resolve())
    apps["new"] = str(ROOT)
    work = Path(tempfile.mkdtemp(prefix="bench-hello-"))
    procs, seen = {}, {name: [] for name in apps}
    try:
        for name, tree in apps.items():
            (work / name).mkdir()
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "bench.hello_side_by_side", "--child", tree, str(db_file), str(work / name)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT) if tree == "bare" else tree})
            assert json.loads(procs[name].stdout.readline()).get("ready")
        for r in range(rounds):
            for name in (list(apps) if r % 2 == 0 else list(reversed(apps))):
                procs[name].stdin.write(f"{n}\n")
                procs[name].stdin.flush()
                seen[name].append(json.loads(procs[name].stdout.readline())["us"])
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{rounds} rounds × {n} requests, CPU µs per request, load average {os.getloadavg()[0]:.1f}")
    bare_best, bare_median = min(seen["bare"]), statistics.median(seen["bare"])
    for name, values in seen.items():
        best, median = min(values), statistics.median(values)
        print(f"{name:<6} best {best:7.1f}  median {median:7.1f}   bare ÷ this: best {bare_best / best:.2f}, "
              f"median {bare_median / median:.2f}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        sys.exit(main(sys.argv[1:]))
