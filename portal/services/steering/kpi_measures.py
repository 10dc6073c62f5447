"""The SQL behind each steering measure: one aggregation per measure, grouped by the chosen split.

Every function returns {split key: tuple of sums}; portal.services.steering.kpi turns sums into values, targets and
statuses. The populations (docs/kpi.md):
- the *cohort*: benefit periods whose first day (1. ledighedsdag) lies in the chosen period;
- *dismissed*: members registered with mark O whose notice period ended in the chosen period (and is over);
- *placements*: FOA JobMatch placements starting in the chosen period.
The filters (location, segment, placement) apply when the cohort table is made; the split key per query.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    values,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement, Executable

from portal.models import Booking, Consent, Member
from portal.models.booking import ACTIVE_BOOKING_STATUSES
from portal.models.casework import Placement
from portal.models.offers import Offer, OfferRegistration, OfferSession
from portal.models.outcomes import BenefitPeriod, JobStart
from portal.models.plan import PlanItem
from portal.models.scheduling import SurveyAnswer
from portal.models.statuses import BookingStatus, PlanStatus, RegistrationStatus
from portal.services.booking.contact_course import RULES, due_date_for
from portal.services.steering.kpi_sql import add_days, days_between, local_day

WEEK13 = 13 * 7
WEEK26 = 26 * 7
MAX_DAYS = 52 * 7  # survival curves stop at week 52
RETURN_WINDOW_DAYS = 13 * 7  # a return to benefit within 13 weeks cancels the exit (curve "with return")
EXTRA_COURSE_OFFER_KINDS = ("webinar", "fvu_course")
# "Oplever, at de er kommet nærmere til deres næste job" is a share of members who agree. The question is answered
# on 1–10 ("hvor enig du er"); 6–10 is the agreeing half of the scale.
AGREE_FROM = 6


@dataclass(frozen=True)
class Scope:
    """What a query counts: the period, the filters and the split (built by portal.services.steering.kpi.Filters)."""

    date_from: date
    date_to: date
    today: date
    location_id: int | None = None
    segment: str | None = None  # group1 / group2 / dismissed / unknown
    placement: str | None = None  # new / returning
    split: str = "none"  # none / segment / placement / location; "period" (cohort measures only): per benefit period


def segment_expr(mark_o, target_group):
    """Group 1 / group 2 / dismissed (mark O first: DOMAIN.md splits the documentation this way)."""
    return case(
        (mark_o.is_(True), literal("dismissed")),
        (target_group == "1", literal("group1")),
        (target_group.in_(("2a", "2b")), literal("group2")),
        else_=literal("unknown"),
    )


def _split_key(scope: Scope, segment, placement, location_id, period_id=None):
    if scope.split == "period" and period_id is not None:  # per benefit period: the summary table's rows
        return period_id
    if scope.split == "segment":
        return segment
    if scope.split == "placement":
        return placement
    if scope.split == "location":
        return cast(location_id, String)
    return literal("all")


def _filters(scope: Scope, segment, placement, location_id) -> list:
    conditions = []
    if scope.location_id is not None:
        conditions.append(location_id == scope.location_id)
    if scope.segment:
        conditions.append(segment == scope.segment)
    if scope.placement:
        conditions.append(placement == scope.placement)
    return conditions


# The cohort is materialised once per report as a temporary table (one row per benefit period), so the measures
# below each aggregate over it instead of re-deriving it. Split columns are kept, the split is chosen per query.
COHORT = Table(
    "kpi_cohort", MetaData(),
    Column("period_id", Integer), Column("member_id", Integer), Column("start_date", Date),
    Column("end_date", Date), Column("target_group", String), Column("segment", String),
    Column("placement", String), Column("location_id", Integer), Column("exit_day", Date),
)


class _CreateTempTableAs(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, name: str, query) -> None:
        self.name = name
        self.query = query


@compiles(_CreateTempTableAs)
def _compile_create_temp(element, compiler, **kw):
    return f"CREATE TEMPORARY TABLE {element.name} AS {compiler.process(element.query, **kw)}"


def _episode_exits():
    """Per benefit period of the cohort's members: the first exit at or after it that is not followed by a new
    period within 13 weeks (the end of the episode "with return"); NULL while the episode runs."""
    bp = BenefitPeriod.__table__
    # Over the whole table: the (member, start) index gives the window its order for free, which is cheaper
    # than first narrowing to the cohort's members.
    next_start = func.lead(bp.c.start_date).over(partition_by=bp.c.member_id, order_by=bp.c.start_date)
    ordered = select(bp.c.id, bp.c.member_id, bp.c.start_date, bp.c.end_date, next_start.label("next_start")) \
        .subquery("ordered")
    final = case((and_(ordered.c.end_date.isnot(None),
                       or_(ordered.c.next_start.is_(None),
                           ordered.c.next_start > add_days(ordered.c.end_date, RETURN_WINDOW_DAYS))),
                  ordered.c.end_date))
    # Periods never overlap, so "at or after this period" is "this and the later rows": a running minimum.
    exit_day = func.min(final).over(partition_by=ordered.c.member_id, order_by=ordered.c.start_date.desc(),
                                    rows=(None, 0))
    return select(ordered.c.id, exit_day.label("exit_day")).subquery("exits")


def cohort_query(scope: Scope):
    """Benefit periods starting in the period (after the location/segment/placement filters)."""
    bp, m = BenefitPeriod.__table__, Member.__table__
    exits = _episode_exits()
    group = func.coalesce(bp.c.target_group, m.c.target_group)
    segment = segment_expr(m.c.mark_o, group)
    return (
        select(bp.c.id.label("period_id"), bp.c.member_id, bp.c.start_date, bp.c.end_date,
               group.label("target_group"), segment.label("segment"), bp.c.placement, m.c.location_id,
               exits.c.exit_day)
        .select_from(bp.join(m, m.c.id == bp.c.member_id).join(exits, exits.c.id == bp.c.id))
        .where(bp.c.start_date >= scope.date_from, bp.c.start_date <= scope.date_to,
               *_filters(scope, segment, bp.c.placement, m.c.location_id))
    )


def prepare_cohort(session: Session, scope: Scope) -> None:
    """(Re)create the temporary cohort table for this connection; the measures then read COHORT."""
    session.execute(text("DROP TABLE IF EXISTS kpi_cohort"))
    session.execute(_CreateTempTableAs("kpi_cohort", cohort_query(scope)))
    session.execute(text("CREATE INDEX ix_kpi_cohort_member ON kpi_cohort (member_id)"))


def drop_cohort(session: Session) -> None:
    session.execute(text("DROP TABLE IF EXISTS kpi_cohort"))


class _Cohort:
    """COHORT with the scope's split key as `split` (what the measures group by)."""

    def __init__(self, scope: Scope) -> None:
        t = COHORT
        self.c = _Columns(t, _split_key(scope, t.c.segment, t.c.placement, t.c.location_id, t.c.period_id)
                          .label("split"))
        self.table = t


