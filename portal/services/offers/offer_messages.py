"""What a member is told about their offer seats: the e-mail (outbox, same transaction), the line on Min side and
the calendar invitation.

Registration (portal/services/offers/offers.py), the waiting list (waitlist.py) and staff edits (offer_editing.py) all
tell the member through here; this module imports none of them.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime

from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.i18n import format_local_datetime
from portal.models import Member
from portal.models.offers import OfferRegistration, OfferSession
from portal.models.statuses import RegistrationStatus, SessionStatus
from portal.services.booking.ics import Invitation, build_ics, calendar_attachment
from portal.services.messaging import notifications, outbox
from portal.services.minside_i18n import _
from portal.services.offers import registration_state
from portal.timeutil import local_today, to_local

WHEN = "dd.MM.y 'kl.' HH:mm"  # "03.12.2026 kl. 10:00"; "… at 10:00" in English (portal.i18n)


def session_when(offer_session: OfferSession) -> str:
    """The session's start as the member reads it in a message."""
    return format_local_datetime(offer_session.starts_at, WHEN)


_MONTH = re.compile(r"M{3,4}")


def page_when(value: datetime, pattern: str, today: date | None = None, language: str | None = None) -> str:
    """`value` with a Danish-style `pattern` naming day and month but no year ("d. MMM 'kl.' HH:mm"), the year
    added after the month when it is not this year's: a session next January, seen in December, says so.
    A page writing many gives `today` and `language` (default: the current one) once."""
    if to_local(value).year != (today or local_today()).year:
        pattern = _MONTH.sub(lambda m: f"{m.group()} y", pattern, count=1)
    return format_local_datetime(value, pattern, language)


def place_text(offer_session: OfferSession) -> str:
    """Where the session is, as every message and the calendar invitation say it: "Online"; the venue staff wrote
    (address and room: "AOF Odense", "FOA Odense, mødelokale 1") with the town added only when the venue does not
    name it; "FOA <town>" when there is no venue (the a-kasse's own office there)."""
    if offer_session.location_id is None:
        return _("Online")
    town = offer_session.location.name if offer_session.location else ""
    venue = (offer_session.venue or "").strip()
    if not venue:
        return f"FOA {town}" if town else ""
    if town and town.casefold() not in venue.casefold():
        return f"{venue}, {town}"
    return venue


def language_of(member: Member) -> str:
    """The language messages to `member` are written in: their correspondence language, else their account's,
    else Danish."""
    language = member.language if member.language in ("da", "en") else None
    if language is None and member.user is not None:
        language = member.user.locale if member.user.locale in ("da", "en") else None
    return language or "da"


def in_language_of(member: Member) -> AbstractContextManager:
    """Write a message to `member` in their language (their correspondence language), whoever's action or job
    causes it: everything built inside (gettext, dates, the .ics) is in it."""
    return force_locale(language_of(member))


def session_ics(offer_session: OfferSession, registration: OfferRegistration, now: datetime) -> bytes:
    """An iCalendar invitation for the member's seat; CANCEL once the seat or the session is cancelled."""
    cancelled = offer_session.status == SessionStatus.CANCELLED or registration.status in (
        RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED, RegistrationStatus.EXPIRED)
    offer = offer_session.offer
    description = offer.description or ""
    if offer_session.online_link:
        description = f"{description}\n\n{_('Link')}: {offer_session.online_link}".strip()
    invitation = Invitation(
        uid=f"offer-registration-{registration.id}@portal.foa.dk",
        sequence=(registration.sequence or 0) + (offer_session.sequence or 0),
        starts_at=offer_session.starts_at, ends_at=offer_session.ends_at, summary=offer.title,
        description=description, location=place_text(offer_session), url=offer_session.online_link,
        attendee_email=registration.member.email, attendee_name=registration.member.full_name,
    )
    return build_ics(invitation, method="CANCEL" if cancelled else "REQUEST", now=now)


def tell_member(session: Session, member: Member, now: datetime, *, key: str, kind: str, subject: str, text: str,
                note: str | None = None, link: str | None = "/tilbud/mine",
                attachments: list[tuple[str, str, bytes]] | None = None) -> None:
    """E-mail (outbox, same transaction) and an in-app line on Min side. Build `subject`, `text` and `note` inside
    `in_language_of(member)` (or use `tell_member_in_language`): they are stored as written."""
    with in_language_of(member):
        greeting, regards = _("Kære %(name)s", name=member.first_name), _("Venlig hilsen")
    if member.email:
        outbox.enqueue(session, idempotency_key=key, kind=kind, to_address=member.email, subject=subject,
                       body_text=f"{greeting}\n\n{text}\n\n{regards}\nFOA A-kasse", member_id=member.id,
                       attachments=attachments, now=now)
    if member.user_id:
        notifications.notify(session, member.user_id, note or subject, link=link, now=now,
                             language=language_of(member))


def tell_member_in_language(session: Session, member: Member, now: datetime, compose: Callable[[], dict], *,
                            key: str, kind: str, link: str | None = "/tilbud/mine") -> None:
    """`tell_member` with the words from `compose()` (a dict of tell_member's subject, text, and optionally note
    and attachments), called in the member's language: a message is in its reader's language, not in that of the
    member, caseworker or job whose action caused it."""
    with in_language_of(member):
        words = compose()
    tell_member(session, member, now, key=key, kind=kind, link=link, **words)


def tell_registered(session: Session, reg: OfferRegistration, now: datetime) -> None:
    offer_session = reg.offer_session or session.get(OfferSession, reg.session_id)
    with in_language_of(reg.member):
        words = _registered_words(reg, offer_session, now)
    # A place made right and duty later is news of its own (the first mail said nothing of having to come).
    key = f"offer-registered-{reg.id}-{reg.sequence}" + ("-right-and-duty" if reg.right_and_duty else "")
    tell_member(session, reg.member, now, key=key, kind="offers.registered", **words)


def _registered_words(reg: OfferRegistration, offer_session: OfferSession, now: datetime) -> dict:
    title = offer_session.offer.title
    lines = [_("Du er tilmeldt %(title)s %(when)s.", title=title, when=session_when(offer_session)),
             _("Sted: %(place)s", place=place_text(offer_session))]
    if offer_session.online_link:
        lines.append(_("Link: %(link)s", link=offer_session.online_link))
    if reg.right_and_duty:
        lines.append(_("Din sagsbehandler har gjort det til et ret- og pligttilbud: du skal deltage, og melder du "
                       "fra, skal du skrive hvorfor."))
    lines.append(_("Kan du ikke komme, så meld fra under Tilbud på Min side, så pladsen kan gå til en anden."))
    lines.append(registration_state.status_line(reg.status))
    return {"subject": registration_state.subject(reg.status, title), "text": "\n".join(lines),
            "attachments": [calendar_attachment("tilbud.ics", session_ics(offer_session, reg, now))]}
