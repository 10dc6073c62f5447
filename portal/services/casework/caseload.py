"""The caseload (Mine medlemmer): members in a caseworker's scope with their next statutory step.

How the next step stays fast at 250,000 members (docs/caseworker.md): the rule is
`portal.services.booking.contact_course.statutory_steps` + `next_step` and nowhere else. Its result is stored per member in
`member_next_step` so the list can filter "overdue" and sort by due date in SQL. The stored value only depends on
the member's status, first day of unemployment, target group and bookings (the due dates are fixed from day 1;
"overdue" is `sort_due < today`, evaluated in SQL at read time), so it is refreshed when those change:
- a flush that touches a Booking or those Member fields marks the member's row stale (listener below);
- a page trusts a stored row computed today and not marked stale, and recomputes the others from the rule (one
  bookings query for them) and stores them;
- the "mine" scope refreshes its missing/stale rows before the query (a caseworker's own members only);
- `refresh_all` (demo seed; the scheduler every night; `flask scheduler run-once caseload_next_steps`) computes
  every member in batches.
Which step is next does not change with the date alone: an open step becomes overdue only after its due date, so the
overdue steps come first by due date as well, and that the step is overdue is read at read time (`open_step`).
Trusting a row only on the day it was computed bounds what the flush listener cannot see (bulk imports) to that day,
as the nightly refresh does.
"""
from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from portal.database import Read, prepared
from portal.models import Booking, Member, ServiceLocation
from portal.models.booking import ACTIVE_BOOKING_STATUSES
from portal.models.casework import HeldConversation, MemberNextStep
from portal.models.chat import OPEN_HANDOFF_STATUSES, Handoff
from portal.models.offers import OfferRegistration
from portal.models.statuses import BookingStatus, MemberStatus, RegistrationStatus
from portal.query_args import ascii_digits, db_int
from portal.read_ahead import read_ahead
from portal.services import audit, locations
from portal.services.access import StaffScope, visible_members_clause
from portal.services.booking.contact_course import (
    Step,
    next_step,
    open_step,
    statutory_steps,
    weeks_unemployed,
)
from portal.services.jobcentre import jobcentre
from portal.services.minside.member_situation import notice_period_over
from portal.timeutil import local_to_utc

log = logging.getLogger(__name__)

PER_PAGE = 25
SORTS = ("due", "name", "number", "weeks", "group")
GROUP_FILTERS = ("1", "2a", "2b", "2", "none")
STATUS_FILTERS = (MemberStatus.LEDIG, MemberStatus.OPSAGT, MemberStatus.SYGEMELDT, MemberStatus.I_JOB)
SCOPES = ("mine", "all")
COURSE_FIELDS = ("status", "first_unemployment_day", "target_group")
WATCHED_FIELDS = (*COURSE_FIELDS, "caseworker_id")  # the stored row also carries the member's caseworker
REFRESH_BATCH = 2000
COUNT_CAP = 10_000
NO_STEP = date(9999, 12, 31)  # sort_due of members with no open statutory step
# What the contact-course rule reads of a booking (statutory_steps).
BOOKING_COLUMNS = (Booking.id, Booking.member_id, Booking.type, Booking.status, Booking.starts_at, Booking.created_at)
# What a page shows of a member and what the rule reads, as CaseloadMember (plain columns, no ORM objects).
PAGE_MEMBER_COLUMNS = (Member.id, Member.member_number, Member.first_name, Member.last_name, Member.status,
                       Member.first_unemployment_day, Member.target_group, ServiceLocation.name, Member.caseworker_id,
                       Member.notice_end_date)
# The stored next step as the page reads it (plain columns: NULL when the member has no stored row).
STORED_STEP_COLUMNS = (MemberNextStep.member_id.label("stored_member_id"), MemberNextStep.step_code,
                       MemberNextStep.due_date, MemberNextStep.computed_on, MemberNextStep.stale)


