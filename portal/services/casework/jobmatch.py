"""FOA JobMatch: job orders, matching members to them (with reasons), referrals and placements.

Ranking (documented in docs/caseworker.md): trade, job goal, distance between service locations, availability
and target group each add points; every point comes with a plain reason the caseworker sees (in their language).
Dismissed members with mark O are matchable before they become unemployed (DOMAIN.md "Dismissed members").
"""
from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Integer, bindparam, cast, extract, func, or_, select
from sqlalchemy.orm import Session, joinedload

from portal.database import Read, prepared
from portal.i18n import format_local_date
from portal.i18n import gettext as _
from portal.models import Member, ServiceLocation, User
from portal.models.casework import (
    EMPLOYMENT_TYPES,
    JOB_ORDER_STATUSES,
    JobOrder,
    JobReferral,
    Placement,
)
from portal.models.jobmatch import JobmatchCv
from portal.models.statuses import JobOrderStatus, MemberStatus, ReferralStatus
from portal.query_args import ascii_digits
from portal.services import audit
from portal.services.access import StaffScope, require_edit, visible_members_clause
from portal.services.casework import jobmatch_cv
from portal.services.errors import Conflict, NotFound, ValidationFailed
from portal.services.minside import job_referrals
from portal.services.text_limits import kept_whole, one_line_breaks
from portal.timeutil import to_local, utcnow

MATCHABLE_STATUSES = (MemberStatus.LEDIG, MemberStatus.OPSAGT, MemberStatus.SYGEMELDT)
REFERRAL_TRANSITIONS = {
    ReferralStatus.REFERRED: (ReferralStatus.INTERVIEW, ReferralStatus.HIRED, ReferralStatus.REJECTED,
                              ReferralStatus.WITHDRAWN),
    ReferralStatus.INTERVIEW: (ReferralStatus.HIRED, ReferralStatus.REJECTED, ReferralStatus.WITHDRAWN),
    ReferralStatus.HIRED: (),
    ReferralStatus.REJECTED: (),
    ReferralStatus.WITHDRAWN: (),
}
MAX_DISTANCE_KM = 120  # beyond this a match is not shown: nobody commutes Skagen–Gedser for a part-time job
_WORD = re.compile(r"[a-zæøå]{4,}")
_STOP = {"eller", "inden", "med", "for", "hjemmeplejen", "job", "gerne", "evt"}


# ---------------------------------------------------------------- job orders
@dataclass
class JobOrderInput:
    employer: str = ""
    title: str = ""
    trade: str = ""
    disco_code: str = ""
    location_id: int | None = None
    hours_per_week: str = ""
    employment: str = ""
    deadline: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    description: str = ""


def _possible_phone(text: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(text, "DK"))
    except phonenumbers.NumberParseException:
        return False


def _clean(value: str | None) -> str:
    """A short machine-read value (a code, a number, a date), stripped and never cut: its own check refuses what
    is too long; what a person writes goes through _whole."""
    return one_line_breaks(value or "").strip()


def _whole(errors: dict[str, str], name: str, value: str | None, limit: int, label: str) -> str:
    """A text the caseworker wrote, kept whole or refused at its field (too long, or with control characters):
    never cut short behind their back (issue 18)."""
    try:
        return kept_whole(value, limit, field=name, label=label) or ""
    except ValidationFailed as refused:
        errors[name] = refused.message
        return ""


