"""FVU course feedback: after each FVU course the a-kasse is told each member's situation (application §2.1.3).

Three ways in, one rule set: staff record it on the session's check-in list (`record_by_staff`); the scheduler job
e-mails the provider one signed, single-use, expiring form link per participant after the course
(`send_feedback_requests`), and the provider's answer is stored through `record_by_provider`. The caseworker's
screen shows `latest_for_member`. Functions change the session and write the audit log and the outbox; the caller
(view, job, CLI) commits. Invalid input raises ValidationFailed with every problem by field, before anything is
written.

The link is made and read by portal/services/link_tokens.py, as the sign-in link is (salt `SALT`), only its
SHA-256 stored, used once by a conditional UPDATE (two tabs submitting at once store one answer).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from portal.database import prepared
from portal.i18n import N_
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Member, User
from portal.models.fvu_feedback import FVU_OUTCOMES, FvuFeedback, FvuFeedbackLink
from portal.models.offers import FVU_MAX_HOURS, Offer, OfferRegistration, OfferSession
from portal.models.statuses import RegistrationStatus, SessionStatus
from portal.services import audit, link_tokens
from portal.services.actors import SystemActor
from portal.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.services.links import external_url
from portal.services.messaging import outbox
from portal.services.messaging.email_render import render_email
from portal.services.text_limits import has_control_characters, one_line_breaks

VALID_FOR = timedelta(days=21)  # the provider answers within three weeks of the course's end
LOOK_BACK = timedelta(days=14)  # courses that ended longer ago are not asked about (e.g. back-filled sessions)
SALT = "portal.fvu-feedback-link"
SITUATION_MIN, SITUATION_MAX = 5, 2000
# Who took part in a course: registrations that held a seat when it ended (a no-show may have dropped out).
PARTICIPANT_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW)
OUTCOME_LABELS = {"completed": _l("Gennemført"), "dropped_out": _l("Stoppet undervejs"),
                  "continuing": _l("Fortsætter")}
SOURCE_LABELS = {"staff": _l("Medarbejder"), "provider": _l("Udbyderen via link")}

# Danish source strings (N_): the public form page shows them in its language.
LINK_INVALID = N_("Linket til tilbagemeldingen virker ikke. Tjek, at hele linket er kopieret.")
LINK_USED = N_("Tilbagemeldingen for denne deltager er allerede sendt. Tak. Kontakt FOA A-kasse, hvis noget skal "
               "rettes.")
LINK_EXPIRED = N_("Linket er udløbet. Kontakt FOA A-kasse, så registrerer vi tilbagemeldingen.")


class LinkUsed(Conflict):
    code = "fvu_link_used"


class LinkExpired(Conflict):
    code = "fvu_link_expired"
    status = 410


@dataclass(frozen=True)
class FeedbackInput:
    outcome: str
    hours_attended: Decimal
    situation: str


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


# -- input ------------------------------------------------------------------------------------------------------

def parse_feedback(data, registration: OfferRegistration) -> FeedbackInput:
    """Clean the form's values; ValidationFailed names every problem by field (outcome, hours, situation)."""
    errors: dict[str, str] = {}
    outcome = str(data.get("outcome") or "").strip()
    if outcome not in FVU_OUTCOMES:
        errors["outcome"] = _("Vælg om medlemmet har gennemført, er stoppet undervejs eller fortsætter.")
    limit = hours_limit(registration)
    raw_hours = str(data.get("hours") or "").strip().replace(",", ".")
    hours = None
    try:
        hours = Decimal(raw_hours).quantize(Decimal("0.1")) if raw_hours else None
    except (InvalidOperation, ValueError):
        pass
    if hours is None or not hours.is_finite():
        errors["hours"] = _("Skriv antal timer medlemmet har deltaget, som et tal, fx 37,5.")
    elif not 0 <= hours <= limit:
        errors["hours"] = _("Antal timer skal være mellem 0 og %(limit)s.", limit=limit)
    situation = one_line_breaks(str(data.get("situation") or "")).strip()
    if has_control_characters(situation):
        errors["situation"] = _("%(label)s indeholder usynlige styretegn, som ikke kan gemmes. Skriv teksten igen.",
                                label=_("Situationen"))
    elif len(situation) < SITUATION_MIN:
        errors["situation"] = _("Skriv medlemmets situation og næste skridt (mindst %(n)s tegn).", n=SITUATION_MIN)
    elif len(situation) > SITUATION_MAX:
        errors["situation"] = _("Situationen må højst være %(n)s tegn.", n=SITUATION_MAX)
    if errors:
        raise ValidationFailed(_("Tilbagemeldingen er ikke gemt. Ret felterne herunder."), errors=errors)
    return FeedbackInput(outcome=outcome, hours_attended=hours, situation=situation)


