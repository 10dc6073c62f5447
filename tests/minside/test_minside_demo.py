"""The Min side demo step: the demo member's plan and a share of the bulk members."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.models import Member, User
from portal.models.plan import PlanItem, PlanItemEvent, PreparationAnswer


def test_demo_member_has_a_recognisable_plan(app, session, client, auth, clock):
    summary = seed_demo(session, members=400, seed=5, now=clock.now, password="demo-adgangskode", areas=["plan"])
    medlem = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "medlem"))
    items = session.scalars(select(PlanItem).where(PlanItem.member_id == medlem.id)).all()
    statuses = sorted(i.status for i in items)
    assert statuses == ["active", "active", "done", "proposed"]
    assert any(i.right_and_duty for i in items)
    proposal = next(i for i in items if i.status == "proposed")
    assert proposal.proposed_by == "member" and proposal.proposed_by_user_id == medlem.user_id
    done = next(i for i in items if i.status == "done")
    assert [e.kind for e in done.events] == ["proposed", "status", "comment"]
    assert session.scalar(select(PreparationAnswer).where(PreparationAnswer.member_id == medlem.id)) is not None
    bulk_items = session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.member_id != medlem.id))
    assert bulk_items > 10 and summary["plan_items"] == bulk_items + 4
    assert session.scalar(select(func.count()).select_from(PlanItemEvent)) >= bulk_items + 4
    assert session.scalar(select(func.count()).select_from(PreparationAnswer)) > 20
    auth.login("medlem", "demo-adgangskode")
    html = client.get("/min-side/plan").get_data(as_text=True)
    assert "FVU-læsning hos AOF" in html and "AMU-kursus i demens" in html and "Ret og pligt" in html
