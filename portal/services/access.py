"""Which members a staff user may see and change, and the audit of every look at a member's file.

Used by every staff view of member data. The rules:
- a caseworker sees the members of their own service location (and always the members they are caseworker for);
- a group-2 specialist also sees target-group-2 members (2a/2b) of every location in their region
  (larger departments name special caseworkers for group 2, DOMAIN.md "contact course");
- the central unit sees every member (it takes escalated handoffs from everywhere);
- an administrator sees every member but changes nothing in their file (admins run the system, they do not do
  casework); they do manage the caseworkers' calendars: hours, absence and the conversations booked in them.
Changes are allowed for members of the caseworker's own location, members they are caseworker for, and
(central unit) every member. Everything else is refused with a message in the user's language, and nothing
changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import and_, bindparam, false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.database import prepared
from portal.i18n import N_
from portal.i18n import gettext as _
from portal.models import AuditEntry, Booking, Caseworker, Member, ServiceLocation, User
from portal.query_args import ascii_digits
from portal.services import audit
from portal.services.errors import NotAllowed, NotFound

GROUP2 = ("2a", "2b")

# Why a member's file was shown: stored in the audit entry in Danish, shown to the member on Min side in the
# member's language (`reason_text`).
REASON_OWN = N_("egen sagsbehandler")
REASON_LOCATION = N_("samme betjeningssted")
REASON_GROUP2 = N_("gruppe 2-specialist i regionen")
REASON_CENTRAL = N_("central enhed")
REASON_ADMIN = N_("administrator")
# The purposes a caseworker chooses when opening the conversation screen (URL key → the purpose stored, in Danish,
# in the access log; `reason_text` translates it when shown).
SCREEN_PURPOSES = {
    "samtale": N_("Samtale med medlemmet"),
    "forberedelse": N_("Forberedelse af samtale"),
    "opfoelgning": N_("Opfølgning på aftaler"),
    "jobmatch": N_("Jobmatch"),
    "overdragelse": N_("Overdragelse fra chatbot"),
}
SUMMARY_PURPOSE, SUMMARY_PDF_PURPOSE = N_("Samtalereferat"), N_("Samtalereferat (PDF)")


@dataclass(frozen=True)
class StaffScope:
    """What a staff user may see, resolved once per request."""

    user: User
    caseworker: Caseworker | None
    session: Session | None = field(default=None, repr=False, compare=False)  # to read the region with

    @cached_property
    def region(self) -> str | None:
        """The caseworker's location's region, for a group-2 specialist (None for anyone else). Read when first
        asked (one statement): most pages never ask (their own members, their own location's), so they do not
        pay for it (issue 19)."""
        cw = self.caseworker
        if cw is None or not cw.group2_specialist or self.session is None:
            return None
        return self.session.scalar(_region_of_location(), {"location_id": cw.location_id})

    @property
    def sees_all(self) -> bool:
        return self.user.role == "admin" or bool(self.caseworker and self.caseworker.central_unit)

    @property
    def group2_specialist(self) -> bool:
        return bool(self.caseworker and self.caseworker.group2_specialist)


def staff_scope(session: Session, user: User) -> StaffScope:
    """The user's scope; refuses anyone who is not a caseworker or an admin."""
    if user.role not in ("caseworker", "admin"):
        raise NotAllowed(_("Kun medarbejdere har adgang til medlemmernes sager."))
    caseworker = user.caseworker  # read with the signed-in user (portal.auth.service.load_user)
    if user.role == "caseworker" and caseworker is None:
        raise NotAllowed(_("Din bruger er ikke oprettet som sagsbehandler. Kontakt en administrator."))
    return StaffScope(user=user, caseworker=caseworker, session=session)


@prepared
def _region_of_location():
    return select(ServiceLocation.region).where(ServiceLocation.id == bindparam("location_id"))


def visible_members_clause(scope: StaffScope) -> ColumnElement[bool]:
    """A WHERE clause on Member limiting a query to the members the scope may see."""
    if scope.sees_all:
        return true()
    cw = scope.caseworker
    if cw is None:
        return false()
    clauses = [Member.location_id == cw.location_id, Member.caseworker_id == cw.id]
    if scope.group2_specialist and scope.region:
        region_locations = select(ServiceLocation.id).where(ServiceLocation.region == scope.region)
        clauses.append(and_(Member.target_group.in_(GROUP2), Member.location_id.in_(region_locations)))
    return or_(*clauses)


def view_reason(session: Session, scope: StaffScope, member: Member) -> str | None:
    """Why the scope may see this member (the audit reason), or None if it may not."""
    if scope.user.role == "admin":
        return REASON_ADMIN
    cw = scope.caseworker
    if cw is None:
        return None
    if member.caseworker_id == cw.id:
        return REASON_OWN
    if member.location_id == cw.location_id:
        return REASON_LOCATION
    if cw.central_unit:
        return REASON_CENTRAL
    if scope.group2_specialist and member.target_group in GROUP2 and scope.region:
        member_region = session.scalar(select(ServiceLocation.region)
                                       .where(ServiceLocation.id == member.location_id))
        if member_region == scope.region:
            return REASON_GROUP2
    return None


def can_edit(scope: StaffScope, member: Member) -> bool:
    cw = scope.caseworker
    if scope.user.role != "caseworker" or cw is None:
        return False
    return cw.central_unit or member.caseworker_id == cw.id or member.location_id == cw.location_id


def require_edit(scope: StaffScope, member: Member) -> None:
    """Refuse a change to a member outside the caseworker's own location (or any change by an admin)."""
    if not can_edit(scope, member):
        raise NotAllowed(edit_refusal(scope))


def edit_refusal(scope: StaffScope) -> str:
    """What staff are told when they may see a member but not change anything for them."""
    if scope.user.role == "admin":
        return _("Administratorer kan se medlemmets sag, men ikke ændre i den.")
    return _("Medlemmet hører til et andet betjeningssted. Du kan se sagen, men ikke ændre i den. "
             "Kontakt medlemmets eget betjeningssted.")


def may_see_booking(session: Session, scope: StaffScope, booking: Booking) -> bool:
    """A booked conversation is seen by the caseworker whose calendar it is in, and by staff who may see the
    member's file (an Odense caseworker cannot open a Vejle member's conversation by its number)."""
    if scope.caseworker is not None and booking.caseworker_id == scope.caseworker.id:
        return True
    return view_reason(session, scope, booking.member) is not None


def booking_change_refusal(scope: StaffScope, booking: Booking) -> str | None:
    """Why the staff user may not register the outcome of, move or cancel `booking`, or None if they may: the
    caseworker whose calendar it is in (they hold the conversation), staff who may change the member, and an
    administrator, who manages the calendars (a caseworker's absence leaves conversations to move)."""
    cw = scope.caseworker
    if scope.user.role == "caseworker" and cw is not None and booking.caseworker_id == cw.id:
        return None
    return booking_refusal(scope, booking.member)


def booking_refusal(scope: StaffScope, member: Member) -> str | None:
    """Why the staff user may not book a conversation for `member` (in a calendar they manage), or None."""
    if scope.user.role == "admin" or can_edit(scope, member):
        return None
    return edit_refusal(scope)


def open_member_file(session: Session, scope: StaffScope, member: Member, *, purpose: str,
                     now: datetime | None = None) -> str:
    """Authorise and audit one opening of a member's file. Returns the reason; raises NotFound if not allowed.

    NotFound rather than NotAllowed: a caseworker probing member numbers learns nothing about other locations.
    """
    reason = view_reason(session, scope, member)
    if reason is None:
        raise NotFound(_("Medlemmet findes ikke, eller du har ikke adgang til medlemmets sag."))
    audit.record(session, scope.user, "member.file_opened", member_id=member.id, target=member,
                 reason=f"{purpose} ({reason})"[:200], detail={"purpose": purpose, "access": reason}, now=now)
    return reason


# Audit actions a member sees as "someone looked at my file" on Min side.
# preparation.view is the Min side area's audit of a staff read of the Q2/Q10 answers (with the reason).
VIEW_ACTIONS = ("member.file_opened", "preparation.view")


def file_openings(session: Session, member: Member, *, limit: int = 100) -> list[AuditEntry]:
    """The latest openings of the member's file by staff, newest first (for the member's own page)."""
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.member_id == member.id, AuditEntry.action.in_(VIEW_ACTIONS))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    ))


def reason_text(entry: AuditEntry) -> str:
    """An audit entry's stored Danish reason in the reader's language: "Samtale med medlemmet (egen
    sagsbehandler)" → "Conversation with the member (own caseworker)". Unknown texts are shown as stored."""
    detail = entry.detail or {}
    if detail.get("purpose") and detail.get("access"):
        return f"{_(detail['purpose'])} ({_(detail['access'])})"
    return _(entry.reason) if entry.reason else ""


def member_by_number(session: Session, number: str) -> Member | None:
    """The member a staff user typed the number of (digits only, at most 12), or None. Whether the staff user may
    see or act for that member is decided after, by the caller's rule."""
    number = (number or "").strip()
    if not ascii_digits(number) or len(number) > 12:
        return None
    return session.scalar(select(Member).where(Member.member_number == number))