def hours_limit(registration: OfferRegistration) -> int:
    return offer_hours_limit(registration.offer_session.offer)


def offer_hours_limit(offer: Offer) -> int:
    """At most the course's planned hours, and never more than 60 (FVU courses are "op til 60 timer")."""
    return min(offer.course_hours or FVU_MAX_HOURS, FVU_MAX_HOURS)


def is_fvu_course(registration: OfferRegistration) -> bool:
    return registration.offer_session.offer.kind == "fvu_course"


def can_receive_feedback(registration: OfferRegistration, now: datetime) -> bool:
    """A participant of an FVU course that has begun (feedback may come at the end or when someone stops)."""
    offer_session = registration.offer_session
    return (is_fvu_course(registration) and registration.status in PARTICIPANT_STATUSES
            and offer_session.status == SessionStatus.OPEN and offer_session.starts_at <= now)


def _require_open_for_feedback(registration: OfferRegistration, now: datetime) -> None:
    if not is_fvu_course(registration):
        raise Conflict(_("Tilbagemelding gives kun for FVU-kurser."))
    if not can_receive_feedback(registration, now):
        raise Conflict(_("Tilbagemelding kan gives, når kurset er begyndt, for medlemmer der har deltaget."))


def _add(session: Session, registration: OfferRegistration, data: FeedbackInput, *, now: datetime,
         source: str, user: User | None = None, link: FvuFeedbackLink | None = None) -> FvuFeedback:
    feedback = FvuFeedback(registration_id=registration.id, member_id=registration.member_id, outcome=data.outcome,
                           hours_attended=data.hours_attended, situation=data.situation, source=source,
                           recorded_by_user_id=user.id if user else None, link_id=link.id if link else None,
                           recorded_at=now)
    session.add(feedback)
    session.flush()
    return feedback


# -- staff -------------------------------------------------------------------------------------------------------

def record_by_staff(session: Session, registration: OfferRegistration, data, *, actor: User,
                    now: datetime) -> FvuFeedback:
    """Staff record (or correct: a new row) the provider's feedback on one participant."""
    if not isinstance(actor, User) or actor.role not in ("caseworker", "admin"):
        raise NotAllowed(_("Kun sagsbehandlere og administratorer kan gøre dette."))
    _require_open_for_feedback(registration, now)
    cleaned = parse_feedback(data, registration)
    feedback = _add(session, registration, cleaned, now=now, source="staff", user=actor)
    audit.record(session, actor, "fvu.feedback_recorded", member_id=registration.member_id, target=feedback,
                 detail={"registration_id": registration.id, "outcome": cleaned.outcome,
                         "hours": str(cleaned.hours_attended), "source": "staff"}, now=now)
    return feedback


# -- the provider's link -----------------------------------------------------------------------------------------

def participants_to_ask(session: Session, *, now: datetime) -> list[OfferRegistration]:
    """Participants of FVU courses that ended within LOOK_BACK and whose provider has not been asked yet."""
    return list(session.scalars(
        select(OfferRegistration)
        .join(OfferRegistration.offer_session).join(OfferSession.offer)
        .outerjoin(FvuFeedbackLink, FvuFeedbackLink.registration_id == OfferRegistration.id)
        .options(joinedload(OfferRegistration.member),
                 joinedload(OfferRegistration.offer_session).joinedload(OfferSession.offer),
                 joinedload(OfferRegistration.offer_session).joinedload(OfferSession.location))
        .where(Offer.kind == "fvu_course", OfferSession.status == SessionStatus.OPEN, OfferSession.ends_at <= now,
               OfferSession.ends_at > now - LOOK_BACK, OfferRegistration.status.in_(PARTICIPANT_STATUSES),
               FvuFeedbackLink.id.is_(None))
        .order_by(OfferSession.ends_at, OfferRegistration.id)
    ).unique())


