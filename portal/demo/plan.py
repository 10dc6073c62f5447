"""Demo data for Min side: Min plan items with history, and answers to preparation-form Q2 and Q10.

The demo member "medlem" gets a plan a caseworker and a member would recognise: two agreed activities (one a
right-and-duty offer), one own proposal awaiting the caseworker, one done with a comment. A share of the bulk
unemployed members get 1–3 items and Q2/Q10 answers, inserted in bulk (the seed must reach 250,000 members in
under 2 minutes). Benefit periods that ended after 13 weeks (portal/demo/history.py) had a plan too, now done.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext, fast_insert
from portal.demo.history import history_of
from portal.models import Caseworker, Member, Notification
from portal.models.plan import PlanItem, PlanItemEvent, PreparationAnswer
from portal.models.statuses import MemberStatus, PlanStatus
from portal.services.actors import SystemActor

BATCH = 10_000
ITEMS, EVENTS, ANSWERS = PlanItem.__table__, PlanItemEvent.__table__, PreparationAnswer.__table__
# Share of unemployed members with a plan: most of those past 13 weeks (the trial's target is all of them, DOMAIN.md
# success criteria), few before; answers for some of those past their first week.
PLAN_SHARE_AFTER_13_WEEKS = 0.9
PLAN_SHARE_BEFORE = 0.3
PLAN_HISTORY_DAYS = 65 * 7 + 14  # ended periods this recent had their plan (the KPI's default cohort)
ANSWER_SHARE = 0.35

# (kind, title, description, right_and_duty) — typical agreements in FOA's fields.
TEMPLATES = [
    ("job_search", "Søg mindst 3 stillinger om ugen", "Inden for hjemmepleje og plejecentre i dit område.", False),
    ("job_search", "Opret jobagent i FOA Job", "Så du får nye job i dit område hver dag.", False),
    ("job_search", "Ring til 2 arbejdsgivere om uopfordrede ansøgninger", None, False),
    ("education", "AMU-kursus i forflytning", "5 dages kursus, kan tages med dagpenge.", False),
    ("education", "6 ugers jobrettet uddannelse", "Afklar kursus med din sagsbehandler og jobcentret.", False),
    ("upskilling", "FVU-læsning hos AOF", "Forberedende voksenundervisning, op til 60 timer.", True),
    ("upskilling", "IT-café: Jobnet og CV", None, False),
    ("meeting", "Deltag i webinaret »Sådan søger du jobbet«", None, False),
    ("meeting", "Temamøde om jobsøgning i din afdeling", None, False),
    ("activation", "Virksomhedspraktik på plejecenter", "Skal godkendes af jobcentret.", True),
    ("agreement", "Opdater dit CV på Jobnet", None, False),
]
COMMENTS = ["Har søgt 3 stillinger i denne uge.", "Jeg har opdateret CV'et.", "Kurset var godt.",
            "Jeg har ringet til to plejecentre.", "Jeg har fået en samtale i næste uge."]
Q2_WEIGHTS = {
    "1": [("within_3_months", 55), ("within_6_months", 25), ("has_job", 5), ("dont_know", 15)],
    "2": [("within_6_months", 25), ("more_than_6_months", 35), ("dont_know", 30), ("leave_or_retirement", 5),
          ("within_3_months", 5)],
}
BARRIERS_2 = ["physical_health", "mental_health", "personal_social", "economic", "reading_spelling", "it_skills",
              "language", "other"]


def seed(session: Session, ctx: SeedContext) -> None:
    user_of_caseworker = dict(session.execute(select(Caseworker.id, Caseworker.user_id)).all())
    _demo_member(session, ctx, user_of_caseworker)
    items, answers = _bulk(session, ctx, user_of_caseworker)
    ctx.summary.update(plan_items=items + 4, preparation_answers=answers + 1)


def _at(ctx: SeedContext, days_ago: float) -> datetime:
    return ctx.now - timedelta(days=days_ago)


def _demo_member(session: Session, ctx: SeedContext, user_of_caseworker: dict[int, int]) -> None:
    if ctx.demo_member_id is None:
        return
    member_user = ctx.users.get("medlem")
    cw_user = user_of_caseworker.get(ctx.demo_caseworker_id)
    today = ctx.today
    rows = [
        # (kind, title, description, due, status, right_and_duty, proposed_by, days_ago)
        ("job_search", "Søg mindst 3 stillinger om ugen", "Inden for hjemmepleje og plejecentre i Odense.",
         today + timedelta(days=7), "active", False, "caseworker", 20),
        ("upskilling", "FVU-læsning hos AOF", "Forberedende voksenundervisning i læsning, 2 gange om ugen.",
         today + timedelta(days=30), "active", True, "caseworker", 20),
        ("education", "AMU-kursus i demens", "Jeg har fundet et kursus på SOSU Fyn, der starter om en måned.",
         today + timedelta(days=35), "proposed", False, "member", 2),
        ("agreement", "Opdater dit CV på Jobnet", None, today - timedelta(days=10), "done", False, "caseworker",
         30),
    ]
    for kind, title, description, due, status, duty, by, days_ago in rows:
        created = _at(ctx, days_ago)
        by_user = member_user if by == "member" else cw_user
        item_id = session.execute(insert(PlanItem).returning(PlanItem.id), [{
            "member_id": ctx.demo_member_id, "kind": kind, "title": title, "description": description,
            "due_date": due, "status": status, "right_and_duty": duty, "proposed_by": by,
            "proposed_by_user_id": by_user, "decided_by_user_id": cw_user if by == "caseworker" else None,
            "decided_at": created if by == "caseworker" else None, "version": 1 if status != PlanStatus.DONE else 3,
            "created_at": created, "updated_at": created if status != PlanStatus.DONE else _at(ctx, 12),
        }]).scalar_one()
        events = [_event(item_id, created, by_user, "proposed",
                         to_status=status if status != PlanStatus.DONE else PlanStatus.ACTIVE)]
        if status == PlanStatus.DONE:
            events.append(_event(item_id, _at(ctx, 12), member_user, "status", from_status=PlanStatus.ACTIVE,
                                 to_status=PlanStatus.DONE))
            events.append(_event(item_id, _at(ctx, 12), member_user, "comment",
                                 text="CV'et er opdateret med min praktik og mit førstehjælpskursus."))
        session.execute(insert(PlanItemEvent), events)
    if member_user:
        session.execute(insert(Notification), [
            {"user_id": member_user, "created_at": _at(ctx, 20), "read_at": None, "link": "/min-side/plan",
             "text": "Din sagsbehandler har tilføjet et punkt til din plan: FVU-læsning hos AOF", "language": "da"},
            {"user_id": member_user, "created_at": _at(ctx, 12), "read_at": _at(ctx, 11), "link": "/min-side/plan",
             "text": "Din sagsbehandler har kommenteret: Opdater dit CV på Jobnet", "language": "da"},
        ])
    session.execute(insert(PreparationAnswer), [{
        "member_id": ctx.demo_member_id, "q2": "within_6_months", "q10_has_barriers": True,
        "q10_barriers": ["physical_health", "reading_spelling"], "answered_by": "caseworker",
        "answered_by_user_id": cw_user, "answered_at": _at(ctx, 25),
    }])


def _event(item_id: int, at: datetime, user_id: int | None, kind: str, *, from_status=None, to_status=None,
           text=None) -> dict:
    return {"item_id": item_id, "at": at, "actor_user_id": user_id,
            "actor_label": f"user:{user_id}" if user_id else SystemActor.SYSTEM, "kind": kind, "from_status": from_status,
            "to_status": to_status, "text": text, "changes": {}}


def _bulk(session: Session, ctx: SeedContext, user_of_caseworker: dict[int, int]) -> tuple[int, int]:
    rng = random.Random(ctx.seed + 3)
    members = session.execute(
        select(Member.id, Member.first_unemployment_day, Member.target_group, Member.caseworker_id)
        .where(Member.status == MemberStatus.LEDIG, Member.id != (ctx.demo_member_id or -1)).order_by(Member.id)
    ).all()
    item_rows: list[dict] = []
    item_meta: list[tuple] = []
    answer_rows: list[dict] = []
    for member_id, first_day, group, caseworker_id in members:
        days = (ctx.today - first_day).days if first_day else 0
        if days < 7:
            continue
        cw_user = user_of_caseworker.get(caseworker_id)
        if rng.random() < ANSWER_SHARE:
            answer_rows.append(_answer(rng, ctx, member_id, group, cw_user, days))
        if rng.random() < (PLAN_SHARE_AFTER_13_WEEKS if days >= 91 else PLAN_SHARE_BEFORE):
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                row, meta = _item(rng, ctx, member_id, cw_user, days)
                item_rows.append(row)
                item_meta.append(meta)
    for row, meta in _ended_period_items(session, ctx, user_of_caseworker):
        item_rows.append(row)
        item_meta.append(meta)
    total_items = 0
    for start in range(0, len(item_rows), BATCH):
        rows, metas = item_rows[start:start + BATCH], item_meta[start:start + BATCH]
        # Core executemany, then read the new ids back in order: the ORM's bulk insert splits batches wherever a
        # row's None columns differ, and ordered RETURNING makes SQLite insert row by row.
        before = session.scalar(select(func.max(ITEMS.c.id))) or 0
        fast_insert(session, ITEMS, rows)
        ids = session.scalars(select(ITEMS.c.id).where(ITEMS.c.id > before).order_by(ITEMS.c.id)).all()
        assert len(ids) == len(rows), "plan items inserted concurrently with the demo seed"
        events = []
        for item_id, row, (member_user_comment, done_at) in zip(ids, rows, metas):
            user = row["proposed_by_user_id"]
            first_status = "proposed" if row["proposed_by"] == "member" else "active"
            events.append(_event(item_id, row["created_at"], user, "proposed", to_status=first_status))
            if row["status"] == PlanStatus.DONE:
                events.append(_event(item_id, done_at, None, "status", from_status=PlanStatus.ACTIVE,
                                     to_status=PlanStatus.DONE))
                if member_user_comment:
                    events.append(_event(item_id, done_at, None, "comment", text=member_user_comment))
        fast_insert(session, EVENTS, events)
        total_items += len(ids)
    for start in range(0, len(answer_rows), BATCH):
        fast_insert(session, ANSWERS, answer_rows[start:start + BATCH])
    return total_items, len(answer_rows)


def _ended_period_items(session: Session, ctx: SeedContext, user_of_caseworker: dict[int, int]) -> list[tuple]:
    """Done plan items in recent periods that lasted past 13 weeks and have ended (the member found a job)."""
    rng = random.Random(ctx.seed + 22)  # its own stream: the running periods' plans stay as they were
    caseworker_of = dict(session.execute(select(Member.id, Member.caseworker_id)).all())
    since = ctx.today - timedelta(days=PLAN_HISTORY_DAYS)
    result = []
    for period in history_of(session, ctx).periods:
        if period.end_date is None or period.start_date < since or (period.end_date - period.start_date).days < 91 \
                or rng.random() >= PLAN_SHARE_AFTER_13_WEEKS or period.member_id == ctx.demo_member_id:
            continue
        cw_user = user_of_caseworker.get(caseworker_of.get(period.member_id))
        for _ in range(rng.choice((1, 2, 2, 3))):
            row, _meta = _item(rng, ctx, period.member_id, cw_user, 7)
            created = datetime.combine(period.start_date, datetime.min.time(), tzinfo=ctx.now.tzinfo) + timedelta(
                days=rng.uniform(7, (period.end_date - period.start_date).days - 7))
            done_at = created + timedelta(days=rng.uniform(1, 20))
            row.update(status=PlanStatus.DONE, proposed_by="caseworker", proposed_by_user_id=cw_user,
                       right_and_duty=False,
                       decided_by_user_id=cw_user, decided_at=created, version=3, created_at=created,
                       updated_at=done_at, due_date=created.date() + timedelta(days=rng.randint(3, 20)))
            result.append((row, (None, done_at)))
    return result


def _item(rng: random.Random, ctx: SeedContext, member_id: int, cw_user: int | None, days: int):
    kind, title, description, duty = rng.choice(TEMPLATES)
    created = _at(ctx, rng.uniform(0, max(1, days - 7)))
    roll = rng.random()
    status = PlanStatus.DONE if roll < 0.30 else PlanStatus.PROPOSED if roll < 0.38 else PlanStatus.ACTIVE
    by_member = status == PlanStatus.PROPOSED
    due = ctx.today + timedelta(days=rng.randint(3, 45)) if status != PlanStatus.DONE else (
        created.date() + timedelta(days=rng.randint(3, 20)))
    done_at = min(ctx.now, created + timedelta(days=rng.uniform(1, 20)))
    row = {
        "member_id": member_id, "kind": kind, "title": title, "description": description, "due_date": due,
        "status": status, "right_and_duty": duty and not by_member, "proposed_by": "member" if by_member else
        "caseworker", "proposed_by_user_id": None if by_member else cw_user,
        "decided_by_user_id": None if status == PlanStatus.PROPOSED else cw_user,
        "decided_at": None if status == PlanStatus.PROPOSED else created,
        "version": 3 if status == PlanStatus.DONE else 1,
        "created_at": created, "updated_at": done_at if status == PlanStatus.DONE else created,
    }
    comment = rng.choice(COMMENTS) if status == PlanStatus.DONE and rng.random() < 0.4 else None
    return row, (comment, done_at)


def _answer(rng: random.Random, ctx: SeedContext, member_id: int, group: str | None, cw_user: int | None,
            days: int) -> dict:
    group2 = (group or "1").startswith("2")
    options = Q2_WEIGHTS["2" if group2 else "1"]
    q2 = rng.choices([o for o, _ in options], [w for _, w in options])[0]
    has_barriers = rng.random() < (0.55 if group2 else 0.12)
    barriers = sorted(rng.sample(BARRIERS_2, rng.randint(1, 3)), key=BARRIERS_2.index) if has_barriers else []
    by_member = rng.random() < 0.25
    return {"member_id": member_id, "q2": q2, "q10_has_barriers": has_barriers, "q10_barriers": barriers,
            "answered_by": "member" if by_member else "caseworker",
            "answered_by_user_id": None if by_member else cw_user,
            "answered_at": _at(ctx, rng.uniform(0, min(days, 14)))}