# ---------------------------------------------------------------- the stored next step
def compute_next_steps(session: Session, members: list[Member] | list[CaseloadMember], today: date
                       ) -> dict[int, Step | None]:
    """The next statutory step for each member, from the contact-course rule. One bookings query in all, of the
    columns the rule reads (plain rows, as `refresh_all`: no ORM objects to build for a page's hundred bookings)."""
    ledig = [m for m in members if m.status == MemberStatus.LEDIG and m.first_unemployment_day is not None]
    bookings: dict[int, list] = defaultdict(list)
    for chunk_start in range(0, len(ledig), REFRESH_BATCH):
        ids = [m.id for m in ledig[chunk_start:chunk_start + REFRESH_BATCH]]
        for booking in session.execute(select(*BOOKING_COLUMNS).where(
                Booking.member_id.in_(ids), Booking.status.in_(ACTIVE_BOOKING_STATUSES))):
            bookings[booking.member_id].append(booking)
    return {m.id: next_step(statutory_steps(m, bookings.get(m.id, []), today)) for m in members}


def _row(member_id: int, caseworker_id: int | None, step: Step | None, today: date) -> dict:
    return {"member_id": member_id, "caseworker_id": caseworker_id, "step_code": step.key if step else None,
            "step_label": step.title if step else None, "due_date": step.due_date if step else None,
            "sort_due": step.due_date if step and step.due_date else NO_STEP, "computed_on": today, "stale": False}


def store_next_steps(session: Session, members: list[Member] | list[CaseloadMember], steps: dict[int, Step | None],
                     today: date) -> None:
    """Store `steps` (by member id) for `members`, with each member's caseworker."""
    for start in range(0, len(members), REFRESH_BATCH):
        chunk = members[start:start + REFRESH_BATCH]
        session.execute(delete(MemberNextStep).where(MemberNextStep.member_id.in_([m.id for m in chunk])))
        session.execute(insert(MemberNextStep), [_row(m.id, m.caseworker_id, steps[m.id], today) for m in chunk])


def refresh_next_steps(session: Session, members: list[Member], today: date) -> dict[int, Step | None]:
    steps = compute_next_steps(session, members, today)
    store_next_steps(session, members, steps, today)
    return steps


def refresh_all(session: Session, today: date, *, batch: int = 20_000) -> int:
    """Recompute every member's stored next step (bulk; the demo seed and the CLI).

    Plain column rows instead of ORM objects (the rule only reads status, first day, group and the bookings' type,
    status and times), and one INSERT … SELECT for members with no statutory course at all.
    """
    session.execute(delete(MemberNextStep))
    session.execute(insert(MemberNextStep).from_select(
        ["member_id", "caseworker_id", "step_code", "step_label", "due_date", "sort_due", "computed_on", "stale"],
        select(Member.id, Member.caseworker_id, null(), null(), null(), literal(NO_STEP), literal(today), false())
        .where(or_(Member.status != MemberStatus.LEDIG, Member.first_unemployment_day.is_(None)))))
    done = session.scalar(select(func.count()).select_from(MemberNextStep)) or 0
    last_id = 0
    member_cols = (Member.id, Member.status, Member.first_unemployment_day, Member.target_group, Member.caseworker_id)
    no_booking_steps: dict[tuple, Step | None] = {}
    while True:
        members = session.execute(select(*member_cols).where(
            Member.id > last_id, Member.status == MemberStatus.LEDIG, Member.first_unemployment_day.is_not(None))
            .order_by(Member.id).limit(batch)).all()
        if not members:
            return done
        last_id = members[-1].id
        bookings: dict[int, list] = defaultdict(list)
        for row in session.execute(select(*BOOKING_COLUMNS).where(
                Booking.member_id >= members[0].id, Booking.member_id <= last_id,
                Booking.status.in_(ACTIVE_BOOKING_STATUSES))):
            bookings[row.member_id].append(row)
        rows = []
        for m in members:
            own = bookings.get(m.id)
            if own:
                step = next_step(statutory_steps(m, own, today))
            else:  # without bookings the rule's answer depends only on the first day and the group
                key = (m.first_unemployment_day, m.target_group)
                if key not in no_booking_steps:
                    no_booking_steps[key] = next_step(statutory_steps(m, [], today))
                step = no_booking_steps[key]
            rows.append(_row(m.id, m.caseworker_id, step, today))
        session.execute(insert(MemberNextStep), rows)
        done += len(rows)