class _Columns:
    def __init__(self, table, split) -> None:
        self._table = table
        self.split = split

    def __getattr__(self, name):
        return self._table.c[name]


def cohort(scope: Scope) -> _Cohort:
    return _Cohort(scope)


def _still_on_benefit(c, day):
    return or_(c.c.end_date.is_(None), c.c.end_date >= day)


def _rows(session: Session, stmt) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:]) for row in session.execute(stmt)}


# --- "In a job" after 13 / 26 weeks -----------------------------------------------------------------------------

def in_job_after(session: Session, scope: Scope, days: int, segment: str | None = None) -> dict[str, tuple]:
    """(in a job on start + days, periods with start + days <= today) per split; only `segment`'s periods when
    given (the application states the in-job criteria for målgruppe 1)."""
    c = cohort(scope)
    js = JobStart.__table__
    check_day = add_days(c.c.start_date, days)
    in_job = exists().where(js.c.member_id == c.c.member_id, js.c.start_date <= check_day,
                            or_(js.c.end_date.is_(None), js.c.end_date >= check_day))
    stmt = (select(c.c.split, func.sum(case((in_job, 1), else_=0)), func.count())
            .where(check_day <= scope.today).group_by(c.c.split))
    if segment is not None:
        stmt = stmt.where(c.c.segment == segment)
    return _rows(session, stmt)


