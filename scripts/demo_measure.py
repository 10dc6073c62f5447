"""Measure how believable the demo looks: the KPI criteria (all split) and the overdue share per caseworker.

Run after `flask --app portal demo seed` against the same database (PORTAL_DATABASE_URL):
    .venv/bin/python scripts/demo_measure.py [YYYY-MM-DD]
The overdue share uses portal.services.casework.caseload.compute_next_steps, the rule the caseload page uses.
"""
from __future__ import annotations

import sys
from datetime import date

from portal import create_app
from portal.extensions import db
from portal.services.casework import caseload


def main(today: date) -> None:
    app = create_app()
    with app.app_context():
        session = db.session
        counts = caseload.overdue_by_caseworker(session, today)
        shares = sorted(overdue / total for total, overdue in counts.values())
        print(f"caseworkers {len(counts)}; overdue share min {shares[0]:.2f}, max {shares[-1]:.2f}, "
              f"overall {sum(o for _, o in counts.values()) / sum(t for t, _ in counts.values()):.2f}")


if __name__ == "__main__":
    main(date.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else date.today())
