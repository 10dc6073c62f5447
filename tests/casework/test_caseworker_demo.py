"""The casework demo step: JobMatch history for the KPI, 'medlem' has sent summaries, next steps stored."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.models import Member
from portal.models.casework import ConversationSummary, JobOrder, MemberNextStep
from portal.services.casework import jobmatch


def test_demo_step_gives_kpi_data_and_summaries_for_medlem(app, session, client, auth, clock):
    seed_demo(session, members=400, seed=5, now=clock.now, password="demo-adgangskode",
              areas=["plan", "booking", "casework"])
    kpi = {row["year"]: row for row in jobmatch.placements_per_year(session)}
    year = clock.today.year  # three whole years of history before this one
    assert {year - 3, year - 2, year - 1} <= set(kpi)
    assert 500 <= kpi[year - 2]["placed"] <= 700 and 30 <= kpi[year - 2]["permanent_share"] <= 50
    open_orders = session.scalar(select(func.count()).select_from(JobOrder).where(JobOrder.status == "open"))
    assert open_orders >= 50
    assert session.scalar(select(func.count()).select_from(MemberNextStep)) == 400
    medlem = session.scalar(select(Member).where(Member.member_number == "1000001"))
    sent = session.scalars(select(ConversationSummary).where(ConversationSummary.member_id == medlem.id,
                                                             ConversationSummary.status == "sent")).all()
    assert len(sent) == 2
    assert auth.login("medlem", "demo-adgangskode").status_code == 302
    assert "Samtalereferat – CV-samtale" in client.get("/min-side/referater").get_data(as_text=True)