# --- Survival (Kaplan–Meier inputs) -----------------------------------------------------------------------------

def survival_without_return(session: Session, scope: Scope) -> list[tuple]:
    """(split, days on benefit, event, count): the period ends (event) or is still running (censored at today)."""
    c = cohort(scope)
    last_day = func.coalesce(c.c.end_date, scope.today)
    days = days_between(last_day, c.c.start_date) + 1
    return _duration_rows(session, c.c.split, days, c.c.end_date.isnot(None))


def survival_with_return(session: Session, scope: Scope) -> list[tuple]:
    """As without return, but an exit followed by a new benefit period within 13 weeks does not count: the
    episode runs on to the first later exit with no return within 13 weeks (`exit_day`, see _episode_exits).
    An exit less than 13 weeks ago with no return yet is censored at the exit."""
    c = cohort(scope)
    known = add_days(c.c.exit_day, RETURN_WINDOW_DAYS) <= scope.today
    last_day = func.coalesce(c.c.exit_day, scope.today)
    days = days_between(last_day, c.c.start_date) + 1
    return _duration_rows(session, c.c.split, days, and_(c.c.exit_day.isnot(None), known))


def _duration_rows(session: Session, split, days, event_condition) -> list[tuple]:
    # Beyond week 52 nothing is drawn: censor there, which also keeps the number of distinct rows small.
    capped = case((days > MAX_DAYS, MAX_DAYS), else_=days)
    event = case((and_(event_condition, days <= MAX_DAYS), 1), else_=0)
    inner = select(split.label("split"), capped.label("days"), event.label("event")).subquery("durations")
    stmt = (select(inner.c.split, inner.c.days, inner.c.event, func.count())
            .group_by(inner.c.split, inner.c.days, inner.c.event))
    return [tuple(row) for row in session.execute(stmt)]


# --- Satisfaction (1–10 → 0–100) ---------------------------------------------------------------------------------

def _score(rating):
    """DOMAIN.md: 1 → 0, 10 → 100."""
    return (rating - 1) * 100.0 / 9


def _answers_in_cohort(scope: Scope, c):
    sa = SurveyAnswer.__table__
    answered = local_day(sa.c.answered_at)
    return sa, and_(sa.c.member_id == c.c.member_id, answered >= c.c.start_date,
                    answered <= func.coalesce(c.c.end_date, scope.today))


def satisfaction(session: Session, scope: Scope, field: str, placement: str | None = None) -> dict[str, tuple]:
    """(sum of 0–100 scores, answers) for answers given during a cohort period; optionally new/returning only."""
    c = cohort(scope)
    sa, joined = _answers_in_cohort(scope, c)
    rating = sa.c[field]
    stmt = select(c.c.split, func.sum(_score(rating)), func.count(rating)).select_from(
        c.table.join(sa, joined)).where(rating.isnot(None))
    if placement:
        stmt = stmt.where(c.c.placement == placement)
    return _rows(session, stmt.group_by(c.c.split))


