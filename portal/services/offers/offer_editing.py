"""Staff create and edit offers and their sessions; cancelling a session tells everyone on it.

Input comes as raw form/JSON values; every rule is checked here and all problems are reported at once
(ValidationFailed with `errors` by field), so the form can show them next to the fields and nothing is written.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.i18n import format_local_datetime
from portal.models import ServiceLocation, User
from portal.models.offers import (
    ACTIVE_STATUSES,
    AUDIENCES,
    FVU_MAX_HOURS,
    FVU_SUBJECTS,
    OFFER_KINDS,
    THEME_TOPICS,
    WEBINAR_TOPICS,
    Offer,
    OfferRegistration,
    OfferSession,
    audience_column,
)
from portal.models.statuses import RegistrationStatus, SessionStatus
from portal.query_args import db_int
from portal.services import audit
from portal.services.actors import Actor
from portal.services.booking.ics import calendar_attachment
from portal.services.errors import Conflict, NotAllowed, ValidationFailed
from portal.services.messaging.reminder_keys import stop_session_reminders
from portal.services.minside_i18n import _
from portal.services.offers import registration_state
from portal.services.offers.offer_messages import WHEN, in_language_of, session_ics, tell_member
from portal.services.offers.waitlist import default_hold_hours, lock_session, promote_waitlist, set_status
from portal.services.text_limits import one_line_breaks, refuse_control_characters
from portal.timeutil import local_to_utc, to_local

# A session is planned at most this far ahead (AOF plans FVU a season or two ahead): a mistyped year (9999) is
# refused, as a plan deadline too far out is, instead of going to the members' calendars.
SESSION_YEARS_AHEAD = 2

OFFER_FIELDS = ("kind", "title", "description", "topic", "fvu_subject", "sosu_variant", "provider", "course_hours",
                "requires_fvu_test", "hold_hours", "active")


def _staff(actor: Actor) -> None:
    if not isinstance(actor, User) or actor.role not in ("caseworker", "admin"):
        raise NotAllowed(_("Kun sagsbehandlere og administratorer kan redigere tilbud."))


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    return one_line_breaks(value).strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _flag(data: dict, name: str) -> bool:
    value = data.get(name)
    return value is True or (isinstance(value, str) and value.lower() in ("1", "on", "true", "ja", "y"))


def _int(data: dict, name: str, errors: dict, message: str, low: int, high: int) -> int | None:
    raw = _text(data, name)
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        errors[name] = message
        return None
    if not low <= value <= high:
        errors[name] = message
        return None
    return value


def validate_offer(data: dict[str, Any]) -> dict[str, Any]:
    """Clean offer values from a form or JSON; raises ValidationFailed with every problem by field."""
    errors: dict[str, str] = {}
    kind = _text(data, "kind")
    if kind not in OFFER_KINDS:
        errors["kind"] = _("Vælg hvilken slags tilbud det er.")
    title = _text(data, "title")
    if not 3 <= len(title) <= 160:
        errors["title"] = _("Skriv en titel på 3-160 tegn.")
    description = _text(data, "description")
    if len(description) > 5000:
        errors["description"] = _("Beskrivelsen må højst være 5000 tegn.")
    topic = _text(data, "topic") or None
    topics = WEBINAR_TOPICS if kind == "webinar" else THEME_TOPICS if kind == "theme_meeting" else ()
    if topics and topic not in topics:
        errors["topic"] = _("Vælg et emne.")
    if not topics:
        topic = None
    fvu_subject = _text(data, "fvu_subject") or None
    if kind.startswith("fvu"):
        if kind == "fvu_course" and fvu_subject not in FVU_SUBJECTS:
            errors["fvu_subject"] = _("Vælg FVU-fag (læsning, matematik eller digital).")
        elif fvu_subject is not None and fvu_subject not in FVU_SUBJECTS:
            errors["fvu_subject"] = _("Ukendt FVU-fag.")
    else:
        fvu_subject = None
    course_hours = None  # an FVU course's hours; the field means nothing for other kinds (and is not checked)
    if kind == "fvu_course":
        course_hours = _int(data, "course_hours", errors,
                            _("Et FVU-kursus er på 1-%(max)s timer.", max=FVU_MAX_HOURS), 1, FVU_MAX_HOURS)
        if course_hours is None and "course_hours" not in errors:
            errors["course_hours"] = _("Skriv hvor mange timer kurset er på (højst %(max)s).", max=FVU_MAX_HOURS)
    hold_hours = _int(data, "hold_hours", errors, _("En plads kan holdes i 1-168 timer."), 1, 168)
    audiences = data.get("audiences")
    if isinstance(audiences, str):
        audiences = [a.strip() for a in audiences.split(",")]
    audiences = [a for a in (audiences or []) if a in AUDIENCES]
    if not audiences:
        errors["audiences"] = _("Vælg mindst én målgruppe, tilbuddet er åbent for.")
    provider = _text(data, "provider") or ("AOF" if kind.startswith("fvu") else "FOA A-kasse")
    if len(provider) > 80:
        errors["provider"] = _("Udbyderen må højst være 80 tegn.")
    if errors:
        raise ValidationFailed(_("Tilbuddet er ikke gemt. Ret felterne herunder."), errors=errors)
    values = {
        "kind": kind, "title": title, "description": description, "topic": topic, "fvu_subject": fvu_subject,
        "sosu_variant": kind.startswith("fvu") and _flag(data, "sosu_variant"), "provider": provider,
        "course_hours": course_hours, "hold_hours": hold_hours or default_hold_hours(),
        "requires_fvu_test": kind == "fvu_course" and _flag(data, "requires_fvu_test"),
        "active": _flag(data, "active"),
    }
    for audience in AUDIENCES:
        values[audience_column(audience)] = audience in audiences
    return values


def create_offer(session: Session, data: dict[str, Any], *, actor: User, now: datetime) -> Offer:
    _staff(actor)
    values = validate_offer(data)
    offer = Offer(**values, created_by_user_id=actor.id, created_at=now, updated_at=now)
    session.add(offer)
    session.flush()
    audit.record(session, actor, "offers.offer_created", target=offer, detail={"title": offer.title}, now=now)
    return offer


def update_offer(session: Session, offer: Offer, data: dict[str, Any], *, actor: User, now: datetime,
                 seen: str | None = None) -> Offer:
    """`seen`: the offer's `updated_at` when the form was opened (ISO); a form opened before someone else saved the
    offer is refused rather than putting back what they changed."""
    _staff(actor)
    if seen is not None and seen != offer.updated_at.isoformat():
        raise ValidationFailed(_("En kollega har gemt ændringer i tilbuddet, efter du åbnede formularen. Formularen "
                                 "viser stadig det, du skrev: se tilbuddet, som det er nu, i et andet vindue, ret "
                                 "til, og gem igen."))
    values = validate_offer(data)
    if values["kind"] != offer.kind and session.scalar(
            select(OfferSession.id).where(OfferSession.offer_id == offer.id).limit(1)) is not None:
        raise ValidationFailed(_("Typen kan ikke ændres, når tilbuddet har hold."),
                               errors={"kind": _("Typen kan ikke ændres, når tilbuddet har hold.")})
    changed = {k: v for k, v in values.items() if getattr(offer, k) != v}
    for key, value in changed.items():
        setattr(offer, key, value)
    offer.updated_at = now
    audit.record(session, actor, "offers.offer_updated", target=offer, detail={"fields": sorted(changed)}, now=now)
    return offer


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _parse_time(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        return None


def _latest_session_day(today: date) -> date:
    try:
        return today.replace(year=today.year + SESSION_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + SESSION_YEARS_AHEAD, day=28)


def _session_dates(data: dict[str, Any], errors: dict[str, str], *, now: datetime,
                   existing: OfferSession | None) -> tuple[date | None, date | None]:
    """The session's first and last day, each from today (or the day an existing session began, which editing
    keeps) to SESSION_YEARS_AHEAD ahead; a problem goes into `errors` and its date comes back None."""
    today = to_local(now).date()
    earliest = min(today, to_local(existing.starts_at).date()) if existing is not None else today
    latest = _latest_session_day(today)
    too_far = _("Datoen ligger for langt ude i fremtiden. Et hold kan højst planlægges %(years)d år frem.",
                years=SESSION_YEARS_AHEAD)
    start_date = _parse_date(_text(data, "start_date"))
    if start_date is None:
        errors["start_date"] = _("Skriv en dato som åååå-mm-dd.")
    elif start_date < earliest:
        errors["start_date"] = _("Starttidspunktet er passeret. Vælg et tidspunkt i fremtiden.")
        start_date = None
    elif start_date > latest:
        errors["start_date"] = too_far
        start_date = None
    if not _text(data, "end_date"):
        return start_date, start_date
    end_date = _parse_date(_text(data, "end_date"))
    if end_date is None:
        errors["end_date"] = _("Skriv en slutdato som åååå-mm-dd, eller lad feltet stå tomt.")
    elif end_date < earliest:
        errors["end_time"] = _("Holdet skal slutte efter det begynder.")
        end_date = None
    elif end_date > latest:
        errors["end_date"] = too_far
        end_date = None
    return start_date, end_date


def validate_session(session: Session, offer: Offer, data: dict[str, Any], *, now: datetime,
                     existing: OfferSession | None = None) -> dict[str, Any]:
    """Clean session values (local date and times → UTC). Raises ValidationFailed with every problem by field."""
    errors: dict[str, str] = {}
    start_date, end_date = _session_dates(data, errors, now=now, existing=existing)
    start_time = _parse_time(_text(data, "start_time"))
    if start_time is None:
        errors["start_time"] = _("Skriv et starttidspunkt som tt:mm.")
    end_time = _parse_time(_text(data, "end_time"))
    if end_time is None:
        errors["end_time"] = _("Skriv et sluttidspunkt som tt:mm.")
    starts_at = ends_at = None
    if start_date and start_time and end_date and end_time:
        starts_at = local_to_utc(datetime.combine(start_date, start_time))
        ends_at = local_to_utc(datetime.combine(end_date, end_time))
        if ends_at <= starts_at:
            errors["end_time"] = _("Holdet skal slutte efter det begynder.")
        elif (existing is None or existing.starts_at != starts_at) and starts_at <= now:
            errors["start_date"] = _("Starttidspunktet er passeret. Vælg et tidspunkt i fremtiden.")
        elif offer.kind != "fvu_course" and (ends_at - starts_at).days >= 1:
            errors["end_time"] = _("Kun FVU-kurser kan strække sig over flere dage.")
    capacity = _int(data, "capacity", errors, _("Antal pladser skal være 1-1000."), 1, 1000)
    if capacity is None and "capacity" not in errors:
        errors["capacity"] = _("Skriv antal pladser.")
    online_link = _text(data, "online_link") or None
    if online_link and (not online_link.startswith("https://") or len(online_link) > 300 or " " in online_link):
        errors["online_link"] = _("Linket skal begynde med https:// og højst være 300 tegn.")
    location = None
    raw_location = _text(data, "location_id")
    if raw_location:
        try:
            location = session.get(ServiceLocation, db_int(raw_location))
        except ValueError:
            location = None
        if location is None:
            errors["location_id"] = _("Vælg et betjeningssted fra listen.")
    if offer.kind == "webinar":
        if not online_link:
            errors["online_link"] = _("Et webinar skal have et link til mødet.")
    elif location is None and "location_id" not in errors:
        errors["location_id"] = _("Vælg hvor holdet holdes.")
    if offer.kind.startswith("fvu") and location is not None and not location.fvu_city:
        errors["location_id"] = _("FVU holdes af AOF i de 36 største byer. Vælg en af dem.")
    venue = _text(data, "venue") or None
    if venue and len(venue) > 200:
        errors["venue"] = _("Adressen må højst være 200 tegn.")
    if existing is not None and capacity is not None and capacity < existing.seats_taken:
        errors["capacity"] = _("Der er allerede %(taken)s tilmeldte og holdte pladser. Antal pladser kan ikke være "
                               "lavere.", taken=existing.seats_taken)
    if errors:
        raise ValidationFailed(_("Holdet er ikke gemt. Ret felterne herunder."), errors=errors)
    return {"starts_at": starts_at, "ends_at": ends_at, "capacity": capacity, "online_link": online_link,
            "location_id": location.id if location else None, "venue": venue}


def create_session(session: Session, offer: Offer, data: dict[str, Any], *, actor: User,
                   now: datetime) -> OfferSession:
    _staff(actor)
    values = validate_session(session, offer, data, now=now)
    offer_session = OfferSession(offer_id=offer.id, **values, seats_taken=0, status=SessionStatus.OPEN, sequence=0,
                                 created_at=now, updated_at=now)
    session.add(offer_session)
    session.flush()
    audit.record(session, actor, "offers.session_created", target=offer_session,
                 detail={"offer_id": offer.id, "starts_at": offer_session.starts_at.isoformat()}, now=now)
    return offer_session


def update_session(session: Session, offer_session: OfferSession, data: dict[str, Any], *, actor: User,
                   now: datetime) -> OfferSession:
    """Change time, place or capacity. More seats go to the waiting list; a new time or place is sent to all."""
    _staff(actor)
    offer_session = lock_session(session, offer_session.id)
    if offer_session.status != SessionStatus.OPEN:
        raise Conflict(_("Holdet er aflyst og kan ikke ændres."))
    values = validate_session(session, offer_session.offer, data, now=now, existing=offer_session)
    changed = {k: v for k, v in values.items() if getattr(offer_session, k) != v}
    for key, value in changed.items():
        setattr(offer_session, key, value)
    offer_session.updated_at = now
    moved = bool({"starts_at", "ends_at", "location_id", "venue", "online_link"} & set(changed))
    if moved:
        offer_session.sequence += 1
    audit.record(session, actor, "offers.session_updated", target=offer_session,
                 detail={"fields": sorted(changed)}, now=now)
    session.flush()
    if moved:
        stop_session_reminders(session, offer_session.id, now=now)  # the next reminder run writes the new time's
        # The waiting list hears it too (a new time may no longer suit them), without a calendar entry: they
        # have no seat yet.
        for reg in _live(session, offer_session, (RegistrationStatus.REGISTERED, RegistrationStatus.OFFERED,
                                                  RegistrationStatus.WAITLISTED)):
            with in_language_of(reg.member):  # each member's own language, not the staff member's
                words = _session_changed_words(offer_session, reg, now)
            tell_member(session, reg.member, now, key=f"offer-session-moved-{reg.id}-{offer_session.sequence}",
                        kind="offers.session_changed", **words)
    if "capacity" in changed:
        promote_waitlist(session, offer_session, now=now)
    return offer_session


def _session_changed_words(offer_session: OfferSession, reg, now: datetime) -> dict:
    when = format_local_datetime(offer_session.starts_at, WHEN)
    waiting = reg.status == RegistrationStatus.WAITLISTED
    return {"subject": _("Ændret: %(title)s", title=offer_session.offer.title),
            "text": "\n\n".join((
                _("%(title)s er ændret. Nyt tidspunkt: %(when)s. Du står stadig på ventelisten; passer "
                  "det nye tidspunkt dig ikke, så forlad ventelisten under Tilbud på Min side.",
                  title=offer_session.offer.title, when=when) if waiting else
                _("%(title)s er ændret. Nyt tidspunkt: %(when)s. Se detaljerne i den vedhæftede "
                  "kalenderinvitation eller under Tilbud på Min side.",
                  title=offer_session.offer.title, when=when),
                registration_state.status_line(reg.status))),
            "attachments": None if waiting else [calendar_attachment("tilbud.ics",
                                                                     session_ics(offer_session, reg, now))]}


def cancel_session(session: Session, offer_session: OfferSession, *, reason: str, actor: User,
                   now: datetime) -> OfferSession:
    """Cancel a whole session: every registration, held seat and waiting-list place ends, and everyone is told."""
    _staff(actor)
    reason = one_line_breaks(reason or "").strip()
    refuse_control_characters(reason, field="reason", label=_("Begrundelsen"))
    if len(reason) < 5 or len(reason) > 1000:
        raise ValidationFailed(_("Skriv en begrundelse til deltagerne (5-1000 tegn)."), field="reason")
    offer_session = lock_session(session, offer_session.id)
    if offer_session.status == SessionStatus.CANCELLED:
        raise Conflict(_("Holdet er allerede aflyst."))
    if offer_session.ends_at <= now:
        raise Conflict(_("Holdet er afholdt og kan ikke aflyses."))
    offer_session.status = SessionStatus.CANCELLED
    offer_session.cancel_reason = reason
    offer_session.sequence += 1
    offer_session.updated_at = now
    title = offer_session.offer.title
    stop_session_reminders(session, offer_session.id, now=now)
    for reg in _live(session, offer_session, ACTIVE_STATUSES):
        set_status(reg, offer_session, RegistrationStatus.CANCELLED, now)
        reg.cancelled_at = now
        reg.cancel_reason = _("Holdet er aflyst: %(reason)s", reason=reason)
        with in_language_of(reg.member):  # each member's own language, not the staff member's
            words = {"subject": _("Aflyst: %(title)s", title=title),
                     "text": "\n\n".join((
                         _("Vi må desværre aflyse %(title)s %(when)s. Begrundelse: %(reason)s\n\nDu kan tilmelde "
                           "dig et andet hold under Tilbud på Min side.", title=title,
                           when=format_local_datetime(offer_session.starts_at, WHEN), reason=reason),
                         registration_state.status_line(reg.status, session_cancelled=True))),
                     "attachments": [calendar_attachment("tilbud.ics", session_ics(offer_session, reg, now))]}
        tell_member(session, reg.member, now, key=f"offer-session-cancelled-{reg.id}",
                    kind="offers.session_cancelled", **words)
    audit.record(session, actor, "offers.session_cancelled", target=offer_session, reason=reason[:200], now=now)
    return offer_session


def _live(session: Session, offer_session: OfferSession, statuses) -> list[OfferRegistration]:
    return list(session.scalars(
        select(OfferRegistration).options(joinedload(OfferRegistration.member))
        .where(OfferRegistration.session_id == offer_session.id, OfferRegistration.status.in_(statuses))
        .execution_options(populate_existing=True)
    ))


# ---------------------------------------------------------------- the staff's lists
def staff_catalogue(session: Session, *, kind: str | None, location_id: int | None, show_inactive: bool,
                    now: datetime) -> tuple[list[Offer], dict[int, dict]]:
    """The staff's offer list (by kind, at a location and online, active only unless asked) with each offer's
    upcoming sessions, seats taken/capacity and waiting list, in three statements."""
    from sqlalchemy import func, or_

    query = select(Offer).order_by(Offer.kind, Offer.title)
    if kind:
        query = query.where(Offer.kind == kind)
    if not show_inactive:
        query = query.where(Offer.active.is_(True))
    if location_id:
        query = query.where(Offer.id.in_(select(OfferSession.offer_id).where(
            or_(OfferSession.location_id == location_id, OfferSession.location_id.is_(None)))))
    offers = list(session.scalars(query))
    if not offers:
        return offers, {}
    where = [OfferSession.offer_id.in_([o.id for o in offers]), OfferSession.status == SessionStatus.OPEN,
             OfferSession.starts_at > now]
    if location_id:
        where.append(or_(OfferSession.location_id == location_id, OfferSession.location_id.is_(None)))
    rows = session.execute(select(OfferSession.offer_id, func.count(), func.min(OfferSession.starts_at),
                                  func.sum(OfferSession.seats_taken), func.sum(OfferSession.capacity))
                           .where(*where).group_by(OfferSession.offer_id)).all()
    waiting = dict(session.execute(
        select(OfferSession.offer_id, func.count()).join(OfferRegistration.offer_session)
        .where(*where, OfferRegistration.status == RegistrationStatus.WAITLISTED)
        .group_by(OfferSession.offer_id)).all())
    stats = {oid: {"sessions": n, "next": first, "taken": int(taken or 0), "capacity": int(cap or 0),
                   "waiting": waiting.get(oid, 0)} for oid, n, first, taken, cap in rows}
    return offers, stats


def offer_sessions(session: Session, offer: Offer, *, past: bool, now: datetime, limit: int = 200
                   ) -> list[OfferSession]:
    """An offer's sessions for the staff: the coming ones soonest first, or the past ones latest first."""
    query = select(OfferSession).options(joinedload(OfferSession.location)).where(OfferSession.offer_id == offer.id)
    query = (query.where(OfferSession.ends_at <= now).order_by(OfferSession.starts_at.desc()) if past
             else query.where(OfferSession.ends_at > now).order_by(OfferSession.starts_at))
    return list(session.scalars(query.limit(limit)))
