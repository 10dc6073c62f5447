"""A member's own CV in FOA JobMatch (Min side), its mark O, and the job agent that e-mails new matching job orders.

The CV is what the matching in portal/services/casework/jobmatch.py reads where a member has one: job goals, certificates,
hours wanted and area (docs/caseworker.md, "JobMatch CV"). Mark O (opsagt) is never chosen by the member: it follows the member's
status "opsagt" (DOMAIN.md "Dismissed members"). The job agent sends each matching job order once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.database import prepared
from portal.i18n import N_
from portal.models import Caseworker, Consent, Member, ServiceLocation, User
from portal.models.casework import JobOrder
from portal.models.jobmatch import CERTIFICATES, HOURS_WANTED, JobmatchCv
from portal.models.statuses import MemberStatus
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.errors import Conflict, ValidationFailed
from portal.services.jobcentre import municipalities
from portal.services.messaging import notifications
from portal.services.minside_i18n import _, _l
from portal.services.text_limits import has_control_characters, one_line_breaks

JOB_GOALS_MAX = 500
EDUCATION_MAX = 1000
EXPERIENCE_ROWS = 8
EXPERIENCE_TEXT_MAX = 120
MUNICIPALITIES_MAX = 10
FULL_TIME_HOURS = 30  # a job order of at least this many hours a week is full time (37 is the norm)
CERTIFICATE_LABELS = {
    "sosu_assistant_autorisation": _l("Social- og sundhedsassistent med autorisation"),
    "sosu_hjaelper": _l("Social- og sundhedshjælper (uddannet)"),
    "paedagogisk_assistent": _l("Pædagogisk assistent (PAU)"),
    "foerstehjaelp": _l("Førstehjælpsbevis"),
    "medicingivning": _l("Kursus i medicingivning"),
    "forflytning": _l("Forflytningskursus"),
    "hygiejne": _l("Hygiejnekursus"),
}
HOURS_LABELS = {"full": _l("Fuld tid"), "part": _l("Deltid"), "any": _l("Fuld tid eller deltid")}
MARK_O_TEXT = _l("Mærket O betyder, at du er opsagt og stadig er i din opsigelsesperiode. Arbejdsgivere og FOA's "
                 "jobformidlere kan se, at du kan starte i nyt job, når opsigelsen udløber – eller før, hvis du "
                 "aftaler det med din arbejdsgiver. Mærket sættes automatisk ud fra din status hos os.")
# Words in a job order that ask for SOSU authorisation (Styrelsen for Patientsikkerhed's register).
_AUTHORISATION = re.compile(r"autori[sz]a", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{1,6}")  # ASCII digits only ("²".isdigit() is true), and never a 100,000-digit int


@dataclass
class CvInput:
    job_goals: str = ""
    experience: list[dict] = field(default_factory=list)  # {"title", "employer", "years"} as typed
    education: str = ""
    certificates: list[str] = field(default_factory=list)
    driving_licence: bool = False
    hours_wanted: str = "any"
    hours_per_week: str = ""
    municipalities: list[str] = field(default_factory=list)
    radius_km: str = ""
    visible_to_employers: bool = False


def has_mark_o(member: Member) -> bool:
    """Mark O as the member, employers and job brokers see it: dismissed and in the notice period (status "opsagt").

    Computed from the status on every read, so it goes the moment the member register's bulk update makes her
    "ledig" or "i_job". The stored `member.mark_o` is not this: it records that she was registered in JobMatch as
    dismissed (kept for the steering group's dismissed segment, portal/services/steering/kpi_measures.py) and,
    while she is opsagt, that she may be matched (portal/services/casework/jobmatch.py).
    """
    return member.status == MemberStatus.OPSAGT


@prepared
def _cv_of_member():
    return select(JobmatchCv).where(JobmatchCv.member_id == bindparam("member_id"))


def get_cv(session: Session, member: Member) -> JobmatchCv | None:
    return session.scalar(_cv_of_member(), {"member_id": member.id})


def cvs_for(session: Session, member_ids) -> dict[int, JobmatchCv]:
    ids = list(member_ids)
    if not ids:
        return {}
    return {cv.member_id: cv for cv in session.scalars(select(JobmatchCv).where(JobmatchCv.member_id.in_(ids)))}


# ---------------------------------------------------------------- validation
def _text(value, field_name: str, label: str, limit: int, errors: dict, *, required: bool = False) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field_name] = _("%(label)s skal være tekst.", label=label)
        return None
    value = one_line_breaks(value).strip()
    if required and not value:
        errors[field_name] = _("Skriv %(label)s.", label=label.lower())
    elif has_control_characters(value):  # the same characters everywhere (portal/services/text_limits.py)
        errors[field_name] = _("%(label)s indeholder usynlige styretegn, som ikke kan gemmes. Skriv teksten igen.",
                               label=label)
    elif len(value) > limit:
        errors[field_name] = _("%(label)s må højst være %(n)d tegn.", label=label, n=limit)
    return value or None


class _NotWhole(ValueError):
    pass


def _whole(value, low: int, high: int) -> int | None:
    """An int in [low, high] from a form value; None for empty; _NotWhole for anything else."""
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    if not text:
        return None
    if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise _NotWhole(text[:10])
    return int(text)


def _number(value, low: int, high: int, field_name: str, message: str, errors: dict) -> int | None:
    try:
        return _whole(value, low, high)
    except _NotWhole:
        errors[field_name] = message
        return None


def validate_cv(data: CvInput) -> dict:
    """Check the CV form; returns the column values or raises ValidationFailed with every problem (field → text)."""
    errors: dict[str, str] = {}
    values: dict = {"job_goals": _text(data.job_goals, "job_goals", _("Jobmål"), JOB_GOALS_MAX, errors,
                                       required=True),
                    "education": _text(data.education, "education", _("Uddannelse"), EDUCATION_MAX, errors)}
    rows = data.experience if isinstance(data.experience, list) else []
    experience = []
    for i, row in enumerate(rows[:EXPERIENCE_ROWS + 1]):
        row = row if isinstance(row, dict) else {}
        title = _text(row.get("title"), f"experience_{i}_title", _("Stilling"), EXPERIENCE_TEXT_MAX, errors)
        employer = _text(row.get("employer"), f"experience_{i}_employer", _("Arbejdsplads"), EXPERIENCE_TEXT_MAX,
                         errors)
        years = _number(row.get("years"), 0, 50, f"experience_{i}_years",
                        _("Antal år skal være et helt tal mellem 0 og 50."), errors)
        if not title and not employer and years is None:
            continue
        if not title:
            errors.setdefault(f"experience_{i}_title", _("Skriv stillingen for hver erfaring, du har udfyldt."))
        experience.append({"title": title or "", "employer": employer or "", "years": years})
    if len(experience) > EXPERIENCE_ROWS:
        errors["experience"] = _("Du kan højst skrive %(n)d erfaringer.", n=EXPERIENCE_ROWS)
    values["experience"] = experience
    certificates = list(dict.fromkeys(data.certificates or []))
    if any(c not in CERTIFICATES for c in certificates):
        errors["certificates"] = _("Vælg beviser fra listen.")
    values["certificates"] = [c for c in certificates if c in CERTIFICATES]
    values["driving_licence"] = bool(data.driving_licence)
    if data.hours_wanted not in HOURS_WANTED:
        errors["hours_wanted"] = _("Vælg fuld tid, deltid eller begge dele.")
    values["hours_wanted"] = data.hours_wanted
    values["hours_per_week"] = _number(data.hours_per_week, 1, 48, "hours_per_week",
                                       _("Timer pr. uge skal være et helt tal mellem 1 og 48."), errors)
    codes = []
    for raw in data.municipalities or []:
        code = _number(raw, 101, 999, "municipalities", _("Vælg kommuner fra listen."), errors)
        if code is not None and municipalities.get(code) is None:
            errors["municipalities"] = _("Vælg kommuner fra listen.")
        if "municipalities" in errors:
            break
        if code is not None:
            codes.append(code)
    codes = list(dict.fromkeys(codes))
    if len(codes) > MUNICIPALITIES_MAX:
        errors["municipalities"] = _("Vælg højst %(n)d kommuner.", n=MUNICIPALITIES_MAX)
    values["municipalities"] = codes
    values["radius_km"] = _number(data.radius_km, 1, 200, "radius_km",
                                  _("Afstanden skal være et helt antal km mellem 1 og 200."), errors)
    values["visible_to_employers"] = bool(data.visible_to_employers)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return values


# ---------------------------------------------------------------- state changes
def save_cv(session: Session, member: Member, data: CvInput, *, actor: Actor, now: datetime) -> JobmatchCv:
    """Create or replace the member's CV (all fields or nothing); sets mark O for a dismissed member."""
    values = validate_cv(data)
    cv = get_cv(session, member)
    created = cv is None
    if cv is None:
        cv = JobmatchCv(member_id=member.id, job_agent=False, created_at=now)
        session.add(cv)
    changed = sorted(k for k, v in values.items() if getattr(cv, k, None) != v)
    for key, value in values.items():
        setattr(cv, key, value)
    cv.updated_at = now
    if member.status == MemberStatus.OPSAGT and not member.mark_o:
        member.mark_o = True
        member.updated_at = now
    session.flush()
    audit.record(session, actor, "jobmatch.cv_created" if created else "jobmatch.cv_updated", member_id=member.id,
                 target=cv, detail={"fields": changed}, now=now)
    return cv


def set_job_agent(session: Session, member: Member, on: bool, *, actor: Actor, now: datetime) -> JobmatchCv:
    """Switch the job agent on (orders created from now on are news) or off (no further e-mails, at once)."""
    cv = get_cv(session, member)
    if cv is None:
        raise Conflict(_("Udfyld dit CV først. Jobagenten finder job ud fra dit CV."))
    if cv.job_agent == on:
        return cv
    cv.job_agent = on
    cv.job_agent_since = now if on else None
    cv.updated_at = now
    audit.record(session, actor, "jobmatch.agent_on" if on else "jobmatch.agent_off", member_id=member.id,
                 target=cv, now=now)
    return cv


def read_for_staff(session: Session, staff_user: User, member: Member, *, now: datetime) -> JobmatchCv | None:
    """The CV for the caseworker's screen; the read is audited (personal data shown to staff)."""
    cv = get_cv(session, member)
    record_staff_read(session, staff_user, member, cv, now=now)
    return cv


def record_staff_read(session: Session, staff_user: User, member: Member, cv: JobmatchCv | None, *,
                      now: datetime) -> None:
    """Audit that staff were shown the member's CV (none shown, nothing to audit): `read_for_staff`, or a caller
    that read the CV with other rows (the conversation screen)."""
    if cv is not None:
        audit.record(session, staff_user, "jobmatch.cv_viewed", member_id=member.id, target=cv, now=now)


def request_cv_via_chat(session: Session, member: Member, *, text_shown: str, now: datetime) -> list[int]:
    """The chatbot's "put my CV in JobMatch": consent, mark O for the dismissed, and a task for caseworkers.

    Returns the user ids told. The member can fill the CV themselves on Min side; the caseworker finishes it.
    """
    from portal.services.minside.consent import give_consent

    active = session.scalar(select(Consent.id).where(Consent.member_id == member.id, Consent.purpose == "jobmatch_cv",
                                                     Consent.withdrawn_at.is_(None)).limit(1))
    if active is None:
        give_consent(session, purpose="jobmatch_cv", source="chatbot", actor=SystemActor.CHATBOT, now=now,
                     member_id=member.id, text_shown=text_shown)
    if has_mark_o(member) and not member.mark_o:  # registered as dismissed; never unset (the history of it)
        member.mark_o = True
        member.updated_at = now
    if member.caseworker_id:
        users = [member.caseworker.user]
    else:  # the users in one query: each is written to in their language
        users = list(session.scalars(select(User).join(Caseworker, Caseworker.user_id == User.id).where(
            Caseworker.location_id == member.location_id).order_by(Caseworker.id).limit(20)))
    for user in users:
        notifications.notify_in_language(
            session, user, N_("Opret CV i FOA JobMatch for %(name)s (%(number)s), bestilt i chatten"),
            name=member.full_name, number=member.member_number,
            link=f"/sagsbehandler/medlem/{member.member_number}#cv", now=now)
    audit.record(session, SystemActor.CHATBOT, "jobmatch.cv_requested", member_id=member.id, target=member, now=now)
    return [user.id for user in users]


# ---------------------------------------------------------------- matching against the CV
def order_municipality(location: ServiceLocation | None) -> int | None:
    return municipalities.LOCATION_MUNICIPALITY.get(location.name) if location is not None else None


def area_fits(cv: JobmatchCv, member: Member, location: ServiceLocation | None) -> bool | None:
    """Whether the order's place lies in the CV's area; None when the CV names no area (fall back to distance)."""
    if not cv.municipalities and not cv.radius_km:
        return None
    if location is None:
        return False
    if order_municipality(location) in (cv.municipalities or []):
        return True
    # The radius is measured from the home municipality's centre; without one, from the member's service location.
    home = municipalities.get(member.municipality_code) or member.location
    if cv.radius_km and home is not None:
        km = municipalities.distance_km(home.latitude, home.longitude, location.latitude, location.longitude)
        return km <= cv.radius_km
    return False


def hours_fit(cv: JobmatchCv, order: JobOrder) -> bool:
    if order.hours_per_week is None or cv.hours_wanted == "any":
        return True
    if cv.hours_wanted == "full":
        return order.hours_per_week >= FULL_TIME_HOURS
    wanted = cv.hours_per_week or FULL_TIME_HOURS - 1
    return order.hours_per_week <= wanted + 4  # part time: up to a few hours more than asked for


def needs_authorisation(order: JobOrder) -> bool:
    return bool(_AUTHORISATION.search(f"{order.title} {order.description or ''}"))