def came_closer_group2(session: Session, scope: Scope) -> dict[str, tuple]:
    """(periods whose member agrees they came closer to their next job, periods with an answer), for group 2
    periods that took part in the extra course. A member's latest answer in the period counts (agree: ≥ AGREE_FROM)."""
    c = cohort(scope)
    sa, joined = _answers_in_cohort(scope, c)
    latest = func.row_number().over(partition_by=c.c.period_id,
                                     order_by=(sa.c.answered_at.desc(), sa.c.id.desc()))
    ranked = (select(c.c.split.label("split"), sa.c.closer_to_job.label("answer"), latest.label("rank"))
              .select_from(c.table.join(sa, joined))
              .where(sa.c.closer_to_job.isnot(None), c.c.segment == "group2", _took_extra_course(scope, c))
              .subquery("closer_answers"))
    stmt = (select(ranked.c.split, func.sum(case((ranked.c.answer >= AGREE_FROM, 1), else_=0)), func.count())
            .where(ranked.c.rank == 1).group_by(ranked.c.split))
    return _rows(session, stmt)


# --- Participation of members still unemployed after 13 weeks -----------------------------------------------------

def _took_extra_course(scope: Scope, c):
    """A held focus conversation, or attendance at a webinar or an FVU course, during the benefit period."""
    b = Booking.__table__
    reg, ses, off = OfferRegistration.__table__, OfferSession.__table__, Offer.__table__
    until = func.coalesce(c.c.end_date, scope.today)
    focus = exists().where(b.c.member_id == c.c.member_id, b.c.type == "focus", b.c.status == BookingStatus.HELD,
                           local_day(b.c.starts_at) >= c.c.start_date, local_day(b.c.starts_at) <= until)
    attended = exists().select_from(reg.join(ses, ses.c.id == reg.c.session_id).join(off, off.c.id == ses.c.offer_id)
                                    ).where(reg.c.member_id == c.c.member_id,
                                            reg.c.status == RegistrationStatus.ATTENDED,
                                            off.c.kind.in_(EXTRA_COURSE_OFFER_KINDS),
                                            local_day(ses.c.starts_at) >= c.c.start_date,
                                            local_day(ses.c.starts_at) <= until)
    return or_(focus, attended)


def _has_plan_draft(scope: Scope, c):
    """At least one Min plan item (proposed, agreed or done) created during the benefit period."""
    p = PlanItem.__table__
    created = local_day(p.c.created_at)
    return exists().where(p.c.member_id == c.c.member_id, p.c.status.in_((PlanStatus.PROPOSED,
                                                                          PlanStatus.ACTIVE, PlanStatus.DONE)),
                          created >= c.c.start_date, created <= func.coalesce(c.c.end_date, scope.today))


def still_unemployed_share(session: Session, scope: Scope, what: str, segment: str | None = None
                           ) -> dict[str, tuple]:
    """(with `what`, periods still on benefit on start + 13 weeks and start + 13 weeks <= today); only
    `segment`'s periods when given."""
    c = cohort(scope)
    check_day = add_days(c.c.start_date, WEEK13)
    condition = _took_extra_course(scope, c) if what == "extra_course" else _has_plan_draft(scope, c)
    stmt = (select(c.c.split, func.sum(case((condition, 1), else_=0)), func.count())
            .where(check_day <= scope.today, _still_on_benefit(c, check_day)).group_by(c.c.split))
    if segment is not None:
        stmt = stmt.where(c.c.segment == segment)
    return _rows(session, stmt)


# --- Dismissed members who consented ----------------------------------------------------------------------------

