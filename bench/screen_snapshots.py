"""The caseworker's conversation screen as HTML, with the audit entries each read writes, to compare two trees
(issue 19: faster, and showing and logging exactly the same).

    cd <tree> && python -m bench.screen_snapshots OUT_DIR     # writes OUT_DIR/<login>-<lang>-<member>[-q10].html
    diff -r OUT_A OUT_B

Runs on a copy of the cached QUICK demo database with the clock frozen (PAGES_AT, default 2026-12-04T14:00:00Z),
logs in as `sagsbehandler` (edits the members of their location, reads the others) and `admin` (reads all), and
opens members chosen for what their screen shows (a JobMatch CV, job matches from the profile, plan items waiting
for the job centre, FVU feedback, sick or dismissed, referrals, visitations, handoffs, an objection, Q10 barriers),
with and without the Q10 answers shown, in Danish and in English. The CSRF token is replaced by a placeholder; the
audit entries the read wrote are appended below the body (without ids, times and request ids).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.snapshots import frozen_demo_app, logged_in, normalise

MEMBERS = ("1000001", "1000002", "1000003", "1000004", "1000012", "1000056", "1000298", "1000338", "1000407",
           "1000519", "1000785", "1000837", "1002095", "1003619", "1005379", "1015663", "1018751")
LOGINS = ("sagsbehandler", "admin")


def _audit_rows(app, after_id: int) -> tuple[int, str]:
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        rows = db.session.execute(text(
            "SELECT id, actor_label, action, member_id, target_type, target_id, reason, detail FROM audit_entry "
            "WHERE id > :after ORDER BY id"), {"after": after_id}).all()
    last = rows[-1][0] if rows else after_id
    return last, "".join(json.dumps([*row[1:7], json.loads(row[7]) if isinstance(row[7], str) else row[7]],
                                    ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with frozen_demo_app("bench-screens-") as app:
        last, _rows = _audit_rows(app, 0)
        for login in LOGINS:
            client = logged_in(app, login)
            last, _rows = _audit_rows(app, last)
            for lang in ("da", "en"):
                for number in MEMBERS:
                    for name, query in (("", f"?lang={lang}"), ("-q10", f"?lang={lang}&vis=q10&formaal=plan")):
                        response = client.get(f"/sagsbehandler/medlem/{number}{query}")
                        body = normalise(response.get_data(as_text=True))
                        last, rows = _audit_rows(app, last)
                        (out / f"{login}-{lang}-{number}{name}.html").write_text(
                            f"{response.status_code}\n{body}\n---- audit\n{rows}")
    print(f"{len(list(out.iterdir()))} pages in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
