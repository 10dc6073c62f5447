"""Profiling as the rest of the portal sees it: scores, group proposals, overrides, the model registry.

Views (the caseworker's conversation screen), the scheduler (nightly re-profiling) and the CLI call these.
The probability is for staff: the member's Min side shows the group, never the probability (DOMAIN.md: members
should not be told early and bluntly that they will probably become long-term unemployed).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # training pulls in statsmodels: not needed to start the web app
    from portal.profiling.training import TrainedModel

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from portal.database import Read, prepared
from portal.i18n import N_
from portal.models import Member, ServiceLocation, User
from portal.models.members import TARGET_GROUPS
from portal.models.outcomes import BenefitPeriod, BenefitWeek
from portal.models.profiling import (
    MODEL_KINDS,
    GroupDecision,
    GroupObjection,
    MemberRegisterFacts,
    ProfilingAssessment,
    ProfilingModel,
)
from portal.profiling import labels, registry, scoring
from portal.profiling.variables import AGE_BANDS, FEATURES_BY_KIND, Q10_BARRIERS
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.errors import NotAllowed, NotFound, ValidationFailed
from portal.services.messaging import notifications
from portal.services.minside_i18n import _
from portal.services.text_limits import has_control_characters, one_line_breaks
from portal.timeutil import LOCAL_TZ

log = logging.getLogger(__name__)

BATCH = 10_000
COMMENT_MAX = 2000
FACT_COLUMNS = ["education", "work_experience_years", "from_sickness_benefit", "benefit_share_3y",
                "benefit_periods_5y", "origin", "disco", "industry", "new_graduate", "previous_income_100k",
                "children_at_home"]
# Preference when more than one model is active: register + answers, register only, answers only.
KIND_PREFERENCE = ("AB", "B", "A")


@dataclass
class Factor:
    text_da: str  # "55 år eller derover"
    contribution: float  # to the log-odds against the reference member; > 0 raises the risk


@dataclass
class Assessment:
    member_id: int
    model_kind: str
    model_version: int
    probability: float
    proposed_group: str
    factors: list[Factor]
    scored_at: datetime
    unseen_levels: list[str]

    @property
    def model_label(self) -> str:
        return f"{self.model_kind}-v{self.model_version}"

    @property
    def raising_factors(self) -> list[Factor]:
        return [f for f in self.factors if f.contribution > 0]

    @property
    def lowering_factors(self) -> list[Factor]:
        return [f for f in self.factors if f.contribution < 0]


def to_assessment(row: ProfilingAssessment) -> Assessment:
    return Assessment(
        member_id=row.member_id, model_kind=row.model.kind, model_version=row.model.version,
        probability=row.probability, proposed_group=row.proposed_group,
        factors=[Factor(f["text"], f["contribution"]) for f in row.factors], scored_at=row.scored_at,
        unseen_levels=list(row.unseen_levels or []),
    )


# ---- reading -------------------------------------------------------------------------------------------------

def latest_assessment(session: Session, member: Member) -> Assessment | None:
    """The member's newest score, or None if never scored."""
    row = session.scalar(_latest_assessment_of_member(), {"member_id": member.id})
    return to_assessment(row) if row else None


# Of the model only what Assessment names (its label): not its spec and report, ~20 kB of JSON (issue 19).
ASSESSMENT_MODEL_LABEL = joinedload(ProfilingAssessment.model).load_only(ProfilingModel.kind, ProfilingModel.version)


@prepared
def _latest_assessment_of_member():
    return (select(ProfilingAssessment).where(ProfilingAssessment.member_id == bindparam("member_id"))
            .options(ASSESSMENT_MODEL_LABEL).order_by(ProfilingAssessment.id.desc()).limit(1))


def latest_assessment_id(member_id):
    """The id of a member's newest score as a scalar subquery (`member_id` a column or bind parameter), for a
    statement that reads it with other rows (the conversation screen, with ASSESSMENT_MODEL_LABEL and
    `to_assessment`); `latest_assessment` reads the same row."""
    assessment = aliased(ProfilingAssessment)
    return (select(assessment.id).where(assessment.member_id == member_id).order_by(assessment.id.desc()).limit(1)
            .scalar_subquery())


def group_decision_history(session: Session, member: Member) -> list[GroupDecision]:
    """The caseworkers' group decisions for the member, newest first (decided_group, proposed_group,
    overrides_proposal, comment, model_label, probability, decided_by_user, decided_at)."""
    return list(session.scalars(_decisions_of_member(), {"member_id": member.id}))