def dismissed(session: Session, scope: Scope) -> dict[str, tuple]:
    """(had a held conversation, got a job, members) for dismissed members whose notice period ended in the period
    (and before today) and who consented (union → a-kasse) on or before the notice period's last day."""
    m, con = Member.__table__, Consent.__table__
    b, js = Booking.__table__, JobStart.__table__
    consented = (select(con.c.member_id, func.min(con.c.given_at).label("given_at"))
                 .where(con.c.purpose == "union_to_akasse", con.c.member_id.isnot(None))
                 .group_by(con.c.member_id).subquery("consented"))
    segment = segment_expr(m.c.mark_o, m.c.target_group)
    split = _split_key(scope, segment, m.c.placement, m.c.location_id)
    consent_day = local_day(consented.c.given_at)
    conversation = exists().where(b.c.member_id == m.c.id, b.c.status == BookingStatus.HELD,
                                  local_day(b.c.starts_at) >= consent_day,
                                  local_day(b.c.starts_at) <= m.c.notice_end_date)
    # A job starting no later than the day after the notice ends: the member never signs on.
    job = exists().where(js.c.member_id == m.c.id, js.c.kind == "employment", js.c.start_date >= consent_day,
                         js.c.start_date <= add_days(m.c.notice_end_date, 1))
    stmt = (select(split, func.sum(case((conversation, 1), else_=0)), func.sum(case((job, 1), else_=0)),
                   func.count())
            .select_from(m.join(consented, consented.c.member_id == m.c.id))
            .where(m.c.mark_o.is_(True), m.c.notice_end_date >= scope.date_from,
                   m.c.notice_end_date <= scope.date_to, m.c.notice_end_date < scope.today,
                   consent_day <= m.c.notice_end_date,
                   *_filters(scope, segment, m.c.placement, m.c.location_id))
            .group_by(split))
    return _rows(session, stmt)


# --- FOA JobMatch placements ------------------------------------------------------------------------------------

def placements(session: Session, scope: Scope) -> dict[str, tuple]:
    """(placements, of which permanent) with a start date in the period."""
    p, m = Placement.__table__, Member.__table__
    segment = segment_expr(m.c.mark_o, m.c.target_group)
    split = _split_key(scope, segment, m.c.placement, m.c.location_id)
    stmt = (select(split, func.count(), func.sum(case((p.c.permanent.is_(True), 1), else_=0)))
            .select_from(p.join(m, m.c.id == p.c.member_id))
            .where(p.c.start_date >= scope.date_from, p.c.start_date <= scope.date_to,
                   *_filters(scope, segment, m.c.placement, m.c.location_id))
            .group_by(split))
    return _rows(session, stmt)


# --- Contact-course timeliness (rettidighed) per statutory step --------------------------------------------------

TIMELINESS_STEPS = tuple(rule.key for rule in RULES)


def _due_table(session: Session, scope: Scope, c):
    """Due dates per first day, from contact_course.due_date_for (the one rule), as a VALUES table."""
    due_days = sorted({rule.due_day for rule in RULES})
    starts = [row[0] for row in session.execute(select(c.c.start_date).distinct())]
    if not starts:
        starts = [scope.date_from]
    columns = [column("first_day", Date)] + [column(f"due_{d}", Date) for d in due_days]
    rows = [(start, *[due_date_for(start, d) for d in due_days]) for start in starts]
    return values(*columns, name="due_dates").data(rows).cte("due_dates"), due_days


