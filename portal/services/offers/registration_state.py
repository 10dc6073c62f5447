"""A registration for an offer session named in words: the one place that says what a state is called.

Pages (the catalogue's badge, "Dine tilmeldinger", the offer page, Min side, the caseworker's screen, the staff
session list), the API (`status_label` next to `status`) and the e-mails (subject and "Status:" line) all take the
name and the badge's tone from `describe`, so a waiting-list place can never read "Tilmeldt" in one place and
"På venteliste" in another.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models.statuses import RegistrationStatus, SessionStatus

LABELS = {
    RegistrationStatus.WAITLISTED: _l("På venteliste"), RegistrationStatus.OFFERED: _l("Plads holdt til dig"),
    RegistrationStatus.REGISTERED: _l("Tilmeldt"), RegistrationStatus.CANCELLED: _l("Afmeldt"),
    RegistrationStatus.DECLINED: _l("Sagt nej tak"), RegistrationStatus.EXPIRED: _l("Fristen udløb"),
    RegistrationStatus.ATTENDED: _l("Deltog"), RegistrationStatus.NO_SHOW: _l("Udeblev"),
}
# The badge's colour class: a seat is "ok", a place that still needs something (a wait, an answer) is "warn".
TONES = {RegistrationStatus.REGISTERED: "ok", RegistrationStatus.ATTENDED: "ok", RegistrationStatus.OFFERED: "warn",
         RegistrationStatus.WAITLISTED: "warn", RegistrationStatus.NO_SHOW: "bad", RegistrationStatus.EXPIRED: "bad",
         RegistrationStatus.CANCELLED: "muted", RegistrationStatus.DECLINED: "muted"}


@dataclass(frozen=True)
class RegistrationState:
    code: str
    label: str
    tone: str

    @property
    def has_seat(self) -> bool:
        """True when the member holds a seat (not a waiting-list place, not a seat merely held for an answer)."""
        return self.code in (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW)


# The same states as staff read them where the member's wording speaks to the member ("held for you").
STAFF_LABELS = {**LABELS, RegistrationStatus.OFFERED: _l("Plads holdt til medlemmet")}


# A registration ended because we cancelled the session: not "Afmeldt", which reads as the member's own doing.
SESSION_CANCELLED = _l("Aflyst af os")
STAFF_SESSION_CANCELLED = _l("Holdet er aflyst")


def describe(status: str, *, staff: bool = False, session_cancelled: bool = False) -> RegistrationState:
    """The state of a registration with this status, named in the request's language (for staff: `staff`;
    `session_cancelled`: its session was cancelled by the a-kasse)."""
    if status not in LABELS:
        raise ValueError(f"unknown registration status {status!r}")
    if session_cancelled and status == RegistrationStatus.CANCELLED:
        return RegistrationState(code=status, label=str(STAFF_SESSION_CANCELLED if staff else SESSION_CANCELLED),
                                 tone=TONES[status])
    return RegistrationState(code=status, label=str((STAFF_LABELS if staff else LABELS)[status]), tone=TONES[status])


def describe_registration(registration, *, staff: bool = False) -> RegistrationState:
    """`describe` for a registration (its session at hand): one ended because we cancelled the session is named so,
    not "Afmeldt", on every list that shows a member's registrations."""
    return describe_in_session(registration.status, registration.offer_session.status, staff=staff)


def describe_in_session(status: str, session_status: str, *, staff: bool = False) -> RegistrationState:
    """`describe_registration` from the two statuses, for a list read as rows rather than registrations."""
    return describe(status, staff=staff, session_cancelled=session_status == SessionStatus.CANCELLED)


def label(status: str) -> str:
    return describe(status).label


def status_line(status: str, *, session_cancelled: bool = False) -> str:
    """The line every e-mail about a registration carries, so the mail names the state as the pages do."""
    return _("Din status: %(state)s", state=describe(status, session_cancelled=session_cancelled).label)


def subject(status: str, title: str) -> str:
    return _("%(state)s: %(title)s", state=label(status), title=title)
