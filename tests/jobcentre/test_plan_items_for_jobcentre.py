"""plan.items_for_jobcentre: what of Min plan the member's job centre sees on its citizen page."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.services.minside import plan

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


def test_the_job_centre_sees_agreed_done_and_awaiting_items_only(session, make):
    cw = make.caseworker("sagsb")
    member = make.member("mette", caseworker=cw)
    make.commit()

    def item(title, *, by=None, kind="job_search"):
        return plan.propose_item(session, member, kind=kind, title=title, actor=by or cw.user, now=NOW)

    active = item("Søg 3 job om ugen")
    done = item("Opdatér CV")
    plan.set_status(session, done, "done", cw.user, NOW + timedelta(hours=1))
    dropped = item("Kursus")
    plan.set_status(session, dropped, "cancelled", cw.user, NOW + timedelta(hours=1))
    proposal = item("Rejse", by=member.user)
    awaiting = item("Praktik hos plejehjem", kind="company_internship")
    assert awaiting.status == "awaiting_jc" and proposal.status == "proposed"
    shown = plan.items_for_jobcentre(session, member)
    assert set(shown) == {active, done, awaiting}
    assert [i for i in plan.list_items(session, member) if i in shown] == shown  # list_items' order kept
