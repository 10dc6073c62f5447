"""Demo profiling: register facts for every member, a model B trained on synthetic data, every member scored.

The benefit history the label is computed from (periods and their weeks) is seeded by portal/demo/outcomes.py.

Bulk and vectorised (numpy), deterministic from ctx.seed; a few seconds at 250,000 members besides the scoring.
"""
from __future__ import annotations

from datetime import UTC, timedelta

import numpy as np
from sqlalchemy import select

from portal.demo.context import SeedContext
from portal.models import Member
from portal.models.profiling import GroupDecision, GroupObjection, MemberRegisterFacts, ProfilingAssessment
from portal.profiling import synth
from portal.profiling.training import train
from portal.profiling.variables import CATEGORICAL, FEATURES_BY_KIND
from portal.services import profiling as service
from portal.services.actors import SystemActor

BATCH = 10_000
TRAINING_ROWS = 20_000  # synthetic members for the demo model: a couple of seconds to train

DISCO_BY_TRADE = {
    "Social- og sundhedshjælper": "sosu_hjaelper", "Handicaphjælper": "sosu_hjaelper",
    "Social- og sundhedsassistent": "sosu_assistent", "Pædagogisk assistent": "paedagogisk",
    "Pædagogmedhjælper": "paedagogisk", "Dagplejer": "paedagogisk", "Køkkenassistent": "koekken",
    "Ernæringsassistent": "koekken", "Rengøringsassistent": "rengoering", "Serviceassistent": "service",
    "Portør": "service", "Teknisk servicemedarbejder": "service", "Buschauffør": "transport", "Chauffør": "transport",
}
INDUSTRY_BY_DISCO = {"sosu_hjaelper": "offentlig_omsorg", "sosu_assistent": "offentlig_omsorg",
                     "paedagogisk": "offentlig_omsorg", "koekken": "offentlig_service",
                     "rengoering": "offentlig_service", "service": "offentlig_service", "transport": "transport"}


def seed(session, ctx: SeedContext) -> None:
    rng = np.random.default_rng(ctx.seed + 5)
    members = session.execute(select(Member.id, Member.birth_date, Member.trade, Member.status,
                                     Member.first_unemployment_day).order_by(Member.id)).all()
    _register_facts(session, ctx, rng, members)
    model = _demo_model(session, ctx)
    scored = service.score_all(session, now=ctx.now, actor=SystemActor.CLI)
    _demo_decision(session, ctx)
    ctx.summary.update(profiling_model=model.label, profiling_scored=scored)


def _register_facts(session, ctx: SeedContext, rng: np.random.Generator, members) -> None:
    n = len(members)
    if not n:
        return
    drawn = synth.draw_members(n, rng)
    ids = np.array([m.id for m in members])
    ages = np.array([(ctx.today - m.birth_date).days / 365.25 for m in members])
    disco = np.array([DISCO_BY_TRADE.get(m.trade or "", "andet") for m in members], dtype=object)
    other_industry = rng.choice(["privat_service", "handel", "industri"], n)
    industry = np.array([INDUSTRY_BY_DISCO.get(d, o) for d, o in zip(disco, other_industry)], dtype=object)
    graduate = (ages < 30) & (rng.random(n) < 0.35)
    children = (ages > 25) & (ages < 55) & (rng.random(n) < 0.45)
    experience = np.clip((ages - 18) * rng.uniform(0.4, 1.0, n), 0, 45).round(1)
    unknown_education = rng.random(n) < 0.02  # register gaps happen; the model handles them
    education = np.where(unknown_education, None, drawn["education"].to_numpy(dtype=object))
    columns = {
        "member_id": ids.tolist(), "education": education.tolist(), "work_experience_years": experience.tolist(),
        "from_sickness_benefit": drawn["from_sickness_benefit"].astype(bool).tolist(),
        "benefit_share_3y": drawn["benefit_share_3y"].tolist(),
        "benefit_periods_5y": drawn["benefit_periods_5y"].astype(int).tolist(), "origin": drawn["origin"].tolist(),
        "disco": disco.tolist(), "industry": industry.tolist(), "new_graduate": graduate.tolist(),
        "previous_income_100k": drawn["previous_income_100k"].tolist(), "children_at_home": children.tolist(),
    }
    bind = session.get_bind()
    stamp = ctx.now.astimezone(UTC).replace(tzinfo=None)  # UTCDateTime's storage form
    columns["updated_at"] = [stamp.strftime("%Y-%m-%d %H:%M:%S.%f") if bind.dialect.name == "sqlite" else stamp] * n
    names = list(columns)
    mark = "?" if bind.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {MemberRegisterFacts.__tablename__} ({', '.join(names)}) "  # nosec B608 - table and column names are the model's own constants
           f"VALUES ({', '.join([mark] * len(names))})")
    rows = list(zip(*(columns[c] for c in names)))
    # Straight to the driver: 250,000 rows through the ORM's per-row processing take several times longer.
    for start in range(0, n, BATCH):
        session.connection().exec_driver_sql(sql, rows[start:start + BATCH])