def timeliness_flags(session: Session, scope: Scope):
    """A subquery with one row per cohort period: the split, the due dates, eligibility and on-time flags per
    step (`<step>_due`, `<step>_on_time`). A step is on time when the conversation that satisfies it under
    contact_course.statutory_steps was held (for the invitation: booked) by its due date."""
    c = cohort(scope)
    due, _ = _due_table(session, scope, c)
    b = Booking.__table__
    day = local_day(b.c.starts_at)
    ranked = (
        select(c.c.period_id, b.c.type, b.c.status, day.label("day"),
               local_day(b.c.created_at).label("created_day"),
               func.row_number().over(partition_by=(c.c.period_id, b.c.type),
                                      order_by=(b.c.starts_at, b.c.id)).label("rank"))
        .select_from(c.table.join(b, b.c.member_id == c.c.member_id))
        .where(b.c.status.in_(ACTIVE_BOOKING_STATUSES), day >= c.c.start_date,
               or_(c.c.end_date.is_(None), day <= c.c.end_date))
        .subquery("ranked")
    )

    def nth(kind: str, rank: int, col: str):
        return func.max(case((and_(ranked.c.type == kind, ranked.c.rank == rank), ranked.c[col])))

    firsts = select(
        ranked.c.period_id,
        nth("cv", 1, "day").label("cv1_day"), nth("cv", 1, "status").label("cv1_status"),
        nth("contact_course", 1, "day").label("cc1_day"), nth("contact_course", 1, "status").label("cc1_status"),
        nth("contact_course", 2, "day").label("cc2_day"), nth("contact_course", 2, "status").label("cc2_status"),
        nth("availability", 1, "day").label("av1_day"), nth("availability", 1, "status").label("av1_status"),
        nth("joint", 1, "day").label("jo1_day"), nth("joint", 1, "status").label("jo1_status"),
        nth("joint", 1, "created_day").label("jo1_created"),
        nth("focus", 1, "day").label("fo1_day"), nth("focus", 1, "status").label("fo1_status"),
        nth("focus", 2, "day").label("fo2_day"), nth("focus", 2, "status").label("fo2_status"),
    ).where(ranked.c.rank <= 2).group_by(ranked.c.period_id).subquery("firsts")

    k = firsts.c
    rules = {rule.key: rule for rule in RULES}

    def due_of(key):
        return due.c[f"due_{rules[key].due_day}"]

    def held_by(day_col, status_col, deadline):
        return and_(day_col.isnot(None), day_col <= deadline, status_col == BookingStatus.HELD)

    on_time = {
        "cv": held_by(k.cv1_day, k.cv1_status, due_of("cv")),
        "contact_course_1": held_by(k.cc1_day, k.cc1_status, due_of("contact_course_1")),
        # The 2nd contact-course step takes the 2nd booking if the 1st went to step 1, else the 1st booking.
        "contact_course_2": or_(
            and_(k.cc1_day <= due_of("contact_course_1"),
                 held_by(k.cc2_day, k.cc2_status, due_of("contact_course_2"))),
            and_(k.cc1_day > due_of("contact_course_1"),
                 held_by(k.cc1_day, k.cc1_status, due_of("contact_course_2"))),
        ),
        "availability": held_by(k.av1_day, k.av1_status, due_of("availability")),
        "joint_invitation": and_(k.jo1_created.isnot(None), k.jo1_created <= due_of("joint_invitation")),
        "joint": held_by(k.jo1_day, k.jo1_status, due_of("joint")),
        "focus_1": held_by(k.fo1_day, k.fo1_status, due_of("focus_1")),
        "focus_2": held_by(k.fo2_day, k.fo2_status, due_of("focus_2")),
    }
    group2 = c.c.target_group.in_(("2a", "2b"))
    columns = [c.c.period_id, c.c.member_id, c.c.split]
    for key in TIMELINESS_STEPS:
        deadline = due_of(key)
        eligible = and_(deadline < scope.today, _still_on_benefit(c, deadline))
        if rules[key].group2_only:
            eligible = and_(eligible, group2)
        columns.append(case((eligible, 1), else_=0).label(f"{key}_due"))
        columns.append(case((and_(eligible, on_time[key]), 1), else_=0).label(f"{key}_on_time"))
    return (select(*columns)
            .select_from(c.table.join(due, due.c.first_day == c.c.start_date).outerjoin(firsts,
                                                                                   firsts.c.period_id == c.c.period_id))
            .subquery("timeliness"))


def timeliness(session: Session, scope: Scope) -> dict[str, dict[str, tuple]]:
    """{step: {split: (on time, due)}} in one aggregation over `timeliness_flags`."""
    t = timeliness_flags(session, scope)
    sums = []
    for key in TIMELINESS_STEPS:
        sums += [func.sum(t.c[f"{key}_on_time"]), func.sum(t.c[f"{key}_due"])]
    result: dict[str, dict[str, tuple]] = {key: {} for key in TIMELINESS_STEPS}
    for row in session.execute(select(t.c.split, *sums).group_by(t.c.split)):
        for i, key in enumerate(TIMELINESS_STEPS):
            result[key][row[0]] = (row[1 + 2 * i] or 0, row[2 + 2 * i] or 0)
    return result
