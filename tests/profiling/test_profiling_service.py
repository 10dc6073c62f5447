"""The profiling service: registry and activation, scoring members, the caseworker's override, audit."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry
from portal.models.profiling import GroupDecision, MemberRegisterFacts, ProfilingAssessment, ProfilingModel
from portal.profiling import synth
from portal.profiling.training import train
from portal.profiling.variables import CATEGORICAL, FEATURES_BY_KIND
from portal.services import profiling as service
from portal.services.errors import NotAllowed, NotFound, ValidationFailed

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture(scope="module")
def trained_b():
    data, _ = synth.generate(8000, seed=21)
    features = FEATURES_BY_KIND["B"]
    return train(data, target="long_term", features=features,
                 categorical=[f for f in features if f in CATEGORICAL], kind="B", seed=1)


@pytest.fixture(scope="module")
def trained_ab():
    data, _ = synth.generate(8000, seed=22)
    features = FEATURES_BY_KIND["AB"]
    return train(data, target="long_term", features=features,
                 categorical=[f for f in features if f in CATEGORICAL], kind="AB", seed=1)


@pytest.fixture
def model_dir(app, tmp_path):
    app.config["MODEL_DIR"] = str(tmp_path / "models")
    return tmp_path / "models"


@pytest.fixture
def active_b(session, trained_b, model_dir):
    model = service.register_model(session, trained_b, kind="B", actor="cli", now=NOW)
    service.activate_model(session, model, actor="cli", now=NOW, reason="Gennemgået i test")
    return model


def older_member(make, **kwargs):
    kwargs.setdefault("trade_inside_foa", True)
    member = make.member(birth_date=date(1966, 2, 1), **kwargs)
    make.session.add(MemberRegisterFacts(
        member_id=member.id, education="ingen", work_experience_years=30, from_sickness_benefit=True,
        benefit_share_3y=0.6, benefit_periods_5y=4, origin="dansk", disco="koekken", industry="offentlig_service",
        new_graduate=False, previous_income_100k=2.5, children_at_home=False, updated_at=NOW))
    make.session.flush()
    return member


def test_register_writes_the_artefact_and_a_registry_row(session, trained_b, model_dir):
    model = service.register_model(session, trained_b, kind="B", actor="cli", now=NOW)
    again = service.register_model(session, trained_b, kind="B", actor="cli", now=NOW)
    assert (model.version, again.version) == (1, 2)
    folder = model_dir / next(p.name for p in model_dir.iterdir() if p.name.startswith("B-v1-"))
    assert {p.name for p in folder.iterdir()} == {"model.pickle", "spec.json", "report.json"}
    assert str(folder.resolve()) == model.artefact_path
    assert not model.active and model.cv_auc == trained_b.report["cv"]["auc"]
    # the saved statsmodels results carry no training data
    from portal.profiling.registry import load_results

    results = load_results(folder, model.artefact_sha256)
    assert results.model.exog is None or len(results.model.exog) == 0
    (folder / "model.pickle").write_bytes(b"not the artefact")  # a replaced file is refused, never unpickled
    with pytest.raises(ValueError, match="SHA-256"):
        load_results(folder, model.artefact_sha256)


def test_activation_needs_a_reason_when_there_are_fairness_warnings_and_is_audited(session, trained_b, model_dir):
    model = service.register_model(session, trained_b, kind="B", actor="cli", now=NOW)
    assert model.fairness_warnings > 0  # age and origin gaps in the synthetic data
    with pytest.raises(ValidationFailed, match="fairness-advarsler"):
        service.activate_model(session, model, actor="cli", now=NOW)
    assert not model.active
    second = service.register_model(session, trained_b, kind="B", actor="cli", now=NOW)
    service.activate_model(session, model, actor="cli", now=NOW, reason="Set og accepteret")
    replaced = service.activate_model(session, second, actor="cli", now=NOW, reason="Ny version")
    session.flush()
    assert replaced.id == model.id
    assert session.scalar(select(func.count()).select_from(ProfilingModel).where(ProfilingModel.active)) == 1
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "profiling.model_activated")).all()
    assert [e.detail["model"] for e in entries] == ["B-v1", "B-v2"]
    assert entries[1].detail["replaces"] == "B-v1" and entries[1].detail["fairness_warnings"]


def test_score_member_stores_probability_group_and_factors(session, make, active_b):
    member = older_member(make)
    result = service.score_member(session, member, now=NOW, actor="cli")
    assert result.model_kind == "B" and result.model_version == 1
    assert 0 < result.probability < 1
    assert result.proposed_group in ("1", "2a")  # job goal inside FOA's fields: never 2b
    texts = [f.text_da for f in result.factors]
    assert "55 år eller derover" in texts and "job som køkkenassistent" in texts
    assert "kommer fra sygedagpenge" in texts
    assert result.unseen_levels == []
    assert service.latest_assessment(session, member) == result
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "profiling.scored", AuditEntry.member_id == member.id)) == 1


def test_member_outside_foas_fields_at_risk_is_proposed_2b(session, make, active_b):
    member = older_member(make, trade_inside_foa=False)
    facts = session.get(MemberRegisterFacts, member.id)
    facts.benefit_share_3y, facts.benefit_periods_5y = 1.0, 10
    result = service.score_member(session, member, now=NOW, actor="cli")
    assert result.probability >= active_b.spec["threshold"]
    assert result.proposed_group == "2b"


def test_member_without_register_facts_and_with_an_unseen_job_function(session, make, active_b):
    bare = make.member()  # no register facts at all: scored as the reference member on those, not a crash
    result = service.score_member(session, bare, now=NOW, actor="cli")
    assert 0 < result.probability < 1
    odd = older_member(make)
    session.get(MemberRegisterFacts, odd.id).disco = "bager"
    result = service.score_member(session, odd, now=NOW, actor="cli")
    assert result.unseen_levels == ["disco=bager"]


def test_scoring_without_an_active_model_says_so(session, make):
    member = make.member()
    with pytest.raises(NotFound, match="ingen aktiv profileringsmodel"):
        service.score_member(session, member, now=NOW, actor="cli")
    assert service.score_all(session, now=NOW) == 0
    assert service.latest_assessment(session, member) is None


def test_score_all_then_only_changed(session, make, active_b):
    members = [older_member(make) for _ in range(3)] + [make.member()]
    assert service.score_all(session, now=NOW) == 4
    assert service.score_all(session, now=NOW + timedelta(days=1), only_changed=True) == 0
    session.get(MemberRegisterFacts, members[0].id).education = "videregaaende"
    members[1].trade_inside_foa = False
    session.flush()
    assert service.score_all(session, now=NOW + timedelta(days=2), only_changed=True) == 2
    stored = session.scalars(select(ProfilingAssessment).where(ProfilingAssessment.member_id == members[0].id)
                             .order_by(ProfilingAssessment.id)).all()
    assert len(stored) == 2 and stored[-1].scored_at == NOW + timedelta(days=2)
    latest = service.latest_assessment(session, members[0])
    assert "videregående uddannelse" in [f.text_da for f in latest.factors]
    assert latest.factors == service.score_member(session, members[0], now=NOW, actor="cli").factors
    run = session.scalars(select(AuditEntry).where(AuditEntry.action == "profiling.scored_all")).all()
    assert [e.detail["scored"] for e in run] == [4, 0, 2]


def test_answers_to_questions_2_and_10_are_used_by_model_ab(session, make, active_b, trained_ab):
    from portal.services.minside.preparation import record_answers

    ab = service.register_model(session, trained_ab, kind="AB", actor="cli", now=NOW)
    service.activate_model(session, ab, actor="cli", now=NOW, reason="test")
    with_answers = older_member(make)
    without = older_member(make)
    caseworker = make.caseworker()
    record_answers(session, with_answers, q2="more_than_6_months", q10_has_barriers=True,
                   q10_barriers=["physical_health"], actor=caseworker.user, now=NOW)
    first = service.score_member(session, with_answers, now=NOW, actor=caseworker.user)
    assert first.model_kind == "AB"
    texts = [f.text_da for f in first.factors]
    assert "fysiske helbredsbegrænsninger" in texts
    assert "forventer mere end 6 måneder om at få job" in texts
    assert service.score_member(session, without, now=NOW, actor="cli").model_kind == "B"
    assert service.score_all(session, now=NOW) == 2
    assert service.latest_assessment(session, with_answers).model_kind == "AB"


def test_override_group_requires_a_comment_and_changes_nothing_without_one(session, make, active_b):
    member = older_member(make, target_group="1")
    caseworker = make.caseworker()
    service.score_member(session, member, now=NOW, actor="cli")
    for comment in ("", "   "):
        with pytest.raises(ValidationFailed) as err:
            service.override_group(session, member, group="2a", comment=comment, actor=caseworker.user, now=NOW)
        assert err.value.message.startswith("Skriv en begrundelse")
    with pytest.raises(ValidationFailed, match="1, 2a eller 2b"):
        service.override_group(session, member, group="3", comment="x", actor=caseworker.user, now=NOW)
    with pytest.raises(ValidationFailed) as err:
        service.override_group(session, member, group="2a", comment="Job\u202e i januar", actor=caseworker.user,
                               now=NOW)
    assert "styretegn" in err.value.errors["comment"]
    assert member.target_group == "1"
    assert service.group_decision_history(session, member) == []


def test_override_group_keeps_decision_model_version_and_is_audited(session, make, active_b):
    member = older_member(make, target_group=None)
    caseworker = make.caseworker()
    proposal = service.score_member(session, member, now=NOW, actor="cli")
    other = "1" if proposal.proposed_group != "1" else "2a"
    later = NOW + timedelta(hours=1)
    decision = service.override_group(session, member, group=other, comment="  Har fået tilbud om job i januar. ",
                                      actor=caseworker.user, now=later)
    assert member.target_group == other
    assert decision.overrides_proposal and decision.proposed_group == proposal.proposed_group
    assert decision.model_label == "B-v1" and decision.probability == proposal.probability
    assert decision.comment == "Har fået tilbud om job i januar."
    confirm = service.override_group(session, member, group=proposal.proposed_group, comment="Ny vurdering",
                                     actor=caseworker.user, now=later + timedelta(days=7))
    assert not confirm.overrides_proposal and confirm.previous_group == other
    history = service.group_decision_history(session, member)
    assert [d.decided_group for d in history] == [proposal.proposed_group, other]
    assert history[0].decided_by_user.id == caseworker.user.id
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "profiling.group_decided")
                            .order_by(AuditEntry.id)).first()
    assert entry.actor_user_id == caseworker.user.id and entry.member_id == member.id
    assert entry.detail == {"from": None, "to": other, "proposed": proposal.proposed_group, "model": "B-v1",
                            "overrides_proposal": True}
    assert session.scalar(select(func.count()).select_from(GroupDecision)) == 2


def test_a_member_cannot_set_their_own_group(session, make):
    member = make.member()
    with pytest.raises(NotAllowed):
        service.override_group(session, member, group="1", comment="mig selv", actor=member.user, now=NOW)


def _history(session, member, *periods, today):
    """Benefit periods (start, end, weekly shares or None) of one member, through the one writer."""
    from portal.services.steering.benefit_history import PeriodRecord, save_periods

    save_periods(session, [PeriodRecord(member_id=member.id, start_date=start, end_date=end,
                                        end_reason=end and "job", weeks=weeks) for start, end, weeks in periods],
                 source="import", today=today, now=NOW)


def test_benefit_labels_from_the_database(session, make):
    start, today = date(2024, 1, 1), date(2025, 6, 2)
    on_all_year, left_in_time, running = make.member(), make.member(), make.member()
    _history(session, on_all_year, (start, None, None), today=today)
    _history(session, left_in_time, (start, start + timedelta(weeks=10, days=-1), None), today=today)
    _history(session, running, (date(2025, 1, 6), None, None), today=today)
    session.flush()
    out = service.benefit_labels(session, today=today).set_index("member_id")
    assert out.loc[on_all_year.id, "long_term"] == 1.0
    assert out.loc[left_in_time.id, "long_term"] == 0.0  # off benefit after week 10: known, not censored
    assert out.loc[left_in_time.id, "weeks_observed"] == 52
    assert out.loc[running.id, "censored"] and out.loc[running.id, "weeks_observed"] == 21


def test_benefit_labels_count_a_return_within_the_52_weeks(session, make):
    start, today = date(2024, 1, 1), date(2025, 6, 2)
    member = make.member()
    # 20 weeks on benefit, 4 weeks in a job, back on benefit for good: 48 of the 52 weeks on benefit.
    _history(session, member, (start, start + timedelta(weeks=20, days=-1), None),
             (start + timedelta(weeks=24), None, None), today=today)
    session.flush()
    first = service.benefit_labels(session, today=today).set_index("period_start").loc[start]
    assert first["long_term"] == 1.0 and first["benefit_share"] == pytest.approx(48 / 52)


def test_benefit_labels_use_the_recorded_share_of_each_week(session, make):
    start, today = date(2024, 1, 1), date(2025, 6, 2)
    part_time = make.member()
    _history(session, part_time, (start, None, (0.7,) * 52), today=today)  # supplementary benefit all year
    session.flush()
    out = service.benefit_labels(session, today=today).set_index("member_id")
    assert out.loc[part_time.id, "long_term"] == 0.0 and out.loc[part_time.id, "benefit_share"] == pytest.approx(0.7)


def test_benefit_survival_by_group_with_and_without_return(session, make):
    start, today = date(2025, 1, 6), date(2025, 4, 14)  # 14 whole weeks after the first day

    left_early = make.member(target_group="1")
    came_back = make.member(target_group="1")
    stays = make.member(target_group="2a")
    _history(session, left_early, (start, start + timedelta(weeks=4, days=-1), None), today=today)
    # left after week 2, back on benefit from week 6 (a new period, itself censored: still running)
    _history(session, came_back, (start, start + timedelta(weeks=2, days=-1), None),
             (start + timedelta(weeks=5), None, None), today=today)
    _history(session, stays, (start, None, None), today=today)  # still on benefit: censored at 14
    session.flush()
    curves = service.benefit_survival_by_group(session, today=today, max_week=14)
    g1 = {p["week"]: p["survival"] for p in curves["1"]["without_return"]}
    # exits at week 2 and week 4 among three periods (the return, begun in week 6, is censored at 9)
    assert g1[1] == 1.0 and g1[2] == pytest.approx(2 / 3) and g1[4] == pytest.approx(1 / 3)
    g1_return = {p["week"]: p["survival"] for p in curves["1"]["with_return"]}
    assert g1_return[3] == 1.0 and g1_return[4] == pytest.approx(2 / 3)  # only the one who left for good has left
    assert all(p["survival"] == 1.0 for p in curves["2a"]["without_return"])