def _mark_stale(session: Session, flush_context, instances=None) -> None:
    ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Booking) and obj.member_id:
            ids.add(obj.member_id)
        elif isinstance(obj, Member) and obj.id and obj in session.dirty:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in WATCHED_FIELDS):
                ids.add(obj.id)
    if ids:
        session.info.setdefault("caseload_stale", set()).update(ids)


def _apply_stale(session: Session, flush_context) -> None:
    """Mark the flushed members' stored rows stale, and give them the member's caseworker as it is now."""
    ids = session.info.pop("caseload_stale", None)
    if ids:
        table = MemberNextStep.__table__
        caseworker_now = (select(Member.__table__.c.caseworker_id).where(Member.__table__.c.id == table.c.member_id)
                          .scalar_subquery())
        session.connection().execute(update(table).where(table.c.member_id.in_(list(ids)))
                                     .values(stale=True, caseworker_id=caseworker_now))


event.listen(Session, "before_flush", _mark_stale)
event.listen(Session, "after_flush", _apply_stale)


# ---------------------------------------------------------------- the list
@dataclass
class CaseloadQuery:
    scope: str = "mine"
    group: str = ""
    status: str = ""
    location_id: int | None = None
    overdue: bool = False
    q: str = ""
    sort: str = "due"
    direction: str = "asc"
    page: int = 1

    @classmethod
    def from_args(cls, args, staff: StaffScope) -> CaseloadQuery:
        """Parse request arguments; anything unknown falls back to the default (never an error page)."""
        default_scope = "mine" if staff.caseworker is not None else "all"
        scope = args.get("omfang", default_scope)
        group = args.get("gruppe", "")
        status = args.get("status", "")
        sort = args.get("sorter", "due")
        try:
            location_id = db_int(args.get("sted") or "0") or None
        except ValueError:
            location_id = None
        try:
            page = max(1, min(db_int(args.get("side") or "1"), 100_000))
        except ValueError:
            page = 1
        return cls(
            scope=scope if scope in SCOPES and (scope != "mine" or staff.caseworker) else default_scope,
            group=group if group in GROUP_FILTERS else "", status=status if status in STATUS_FILTERS else "",
            location_id=location_id, overdue=args.get("overskredet") == "1", q=(args.get("q") or "").strip()[:80],
            sort=sort if sort in SORTS else "due", direction="desc" if args.get("retning") == "desc" else "asc",
            page=page,
        )

    def as_args(self, **changes) -> dict:
        values = {"omfang": self.scope, "gruppe": self.group, "status": self.status, "sted": self.location_id or "",
                  "overskredet": "1" if self.overdue else "", "q": self.q, "sorter": self.sort,
                  "retning": self.direction, "side": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


class CaseloadMember(NamedTuple):
    """A member as a caseload row shows them, with what the contact-course rule reads (status, first day, group)."""

    id: int
    member_number: str
    first_name: str
    last_name: str
    status: str
    first_unemployment_day: date | None
    target_group: str | None
    location_name: str
    caseworker_id: int | None
    notice_end_date: date | None = None  # a dismissed member's last day of work (the "Bemærk" flag)


@dataclass
class CaseloadRow:
    member: CaseloadMember
    weeks: int | None
    step: Step | None
    overdue_days: int
    last_contact: datetime | None = None
    open_handoffs: int = 0
    right_and_duty_missed: int = 0
    jobcentre_waiting: int = 0  # requests the job centre has not answered yet (approvals, invitations, visitations)
    jobcentre_late: int = 0  # of those, unanswered past PORTAL_JOBCENTRE_ANSWER_DAYS
    due_soon: bool = False  # the step is due within a week (and not overdue yet)
    opens_later: bool = False  # the step is not to be done before step.opens_on (the joint invitation)
    notice_over: bool = False  # still "opsagt" after the notice period ended (member_situation.notice_period_over)

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass
class CaseloadPage:
    rows: list[CaseloadRow]
    total: int
    query: CaseloadQuery
    per_page: int = PER_PAGE
    counts: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, COUNT_CAP) / self.per_page))

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def _filtered(staff: StaffScope, query: CaseloadQuery, today: date):
    if query.scope == "mine" and staff.caseworker is not None:
        # A caseworker always sees their own members (access.visible_members_clause: caseworker_id is theirs), so
        # the visibility OR adds nothing here but makes SQLite read every own member's row instead of the caseworker
        # index alone (5 ms → 1.3 ms a statement at 250,000 members).
        clauses = [Member.caseworker_id == staff.caseworker.id]
    else:
        clauses = [visible_members_clause(staff)]
    if query.group == "2":
        clauses.append(Member.target_group.in_(("2a", "2b")))
    elif query.group == "none":
        clauses.append(Member.target_group.is_(None))
    elif query.group:
        clauses.append(Member.target_group == query.group)
    if query.status:
        clauses.append(Member.status == query.status)
    if query.location_id:
        clauses.append(Member.location_id == query.location_id)
    if query.overdue:
        clauses.append(MemberNextStep.sort_due < today)
    if query.q:
        text = query.q
        if ascii_digits(text):
            clauses.append(_prefix(Member.member_number, text))
        else:
            # Names are stored capitalised ("Nielsen"): a range on the capitalised word uses plain comparisons
            # (and the last-name index) instead of lower(...) LIKE on every row.
            parts = [_capitalised(p) for p in _NAME_SEPARATORS.split(text) if p]
            clauses.append(and_(*[or_(_prefix(Member.last_name, p), _prefix(Member.first_name, p)) for p in parts]))
    return clauses


