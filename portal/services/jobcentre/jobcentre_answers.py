"""The job centre's answers (issue 16): a Min plan approval and a visitation, each changing the a-kasse's side.

The exchange itself (what is sent, who may see it, claiming a message) is portal/services/jobcentre/jobcentre.py; the plan
and the visitation own their states (portal/services/minside/plan.py, referral.py). This module is where the three meet,
so each of them is imported one way only.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portal.i18n import N_
from portal.models.casework import JobcenterReferral
from portal.models.jobcentre import JobcentreMessage
from portal.models.statuses import JobcentreDecision, JobcentreMessageStatus, PlanStatus, VisitationStatus
from portal.services import audit
from portal.services.casework import referral as visitation
from portal.services.errors import Conflict, ValidationFailed
from portal.services.jobcentre.jobcentre import (
    DECISION_LABELS,
    JobcentreScope,
    claim,
    clean_reason,
    decision_label,
    get_message,
)
from portal.services.messaging import notifications
from portal.services.minside import plan
from portal.services.minside_i18n import _


def decide_plan_item(session: Session, scope: JobcentreScope, message_id: int, *, approve: bool,
                     reason: str | None, now: datetime) -> JobcentreMessage:
    """Approve or reject a plan item. Refused, with nothing changed, if it was answered already or the a-kasse
    withdrew it meanwhile."""
    message = get_message(session, scope, message_id)
    if message.kind != "plan_approval" or message.plan_item is None:
        raise ValidationFailed(_("Sagen er ikke en anmodning om godkendelse."))
    item = message.plan_item
    if message.status == JobcentreMessageStatus.WITHDRAWN or item.status == PlanStatus.CANCELLED:
        raise Conflict(_("A-kassen har trukket aktiviteten »%(title)s« tilbage. Der er ikke noget at godkende, "
                         "og intet er ændret.", title=item.title))
    if message.status == JobcentreMessageStatus.ANSWERED:
        raise Conflict(_("Aktiviteten »%(title)s« er allerede %(decision)s. Intet er ændret.", title=item.title,
                         decision=_(DECISION_LABELS[message.decision or JobcentreDecision.APPROVED]).lower()))
    if item.status != PlanStatus.AWAITING_JC:
        raise Conflict(_("Aktiviteten »%(title)s« afventer ikke jobcentret længere. Intet er ændret.",
                         title=item.title))
    # the reason after the state: once answered or withdrawn the page has no reason field to point an error at
    reason = clean_reason(reason, required=not approve)
    if not claim(session, message, now):
        raise Conflict(_("Aktiviteten »%(title)s« er allerede besvaret af jobcentret. Intet er ændret.",
                         title=item.title))
    plan.apply_jobcentre_decision(session, item, approve=approve, reason=reason, actor=scope.user, now=now)
    decision = JobcentreDecision.APPROVED if approve else JobcentreDecision.REJECTED
    message.status, message.decision, message.decision_reason = JobcentreMessageStatus.ANSWERED, decision, reason
    message.decided_by_user_id, message.decided_at, message.updated_at = scope.user.id, now, now
    message.read_at = message.read_at or now
    audit.record(session, scope.user, "jobcentre.plan_approved" if approve else "jobcentre.plan_rejected",
                 member_id=message.member_id, target=message, now=now, detail={"item": item.id, "reason": reason})
    return message


def answer_visitation(session: Session, scope: JobcentreScope, message_id: int, *, accept: bool,
                      reason: str | None, now: datetime) -> JobcentreMessage:
    """The job centre takes over a referred member (parallel contact course) or refuses with a reason; the
    visitation's state (portal.services.casework.referral) follows. Refused, nothing changed, if answered or closed."""
    message = get_message(session, scope, message_id)
    referral = session.get(JobcenterReferral, message.referral_id) if message.referral_id else None
    if message.kind != "visitation" or referral is None:
        raise ValidationFailed(_("Sagen er ikke en visitation."))
    if message.status == JobcentreMessageStatus.ANSWERED:
        raise Conflict(_("Visitationen er allerede besvaret (%(decision)s). Intet er ændret.",
                         decision=decision_label(message).lower()))
    new_status = VisitationStatus.ACCEPTED if accept else VisitationStatus.REJECTED
    if new_status not in visitation.TRANSITIONS[referral.status]:
        raise Conflict(_("A-kassen har afsluttet visitationen. Intet er ændret."))
    reason = clean_reason(reason, required=not accept)
    if not claim(session, message, now):
        raise Conflict(_("Visitationen er allerede besvaret. Intet er ændret."))
    old = referral.status
    referral.status, referral.updated_at = new_status, now
    referral.status_note = reason or referral.status_note
    decision = JobcentreDecision.APPROVED if accept else JobcentreDecision.REJECTED
    message.status, message.decision, message.decision_reason = JobcentreMessageStatus.ANSWERED, decision, reason
    message.decided_by_user_id, message.decided_at, message.updated_at = scope.user.id, now, now
    message.read_at = message.read_at or now
    audit.record(session, scope.user, "visitation.status", member_id=referral.member_id, target=referral, now=now,
                 detail={"from": old, "to": new_status, "by": "jobcentre", "reason": reason})
    member = message.member
    if member.caseworker is not None:
        text = (N_("%(centre)s har modtaget visitationen af %(name)s.") if accept else
                N_("%(centre)s har afvist visitationen af %(name)s: %(reason)s"))
        notifications.notify_in_language(session, member.caseworker.user, text, centre=scope.name,
                                         name=member.full_name, reason=reason or "",
                                         link=f"/sagsbehandler/medlem/{member.member_number}#visitation", now=now)
    return message
