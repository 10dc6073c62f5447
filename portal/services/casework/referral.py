"""Referral to the job centre (visitation): members with complex problems get a parallel contact course there.

DOMAIN.md "Target groups": "Members with complex problems may be referred (visitation) to a parallel contact
course at the job centre." The referral is recorded here and goes, in the same transaction, to the member's job
centre through the job-centre exchange (portal/services/jobcentre/jobcentre.py) and as an outbox row on the "jobcenter"
channel (e-mail, when PORTAL_JOBCENTER_MAIL is set).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.database import prepared
from portal.i18n import format_local_date
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Member
from portal.models.casework import VISITATION_STATUSES, JobcenterReferral
from portal.models.statuses import MemberStatus, VisitationStatus
from portal.services import audit
from portal.services.access import StaffScope, require_edit
from portal.services.errors import Conflict, NotFound, ValidationFailed
from portal.services.jobcentre import jobcentre, municipalities
from portal.services.messaging import outbox
from portal.services.text_limits import has_control_characters, kept_whole, one_line_breaks
from portal.timeutil import utcnow

# Translated when shown (lazy): the conversation screen prints them as they are.
STATUS_LABELS = {VisitationStatus.SENT: _l("Sendt til jobcentret"),
                 VisitationStatus.ACCEPTED: _l("Modtaget af jobcentret"),
                 VisitationStatus.REJECTED: _l("Afvist af jobcentret"), VisitationStatus.CLOSED: _l("Afsluttet")}
OPEN_STATUSES = (VisitationStatus.SENT, VisitationStatus.ACCEPTED)
TRANSITIONS = {
    VisitationStatus.SENT: (VisitationStatus.ACCEPTED, VisitationStatus.REJECTED, VisitationStatus.CLOSED),
    VisitationStatus.ACCEPTED: (VisitationStatus.CLOSED,),
    VisitationStatus.REJECTED: (),
    VisitationStatus.CLOSED: (),
}


def jobcenter_address(session: Session, member: Member) -> str:
    """The member's job centre, their home municipality's (issue 16), as an address on the jobcenter channel:
    "jobcenter:<municipality>" ("{location}" in PORTAL_JOBCENTER_MAIL); "jobcenter:ukendt" while the home
    municipality is unknown (never the a-kasse's service location: that is not the member's job centre)."""
    municipality = municipalities.get(municipalities.jobcentre_code_for(member.municipality_code))
    return f"jobcenter:{municipality.name if municipality else 'ukendt'}"


def refer_to_jobcenter(session: Session, scope: StaffScope, member: Member, *, reason: str,
                       referred_on: str | date | None, today: date, now: datetime | None = None
                       ) -> JobcenterReferral:
    """Record a visitation and queue its dispatch to the job centre."""
    require_edit(scope, member)
    errors: dict[str, str] = {}
    reason = one_line_breaks(reason or "").strip()
    if has_control_characters(reason):
        errors["visitation_reason"] = _("%(label)s indeholder usynlige styretegn, som ikke kan gemmes. Skriv teksten "
                                        "igen.", label=_("Begrundelsen"))
    elif len(reason) < 10:
        errors["visitation_reason"] = _("Beskriv kort, hvorfor medlemmet visiteres (mindst 10 tegn).")
    elif len(reason) > 2000:
        errors["visitation_reason"] = _("Begrundelsen må højst være 2000 tegn.")
    if isinstance(referred_on, str):
        text = referred_on.strip()[:10]
        try:
            referred_on = date.fromisoformat(text) if text else None
        except ValueError:
            referred_on = None
            errors["visitation_date"] = _("Skriv datoen som fx 2026-11-27.")
    if referred_on is None and "visitation_date" not in errors:
        referred_on = today
    if referred_on is not None and not (today - timedelta(days=30) <= referred_on <= today):
        errors["visitation_date"] = _("Datoen skal ligge inden for de sidste 30 dage og ikke i fremtiden.")
    if member.status != MemberStatus.LEDIG:
        errors["visitation_reason"] = _("Kun ledige medlemmer kan visiteres til jobcentret.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    open_one = session.scalar(select(JobcenterReferral.id).where(
        JobcenterReferral.member_id == member.id, JobcenterReferral.status.in_(OPEN_STATUSES)))
    if open_one:
        raise Conflict(_("Medlemmet har allerede en åben visitation til jobcentret."))
    now = now or utcnow()
    referral = JobcenterReferral(member_id=member.id, reason=reason, referred_on=referred_on,
                                 status=VisitationStatus.SENT,
                                 created_by_user_id=scope.user.id, created_at=now, updated_at=now)
    session.add(referral)
    session.flush()
    message = outbox.enqueue(
        session, idempotency_key=f"visitation:{referral.id}", kind="jobcenter_visitation", channel="jobcenter",
        to_address=jobcenter_address(session, member), member_id=member.id,
        subject=f"Visitation til parallelt kontaktforløb – medlem {member.member_number}",
        body_text=(f"Medlem: {member.full_name} ({member.member_number})\n"
                   f"Visiteret den {format_local_date(referred_on, 'd. MMMM y', 'da')} af {scope.user.display_name}, "
                   "FOA A-kasse.\n\n"
                   f"Begrundelse:\n{reason}\n"),
        now=now,
    )
    session.flush()
    referral.outbox_message_id = message.id
    jobcentre.send(session, member, kind="visitation", key=f"visitation:{referral.id}", subject=message.subject,
                   body=message.body_text, now=now, referral_id=referral.id)
    audit.record(session, scope.user, "visitation.created", member_id=member.id, target=referral,
                 detail={"referred_on": referred_on.isoformat()}, now=now)
    return referral


# A caseworker's note on a visitation's new state: kept whole up to this length or refused.
STATUS_NOTE_MAX = 1000


def set_status(session: Session, scope: StaffScope, referral: JobcenterReferral, status: str, *,
               note: str = "", now: datetime | None = None) -> JobcenterReferral:
    require_edit(scope, referral.member)
    if status not in VISITATION_STATUSES:
        raise ValidationFailed(_("Ukendt status."), field="status")
    if status not in TRANSITIONS[referral.status]:
        raise Conflict(_("Visitationen er %(status)s og kan ikke ændres til '%(new)s'.",
                         status=str(STATUS_LABELS[referral.status]).lower(), new=str(STATUS_LABELS[status]).lower()))
    kept = kept_whole(note, STATUS_NOTE_MAX, field="note")
    if status == VisitationStatus.REJECTED and len((kept or "").strip()) < 5:  # the job centre refuses with a reason
        raise ValidationFailed(_("Skriv jobcentrets begrundelse for afvisningen (mindst 5 tegn)."), field="note")
    now = now or utcnow()
    old = referral.status
    referral.status = status
    referral.status_note = kept or referral.status_note
    referral.updated_at = now
    audit.record(session, scope.user, "visitation.status", member_id=referral.member_id, target=referral,
                 detail={"from": old, "to": status}, now=now)
    jobcentre.settle_visitation_request(session, referral.id, status, scope.user, now, note=note)
    return referral


def get(session: Session, referral_id: int) -> JobcenterReferral:
    referral = session.get(JobcenterReferral, referral_id)
    if referral is None:
        raise NotFound(_("Visitationen findes ikke."))
    return referral


def member_referrals(session: Session, member: Member) -> list[JobcenterReferral]:
    return list(session.scalars(_referrals_of_member(), {"member_id": member.id}))


@prepared
def _referrals_of_member():
    return (select(JobcenterReferral).where(JobcenterReferral.member_id == bindparam("member_id"))
            .order_by(JobcenterReferral.referred_on.desc(), JobcenterReferral.id.desc()))