def create_link(session: Session, registration: OfferRegistration, *, to_address: str, secret: str,
                now: datetime) -> str:
    """One link row and its e-mail to the provider, in the caller's transaction; returns the link.

    A second call for the same participation is refused by the unique registration_id (IntegrityError) and the
    outbox's idempotency key: the provider is never asked twice.
    """
    token, token_hash = link_tokens.new_token(secret, SALT)
    row = FvuFeedbackLink(registration_id=registration.id, token_hash=token_hash, to_address=to_address,
                          created_at=now, expires_at=now + VALID_FOR)
    session.add(row)
    session.flush()
    link = external_url("fvu_feedback.provider_form", token=token)
    offer_session = registration.offer_session
    mail = render_email("fvu_feedback_request", "da", registration=registration, member=registration.member,
                        offer=offer_session.offer, offer_session=offer_session, link=link,
                        expires_at=row.expires_at)
    outbox.enqueue(session, idempotency_key=f"fvu-feedback:registration:{registration.id}",
                   kind="fvu_feedback_request", to_address=to_address, subject=mail.subject, body_text=mail.text,
                   body_html=mail.html, member_id=registration.member_id, now=now)
    return link


def send_feedback_requests(session: Session, *, now: datetime, secret: str, to_address: str | None) -> dict:
    """The job: one e-mail with a form link per participant of each FVU course that has ended. Without the
    provider's address (PORTAL_FVU_PROVIDER_EMAIL) nothing is sent and the participants wait."""
    due = participants_to_ask(session, now=now)
    if not to_address:
        return {"queued": 0, "waiting_for_address": len(due)}
    for registration in due:  # the job's run is audited once, with these counts (scheduling/jobs.py run_job)
        create_link(session, registration, to_address=to_address, secret=secret, now=now)
    return {"queued": len(due), "waiting_for_address": 0}


def link_from_token(session: Session, token: str, *, secret: str, now: datetime) -> FvuFeedbackLink:
    """The open link a token names. NotFound (forged, mangled, unknown), LinkUsed or LinkExpired otherwise;
    the messages are Danish source strings (N_) for the page to translate."""
    token_hash = link_tokens.stored_hash(token, secret, SALT)
    if token_hash is None:
        raise NotFound(LINK_INVALID)
    row = session.scalar(select(FvuFeedbackLink).options(
        joinedload(FvuFeedbackLink.registration).joinedload(OfferRegistration.member))
        .where(FvuFeedbackLink.token_hash == token_hash))
    if row is None:
        raise NotFound(LINK_INVALID)
    if row.used_at is not None:
        raise LinkUsed(LINK_USED)
    if now >= row.expires_at:
        raise LinkExpired(LINK_EXPIRED)
    return row


def record_by_provider(session: Session, token: str, data, *, secret: str, now: datetime) -> FvuFeedback:
    """The provider's answer through the link: validated first, then the link is claimed (once) and the row added,
    in the caller's transaction. NotFound / LinkUsed / LinkExpired / ValidationFailed write nothing."""
    row = link_from_token(session, token, secret=secret, now=now)
    registration = row.registration
    cleaned = parse_feedback(data, registration)
    claimed = session.execute(update(FvuFeedbackLink)
                              .where(FvuFeedbackLink.id == row.id, FvuFeedbackLink.used_at.is_(None))
                              .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise LinkUsed(LINK_USED)
    feedback = _add(session, registration, cleaned, now=now, source="provider", link=row)
    audit.record(session, SystemActor.FVU_LINK, "fvu.feedback_recorded", member_id=registration.member_id,
                 target=feedback,
                 detail={"registration_id": registration.id, "outcome": cleaned.outcome,
                         "hours": str(cleaned.hours_attended), "source": "provider"}, now=now)
    return feedback


# -- reading -----------------------------------------------------------------------------------------------------

def latest_for_member(session: Session, member: Member) -> FvuFeedback | None:
    """The member's latest FVU feedback (the caseworker's screen; that read is audited as the file opening)."""
    return session.scalar(_latest_of_member(), {"member_id": member.id})


@prepared
def _latest_of_member():
    return (select(FvuFeedback)
            .options(joinedload(FvuFeedback.registration).joinedload(OfferRegistration.offer_session)
                     .joinedload(OfferSession.offer), joinedload(FvuFeedback.recorded_by))
            .where(FvuFeedback.member_id == bindparam("member_id"))
            .order_by(FvuFeedback.recorded_at.desc(), FvuFeedback.id.desc()).limit(1))


def latest_by_registration(session: Session, registration_ids: list[int]) -> dict[int, FvuFeedback]:
    """The latest feedback per registration, for the check-in list (one query)."""
    if not registration_ids:
        return {}
    rows = session.scalars(
        select(FvuFeedback).where(FvuFeedback.registration_id.in_(registration_ids))
        .order_by(FvuFeedback.recorded_at, FvuFeedback.id))
    return {row.registration_id: row for row in rows}  # later rows overwrite earlier ones

