"""Measure how believable the demo looks: the KPI criteria (all split) and the overdue share per caseworker.

Run after `flask --app portal demo seed` against the same database (PORTAL_DATABASE_URL):
    .venv/bin/python scripts/demo_measure.py [YYYY-MM-DD]
The overdue share uses portal.services.caseload.compute_next_steps, the rule the caseload page uses.
"""
from __future__ import annotations

import sys
from collections import Counter
from datetime import date

from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Member
from portal.services import caseload


def main(today: date) -> None:
    app = create_app()
    with app.app_context():
        session = db.session
        members = list(session.scalars(select(Member).where(Member.caseworker_id.is_not(None))))
        steps = caseload.compute_next_steps(session, members, today)
        total, overdue = Counter(), Counter()
        for m in members:
            total[m.caseworker_id] += 1
            step = steps.get(m.id)
            if step and step.due_date and step.due_date < today:
                overdue[m.caseworker_id] += 1
        shares = sorted(overdue[c] / total[c] for c in total)
        print(f"caseworkers {len(total)}; overdue share min {shares[0]:.2f}, max {shares[-1]:.2f}, "
              f"overall {sum(overdue.values()) / sum(total.values()):.2f}")


if __name__ == "__main__":
    main(date.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else date.today())
