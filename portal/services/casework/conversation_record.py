"""Registering a conversation (type, channel, held/no-show, notes, agreements, group decision) and what the
conversation screen suggests (offers); the rest of what the screen shows is read in conversation_screen.py.

Other areas' rules are called, not copied: the booking's outcome (portal.services.booking.booking.register_outcome), the
plan items (portal.services.minside.plan.propose_item), the group decision (portal.services.profiling.override_group) and
the Q2/Q10 answers (portal.services.minside.preparation.record_answers). Everything happens in the caller's transaction;
on any error the view rolls back, so a refused registration leaves nothing behind.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import N_
from portal.i18n import gettext as _
from portal.models import Booking, Member
from portal.models.booking import CONVERSATION_TYPES
from portal.models.casework import (
    CONVERSATION_OUTCOMES,
    ConversationAgreement,
    HeldConversation,
)
from portal.models.members import CHANNELS, TARGET_GROUPS
from portal.models.statuses import BookingStatus, MemberStatus
from portal.services import audit
from portal.services.access import StaffScope, require_edit
from portal.services.errors import ValidationFailed
from portal.services.text_limits import count_text, one_line_breaks
from portal.timeutil import local_to_utc, to_local

# The contact course counts booked conversations (portal.services.booking.contact_course); these types must therefore be
# registered against their booking so the course sees them as held.
COURSE_TYPES = ("cv", "contact_course", "availability", "joint", "focus")
MAX_AGREEMENTS = 10
NOTES_MAX, SUMMARY_MAX, ASSESSMENT_MAX = 10_000, 4_000, 4_000


@dataclass
class AgreementInput:
    text: str = ""
    due_date: str = ""
    right_and_duty: bool = False


@dataclass
class ConversationInput:
    booking_id: int | None = None
    type: str = ""
    channel: str = ""
    outcome: str = BookingStatus.HELD
    held_date: str = ""
    held_time: str = ""
    notes: str = ""
    member_summary: str = ""
    qualitative_assessment: str = ""
    agreements: list[AgreementInput] = field(default_factory=list)
    group_decision: str = ""
    group_comment: str = ""


def input_for(session: Session, member: Member, booking_id: int | None) -> ConversationInput:
    """The empty form, filled from the booking when one is named: its type and channel (the record says how the
    conversation was held, never the member's preferred channel); the caseworker can still change the channel."""
    data = ConversationInput(booking_id=booking_id)
    booking = session.get(Booking, booking_id) if booking_id else None
    if booking is not None and booking.member_id == member.id:
        data.type, data.channel = booking.type, booking.channel
    return data


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def _held_at(data: ConversationInput, booking: Booking | None, now: datetime, errors: dict) -> datetime | None:
    if booking is not None and not data.held_date:
        return booking.starts_at
    day = _parse_day(data.held_date) if data.held_date else to_local(now).date()
    if day is None:
        errors["held_date"] = _("Skriv datoen som fx 2026-11-27.")
        return None
    try:
        hour, minute = (int(p) for p in (data.held_time or to_local(now).strftime("%H:%M")).strip()[:5].split(":"))
        moment = local_to_utc(datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute))
    except ValueError:
        errors["held_time"] = _("Skriv klokkeslættet som fx 10:30.")
        return None
    if moment > now + timedelta(minutes=15):
        errors["held_date"] = _("En samtale kan ikke registreres, før den er holdt.")
    elif moment < now - timedelta(days=60):
        errors["held_date"] = _("Samtalen ligger mere end 60 dage tilbage. Tjek datoen.")
    return moment


