"""The member's pages as HTML, to compare two trees (issue 19: faster, and showing exactly the same).

    cd <tree> && python -m bench.page_snapshots OUT_DIR     # writes OUT_DIR/<login>-<lang>-<page>.html
    diff -r OUT_A OUT_B

Runs on a copy of the cached QUICK demo database with the clock frozen at one moment (PAGES_AT, default
2026-12-04T14:00:00Z), logs in as each demo member and reads Min side, Min plan, /tilbud and /samtaler/mine in
Danish, then in English. The CSRF token, the chat's sender token and the request id differ per run and are replaced by placeholders; the
response headers (without Date, Set-Cookie and the request id) are written above the body.
"""
from __future__ import annotations

import sys
from pathlib import Path

from bench.snapshots import frozen_demo_app, logged_in, normalise

LOGINS = ("medlem", "opsagt", "sygemeldt")
PAGES = {"minside": "/min-side", "plan": "/min-side/plan", "tilbud": "/tilbud", "tilbud-alle": "/tilbud?sted=alle",
         "tilbud-webinar": "/tilbud?type=webinar", "samtaler": "/samtaler/mine"}
VARYING_HEADERS = {"date", "set-cookie", "x-request-id"}


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with frozen_demo_app("bench-pages-") as app:
        for login in LOGINS:
            client = logged_in(app, login)
            for lang in ("da", "en"):
                client.get(f"/min-side?lang={lang}")
                for name, path in PAGES.items():
                    for read in (1, 2):  # the second read: what a warm process serves
                        response = client.get(path)
                        headers = "".join(f"{k}: {v}\n" for k, v in sorted(response.headers.items())
                                          if k.lower() not in VARYING_HEADERS)
                        body = normalise(response.get_data(as_text=True))
                        (out / f"{login}-{lang}-{name}-{read}.html").write_text(
                            f"{response.status_code}\n{headers}\n{body}")
    print(f"{len(list(out.iterdir()))} pages in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
