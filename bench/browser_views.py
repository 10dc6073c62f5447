"""What a real browser's view of a member page costs the server, side by side (issue 19): the page, plus whatever
else the browser asks for on a repeat view (its CSS, JavaScript and icon, revalidated or not); and a minute with
Min side open (the view and the chat widget's requests for new messages, on the page's own clock).

    python -m bench.browser_views                # this tree
    python -m bench.browser_views /tmp/base      # and an earlier commit's tree (with compiled translations)

Per tree, a child process serves the demo portal on loopback (tests.live), logs in as `medlem` in Debian's chromium
(Playwright), opens each page once, then once more and records every request that reached the server on that
second view, with the headers the browser sent. It then replays those requests in-process (the test client, the
browser's own cookie and conditional headers), ROUNDS × READS times a page, alternating the trees round by round,
and prints per page the requests per view and the median server time per view (wall and CPU); writes
bench/results/browser-views-<UTC time>.md and .json.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PAGES = {"minside": "/min-side", "plan": "/min-side/plan", "offers": "/tilbud", "my_bookings": "/samtaler/mine"}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
SKIP_HEADERS = {"HTTP_HOST", "HTTP_CONNECTION", "HTTP_COOKIE"}
MINUTE = "minside_minute"
ROWS = {**PAGES, MINUTE: "a minute on /min-side"}


def _record(app, base: str) -> dict[str, list[dict]]:
    """Per page, the requests the server received on a browser's second view of it."""
    from playwright.sync_api import sync_playwright

    from tests.live import DEMO_PASSWORD

    seen: list[dict] = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        seen.append({"path": environ["PATH_INFO"], "query": environ.get("QUERY_STRING", ""),
                     "cookie": environ.get("HTTP_COOKIE", ""),
                     "headers": {key[5:].replace("_", "-").title(): value for key, value in environ.items()
                                 if key.startswith("HTTP_") and key not in SKIP_HEADERS}})
        return inner(environ, start_response)

    app.wsgi_app = recording
    views: dict[str, list[dict]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"),
                                    args=ARGS)
        page = browser.new_context(base_url=base).new_page()
        page.goto("/login")
        page.fill("#login", "medlem")
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state("networkidle")
        for path in PAGES.values():
            page.goto(path)
            page.wait_for_load_state("networkidle")
        for key, path in PAGES.items():
            seen.clear()
            page.goto(path)
            page.wait_for_load_state("networkidle")
            views[key] = list(seen)
        page.clock.install()  # a minute on Min side, on the page's clock (paused, then let run a second at a time)
        seen.clear()
        page.goto(PAGES["minside"])
        page.wait_for_load_state("networkidle")
        page.clock.pause_at(page.evaluate("Date.now()") + 100)
        for _ in range(60):
            page.clock.run_for(1000)
            time.sleep(0.1)
        views[MINUTE] = list(seen)
        browser.close()
    app.wsgi_app = inner
    return views


def child(work: str) -> None:
    from tests.live import served_portal

    with served_portal(Path(work) / "views.sqlite3") as (base, app):
        views = _record(app, base)
        client = app.test_client(use_cookies=False)

        def view(requests: list[dict]) -> None:
            for r in requests:
                response = client.get(r["path"], query_string=r["query"],
                                      headers={**r["headers"], "Cookie": r["cookie"]})
                assert response.status_code in (200, 304), (r["path"], response.status_code)
                response.close()

        for requests in views.values():
            for _ in range(5):
                view(requests)
        print(json.dumps({"ready": True, "views": {k: [f"{r['path']}" for r in v] for k, v in views.items()}}),
              flush=True)
        for line in sys.stdin:
            out = {}
            for key, requests in views.items():
                wall, cpu = [], []
                for _ in range(int(line)):
                    w, c = time.perf_counter(), time.process_time()
                    view(requests)
                    cpu.append((time.process_time() - c) * 1000)
                    wall.append((time.perf_counter() - w) * 1000)
                out[key] = {"wall": wall, "cpu": cpu}
            print(json.dumps(out), flush=True)


def _start(tree: Path, work: Path) -> tuple[subprocess.Popen, dict]:
    work.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "bench.browser_views", "--child", str(work)], cwd=tree,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(tree), "PORTAL_LOG_LEVEL": "WARNING"})
    ready = json.loads(proc.stdout.readline())
    assert ready.get("ready")
    return proc, ready["views"]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1])
        return 0
    from bench.common import ROOT, alternating_rounds

    rounds, reads = int(os.environ.get("ROUNDS", "6")), int(os.environ.get("READS", "20"))
    trees = {"base": Path(argv[0]).resolve()} if argv else {}
    trees["new"] = ROOT
    if "base" in trees:  # the same driver for both trees (an earlier commit may have none, or an older one)
        shutil.copy(Path(__file__), trees["base"] / "bench" / "browser_views.py")
    work = Path(tempfile.mkdtemp(prefix="bench-views-"))
    procs, requests = {}, {}
    times = {name: {page: {"wall": [], "cpu": []} for page in ROWS} for name in trees}
    try:
        for name, tree in trees.items():
            procs[name], requests[name] = _start(tree, work / name)
        for name, result in alternating_rounds(procs, rounds, reads):
            for page in ROWS:
                times[name][page]["wall"] += result[page]["wall"]
                times[name][page]["cpu"] += result[page]["cpu"]
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(timeout=120)
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for page, path in ROWS.items():
        row = {"page": path}
        for name in trees:
            row[name] = {"requests": len(requests[name][page]), "paths": requests[name][page],
                         "wall_ms": round(statistics.median(times[name][page]["wall"]), 2),
                         "cpu_ms": round(statistics.median(times[name][page]["cpu"]), 2)}
        if "base" in trees:
            row["new_over_base_wall"] = round(row["new"]["wall_ms"] / row["base"]["wall_ms"], 3)
        rows.append(row)
    header = (f"`python -m bench.browser_views{' ' + argv[0] if argv else ''}` at "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {rounds} rounds × {reads} views a page and tree, "
              f"load average {os.getloadavg()[0]:.1f}: a browser's repeat view of each page, and a minute with Min side open, "
              "as the server sees them")
    lines = [header, "", "| page | " + " | ".join(f"{n}: requests, server ms (wall / CPU)" for n in trees)
             + (" | new ÷ base |" if "base" in trees else " |"),
             "| --- | " + " | ".join("---" for _ in trees) + (" | --- |" if "base" in trees else " |")]
    for row in rows:
        cells = [f"{row[n]['requests']}, {row[n]['wall_ms']} / {row[n]['cpu_ms']}" for n in trees]
        lines.append(f"| {row['page']} | " + " | ".join(cells)
                     + (f" | {row['new_over_base_wall']} |" if "base" in trees else " |"))
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / f"browser-views-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps({"rows": rows, "rounds": rounds, "reads": reads}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