def group_decision_history_read(member: Member) -> Read:
    """`group_decision_history`'s statement, for portal.read_ahead."""
    return Read(_decisions_of_member(), {"member_id": member.id}, executed=True)


@prepared
def _decisions_of_member():
    return (select(GroupDecision).where(GroupDecision.member_id == bindparam("member_id"))
            .order_by(GroupDecision.decided_at.desc(), GroupDecision.id.desc()))


def active_models(session: Session) -> dict[str, ProfilingModel]:
    return {m.kind: m for m in session.scalars(select(ProfilingModel).where(ProfilingModel.active.is_(True)))}


def list_models(session: Session) -> list[ProfilingModel]:
    return list(session.scalars(select(ProfilingModel).order_by(ProfilingModel.kind, ProfilingModel.version)))


# ---- the caseworker's decision -----------------------------------------------------------------------------

def override_group(session: Session, member: Member, *, group: str, comment: str, actor: Actor, now: datetime
                   ) -> GroupDecision:
    """Set the member's target group with the caseworker's reason; keeps proposal, model version and decision."""
    if isinstance(actor, User) and actor.role not in ("caseworker", "admin"):
        raise NotAllowed(_("Kun en sagsbehandler kan fastsætte målgruppen."))
    errors = {}
    if group not in TARGET_GROUPS:
        errors["group"] = _("Vælg målgruppe 1, 2a eller 2b.")
    comment = one_line_breaks(comment or "").strip()
    if not comment:
        errors["comment"] = _("Skriv en begrundelse for målgruppen. Den gemmes sammen med profileringen.")
    elif has_control_characters(comment):
        errors["comment"] = _("%(label)s indeholder usynlige styretegn, som ikke kan gemmes. Skriv teksten igen.",
                              label=_("Begrundelsen"))
    elif len(comment) > COMMENT_MAX:
        errors["comment"] = _("Begrundelsen må højst være %(n)d tegn.", n=COMMENT_MAX)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    latest = session.scalar(select(ProfilingAssessment).where(ProfilingAssessment.member_id == member.id)
                            .order_by(ProfilingAssessment.id.desc()).limit(1))
    decision = GroupDecision(
        member_id=member.id, assessment_id=latest.id if latest else None,
        model_label=latest.model.label if latest else None, probability=latest.probability if latest else None,
        proposed_group=latest.proposed_group if latest else None, previous_group=member.target_group,
        decided_group=group, overrides_proposal=bool(latest and latest.proposed_group != group), comment=comment,
        decided_by_user_id=actor.id if isinstance(actor, User) else None, decided_by=audit.actor_label(actor),
        decided_at=now,
    )
    session.add(decision)
    member.target_group = group
    member.updated_at = now
    session.flush()
    _answer_objections(session, member, decision, now)
    audit.record(session, actor, "profiling.group_decided", member_id=member.id, target=decision, now=now,
                 reason=comment[:200], detail={"from": decision.previous_group, "to": group,
                                               "proposed": decision.proposed_group, "model": decision.model_label,
                                               "overrides_proposal": decision.overrides_proposal})
    return decision


def _answer_objections(session: Session, member: Member, decision: GroupDecision, now: datetime) -> None:
    """A new decision answers the member's open objections (Min side, portal.services.minside.member_profiling)."""
    objections = list(session.scalars(select(GroupObjection).where(GroupObjection.member_id == member.id,
                                                                   GroupObjection.answered_at.is_(None))))
    for objection in objections:
        objection.answered_by_decision_id = decision.id
        objection.answered_at = now
    if objections and member.user_id is not None:  # the member's language, not the deciding caseworker's
        notifications.notify_in_language(session, member.user,
                                         N_("Din sagsbehandler har svaret på det, du skrev om din målgruppe."),
                                         link="/min-side/maalgruppe", now=now)


# ---- features from the database ----------------------------------------------------------------------------

def _age_years(birth: pd.Series, today: date) -> np.ndarray:
    b = pd.to_datetime(birth)
    before_birthday = (b.dt.month > today.month) | ((b.dt.month == today.month) & (b.dt.day > today.day))
    return (today.year - b.dt.year - before_birthday.astype(int)).to_numpy(dtype=float)