def validate_job_order(session: Session, data: JobOrderInput, today: date) -> dict:
    """Check a job order form; returns the column values or raises ValidationFailed with every error."""
    errors: dict[str, str] = {}
    values: dict = {}
    for name, label, missing, limit in (("employer", _("Arbejdsgiver"), _("Skriv arbejdsgiver."), 160),
                                        ("title", _("Stillingsbetegnelse"), _("Skriv stillingsbetegnelse."), 160),
                                        ("trade", _("Fag"), _("Skriv fag."), 80),
                                        ("contact_name", _("Kontaktperson"), _("Skriv kontaktperson."), 160)):
        values[name] = _whole(errors, name, getattr(data, name), limit, label)
        if not values[name] and name not in errors:
            errors[name] = missing
    disco = _clean(data.disco_code)
    if disco and (not ascii_digits(disco) or len(disco) > 8):
        errors["disco_code"] = _("DISCO-koden består kun af cifre, fx 532210.")
    values["disco_code"] = disco or None
    location = session.get(ServiceLocation, data.location_id) if data.location_id else None
    if location is None:
        errors["location_id"] = _("Vælg arbejdsstedets nærmeste betjeningssted.")
    values["location_id"] = data.location_id
    hours = _clean(data.hours_per_week)
    values["hours_per_week"] = None
    if hours:
        if not ascii_digits(hours) or len(hours) > 2 or not 1 <= int(hours) <= 48:
            errors["hours_per_week"] = _("Timer pr. uge skal være et helt tal mellem 1 og 48.")
        else:
            values["hours_per_week"] = int(hours)
    if data.employment not in EMPLOYMENT_TYPES:
        errors["employment"] = _("Vælg fast eller midlertidig ansættelse.")
    values["employment"] = data.employment
    try:
        deadline = date.fromisoformat(_clean(data.deadline))
    except ValueError:
        errors["deadline"] = _("Skriv ansøgningsfristen som en dato, fx 2026-12-31.")
    else:
        if deadline < today:
            errors["deadline"] = _("Ansøgningsfristen må ikke ligge før i dag.")
        values["deadline"] = deadline
    email = _whole(errors, "contact_email", data.contact_email, 254, _("Kontaktens e-mail"))
    if email:
        try:  # the same check as every other address in the portal ("kim@" was taken)
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["contact_email"] = _("Skriv en gyldig e-mailadresse, fx navn@arbejdsgiver.dk.")
    values["contact_email"] = email or None
    phone = _whole(errors, "contact_phone", data.contact_phone, 20, _("Kontaktens telefon"))
    if phone and not _possible_phone(phone):  # an employer's number may be foreign: possible, not only Danish
        errors["contact_phone"] = _("Skriv et telefonnummer, fx 66 12 34 56 eller +46 8 123 456 78.")
    values["contact_phone"] = phone or None
    values["description"] = _whole(errors, "description", data.description, 4000, _("Beskrivelse")) or None
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return values


def create_job_order(session: Session, data: JobOrderInput, *, actor: User, today: date,
                     now: datetime | None = None) -> JobOrder:
    now = now or utcnow()
    values = validate_job_order(session, data, today)
    order = JobOrder(**values, status=JobOrderStatus.OPEN, created_by_user_id=actor.id, created_at=now, updated_at=now)
    session.add(order)
    session.flush()
    audit.record(session, actor, "jobmatch.order_created", target=order,
                 detail={"employer": order.employer, "title": order.title}, now=now)
    return order


def set_job_order_status(session: Session, order: JobOrder, status: str, *, actor: User,
                         now: datetime | None = None) -> JobOrder:
    if status not in JOB_ORDER_STATUSES:
        raise ValidationFailed(_("Ukendt status for jobordren."), field="status")
    if order.status == status:
        return order
    now = now or utcnow()
    old = order.status
    order.status = status
    order.updated_at = now
    audit.record(session, actor, "jobmatch.order_status", target=order, detail={"from": old, "to": status},
                 now=now)
    return order


def get_job_order(session: Session, order_id: int) -> JobOrder:
    order = session.get(JobOrder, order_id)
    if order is None:
        raise NotFound(_("Jobordren findes ikke."))
    return order


def is_open(order: JobOrder, today: date) -> bool:
    return order.status == JobOrderStatus.OPEN and order.deadline >= today


