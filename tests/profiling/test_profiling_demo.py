"""The demo step: register facts, an active model B trained on synthetic data, every member scored."""
from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.models import Member
from portal.models.profiling import MemberRegisterFacts, ProfilingAssessment
from portal.services import profiling as service


def test_demo_seed_scores_every_member_with_an_active_model(app, session, tmp_path):
    app.config["MODEL_DIR"] = str(tmp_path / "models")
    summary = seed_demo(session, members=400, seed=7, password="demo-adgangskode", areas=["profiling"])
    members = session.scalar(select(func.count()).select_from(Member))
    assert summary["profiling_scored"] == members == 400
    assert session.scalar(select(func.count()).select_from(MemberRegisterFacts)) == members
    assert session.scalar(select(func.count(func.distinct(ProfilingAssessment.member_id)))) == members
    active = service.active_models(session)
    assert list(active) == ["B"] and active["B"].activation_reason
    assert any((tmp_path / "models").iterdir())

    demo = session.scalar(select(Member).where(Member.member_number == "1000001"))
    assessment = service.latest_assessment(session, demo)
    assert assessment.factors and assessment.model_label == "B-v1"
    history = service.group_decision_history(session, demo)
    assert history[0].decided_group == "2a" and history[0].decided_by_user.username == "sagsbehandler"
    assert history[0].assessment_id is not None
    groups = set(session.scalars(select(ProfilingAssessment.proposed_group)))
    assert {"1", "2a"} <= groups  # both proposals occur in a lived-in demo