def _booking(session: Session, member: Member, data: ConversationInput, errors: dict) -> Booking | None:
    if not data.booking_id:
        return None
    booking = session.get(Booking, data.booking_id)
    if booking is None or booking.member_id != member.id:
        errors["booking_id"] = _("Vælg en af medlemmets bookede samtaler.")
        return None
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.HELD, BookingStatus.NO_SHOW):
        errors["booking_id"] = _("Den valgte samtale er aflyst og kan ikke registreres.")
    elif session.scalar(select(HeldConversation.id).where(HeldConversation.booking_id == booking.id)):
        errors["booking_id"] = _("Den valgte samtale er allerede registreret.")
    return booking


def validate(session: Session, member: Member, data: ConversationInput, *, now: datetime
             ) -> tuple[Booking | None, datetime, list[dict]]:
    """Check the whole form; raise ValidationFailed with every problem (field id → message in the user's language)."""
    from portal.services.minside.plan import validate_item

    errors: dict[str, str] = {}
    booking = _booking(session, member, data, errors)
    if booking is not None and not errors.get("booking_id"):
        data.type = booking.type
        data.channel = data.channel or booking.channel
    if data.type not in CONVERSATION_TYPES:
        errors["type"] = _("Vælg samtaletype.")
    elif data.type in COURSE_TYPES and booking is None and "booking_id" not in errors:
        errors["booking_id"] = _("Vælg den bookede samtale. Lovpligtige samtaler og fokussamtaler registreres på "
                                 "deres booking, så kontaktforløbet kan se dem. Book samtalen først, hvis den "
                                 "ikke står i kalenderen.")
    from portal.services.booking.conversation_types import TYPES

    if not data.channel and data.type in TYPES and len(TYPES[data.type].channels) == 1:
        data.channel = TYPES[data.type].channels[0]  # "Opfølgning pr. telefon" is held by phone: nothing to choose
    if data.channel not in CHANNELS:
        errors["channel"] = _("Vælg samtaleform.")
    if data.outcome not in CONVERSATION_OUTCOMES:
        errors["outcome"] = _("Vælg om samtalen blev holdt, eller om medlemmet udeblev.")
    held_at = _held_at(data, booking, now, errors)
    for name, limit, too_long in (
            ("notes", NOTES_MAX, N_("Noterne er %(length)s tegn; de må højst være %(limit)s.")),
            ("member_summary", SUMMARY_MAX, N_("Referatet er %(length)s tegn; det må højst være %(limit)s.")),
            ("qualitative_assessment", ASSESSMENT_MAX, N_("Vurderingen er %(length)s tegn; den må højst være "
                                                          "%(limit)s."))):
        # A form posts each line break as "\r\n"; the textarea's maxlength counted one character, and so do we.
        value = one_line_breaks(getattr(data, name) or "").strip()
        setattr(data, name, value)
        if len(value) > limit:
            errors[name] = _(too_long, length=count_text(len(value)), limit=count_text(limit))
    agreements = []
    today = to_local(now).date()
    filled = [(i, a) for i, a in enumerate(data.agreements[:MAX_AGREEMENTS], start=1)
              if (a.text or "").strip() or (a.due_date or "").strip()]
    if filled and data.outcome == BookingStatus.NO_SHOW:
        errors[f"agreement-{filled[0][0]}-text"] = _("Der kan ikke laves aftaler, når medlemmet er udeblevet.")
    for i, a in filled:
        due = None
        if (a.due_date or "").strip():
            due = _parse_day(a.due_date)
            if due is None:
                errors[f"agreement-{i}-due"] = _("Aftale %(n)s: skriv fristen som fx 2026-12-15.", n=i)
                continue
        try:
            cleaned = validate_item(kind="agreement", title=a.text, description=None, due_date=due, today=today)
        except ValidationFailed as exc:
            for key, message in exc.errors.items():
                errors[f"agreement-{i}-{'due' if key == 'due_date' else 'text'}"] = _(
                    "Aftale %(n)s: %(message)s", n=i, message=message)
            continue
        agreements.append({"text": cleaned["title"], "due_date": due, "right_and_duty": bool(a.right_and_duty)})
    if data.group_decision and data.group_decision not in TARGET_GROUPS:
        errors["group_decision"] = _("Vælg målgruppe 1, 2a eller 2b.")
    elif data.group_decision and not (data.group_comment or "").strip():
        errors["group_comment"] = _("Skriv en begrundelse for målgruppen. Den gemmes ved siden af profileringens "
                                    "forslag.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return booking, held_at, agreements


def record_conversation(session: Session, scope: StaffScope, member: Member, data: ConversationInput, *,
                        now: datetime) -> HeldConversation:
    """Register one conversation and everything it decided; a held one gets a draft summary."""
    from portal.services.booking import booking as booking_service
    from portal.services.casework import caseload, summary
    from portal.services.minside import plan

    require_edit(scope, member)
    booking, held_at, agreements = validate(session, member, data, now=now)
    if booking is not None and booking.status != data.outcome:
        booking_service.register_outcome(session, booking, outcome=data.outcome, actor=scope.user, now=now)
    conversation = HeldConversation(
        member_id=member.id, caseworker_id=scope.caseworker.id if scope.caseworker else None,
        booking_id=booking.id if booking else None, type=data.type, channel=data.channel, outcome=data.outcome,
        held_at=held_at, notes=(data.notes or "").strip() or None,
        member_summary=(data.member_summary or "").strip() or None,
        qualitative_assessment=(data.qualitative_assessment or "").strip() or None,
        group_decision=data.group_decision or None,
        group_comment=(data.group_comment or "").strip() or None if data.group_decision else None,
        created_by_user_id=scope.user.id, created_at=now,
    )
    session.add(conversation)
    session.flush()
    for position, a in enumerate(agreements, start=1):
        item = plan.propose_item(session, member, kind="agreement", title=a["text"], due_date=a["due_date"],
                                 right_and_duty=a["right_and_duty"], actor=scope.user, now=now)
        conversation.agreements.append(ConversationAgreement(position=position, text=a["text"],
                                                             due_date=a["due_date"],
                                                             right_and_duty=a["right_and_duty"],
                                                             plan_item_id=item.id))
    if data.group_decision:
        decide_group(session, scope, member, group=data.group_decision, comment=data.group_comment, now=now)
    session.flush()
    audit.record(session, scope.user, "conversation.recorded", member_id=member.id, target=conversation, now=now,
                 detail={"type": data.type, "outcome": data.outcome, "booking_id": conversation.booking_id,
                         "agreements": len(agreements), "group_decision": data.group_decision or None})
    if data.outcome == BookingStatus.HELD:
        summary.create_draft(session, conversation, today=to_local(now).date(), now=now)
    caseload.refresh_next_steps(session, [member], to_local(now).date())
    return conversation


def decide_group(session: Session, scope: StaffScope, member: Member, *, group: str, comment: str,
                 now: datetime):
    """The caseworker's group decision, through the profiling area's rule (comment required, history kept)."""
    require_edit(scope, member)
    from portal.services.profiling import override_group

    try:
        return override_group(session, member, group=group, comment=comment, actor=scope.user, now=now)
    except ValidationFailed as exc:
        rename = {"comment": "group_comment", "group": "group_decision"}
        errors = {rename.get(key, key): message for key, message in (exc.errors or {}).items()}
        raise ValidationFailed(exc.message, errors=errors or {"group_comment": exc.message}) from None


def record_preparation_answers(session: Session, scope: StaffScope, member: Member, *, q2: str,
                               q10_has_barriers: bool | None, q10_barriers: list[str], now: datetime):
    """The caseworker records the member's Q2/Q10 answers during the CV conversation (the Min side rule)."""
    from portal.services.minside import preparation

    require_edit(scope, member)
    return preparation.record_answers(session, member, q2=q2, q10_has_barriers=q10_has_barriers,
                                      q10_barriers=q10_barriers, actor=scope.user, now=now)


def registrable_bookings(session: Session, member: Member, *, now: datetime) -> list[Booking]:
    """The member's bookings a caseworker can register: not cancelled, started, not registered yet (newest first,
    at most 20)."""
    registered = select(HeldConversation.booking_id).where(HeldConversation.booking_id.is_not(None))
    return list(session.scalars(
        select(Booking).where(Booking.member_id == member.id,
                              Booking.status.in_((BookingStatus.BOOKED, BookingStatus.HELD, BookingStatus.NO_SHOW)),
                              Booking.starts_at <= now, Booking.id.not_in(registered))
        .order_by(Booking.starts_at.desc()).limit(20)))


# ---------------------------------------------------------------- suggested offers
@dataclass(frozen=True)
class Suggestion:
    key: str
    title: str
    why: str


def suggested_offers(member: Member, *, group: str | None, barriers: list[str] | None,
                     q2: str | None = None, fvu_city: bool = True, group_proposed: bool = False) -> list[Suggestion]:
    """Offers to suggest at the conversation, derived from the target group and the Q2/Q10 answers.

    DOMAIN.md "Offers": reading/spelling problems → an FVU test; group 2 → the two focus conversations and the
    webinars; a job goal outside FOA's fields (2b, brancheskifter) → the change-of-trade webinar; lacking IT
    skills → IT café / digital tools; everyone → FOA JobMatch and job search advice.
    group_proposed: the group is the profiling's proposal, not yet decided (the reasons say so).
    """
    barriers = set(barriers or [])
    out: list[Suggestion] = []
    group_2 = (_("Målgruppe 2 (som profileringen foreslår; ikke fastlagt endnu)") if group_proposed
               else _("Målgruppe 2"))
    if "reading_spelling" in barriers or "language" in barriers:
        where = _("hos AOF i din by") if fvu_city else _("hos AOF i nærmeste større by")
        out.append(Suggestion("fvu_test", _("FVU-test (læsning, stavning, regning)"),
                              _("Svar på spørgsmål 10 peger på læse-/stave- eller sprogvanskeligheder; FVU "
                                "%(where)s.", where=where)))
    if group in ("2a", "2b"):
        if member.status == MemberStatus.LEDIG:  # the focus conversations belong to the contact course
            out.append(Suggestion("focus", _("2 fokussamtaler"),
                                  _("%(group)s har ret til to fokussamtaler – fremmøde, telefon eller video.",
                                    group=group_2)))
        out.append(Suggestion("webinar_job", _("Webinarer: Sådan finder du dit nye job · Sådan søger du jobbet · "
                                               "Sådan går du til samtale"),
                              _("Ekstra tilbud til %(group)s.", group=group_2[:1].lower() + group_2[1:])))
    if group == "2b" or not member.trade_inside_foa:
        out.append(Suggestion("webinar_change",
                              _("Webinar: Kan jeg blive i mit fag – eller skal jeg prøve noget nyt?"),
                              _("Jobmålet ligger uden for FOA's fag (brancheskifte).")))
    if "it_skills" in barriers:
        out.append(Suggestion("it", _("IT-café og hjælp til Jobnet, FOA Job og jobagenter"),
                              _("Svar på spørgsmål 10: manglende IT-færdigheder.")))
    if member.status == MemberStatus.OPSAGT:
        out.append(Suggestion("notice", _("Kurser i opsigelsesperioden (fx 6 ugers jobrettet uddannelse)"),
                              _("Opsagt medlem: brug opsigelsesperioden – evt. tryghedspuljen.")))
    if q2 in ("more_than_6_months", "dont_know") and group == "1":
        out.append(Suggestion("followup", _("Tættere opfølgning pr. telefon/video"),
                              _("Medlemmet forventer selv, at det tager tid at finde job (spørgsmål 2).")))
    out.append(Suggestion("jobmatch", _("FOA JobMatch og jobagent i FOA Job"), _("Tilbud til alle.")))
    return out