# "Jensen, Mette" as the list writes it, "Mette Jensen" as one says it: words between spaces, commas and full stops.
_NAME_SEPARATORS = re.compile(r"[\s,.;]+")


def _capitalised(word: str) -> str:
    """A typed name part as names are stored: "hansen-berg" → "Hansen-Berg"."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _prefix(column, text: str):
    """column starts with text, as an index-friendly range."""
    return and_(column >= text, column < text + "\uffff")


def _order(query: CaseloadQuery):
    desc = query.direction == "desc"
    if query.sort == "name":
        cols = [Member.last_name, Member.first_name]
    elif query.sort == "number":
        cols = [Member.member_number]
    elif query.sort == "weeks":
        # Most weeks unemployed = earliest first day.
        cols = [Member.first_unemployment_day.is_(None), Member.first_unemployment_day]
        return [cols[0]] + [cols[1].desc() if not desc else cols[1]] + [Member.id]
    elif query.sort == "group":
        cols = [Member.target_group.is_(None), Member.target_group]
        return [cols[0], cols[1].desc() if desc else cols[1], Member.id]
    else:
        # sort_due is indexed; members without an open step (9999-12-31) come last in ascending order.
        return [MemberNextStep.sort_due.desc() if desc else MemberNextStep.sort_due,
                Member.id.desc() if desc else Member.id]
    return [c.desc() if desc else c for c in cols] + [Member.id]


def _ensure_mine_fresh(session: Session, staff: StaffScope, today: date) -> bool:
    """The caseworker's own members: compute rows that are missing or marked stale (small: ~26 per caseworker).
    False if they could not be stored this time."""
    if staff.caseworker is None:
        return True
    members = list(session.scalars(
        select(Member).outerjoin(MemberNextStep, MemberNextStep.member_id == Member.id)
        .where(Member.caseworker_id == staff.caseworker.id,
               or_(MemberNextStep.member_id.is_(None), MemberNextStep.stale.is_(True)))
    ))
    if members:
        # The stored step is a cache. On SQLite a read transaction that then writes can lose the race for the write
        # lock to another worker (SQLITE_BUSY without waiting): start again from a fresh snapshot once, and if the
        # lock is still taken, show the page without storing (its rows are computed from the rule anyway).
        for attempt in (1, 2):
            try:
                refresh_next_steps(session, members, today)
                return True
            except (OperationalError, IntegrityError):
                session.rollback()
                if attempt == 2:
                    log.warning("caseload: next steps not stored this time (write lock busy)")
                    return False
                members = list(session.scalars(select(Member).where(Member.id.in_([m.id for m in members]))))
    return True


def _count_mine_fresh(session: Session, staff: StaffScope, clauses: list, today: date) -> int:
    """The "mine" scope's count, and whether any of the caseworker's own members has a missing or stale stored step,
    in one pass over their members on the caseworker index (about 26 in the demo, about 1,100 at 250,000
    members, where it is 2 ms of the page). Stale rows are refreshed first and the
    members counted again: the overdue filter and the sort read the stored step."""
    unfresh = or_(MemberNextStep.member_id.is_(None), MemberNextStep.stale.is_(True))
    counts = (select(func.count(case((and_(*clauses), 1))), func.count(case((unfresh, 1))))
              .select_from(Member).outerjoin(MemberNextStep, MemberNextStep.member_id == Member.id)
              .where(Member.caseworker_id == staff.caseworker.id))
    total, unfresh_count = session.execute(counts).one()
    if unfresh_count:
        _ensure_mine_fresh(session, staff, today)
        total, _ = session.execute(counts).one()
    return total


def _own_list_by_due_date(staff: StaffScope, query: CaseloadQuery) -> bool:
    """Whether the query is the caseworker's own members by due date, all or the overdue ones: "Mine medlemmer" as
    it opens and its overdue filter, read from the stored rows' caseworker index (no filter on the member's own
    columns, no other order)."""
    return (query.scope == "mine" and staff.caseworker is not None and query.sort == "due"
            and not (query.group or query.status or query.location_id or query.q))


def _count_own_list(session: Session, staff: StaffScope, query: CaseloadQuery, today: date) -> int | None:
    """`_own_list_by_due_date`'s count from the stored rows' caseworker index, once every own member has a stored
    row that is not stale: as many stored rows carry the caseworker as the caseworker has members, and none of
    them is marked stale. Otherwise the missing and stale rows are refreshed first; None if the rows still do not
    add up (not stored this time): the caller then reads the members themselves."""
    counts, values = _own_list_counts(query.overdue), {"caseworker_id": staff.caseworker.id, "today": today}
    total, stored, stale, members = session.execute(counts, values).one()
    if stale or stored != members:
        if not _ensure_mine_fresh(session, staff, today):
            return None
        total, stored, stale, members = session.execute(counts, values).one()
        if stale or stored != members:
            return None
    return total


@prepared
def _own_list_counts(overdue: bool):
    """(shown, stored rows, stale rows, the caseworker's members) for `_count_own_list`."""
    caseworker_id = bindparam("caseworker_id")
    own_members = (select(func.count()).select_from(Member).where(Member.caseworker_id == caseworker_id)
                   .scalar_subquery())
    shown = func.count(case((MemberNextStep.sort_due < bindparam("today"), 1))) if overdue else func.count()
    return (select(shown, func.count(), func.count(case((MemberNextStep.stale.is_(True), 1))), own_members)
            .where(MemberNextStep.caseworker_id == caseworker_id))


def _own_list_ids(staff: StaffScope, query: CaseloadQuery, today: date):
    """One page of `_own_list_by_due_date`'s member ids, in `_order`'s order, from the stored rows' index."""
    rows = select(MemberNextStep.member_id.label("id")).where(MemberNextStep.caseworker_id == staff.caseworker.id)
    if query.overdue:
        rows = rows.where(MemberNextStep.sort_due < today)
    desc = query.direction == "desc"
    return (rows.order_by(MemberNextStep.sort_due.desc() if desc else MemberNextStep.sort_due,
                          MemberNextStep.member_id.desc() if desc else MemberNextStep.member_id)
            .limit(PER_PAGE).offset((query.page - 1) * PER_PAGE).subquery())


def _members_page(session: Session, staff: StaffScope, query: CaseloadQuery, today: date):
    """Any other list: (the count, one page of member ids in `_order`'s order), read from the members and their
    stored steps. Sets query.page to the last page if it asked for one beyond it."""
    clauses = _filtered(staff, query, today)
    if query.overdue:  # an inner join lets the database walk the sort_due index from the oldest deadline
        base = select(Member).join(MemberNextStep, MemberNextStep.member_id == Member.id).where(*clauses)
    else:
        base = select(Member).outerjoin(MemberNextStep, MemberNextStep.member_id == Member.id).where(*clauses)
    if query.scope == "mine":
        total = _count_mine_fresh(session, staff, clauses, today)
    else:
        # Counting 100,000 overdue members to print a number nobody pages through is the slowest part at 250,000
        # members: count at most COUNT_CAP + 1 and say "more than 10,000".
        limited = base.with_only_columns(Member.id).limit(COUNT_CAP + 1).subquery()
        total = session.scalar(select(func.count()).select_from(limited)) or 0
    _clamp_page(query, total)
    # The page's ids are chosen first and only their 25 rows read: sorting a caseworker's 1,300 members (at
    # 250,000) with every shown column read the whole row of each.
    return total, (base.with_only_columns(Member.id).order_by(*_order(query)).limit(PER_PAGE)
                   .offset((query.page - 1) * PER_PAGE).subquery())


def _clamp_page(query: CaseloadQuery, total: int) -> None:
    query.page = min(query.page, max(1, math.ceil(min(total, COUNT_CAP) / PER_PAGE)))


def caseload(session: Session, staff: StaffScope, query: CaseloadQuery, *, today: date,
             now: datetime) -> CaseloadPage:
    """One page of the caseload. A fixed number of queries whatever the page size (no N+1)."""
    total = _count_own_list(session, staff, query, today) if _own_list_by_due_date(staff, query) else None
    if total is not None:
        _clamp_page(query, total)
        page_ids = _own_list_ids(staff, query, today)
    else:
        total, page_ids = _members_page(session, staff, query, today)
    # The page's members with their stored next step (the row the list was sorted and filtered by).
    page_rows = session.execute(
        select(*PAGE_MEMBER_COLUMNS, *STORED_STEP_COLUMNS)
        .join_from(page_ids, Member, Member.id == page_ids.c.id)
        .join(ServiceLocation, ServiceLocation.id == Member.location_id)
        .outerjoin(MemberNextStep, MemberNextStep.member_id == Member.id)
        .order_by(*_order(query))
    ).all()
    members = [CaseloadMember(*row[:len(PAGE_MEMBER_COLUMNS)]) for row in page_rows]
    steps = _page_steps(session, members, {row.id: row for row in page_rows if row.stored_member_id is not None},
                        today)
    ids = [m.id for m in members]
    facts = _row_facts(session, ids, now)
    rows = []
    for member in members:
        step = steps.get(member.id)
        due = step.due_date if step else None
        rows.append(CaseloadRow(member=member, weeks=weeks_unemployed(member, today), step=step,
                                overdue_days=(today - due).days if due and due < today else 0,
                                due_soon=bool(due and today <= due and (due - today).days <= 7),
                                opens_later=bool(step and step.opens_on and step.opens_on > today),
                                notice_over=notice_period_over(member, today),
                                **facts.get(member.id, {})))
    audit.record(session, staff.user, "caseload.viewed", now=now,
                 detail={**query.as_args(), "shown": ids[:PER_PAGE]})
    return CaseloadPage(rows=rows, total=total, query=query)


def _page_steps(session: Session, members: list[CaseloadMember], stored: dict, today: date
                ) -> dict[int, Step | None]:
    """The next step of each of the page's members: the stored step where it can be trusted (computed today, not
    marked stale), else the rule's, stored for the next read. `stored`: the page query's rows by member id."""
    steps: dict[int, Step | None] = {}
    untrusted = []
    for member in members:
        row = stored.get(member.id)
        trusted, step = _trusted_step(member, row, today)
        if trusted:
            steps[member.id] = step
        else:
            untrusted.append(member)
    if untrusted:
        computed = compute_next_steps(session, untrusted, today)
        store_next_steps(session, untrusted, computed, today)
        steps.update(computed)
    return steps


def _trusted_step(member: CaseloadMember, row, today: date) -> tuple[bool, Step | None]:
    """(True, the step) if the stored row says what the rule would; (False, None) if it must be recomputed. A stored
    step that the member's own fields contradict (no course any more, another due date) is not trusted either."""
    if row is None or row.stale or row.computed_on != today:
        return False, None
    if row.step_code is None:
        return True, None
    step = open_step(member, row.step_code, today)
    if step is None or step.due_date != row.due_date:
        return False, None
    return True, step


def _row_facts(session: Session, ids: list[int], now: datetime) -> dict[int, dict]:
    """Per member of the page: last contact (the latest held conversation, registered or booked), open chatbot
    handoffs, right-and-duty offers not attended and requests waiting for the job centre. One statement of
    correlated subqueries over the page's ids (each on an indexed member_id) instead of one query per fact."""
    if not ids:
        return {}
    facts = {}
    for member_id, *values in session.execute(_row_facts_statement(), {"ids": ids, "now": now}):
        held_at, booked_at, open_handoffs, right_and_duty_missed, waiting, late = values
        contacts = [at for at in (held_at, booked_at) if at is not None]
        facts[member_id] = {"last_contact": max(contacts) if contacts else None, "open_handoffs": open_handoffs,
                            "right_and_duty_missed": right_and_duty_missed, "jobcentre_waiting": waiting,
                            "jobcentre_late": late}
    return facts


@cache
def _row_facts_statement():
    """`_row_facts`'s statement, built once (building its six subqueries was a tenth of the service's time); the
    page's ids and the moment are its parameters."""
    held = (select(func.max(HeldConversation.held_at))
            .where(HeldConversation.member_id == Member.id, HeldConversation.outcome == BookingStatus.HELD).scalar_subquery())
    held_booking = (select(func.max(Booking.starts_at))
                    .where(Booking.member_id == Member.id, Booking.status == BookingStatus.HELD,
                           Booking.starts_at <= bindparam("now")).scalar_subquery())
    handoffs = (select(func.count()).select_from(Handoff)
                .where(Handoff.member_id == Member.id, Handoff.status.in_(OPEN_HANDOFF_STATUSES)).scalar_subquery())
    missed = (select(func.count()).select_from(OfferRegistration)
              .where(OfferRegistration.member_id == Member.id, OfferRegistration.right_and_duty.is_(True),
                     OfferRegistration.status == RegistrationStatus.NO_SHOW).scalar_subquery())
    jobcentre_waiting, jobcentre_late = jobcentre.open_request_counts(Member.id)
    return (select(Member.id, held, held_booking, handoffs, missed, jobcentre_waiting, jobcentre_late)
            .where(Member.id.in_(bindparam("ids", expanding=True))))


# ---------------------------------------------------------------- agenda and counts
class AgendaEntry(NamedTuple):
    """A booked conversation as the agenda shows it (plain columns: the page shows nothing else of the booking)."""

    starts_at: datetime
    type: str
    channel: str
    status: str
    member_number: str
    first_name: str
    last_name: str

    @property
    def member_name(self) -> str:
        return f"{self.first_name} {self.last_name}"  # as Member.full_name


@dataclass
class Agenda:
    today: list[AgendaEntry]
    week: list[AgendaEntry]


@prepared
def _agenda_rows():
    return (select(Booking.starts_at, Booking.type, Booking.channel, Booking.status, Member.member_number,
                   Member.first_name, Member.last_name)
            .join(Member, Member.id == Booking.member_id)
            .where(Booking.caseworker_id == bindparam("caseworker_id"), Booking.starts_at >= bindparam("start"),
                   Booking.starts_at < bindparam("week_end"),
                   Booking.status.in_((BookingStatus.BOOKED, BookingStatus.HELD, BookingStatus.NO_SHOW)))
            .order_by(Booking.starts_at))


def _agenda_read(staff: StaffScope, today: date) -> Read | None:
    """The agenda's read: the caseworker's conversations from today's midnight to next Monday's (local time)."""
    if staff.caseworker is None:
        return None
    start = local_to_utc(datetime.combine(today, datetime.min.time()))
    week_end = local_to_utc(datetime.combine(today + timedelta(days=7 - today.weekday()), datetime.min.time()))
    return Read(_agenda_rows(), {"caseworker_id": staff.caseworker.id, "start": start, "week_end": week_end})


def agenda(session: Session, staff: StaffScope, *, today: date) -> Agenda:
    """The caseworker's booked conversations today and for the rest of this week (Mon–Sun, local time)."""
    read = _agenda_read(staff, today)
    if read is None:
        return Agenda([], [])
    tomorrow = local_to_utc(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    entries = [AgendaEntry(*row) for row in read.lines(session)]
    return Agenda(today=[e for e in entries if e.starts_at < tomorrow],
                  week=[e for e in entries if e.starts_at >= tomorrow])


def visible_locations(session: Session, staff: StaffScope) -> list:
    """The service locations the staff member can filter the list by (portal.services.locations' rows), by name:
    every location for those who see all, the region's for a group-2 specialist, else their own."""
    rows = locations.by_name_read().lines(session)
    if staff.sees_all:
        return rows
    if staff.group2_specialist:  # the region of their own location, which the rows hold (no read of its own)
        region = next((row.region for row in rows if row.id == staff.caseworker.location_id), None)
        if region:
            return [row for row in rows if row.region == region]
    return [row for row in rows if row.id == staff.caseworker.location_id]


def waiting_handoffs(session: Session, staff: StaffScope) -> int:
    """Handoffs waiting for this caseworker (the chatbot area's queue rule: portal.services.chat.handoff)."""
    from portal.services.chat.handoff import waiting_count

    return waiting_count(session, staff.user)


def side_panels(session: Session, staff: StaffScope, *, today: date) -> tuple[Agenda, int, list]:
    """What the caseload shows beside its rows: the agenda, the handoffs waiting and the locations to filter by.
    Three reads, sent together on PostgreSQL (portal.read_ahead: one round trip instead of three). What the page
    wrote before them (its audited read, the next steps it stored) is flushed first, as the first read's autoflush
    did: reads sent ahead are only used while nothing has been written since."""
    from portal.services.chat.handoff import waiting_read

    session.flush()
    reads = [read for read in (_agenda_read(staff, today), waiting_read(session, staff.user),
                               locations.by_name_read()) if read is not None]
    with read_ahead(session, lambda: reads):
        return (agenda(session, staff, today=today), waiting_handoffs(session, staff),
                visible_locations(session, staff))


def overdue_by_caseworker(session: Session, today: date) -> dict[int, tuple[int, int]]:
    """Per caseworker: (members, members whose next statutory step is overdue), by the caseload page's own rule.
    For measuring a whole population (the demo's plausibility); the page itself counts per page."""
    members = list(session.scalars(select(Member).where(Member.caseworker_id.is_not(None))))
    steps = compute_next_steps(session, members, today)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for member in members:
        step = steps.get(member.id)
        counts[member.caseworker_id][0] += 1
        counts[member.caseworker_id][1] += bool(step and step.due_date and step.due_date < today)
    return {caseworker: (total, overdue) for caseworker, (total, overdue) in counts.items()}
