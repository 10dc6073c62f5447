"""Conversation types (length, channels, who may book) and the booking rules (notice, horizon, buffer, step).

The one place that answers "how long is a CV conversation, and may it be held by phone?".
DOMAIN.md: the statutory conversations (CV, contact course, availability, joint) are held in person at the
a-kasse; focus conversations (group 2) in person or by phone/video as the member prefers; follow-ups by phone or video.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import has_app_context

from portal.config import value
from portal.i18n import format_local_datetime, request_translations
from portal.models.booking import CONVERSATION_TYPES
from portal.models.statuses import BookingStatus, MemberStatus


def N_(text: str) -> str:  # marks a string for translation (Babel keyword); translated where shown
    return text


def safe_gettext(message: str, **variables) -> str:
    """gettext in the current language: the user's in a request, a `force_locale`'s wherever there is an app
    context (the scheduler's e-mails in each member's language), else Danish (the locale selector's default outside
    a request). Plain Danish without an app at all (imports, scripts).

    Flask-Babel's own gettext finds the translations anew on every call (~13 µs); a reminder run calls this
    nine times a message (issue 19), so the translations come from `request_translations`, which keeps them per
    (forced) locale in the same context."""
    if has_app_context():  # Flask-Babel keeps the (forced) locale in the app context's `g`, not the request's
        rv = request_translations().ugettext(message)
        return rv % variables if variables else rv
    return message % variables if variables else message


def format_when(value: datetime) -> str:
    """'torsdag 3. december 2026 kl. 10:00' / 'Thursday 3 December 2026 at 10:00' in Copenhagen time, in the
    current language (Danish outside a request: the scheduler's e-mails)."""
    return format_local_datetime(value, "EEEE d. MMMM y 'kl.' HH:mm")


class SafeLazyString:
    """A Danish source string translated when shown (str, format, template); safe outside a request."""

    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source

    def __str__(self) -> str:
        return safe_gettext(self.source)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"SafeLazyString({self.source!r})"

    def lower(self) -> str:
        return str(self).lower()


@dataclass(frozen=True)
class ConversationType:
    code: str
    name: str  # Danish source string; `label` is it translated
    minutes: int
    channels: tuple[str, ...]
    statutory: bool = False
    member_bookable: bool = True  # False: only a caseworker books it (the joint conversation)
    target_groups: tuple[str, ...] | None = None  # None: every member
    member_limit: int | None = None  # active + used bookings a member may book themselves
    member_statuses: tuple[str, ...] | None = None  # None: members of any status may book it
    with_jobcenter: bool = False  # held with the member's job centre: invited through the job-centre exchange
    for_statuses: tuple[str, ...] | None = None  # None: any member; else staff may book it only for these

    @property
    def label(self) -> SafeLazyString:
        return SafeLazyString(self.name)

    @property
    def label_in_sentence(self) -> str:
        """The translated name as it reads inside a sentence: "rådighedssamtale", but "CV-samtale"."""
        name = str(self.label)
        return name if name[:2].isupper() else name[:1].lower() + name[1:]

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def one_at_a_time(self) -> bool:
        """A member books this type again only once the booked one is behind them; a type they have a right to
        several of (group 2's two focus conversations, both due by week 13) they may book side by side, up to
        `member_limit`."""
        return self.member_limit is None or self.member_limit <= 1


# The conversation the chat books (a dismissed member's first: "how to move on"), portal.services.chat.
NOTICE_PERIOD_TYPE = "dismissed_first"

TYPES: dict[str, ConversationType] = {t.code: t for t in (
    ConversationType("cv", N_("CV-samtale"), 60, ("in_person",), statutory=True),
    ConversationType("contact_course", N_("Kontaktforløbssamtale"), 45, ("in_person",), statutory=True),
    ConversationType("availability", N_("Rådighedssamtale"), 45, ("in_person",), statutory=True),
    ConversationType("joint", N_("Fællessamtale med jobcentret"), 60, ("in_person",), statutory=True,
                     member_bookable=False, with_jobcenter=True),
    # Group 2's right to 2 focus conversations; a third needs the caseworker.
    ConversationType("focus", N_("Fokussamtale"), 45, ("in_person", "phone", "video"),
                     target_groups=("2a", "2b"), member_limit=2),
    ConversationType("followup_phone", N_("Opfølgning pr. telefon"), 30, ("phone",)),
    ConversationType("followup_video", N_("Opfølgning pr. video"), 30, ("video",)),
    # DOMAIN.md "Dismissed members": the a-kasse offers a conversation on how to move on, as the member prefers.
    ConversationType("dismissed_first", N_("Samtale om, hvordan du kommer videre"), 45,
                     ("in_person", "phone", "video"), member_statuses=(MemberStatus.OPSAGT,),
                     for_statuses=(MemberStatus.OPSAGT,)),
    # The application, section 4.1: for members moving from sickness benefit to unemployment benefit the a-kasse
    # takes part in round-table conversations with the job centre. Booked by a caseworker, with the job centre.
    ConversationType("round_table", N_("Rundbordssamtale med jobcentret"), 60, ("in_person", "video"),
                     member_bookable=False, with_jobcenter=True, for_statuses=(MemberStatus.SYGEMELDT,
                                                                               MemberStatus.LEDIG)),
)}
assert set(TYPES) == set(CONVERSATION_TYPES)

CHANNEL_NAMES = {"in_person": N_("Fremmøde"), "phone": N_("Telefon"), "video": N_("Video")}
STATUS_NAMES = {
    BookingStatus.BOOKED: N_("Booket"), BookingStatus.HELD: N_("Afholdt"), BookingStatus.NO_SHOW: N_("Udeblevet"),
    BookingStatus.CANCELLED_MEMBER: N_("Aflyst af dig"), BookingStatus.CANCELLED_FUND: N_("Aflyst af a-kassen"),
}
STAFF_STATUS_NAMES = {**STATUS_NAMES, BookingStatus.CANCELLED_MEMBER: N_("Aflyst af medlemmet")}
# Translated-when-shown versions, for other areas' pages and documents.
CHANNEL_LABELS = {k: SafeLazyString(v) for k, v in CHANNEL_NAMES.items()}
STATUS_LABELS = {k: SafeLazyString(v) for k, v in STATUS_NAMES.items()}
STAFF_STATUS_LABELS = {k: SafeLazyString(v) for k, v in STAFF_STATUS_NAMES.items()}


def channel_label(code: str) -> str:
    return safe_gettext(CHANNEL_NAMES[code])


def conversation_type(code: str | None) -> ConversationType:
    from portal.services.errors import ValidationFailed

    if code not in TYPES:
        raise ValidationFailed(safe_gettext("Vælg en samtaletype fra listen."), field="type")
    return TYPES[code]


def _minutes(name: str) -> int:
    return max(0, int(value(f"BOOKING_{name}")))


@dataclass(frozen=True)
class BookingRules:
    """Configurable through environment variables (README, docs/booking.md)."""

    min_notice: timedelta  # members book, move and cancel up to this long before the start
    horizon: timedelta  # members book at most this far ahead
    buffer: timedelta  # free time kept before and after every conversation
    step: timedelta  # slot grid inside working hours
    video_base_url: str

    @classmethod
    def from_env(cls) -> BookingRules:
        return cls(
            min_notice=timedelta(minutes=_minutes("MIN_NOTICE_MINUTES")),
            horizon=timedelta(days=_minutes("HORIZON_DAYS")),
            buffer=timedelta(minutes=_minutes("BUFFER_MINUTES")),
            step=timedelta(minutes=max(5, _minutes("STEP_MINUTES"))),
            video_base_url=str(value("BOOKING_VIDEO_BASE_URL")),
        )


def rules() -> BookingRules:
    return BookingRules.from_env()