def list_job_orders(session: Session, *, today: date, status: str = JobOrderStatus.OPEN, location_id: int | None = None,
                    q: str = "", page: int = 1, per_page: int = 25) -> tuple[list[tuple[JobOrder, int]], int]:
    """Job orders with the number of referrals each; `status` "open" hides expired ones. Open orders come soonest
    deadline first (what needs a candidate now); filled and closed ones most recently changed first, expired ones
    most recently expired first (what a caseworker looks back for is recent: 2,000 filled orders from 2023 came
    first before)."""
    referrals = (select(JobReferral.job_order_id, func.count().label("n"))
                 .group_by(JobReferral.job_order_id).subquery())
    query = select(JobOrder, func.coalesce(referrals.c.n, 0)).outerjoin(
        referrals, referrals.c.job_order_id == JobOrder.id).options(joinedload(JobOrder.location))
    if status == JobOrderStatus.OPEN:
        query = query.where(JobOrder.status == JobOrderStatus.OPEN, JobOrder.deadline >= today)
    elif status in JOB_ORDER_STATUSES:
        query = query.where(JobOrder.status == status)
    elif status == "expired":
        query = query.where(JobOrder.status == JobOrderStatus.OPEN, JobOrder.deadline < today)
    if location_id:
        query = query.where(JobOrder.location_id == location_id)
    if q:
        like = f"%{q[:80]}%"
        query = query.where(or_(JobOrder.title.ilike(like), JobOrder.employer.ilike(like), JobOrder.trade.ilike(like)))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if status == JobOrderStatus.OPEN:
        ordering = (JobOrder.deadline, JobOrder.id)
    elif status == "expired":
        ordering = (JobOrder.deadline.desc(), JobOrder.id.desc())
    else:
        ordering = (JobOrder.updated_at.desc(), JobOrder.id.desc())
    rows = session.execute(query.order_by(*ordering)
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return [(order, n) for order, n in rows], total


# ---------------------------------------------------------------- matching
@dataclass
class Match:
    score: int
    reasons: list[str] = field(default_factory=list)
    distance_km: float | None = None


def distance_km(a: ServiceLocation | None, b: ServiceLocation | None) -> float | None:
    """Great-circle distance between two service locations (haversine)."""
    if a is None or b is None:
        return None
    if a.id == b.id:
        return 0.0
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


@functools.lru_cache(maxsize=4096)  # the same few hundred job titles and goals on every screen
def _words(text: str | None) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall((text or "").lower()) if w not in _STOP)


def _goal_overlap(member_trade: str | None, goals: str | None, title: str, trade: str) -> tuple[bool, frozenset[str]]:
    """Same trade, and the goal's words the order's title or trade has: without either there is no match."""
    same_trade = bool(member_trade) and member_trade.strip().lower() == trade.strip().lower()
    return same_trade, _words(goals) & (_words(title) | _words(trade))


def _could_fit(member_trade: str | None, goals: str | None) -> Callable[[str, str], bool]:
    """`_goal_overlap` as a test of an order's (title, trade), the member's side worked out once: whether the
    order shares the trade or a word of the goal (the conversation screen tests every open order)."""
    trade_key = member_trade.strip().lower() if member_trade else None
    goal_words = _words(goals)

    def fits(title: str, trade: str) -> bool:
        if trade_key is not None and trade_key == trade.strip().lower():
            return True
        return not (goal_words.isdisjoint(_words(title)) and goal_words.isdisjoint(_words(trade)))

    return fits


def _goal_fit(match: Match, order: JobOrder, member: Member, goals: str | None) -> bool:
    same_trade, goal_words = _goal_overlap(member.trade, goals, order.title, order.trade)
    if same_trade:
        match.score += 40
        match.reasons.append(_("Samme fag: %(trade)s", trade=order.trade))
    if goal_words:
        match.score += 25
        match.reasons.append(_("Jobmålet passer: %(words)s", words=", ".join(sorted(goal_words))))
    return same_trade or bool(goal_words)  # neither: not a match worth a caseworker's time


def _distance_points(match: Match, km: float | None) -> None:
    if km is None:
        return
    if km <= 25:
        match.score += 20
        match.reasons.append(_("Tæt på: samme område") if km < 1 else _("Tæt på: ca. %(km)s km", km=round(km)))
    elif km <= 60:
        match.score += 10
        match.reasons.append(_("Pendlerafstand: ca. %(km)s km", km=round(km)))
    else:
        match.reasons.append(_("Langt væk: ca. %(km)s km", km=round(km)))