def _demo_model(session, ctx: SeedContext):
    data, _truth = synth.generate(TRAINING_ROWS, ctx.seed)
    features = FEATURES_BY_KIND["B"]
    trained = train(data, target=synth.TARGET, features=features,
                    categorical=[f for f in features if f in CATEGORICAL], kind="B", seed=ctx.seed)
    model = service.register_model(session, trained, kind="B", actor=SystemActor.CLI, now=ctx.now)
    service.activate_model(session, model, actor=SystemActor.CLI, now=ctx.now,
                           reason="Demo-model trænet på syntetiske data; fairness-rapporten er gennemgået.")
    return model


def _demo_decision(session, ctx: SeedContext) -> None:
    """The demo member 'medlem' was put in group 2a by her caseworker at the CV conversation."""
    member = session.get(Member, ctx.demo_member_id) if ctx.demo_member_id else None
    caseworker_user = ctx.users.get("sagsbehandler")
    if member is None:
        return
    latest = service.latest_assessment(session, member)
    assessment_id = session.scalar(select(ProfilingAssessment.id).where(ProfilingAssessment.member_id == member.id)
                                   .order_by(ProfilingAssessment.id.desc()).limit(1))
    session.add(GroupDecision(
        member_id=member.id, assessment_id=assessment_id, model_label=latest.model_label if latest else None,
        probability=latest.probability if latest else None, proposed_group=latest.proposed_group if latest else None,
        previous_group=None, decided_group="2a",
        overrides_proposal=bool(latest and latest.proposed_group != "2a"),
        comment="Ønsker at blive i faget, men har fysiske begrænsninger efter en skulderskade. Aftalt fokussamtaler.",
        decided_by_user_id=caseworker_user, decided_by=f"user:{caseworker_user}" if caseworker_user else SystemActor.CLI,
        decided_at=ctx.now - timedelta(weeks=4),
    ))
    session.flush()
    first = session.scalar(select(GroupDecision).where(GroupDecision.member_id == member.id))
    # She disagreed on Min side a few days later; her caseworker kept the group and said why (Min side shows both).
    session.add(GroupObjection(
        member_id=member.id, decision_id=first.id, created_at=ctx.now - timedelta(weeks=3, days=2),
        text="Jeg tror ikke, jeg har brug for et ekstra forløb. Jeg har 20 års erfaring og søger mange job."))
    session.flush()
    answer = GroupDecision(
        member_id=member.id, assessment_id=assessment_id, model_label=first.model_label,
        probability=first.probability, proposed_group=first.proposed_group, previous_group="2a", decided_group="2a",
        overrides_proposal=first.overrides_proposal,
        comment="Din erfaring er en stor styrke. Vi beholder målgruppe 2a, fordi du har ret til to fokussamtaler, "
                "hvor vi kan se på job, der passer til din skulder. Du bestemmer selv, om du vil bruge dem.",
        decided_by_user_id=caseworker_user, decided_by=first.decided_by, decided_at=ctx.now - timedelta(weeks=3))
    session.add(answer)
    session.flush()
    objection = session.scalar(select(GroupObjection).where(GroupObjection.member_id == member.id))
    objection.answered_by_decision_id, objection.answered_at = answer.id, answer.decided_at