def member_features(session: Session, *, today: date, member_ids: list[int] | None = None,
                    with_answers: bool = True) -> pd.DataFrame:
    """One row per member with every model variable (register facts, age band, gender, region, answers)."""
    facts = [getattr(MemberRegisterFacts, c) for c in FACT_COLUMNS]
    query = (select(Member.id.label("member_id"), Member.birth_date, Member.gender, Member.trade_inside_foa,
                    ServiceLocation.region, *facts)
             .join(ServiceLocation, ServiceLocation.id == Member.location_id)
             .outerjoin(MemberRegisterFacts, MemberRegisterFacts.member_id == Member.id)
             .order_by(Member.id))
    if member_ids is not None:
        query = query.where(Member.id.in_(member_ids))
    # pandas reads the driver's plain tuples: much faster than building a frame from Row objects at 250,000
    df = pd.read_sql_query(query, session.connection())
    age = _age_years(df["birth_date"], today) if len(df) else np.array([])
    df["age"] = age
    # variables.age_band, vectorised
    df["age_band"] = np.select([age < 30, age < 50, age < 55], list(AGE_BANDS[:3]), AGE_BANDS[3])
    df["trade_inside_foa"] = df["trade_inside_foa"].astype(bool)
    for col in ("from_sickness_benefit", "new_graduate", "children_at_home", "work_experience_years",
                "benefit_share_3y", "benefit_periods_5y", "previous_income_100k"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["has_answers"] = False
    if with_answers:
        _attach_answers(session, df, member_ids)
    return df


def _attach_answers(session: Session, df: pd.DataFrame, member_ids: list[int] | None) -> None:
    """Questions 2 and 10 from the Min side area's preparation answers (the newest row per member)."""
    from portal.models.plan import PreparationAnswer

    ranked = select(PreparationAnswer.member_id, PreparationAnswer.q2, PreparationAnswer.q10_barriers,
                    func.row_number().over(partition_by=PreparationAnswer.member_id,
                                           order_by=(PreparationAnswer.answered_at.desc(),
                                                     PreparationAnswer.id.desc())).label("rn"))
    if member_ids is not None:
        ranked = ranked.where(PreparationAnswer.member_id.in_(member_ids))
    sub = ranked.subquery()
    answers = session.execute(select(sub.c.member_id, sub.c.q2, sub.c.q10_barriers).where(sub.c.rn == 1)).all()
    if not answers:
        return
    by_member = {m: (q2, set(b or [])) for m, q2, b in answers}
    found = df["member_id"].map(lambda m: m in by_member)
    df["has_answers"] = found
    df["q2"] = df["member_id"].map(lambda m: by_member[m][0] if m in by_member else None)
    for barrier in Q10_BARRIERS:
        df[f"q10_{barrier}"] = df["member_id"].map(
            lambda m, b=barrier: (1.0 if b in by_member[m][1] else 0.0) if m in by_member else np.nan)


# ---- scoring -------------------------------------------------------------------------------------------------

def _choose_kind(models: dict[str, ProfilingModel], has_answers: bool) -> str | None:
    for kind in KIND_PREFERENCE:
        if kind in models and (has_answers or kind == "B"):
            return kind
    return None


def _input_hashes(df: pd.DataFrame, model: ProfilingModel) -> np.ndarray:
    cols = [c for c in FEATURES_BY_KIND.get(model.kind, model.features) if c in df.columns] + ["trade_inside_foa"]
    hashed = pd.util.hash_pandas_object(df[cols], index=False).to_numpy()
    prefix = f"{model.id}:"
    return np.array([prefix + format(h, "x") for h in hashed.tolist()], dtype=object)


def _proposals(probability: np.ndarray, threshold: float, inside: np.ndarray) -> np.ndarray:
    """scoring.proposed_group, vectorised."""
    return np.where(probability < threshold, "1", np.where(inside, "2a", "2b"))


def _score_rows(df: pd.DataFrame, model: ProfilingModel, *, now: datetime, actor_label: str) -> list[dict]:
    """Assessment rows for the ORM (one member at a time)."""
    spec = model.spec
    scored = scoring.score_frame(spec, df)
    texts = scoring.FactorTexts(scored, spec)
    hashes = _input_hashes(df, model)
    groups = _proposals(scored.probability, spec["threshold"], df["trade_inside_foa"].to_numpy(dtype=bool))
    return [{
        "member_id": int(member_id), "model_id": model.id, "probability": round(float(scored.probability[i]), 6),
        "proposed_group": str(groups[i]),
        "factors": [{"text": t, "contribution": c} for t, c in texts.row(i)],
        "unseen_levels": scored.unseen[i], "input_hash": hashes[i], "scored_at": now, "scored_by": actor_label,
    } for i, member_id in enumerate(df["member_id"].tolist())]


_BULK_COLUMNS = ("member_id", "model_id", "probability", "proposed_group", "factors", "unseen_levels", "input_hash",
                 "scored_at", "scored_by")


def _bulk_insert_sql(session: Session) -> str:
    """The driver-level INSERT for this database's parameter style (sqlite3: ?, psycopg: %s)."""
    style = session.get_bind().dialect.paramstyle
    mark = "?" if style == "qmark" else "%s"
    return (f"INSERT INTO profiling_assessment ({', '.join(_BULK_COLUMNS)}) "  # nosec B608 - table and column names are the model's own constants
            f"VALUES ({', '.join([mark] * len(_BULK_COLUMNS))})")


def _insert_bulk(session: Session, df: pd.DataFrame, model: ProfilingModel, *, now: datetime,
                 actor_label: str) -> int:
    """Score and insert with JSON built directly (the ORM's per-row JSON handling is the slow part at 250,000)."""
    spec = model.spec
    scored = scoring.score_frame(spec, df)
    texts = scoring.FactorTexts(scored, spec)
    hashes = _input_hashes(df, model)
    groups = _proposals(scored.probability, spec["threshold"], df["trade_inside_foa"].to_numpy(dtype=bool)).tolist()
    probability = np.round(scored.probability, 6).tolist()
    naive_now = now.astimezone(UTC).replace(tzinfo=None)  # UTCDateTime's storage form
    bind = session.get_bind()
    stamp = naive_now.strftime("%Y-%m-%d %H:%M:%S.%f") if bind.dialect.name == "sqlite" else naive_now
    model_id = model.id
    unseen = scored.unseen
    rows = [(member_id, model_id, probability[i], groups[i], texts.row_json(i),
             json.dumps(unseen[i], ensure_ascii=False) if unseen[i] else "[]", hashes[i], stamp, actor_label)
            for i, member_id in enumerate(df["member_id"].tolist())]
    # Straight to the driver: SQLAlchemy's per-row parameter processing is the slow part at 250,000 rows.
    session.connection().exec_driver_sql(_bulk_insert_sql(session), rows)
    return len(rows)


def _local_today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def score_member(session: Session, member: Member, *, now: datetime, actor: Actor) -> Assessment:
    """Score one member with the best active model and store it (audited)."""
    models = active_models(session)
    if not models:
        raise NotFound(_("Der er ingen aktiv profileringsmodel. En administrator skal aktivere en model."))
    df = member_features(session, today=_local_today(now), member_ids=[member.id])
    if df.empty:
        raise NotFound(_("Medlemmet findes ikke."))
    kind = _choose_kind(models, bool(df["has_answers"].iloc[0]))
    if kind is None:
        raise NotFound(_("Medlemmet kan først profileres, når spørgsmål 2 og 10 er besvaret."))
    row = _score_rows(df, models[kind], now=now, actor_label=audit.actor_label(actor))[0]
    record = ProfilingAssessment(**row)
    session.add(record)
    session.flush()
    audit.record(session, actor, "profiling.scored", member_id=member.id, target=record, now=now,
                 detail={"model": models[kind].label, "proposed_group": record.proposed_group,
                         "unseen_levels": record.unseen_levels})
    return to_assessment(record)


def score_all(session: Session, *, now: datetime, only_changed: bool = False,
              actor: Actor = SystemActor.SCHEDULER) -> int:
    """Score every member in bulk; with only_changed, only members whose inputs or active model changed.

    Returns the number of new assessments. One audit entry for the run (not one per member).
    """
    models = active_models(session)
    if not models:
        return 0
    need_answers = any(k in models for k in ("A", "AB"))
    df = member_features(session, today=_local_today(now), with_answers=need_answers)
    kinds = np.array([_choose_kind(models, bool(h)) for h in df["has_answers"].to_numpy()], dtype=object)
    latest_hash: dict[int, str] = {}
    if only_changed:
        newest = (select(func.max(ProfilingAssessment.id)).group_by(ProfilingAssessment.member_id)).subquery()
        latest_hash = dict(session.execute(
            select(ProfilingAssessment.member_id, ProfilingAssessment.input_hash)
            .where(ProfilingAssessment.id.in_(select(newest)))).all())
    label = audit.actor_label(actor)
    total = 0
    per_model: dict[str, int] = {}
    for kind, model in models.items():
        part = df.loc[kinds == kind]
        if part.empty:
            continue
        if only_changed:
            hashes = _input_hashes(part, model)
            stale = np.array([latest_hash.get(int(m)) != h for m, h in zip(part["member_id"], hashes)], dtype=bool)
            part = part.loc[stale]
        for start in range(0, len(part), BATCH):
            total += _insert_bulk(session, part.iloc[start:start + BATCH], model, now=now, actor_label=label)
        per_model[model.label] = len(part)
    audit.record(session, actor, "profiling.scored_all", now=now,
                 detail={"scored": total, "only_changed": only_changed, "by_model": per_model,
                         "members": len(df)})
    return total


# ---- the registry -------------------------------------------------------------------------------------------

def register_model(session: Session, trained: TrainedModel, *, kind: str, actor: Actor, now: datetime,
                   out_dir: Path | None = None) -> ProfilingModel:
    """Save the artefact and add it to the registry as the next version of `kind` (inactive)."""
    if kind not in MODEL_KINDS:
        raise ValidationFailed(_("Ukendt modeltype %(kind)s; brug A, B eller AB.", kind=kind), field="kind")
    version = (session.scalar(select(func.max(ProfilingModel.version)).where(ProfilingModel.kind == kind)) or 0) + 1
    out = Path(out_dir) if out_dir else registry.model_dir() / f"{kind}-v{version}-{secrets.token_hex(3)}"
    problem = registry.check_writable(out)
    if problem:
        raise ValidationFailed(problem, field="out")
    sha = registry.save(trained, out)
    report = trained.report
    model = ProfilingModel(
        kind=kind, version=version, artefact_path=str(out.resolve()), artefact_sha256=sha,
        target=report["target"], features=report["features"], spec=trained.spec, report=report,
        training_rows=report["n"], cv_auc=report["cv"]["auc"],
        fairness_warnings=len(report["fairness"]["warnings"]), trained_at=now, trained_by=audit.actor_label(actor),
        active=False,
    )
    session.add(model)
    session.flush()
    audit.record(session, actor, "profiling.model_registered", target=model, now=now,
                 detail={"model": model.label, "rows": model.training_rows, "cv_auc": model.cv_auc,
                         "fairness_warnings": model.fairness_warnings, "artefact": model.artefact_path})
    return model


def get_model(session: Session, kind: str, version: int) -> ProfilingModel:
    model = session.scalar(select(ProfilingModel).where(ProfilingModel.kind == kind,
                                                        ProfilingModel.version == version))
    if model is None:
        raise NotFound(_("Modellen %(kind)s-v%(version)s findes ikke.", kind=kind, version=version))
    return model


def activate_model(session: Session, model: ProfilingModel, *, actor: Actor, now: datetime,
                   reason: str | None = None) -> ProfilingModel | None:
    """Make `model` the active one of its kind (audited). Returns the model it replaced, if any.

    A model with fairness warnings needs a written reason: the gap is seen and accepted by a person.
    """
    reason = (reason or "").strip() or None
    if model.fairness_warnings and not reason:
        raise ValidationFailed(_("Modellen har %(n)d fairness-advarsler. Skriv en begrundelse for at aktivere den "
                                 "alligevel.", n=model.fairness_warnings), field="reason")
    if not model.spec.get("params"):
        raise ValidationFailed(_("Modellen kan ikke bruges til scoring."), field="model")
    previous = session.scalar(select(ProfilingModel).where(ProfilingModel.kind == model.kind,
                                                           ProfilingModel.active.is_(True),
                                                           ProfilingModel.id != model.id))
    session.execute(update(ProfilingModel).where(ProfilingModel.kind == model.kind, ProfilingModel.id != model.id)
                    .values(active=False))
    model.active = True
    model.activated_at = now
    model.activated_by = audit.actor_label(actor)
    model.activation_reason = reason
    session.flush()
    audit.record(session, actor, "profiling.model_activated", target=model, now=now, reason=reason and reason[:200],
                 detail={"model": model.label, "replaces": previous.label if previous else None,
                         "cv_auc": model.cv_auc, "fairness_warnings": model.report["fairness"]["warnings"]})
    return previous


# ---- labels and facts from the database ----------------------------------------------------------------------

def benefit_windows(session: Session, *, today: date, member_ids: list[int] | None = None
                    ) -> Iterator[pd.DataFrame]:
    """The 52-week benefit series after each benefit period's first day (labels.period_windows), from the database.

    Reads the periods and, through them, their recorded weeks; yields one frame per chunk of members, so a whole
    fund's history never sits in memory at once.
    """
    if member_ids is None:
        member_ids = list(session.scalars(select(BenefitPeriod.member_id).distinct().order_by(BenefitPeriod.member_id)))
    for i in range(0, len(member_ids), BATCH):
        chunk = member_ids[i:i + BATCH]
        periods = pd.DataFrame(session.execute(
            select(BenefitPeriod.id, BenefitPeriod.member_id, BenefitPeriod.start_date, BenefitPeriod.end_date)
            .where(BenefitPeriod.member_id.in_(chunk))).all(),
            columns=["period_id", "member_id", "start_date", "end_date"])
        weeks = pd.DataFrame(session.execute(
            select(BenefitWeek.period_id, BenefitWeek.week_no, BenefitWeek.benefit_fraction)
            .join(BenefitPeriod, BenefitPeriod.id == BenefitWeek.period_id)
            .where(BenefitPeriod.member_id.in_(chunk))).all(),
            columns=["period_id", "week_no", "benefit_fraction"])
        window = labels.period_windows(periods, weeks, today)
        if not window.empty:
            yield window


def benefit_labels(session: Session, *, today: date, member_ids: list[int] | None = None) -> pd.DataFrame:
    """The long-term label per member and benefit period, from the benefit history as known today (censored → NaN)."""
    frames = [labels.long_term_labels(w) for w in benefit_windows(session, today=today, member_ids=member_ids)]
    return pd.concat(frames, ignore_index=True) if frames else labels.long_term_labels(pd.DataFrame())


def benefit_survival_by_group(session: Session, *, today: date, max_week: int = 52
                              ) -> dict[str, dict[str, list[dict]]]:
    """Kaplan–Meier curves of time to leaving benefit per target group, from the benefit history as known today.

    Per benefit period, over the 52 weeks after its first day (benefit_windows): *without return* the event is the
    first week off benefit; *with return* a member who comes back on benefit later in those weeks has not left yet
    (the event is the last exit). Periods still on benefit at the last observed week are censored there.
    Keys: "1", "2a", "2b", "ukendt".
    """
    from portal.profiling.survival import km_curve

    groups = dict(session.execute(select(Member.id, Member.target_group)
                                  .where(Member.id.in_(select(BenefitPeriod.member_id)))).all())
    summaries = [_exits(frame, groups) for frame in benefit_windows(session, today=today)]
    out: dict[str, dict[str, list[dict]]] = {}
    if not summaries:
        return out
    summary = pd.concat(summaries)
    no_return_event = summary["first_off"].notna()
    no_return_time = np.where(no_return_event, summary["first_off"] - 1, summary["observed"])
    last_on = summary["last_on"].fillna(0)
    with_return_event = last_on < summary["observed"]
    with_return_time = np.where(with_return_event, last_on, summary["observed"])
    for group, idx in summary.groupby("group").indices.items():
        out[str(group)] = {
            "without_return": km_curve(no_return_time[idx], no_return_event.to_numpy()[idx], max_week=max_week),
            "with_return": km_curve(with_return_time[idx], with_return_event.to_numpy()[idx], max_week=max_week),
        }
    return out


def _exits(frame: pd.DataFrame, groups: dict[int, str | None]) -> pd.DataFrame:
    """Per period of a window frame: group, weeks observed, first week off benefit, last week on benefit."""
    frame = frame.assign(group=frame["member_id"].map(groups).fillna("ukendt"),
                         off=frame["benefit_fraction"] <= 0)
    periods = frame.groupby(["member_id", "period_start"], sort=False)
    return pd.DataFrame({
        "group": periods["group"].first(),
        "observed": periods["week_no"].max(),
        "first_off": frame[frame["off"]].groupby(["member_id", "period_start"])["week_no"].min(),
        "last_on": frame[~frame["off"]].groupby(["member_id", "period_start"])["week_no"].max(),
    })