def _profile_fit(order: JobOrder, member: Member, order_location: ServiceLocation | None,
                 member_location: ServiceLocation | None) -> Match | None:
    km = distance_km(order_location, member_location)
    if km is not None and km > MAX_DISTANCE_KM:
        return None
    match = Match(score=0, distance_km=km)
    if not _goal_fit(match, order, member, member.job_goal):
        return None
    _distance_points(match, km)
    return match


def _cv_fit(order: JobOrder, member: Member, cv: JobmatchCv, order_location: ServiceLocation | None) -> Match | None:
    """The member's own CV: job goals, hours wanted, area and the SOSU authorisation an order asks for."""
    if not jobmatch_cv.hours_fit(cv, order):
        return None
    authorised = "sosu_assistant_autorisation" in (cv.certificates or [])
    if jobmatch_cv.needs_authorisation(order) and not authorised:
        return None
    in_area = jobmatch_cv.area_fits(cv, member, order_location)
    km = distance_km(order_location, member.location)
    if in_area is False or (in_area is None and km is not None and km > MAX_DISTANCE_KM):
        return None
    match = Match(score=0, distance_km=km)
    if not _goal_fit(match, order, member, cv.job_goals):
        return None
    if in_area:
        match.score += 20
        match.reasons.append(_("I det område, medlemmet søger job i"))
    else:
        _distance_points(match, km)
    if authorised and jobmatch_cv.needs_authorisation(order):
        match.score += 10
        match.reasons.append(_("Har autorisation som social- og sundhedsassistent"))
    if order.hours_per_week is not None and cv.hours_wanted != "any":
        match.score += 5
        match.reasons.append(_("Timetallet passer: %(hours)s timer/uge", hours=order.hours_per_week))
    return match


def score_match(order: JobOrder, member: Member, *, order_location: ServiceLocation | None,
                member_location: ServiceLocation | None, today: date, cv: JobmatchCv | None = None) -> Match | None:
    """How well a member fits a job order, with reasons; None if the member cannot take the job.

    With a JobMatch CV (portal/services/casework/jobmatch_cv.py) its job goals, certificates, hours and area decide the fit;
    without one, the member's trade, job goal and service location do.
    """
    if member.status not in MATCHABLE_STATUSES:
        return None
    if member.status == MemberStatus.OPSAGT and not member.mark_o:
        return None  # no CV in JobMatch without mark O
    match = (_cv_fit(order, member, cv, order_location) if cv is not None
             else _profile_fit(order, member, order_location, member_location))
    if match is None:
        return None
    if member.status == MemberStatus.LEDIG:
        match.score += 15
        match.reasons.append(_("Ledig nu – kan starte med det samme"))
    elif member.status == MemberStatus.OPSAGT:
        notice_end = member.notice_end_date
        if notice_end and notice_end <= order.deadline + timedelta(days=45):
            match.score += 12
            match.reasons.append(_("Opsagt (O) – fri fra %(date)s", date=format_local_date(notice_end, "dd.MM.y")))
        else:
            match.score += 5
            match.reasons.append(_("Opsagt (O) – i opsigelsesperiode"))
    else:
        match.reasons.append(_("Sygemeldt – afklar rådighed før henvisning"))
    if member.target_group == "1":
        match.score += 10
        match.reasons.append(_("Målgruppe 1: jobparat"))
    elif member.target_group == "2a":
        match.score += 5
        match.reasons.append(_("Målgruppe 2a: job i FOA's fag med støtte"))
    elif member.target_group == "2b" and not member.trade_inside_foa:
        match.reasons.append(_("Målgruppe 2b: brancheskifte"))
    return match


