"""The member's pages as HTML, to compare two trees (issue 19: faster, and showing exactly the same).

    cd <tree> && python -m bench.page_snapshots OUT_DIR     # writes OUT_DIR/<login>-<lang>-<page>.html
    diff -r OUT_A OUT_B

Runs on a copy of the cached QUICK demo database with the clock frozen at one moment (PAGES_AT, default
2026-12-04T14:00:00Z), logs in as each demo member and reads Min side, Min plan, /tilbud and /samtaler/mine in
Danish, then in English. The CSRF token, the chat's sender token and the request id differ per run and are replaced by placeholders; the
response headers (without Date, Set-Cookie and the request id) are written above the body.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import time_machine

from bench.common import demo_database

PASSWORD = "demo-adgangskode"
LOGINS = ("medlem", "opsagt", "sygemeldt")
PAGES = {"minside": "/min-side", "plan": "/min-side/plan", "tilbud": "/tilbud", "tilbud-alle": "/tilbud?sted=alle",
         "tilbud-webinar": "/tilbud?type=webinar", "samtaler": "/samtaler/mine"}
VARYING_HEADERS = {"date", "set-cookie", "x-request-id"}


def _normalise(text: str) -> str:
    text = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1CSRF", text)
    text = re.sub(r'(name="csrf-token" content=")[^"]+', r"\1CSRF", text)
    text = re.sub(r'(data-sender=")[^"]+', r"\1SENDER", text)  # the chat's signed sender token has a random id
    return text


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        db_file, _ = demo_database(members=int(os.environ.get("BENCH_MEMBERS", "20000")))
        copy = work / "pages.sqlite3"
        shutil.copy(db_file, copy)
        os.environ.update(PORTAL_DATABASE_URL=f"sqlite:///{copy}", PORTAL_SECRET_KEY="bench-pages",
                          PORTAL_INSTANCE_PATH=str(work), PORTAL_LOG_LEVEL="WARNING",
                          PORTAL_LOGIN_RATE_LIMIT="1000000 per minute")
        moment = datetime.fromisoformat(os.environ.get("PAGES_AT", "2026-12-04T14:00:00+00:00"))
        with time_machine.travel(moment, tick=False):
            from portal import create_app

            app = create_app()
            for login in LOGINS:
                client = app.test_client()
                html = client.get("/login").get_data(as_text=True)
                token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
                response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
                assert response.status_code in (302, 303), (login, response.status_code)
                for lang in ("da", "en"):
                    client.get(f"/min-side?lang={lang}")
                    for name, path in PAGES.items():
                        for read in (1, 2):  # the second read: what a warm process serves
                            response = client.get(path)
                            headers = "".join(f"{k}: {v}\n" for k, v in sorted(response.headers.items())
                                              if k.lower() not in VARYING_HEADERS)
                            body = _normalise(response.get_data(as_text=True))
                            (out / f"{login}-{lang}-{name}-{read}.html").write_text(
                                f"{response.status_code}\n{headers}\n{body}")
        print(f"{len(list(out.iterdir()))} pages in {out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