def matching_members(session: Session, scope: StaffScope, order: JobOrder, *, today: date,
                     limit: int = 25) -> list[tuple[Member, Match]]:
    """Members the viewer may see who fit the order, best first. One candidate query, one referral query."""
    words = _words(order.title) | _words(order.trade)
    text_match = [Member.trade.ilike(order.trade.strip())]
    text_match += [Member.job_goal.ilike(f"%{w}%") for w in sorted(words)[:6]]
    text_match += [JobmatchCv.job_goals.ilike(f"%{w}%") for w in sorted(words)[:6]]
    rows = session.execute(
        select(Member, JobmatchCv).outerjoin(JobmatchCv, JobmatchCv.member_id == Member.id)
        .options(joinedload(Member.location))
        .where(visible_members_clause(scope), Member.status.in_(MATCHABLE_STATUSES),
               or_(Member.status != MemberStatus.OPSAGT, Member.mark_o.is_(True)), or_(*text_match))
        .limit(5000)
    ).all()
    already = set(session.scalars(select(JobReferral.member_id).where(JobReferral.job_order_id == order.id)))
    order_location = order.location
    ranked = []
    for member, cv in rows:
        if member.id in already:
            continue
        match = score_match(order, member, order_location=order_location, member_location=member.location,
                            today=today, cv=cv)
        if match is not None:
            ranked.append((member, match))
    ranked.sort(key=lambda pair: (-pair[1].score, pair[1].distance_km or 0, pair[0].last_name))
    return ranked[:limit]


@prepared
def _open_orders_not_referred():
    referred = select(JobReferral.job_order_id).where(JobReferral.member_id == bindparam("member_id"))
    return (select(JobOrder.id, JobOrder.title, JobOrder.trade)
            .where(JobOrder.status == JobOrderStatus.OPEN, JobOrder.deadline >= bindparam("today"),
                   JobOrder.id.not_in(referred))
            .limit(2000))


@prepared
def _orders_with_location():
    return (select(JobOrder).options(joinedload(JobOrder.location))
            .where(JobOrder.id.in_(bindparam("ids", expanding=True))))


def open_orders_read(member: Member, *, today: date) -> Read | None:
    """The first statement of `matching_orders` (the open orders as three columns), for portal.read_ahead; None
    where it reads none."""
    if not _can_match(member):
        return None
    return Read(_open_orders_not_referred(), {"member_id": member.id, "today": today}, executed=True)


def _can_match(member: Member) -> bool:
    return member.status in MATCHABLE_STATUSES and (member.status != MemberStatus.OPSAGT or member.mark_o)


def matching_orders(session: Session, member: Member, *, today: date, limit: int = 5,
                    cv: JobmatchCv | None = ...) -> list[tuple[JobOrder, Match]]:  # type: ignore[assignment]
    """Open job orders that fit a member (the conversation screen), best first; by their CV where they have one.

    Only the orders whose title or trade could fit the goal (`_could_fit`, which every match needs) are loaded
    and scored: the open orders are read as three columns first.
    """
    if not _can_match(member):
        return []  # score_match would refuse every order
    if cv is ...:  # the caller did not look it up
        cv = jobmatch_cv.get_cv(session, member)
    fits = _could_fit(member.trade, cv.job_goals if cv is not None else member.job_goal)
    candidates = [order_id for order_id, title, trade in session.connection().execute(
        _open_orders_not_referred(), {"member_id": member.id, "today": today}) if fits(title, trade)]
    if not candidates:
        return []
    loaded = {order.id: order for order in session.scalars(_orders_with_location(), {"ids": candidates})}
    ranked = []
    for order in (loaded[order_id] for order_id in candidates if order_id in loaded):  # ties: the first read's order
        match = score_match(order, member, order_location=order.location, member_location=member.location,
                            today=today, cv=cv)
        if match is not None:
            ranked.append((order, match))
    ranked.sort(key=lambda pair: (-pair[1].score, pair[0].deadline))
    return ranked[:limit]


# ---------------------------------------------------------------- referrals and placements
def refer_member(session: Session, scope: StaffScope, order: JobOrder, member: Member, *, note: str = "",
                 today: date, now: datetime | None = None) -> JobReferral:
    """Refer a member to a job order. Refused for closed/expired orders, members who cannot take a job, repeats."""
    require_edit(scope, member)
    if not is_open(order, today):
        raise Conflict(_("Jobordren er lukket eller ansøgningsfristen er overskredet. Der kan ikke henvises til den."))
    if member.status not in MATCHABLE_STATUSES or (member.status == MemberStatus.OPSAGT and not member.mark_o):
        raise ValidationFailed(_("Medlemmet kan ikke henvises: kun ledige, sygemeldte og opsagte medlemmer med "
                                 "mærket O kan henvises til job."))
    exists = session.scalar(select(JobReferral.id).where(JobReferral.job_order_id == order.id,
                                                         JobReferral.member_id == member.id))
    if exists:
        raise Conflict(_("Medlemmet er allerede henvist til denne jobordre."))
    note = kept_whole(note, 1000, field="note", label=_("Note"))
    now = now or utcnow()
    referral = JobReferral(job_order_id=order.id, member_id=member.id, status=ReferralStatus.REFERRED,
                           note=note, referred_by_user_id=scope.user.id,
                           referred_at=now, updated_at=now)
    session.add(referral)
    session.flush()
    audit.record(session, scope.user, "jobmatch.referred", member_id=member.id, target=referral,
                 detail={"job_order_id": order.id}, now=now)
    job_referrals.tell_referred(session, referral, now=now)  # the employer may call: she hears it from us first
    return referral


def get_referral(session: Session, referral_id: int) -> JobReferral:
    referral = session.get(JobReferral, referral_id)
    if referral is None:
        raise NotFound(_("Henvisningen findes ikke."))
    return referral


def set_referral_status(session: Session, scope: StaffScope, referral: JobReferral, status: str, *,
                        now: datetime | None = None) -> JobReferral:
    """Move a referral on (interview, rejected, withdrawn). Hiring goes through `register_placement`."""
    require_edit(scope, referral.member)
    if status == ReferralStatus.HIRED:
        raise ValidationFailed(_("Registrér ansættelsen med startdato og ansættelsesform."), field="status")
    if status not in REFERRAL_TRANSITIONS.get(referral.status, ()):
        raise Conflict(_("Henvisningen kan ikke ændres til den status nu."))
    now = now or utcnow()
    old = referral.status
    referral.status = status
    referral.updated_at = now
    audit.record(session, scope.user, "jobmatch.referral_status", member_id=referral.member_id, target=referral,
                 detail={"from": old, "to": status}, now=now)
    job_referrals.tell_changed(session, referral, now=now)
    return referral


def register_placement(session: Session, scope: StaffScope, referral: JobReferral, *, permanent: bool | None,
                       start_date: str | date | None, today: date, now: datetime | None = None) -> Placement:
    """Record that the member was hired through the referral (feeds the JobMatch KPI)."""
    require_edit(scope, referral.member)
    errors = {}
    if permanent is None:
        errors["permanent"] = _("Vælg om ansættelsen er fast eller midlertidig.")
    if isinstance(start_date, str):
        try:
            start_date = date.fromisoformat(start_date.strip()[:10])
        except ValueError:
            start_date = None
    if start_date is None:
        errors["start_date"] = _("Skriv startdatoen, fx 2026-12-01.")
    elif start_date < today - timedelta(days=365):
        errors["start_date"] = _("Startdatoen ligger mere end et år tilbage. Tjek datoen.")
    elif start_date > today + timedelta(days=365):  # a hire is registered once it is agreed, not years ahead
        errors["start_date"] = _("Startdatoen ligger mere end et år frem. Tjek datoen.")
    elif start_date < to_local(referral.referred_at).date():  # hired through the referral: not before it
        errors["start_date"] = _("Startdatoen ligger før henvisningen (%(day)s). Tjek datoen.",
                                 day=format_local_date(referral.referred_at, "d. MMMM y"))
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    if ReferralStatus.HIRED not in REFERRAL_TRANSITIONS.get(referral.status, ()):
        raise Conflict(_("Ansættelsen er allerede registreret, eller henvisningen er afsluttet."))
    now = now or utcnow()
    referral.status = ReferralStatus.HIRED
    referral.updated_at = now
    placement = Placement(job_referral_id=referral.id, member_id=referral.member_id,
                          job_order_id=referral.job_order_id, permanent=bool(permanent), start_date=start_date,
                          registered_by_user_id=scope.user.id, registered_at=now)
    session.add(placement)
    order = referral.job_order
    if order.status == JobOrderStatus.OPEN:
        order.status = JobOrderStatus.FILLED
        order.updated_at = now
    session.flush()
    audit.record(session, scope.user, "jobmatch.placed", member_id=referral.member_id, target=placement,
                 detail={"job_order_id": order.id, "permanent": bool(permanent),
                         "start_date": start_date.isoformat()}, now=now)
    job_referrals.tell_hired(session, referral, placement, now=now)
    return placement


# The caseworker's answer to "fast eller midlertidig?" on the referral's hire form.
EMPLOYMENT_ANSWERS = {"fast": True, "midlertidig": False}


def act_on_referral(session: Session, scope: StaffScope, referral: JobReferral, action: str, *, permanent: str,
                    start_date: str, today: date, now: datetime) -> JobReferral | Placement:
    """A caseworker's button on a referral: "hired" registers the placement (`permanent` as answered on the form,
    "fast" or "midlertidig"); any other action is the referral's new status (set_referral_status)."""
    if action == ReferralStatus.HIRED:
        return register_placement(session, scope, referral, permanent=EMPLOYMENT_ANSWERS.get(permanent),
                                  start_date=start_date, today=today, now=now)
    return set_referral_status(session, scope, referral, action, now=now)


def order_referrals(session: Session, order: JobOrder) -> list[JobReferral]:
    return list(session.scalars(
        select(JobReferral).options(joinedload(JobReferral.member), joinedload(JobReferral.placement))
        .where(JobReferral.job_order_id == order.id).order_by(JobReferral.referred_at)
    ).unique())


@dataclass
class OrderPage:
    """What a staff member sees of a job order: the matching members (only while it is open), its referrals and
    which of the referred members they may open."""

    is_open: bool
    matches: list[tuple[Member, Match]]
    referrals: list[JobReferral]
    visible_member_ids: set[int]


def open_job_order(session: Session, scope: StaffScope, order: JobOrder, *, today: date,
                   now: datetime) -> OrderPage:
    """The job order's page for `scope`'s staff member, the matches shown recorded in the audit log."""
    is_open_now = is_open(order, today)
    matches = matching_members(session, scope, order, today=today) if is_open_now else []
    referrals = order_referrals(session, order)
    visible = {m.id for m in session.scalars(select(Member).where(
        Member.id.in_([r.member_id for r in referrals]), visible_members_clause(scope)))}
    audit.record(session, scope.user, "jobmatch.order_viewed", target=order, now=now,
                 detail={"matches_shown": [m.id for m, _m in matches]})
    return OrderPage(is_open_now, matches, referrals, visible)


def member_referrals(session: Session, member: Member) -> list[tuple]:
    """The member's referrals to job orders, newest first, as rows of what the conversation screen shows:
    referred_at, job_order_id, title, employer, status and the placement's placement_id, permanent and start_date
    (None without a placement). Columns only, on the session's connection (as offers.catalogue_offers)."""
    return member_referrals_read(member).lines(session)


def member_referrals_read(member: Member) -> Read:
    return Read(_referrals_of_member(), {"member_id": member.id})


@prepared
def _referrals_of_member():
    return (select(JobReferral.referred_at, JobReferral.job_order_id, JobOrder.title, JobOrder.employer,
                   JobReferral.status, Placement.id.label("placement_id"), Placement.permanent, Placement.start_date)
            .join(JobOrder, JobOrder.id == JobReferral.job_order_id)
            .outerjoin(Placement, Placement.job_referral_id == JobReferral.id)
            .where(JobReferral.member_id == bindparam("member_id")).order_by(JobReferral.referred_at.desc()))


def placements_per_year(session: Session) -> list[dict]:
    """KPI: placed via FOA JobMatch per year and the permanent share (target 600 / 40 %, DOMAIN.md)."""
    year = extract("year", Placement.start_date)
    rows = session.execute(
        select(year.label("year"), func.count(), func.sum(cast(Placement.permanent, Integer)))
        .group_by(year).order_by(year)
    ).all()
    return [{"year": int(y), "placed": n, "permanent": int(p or 0),
             "permanent_share": round(100 * (p or 0) / n, 1) if n else 0.0} for y, n, p in rows]

