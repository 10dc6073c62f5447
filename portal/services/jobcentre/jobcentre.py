"""The job-centre exchange (issue 16): what the a-kasse sends a member's job centre, and who may read it there.

The member's job centre is their home municipality's (Member.municipality_code, portal/data/municipalities.csv).
Everything sent is a JobcentreMessage row, written in the same transaction as the change it reports; an adapter
behind `Exchange` then delivers it:
- `EmbeddedExchange` (the default): the job centre's staff are users of the role 'jobcenter' in this portal; the
  row *is* their inbox item, and they answer here;
- `DfdgExchange` (portal/services/jobcentre/dfdg.py): the row is also queued for DFDG's exchange (a stub, see docs/jobcentre.md).

Job-centre staff see only their own job centre's citizens, and only what the a-kasse shared with it; every read
is audited like a staff read ('member.file_opened', shown to the member under "who opened my file"). The job
centre's answers to a plan approval or a visitation are portal/services/jobcentre/jobcentre_answers.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from portal.database import Read, prepared
from portal.i18n import N_, format_local_date
from portal.models import Caseworker, Member, User
from portal.models.jobcentre import JobcentreMessage, JobcentreStaff
from portal.models.plan import PlanItem
from portal.models.statuses import JobcentreDecision, JobcentreMessageStatus, VisitationStatus
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.errors import NotAllowed, NotFound, ValidationFailed
from portal.services.jobcentre import municipalities
from portal.services.messaging import notifications
from portal.services.minside_i18n import _
from portal.services.text_limits import one_line_breaks, refuse_control_characters

DEFAULT_APPROVAL_KINDS = ("activation", "company_internship", "wage_subsidy", "education_long")
ANSWERED_KINDS = ("plan_approval", "joint_invitation", "visitation")  # the kinds the job centre answers
OPEN_STATUSES = (JobcentreMessageStatus.SENT, JobcentreMessageStatus.READ)
REASON_MIN, REASON_MAX = 5, 2000

KIND_LABELS = {
    "plan_approval": N_("Godkendelse af aktivitet i Min plan"),
    "summary": N_("Samtalereferat"),
    "visitation": N_("Visitation til parallelt kontaktforløb"),
    "joint_invitation": N_("Invitation til fællessamtale"),
}
# Kinds whose subject already says what the message is ("Godkendelse i Min plan: …", "Samtalereferat – medlem …",
# "Visitation til parallelt kontaktforløb – medlem …"): a list shows it alone, or the label says it twice. An
# invitation's subject is the booking's ("Bekræftelse: Fællessamtale …"), so its label stays in front.
SUBJECT_NAMES_KIND = frozenset({"plan_approval", "summary", "visitation"})
STATUS_LABELS = {
    JobcentreMessageStatus.SENT: N_("Sendt til jobcentret"),
    JobcentreMessageStatus.READ: N_("Læst af jobcentret"),
    JobcentreMessageStatus.ANSWERED: N_("Besvaret af jobcentret"),
    JobcentreMessageStatus.WITHDRAWN: N_("Trukket tilbage"),
}
DECISION_LABELS = {
    JobcentreDecision.APPROVED: N_("Godkendt af jobcentret"),
    JobcentreDecision.REJECTED: N_("Afvist af jobcentret"),
    JobcentreDecision.ACCEPTED: N_("Tidspunktet er accepteret af jobcentret"),
    JobcentreDecision.COUNTER: N_("Jobcentret foreslår et andet tidspunkt"),
}
VISITATION_DECISION_LABELS = {JobcentreDecision.APPROVED: N_("Modtaget af jobcentret"),
                              JobcentreDecision.REJECTED: N_("Afvist af jobcentret")}
# The access log's purpose and reason for a job-centre read (translated where shown, portal.services.access).
PURPOSE_JOBCENTRE = N_("Jobcentrets opgaver i forsøget")
REASON_JOBCENTRE = N_("medlemmets jobcenter")


# -- configuration ---------------------------------------------------------------------------------------------
def approval_kinds() -> tuple[str, ...]:
    """The Min plan kinds the job centre must approve (PORTAL_JOBCENTRE_APPROVAL_KINDS)."""
    if has_app_context():
        return tuple(current_app.config.get("JOBCENTRE_APPROVAL_KINDS", DEFAULT_APPROVAL_KINDS))
    return DEFAULT_APPROVAL_KINDS


def needs_approval(kind: str) -> bool:
    return kind in approval_kinds()


def answer_days() -> int:
    return int(current_app.config.get("JOBCENTRE_ANSWER_DAYS", 7)) if has_app_context() else 7


# -- the exchange ----------------------------------------------------------------------------------------------
class Exchange(Protocol):
    name: str

    def deliver(self, session: Session, message: JobcentreMessage, now: datetime) -> None:
        """Deliver one message to its job centre (in the caller's transaction)."""


class EmbeddedExchange:
    """Job-centre staff work in this portal: the message row is their inbox; their users are told."""

    name = "embedded"

    def deliver(self, session: Session, message: JobcentreMessage, now: datetime) -> None:
        staff = session.scalars(select(User).join(JobcentreStaff, JobcentreStaff.user_id == User.id).where(
            JobcentreStaff.jobcentre_code == message.jobcentre_code)).all()
        for user in staff:
            language = user.locale or "da"
            with force_locale(language):  # the kind's label in the reader's language; the subject as sent
                text = heading(message)
            notifications.notify(session, user.id, text, link=f"/jobcenter/sag/{message.id}", now=now,
                                 language=language)


def heading(message: JobcentreMessage) -> str:
    """What a list (and the job centre's notice) calls the message: its subject, after the kind's label where the
    subject does not name the kind. The subject itself is stored and sent as written."""
    if message.kind in SUBJECT_NAMES_KIND:
        return message.subject
    return f"{_(KIND_LABELS[message.kind])}: {message.subject}"


def exchange() -> Exchange:
    """The configured adapter (PORTAL_JOBCENTRE_EXCHANGE: embedded, the default, or dfdg)."""
    name = current_app.config.get("JOBCENTRE_EXCHANGE", "embedded") if has_app_context() else "embedded"
    if name == "dfdg":
        from portal.services.jobcentre.dfdg import DfdgExchange

        return DfdgExchange()
    return EmbeddedExchange()


def jobcentre_of(member: Member) -> int | None:
    """The code of the member's job centre (their home municipality's), or None if the municipality is unknown."""
    return municipalities.jobcentre_code_for(member.municipality_code)


def jobcentre_label(member: Member) -> str:
    return municipalities.jobcentre_name(member.municipality_code) or _("Jobcentret (bopælskommune ukendt)")


def send(session: Session, member: Member, *, kind: str, key: str, subject: str, body: str, now: datetime,
         plan_item: PlanItem | None = None, summary_id: int | None = None, referral_id: int | None = None,
         booking_id: int | None = None) -> JobcentreMessage | None:
    """Send something to the member's job centre; idempotent on `key`. None when the home municipality is
    unknown (nothing can be sent; the caseworker's screen says so)."""
    code = jobcentre_of(member)
    if code is None:
        return None
    existing = session.scalar(select(JobcentreMessage).where(JobcentreMessage.idempotency_key == key))
    if existing is not None:
        return existing
    adapter = exchange()
    message = JobcentreMessage(
        idempotency_key=key[:120], jobcentre_code=code, member_id=member.id, kind=kind,
        plan_item_id=plan_item.id if plan_item is not None else None, summary_id=summary_id,
        referral_id=referral_id, booking_id=booking_id, subject=subject[:200], body_text=body,
        status=JobcentreMessageStatus.SENT, adapter=adapter.name, created_at=now, updated_at=now)
    session.add(message)
    session.flush()
    adapter.deliver(session, message, now)
    audit.record(session, SystemActor.JOBCENTRE_EXCHANGE, "jobcentre.sent", member_id=member.id,
                 target=message, now=now,
                 detail={"kind": kind, "jobcentre": code, "adapter": adapter.name})
    return message


def request_plan_approval(session: Session, item: PlanItem, now: datetime) -> JobcentreMessage | None:
    """Ask the member's job centre to approve a plan item (one request per time it goes to 'awaiting_jc')."""
    member = item.member
    rounds = session.scalar(select(func.count()).select_from(JobcentreMessage).where(
        JobcentreMessage.plan_item_id == item.id)) or 0
    lines = [f"Medlem: {member.full_name} ({member.member_number})", f"Aktivitet: {item.title}"]
    if item.due_date:
        lines.append(f"Frist: {format_local_date(item.due_date, 'd. MMMM y', 'da')}")  # Danish, as the UI writes it
    if item.description:
        lines += ["", item.description]
    return send(session, member, kind="plan_approval", key=f"plan:{item.id}:{rounds + 1}",
                subject=f"Godkendelse i Min plan: {item.title}", body="\n".join(lines), now=now, plan_item=item)


def withdraw_plan_request(session: Session, item: PlanItem, actor: Actor, now: datetime) -> None:
    """The a-kasse took an item back before the job centre answered: its open request is withdrawn."""
    for message in session.scalars(select(JobcentreMessage).where(
            JobcentreMessage.plan_item_id == item.id, JobcentreMessage.status.in_(OPEN_STATUSES))):
        message.status, message.updated_at = JobcentreMessageStatus.WITHDRAWN, now
        audit.record(session, actor, "jobcentre.withdrawn", member_id=item.member_id, target=message, now=now)


def settle_visitation_request(session: Session, referral_id: int, status: str, actor, now: datetime,
                              note: str | None = None) -> None:
    """The a-kasse changed a visitation's state itself (portal.services.casework.referral.set_status): its request to the job
    centre, if still open, is closed with it — withdrawn when the a-kasse closes the visitation, the job centre's
    answer recorded when the caseworker registers one given outside the portal (by phone, or through DFDG, which
    has no inbound side). Otherwise it would wait, be escalated and tag the caseload for an answer nobody owes."""
    for message in session.scalars(select(JobcentreMessage).where(
            JobcentreMessage.referral_id == referral_id, JobcentreMessage.kind == "visitation",
            JobcentreMessage.status.in_(OPEN_STATUSES))):
        message.updated_at = now
        if status in (VisitationStatus.ACCEPTED, VisitationStatus.REJECTED):
            message.status = JobcentreMessageStatus.ANSWERED
            message.decision = (JobcentreDecision.APPROVED if status == VisitationStatus.ACCEPTED
                                else JobcentreDecision.REJECTED)
            message.decision_reason, message.decided_at = (note or "").strip()[:1000] or None, now
            action = "jobcentre.answer_recorded"
        else:
            message.status, action = JobcentreMessageStatus.WITHDRAWN, "jobcentre.withdrawn"
        audit.record(session, actor, action, member_id=message.member_id, target=message, now=now,
                     detail={"visitation": status})


def messages_for_member(session: Session, member: Member) -> list[JobcentreMessage]:
    """What went to the member's job centre, newest first (the caseworker's screen: delivery state)."""
    return list(session.scalars(_messages_of_member(), {"member_id": member.id}))


def messages_for_member_read(member: Member) -> Read:
    """`messages_for_member`'s statement, for portal.read_ahead."""
    return Read(_messages_of_member(), {"member_id": member.id}, executed=True)


@prepared
def _messages_of_member():
    return (select(JobcentreMessage).where(JobcentreMessage.member_id == bindparam("member_id"))
            .order_by(JobcentreMessage.created_at.desc(), JobcentreMessage.id.desc()))


def message_for_summary(session: Session, summary_id: int) -> JobcentreMessage | None:
    """What went to the job centre with a conversation summary (the caseworker's summary page: sent, read)."""
    return session.scalar(select(JobcentreMessage).where(JobcentreMessage.summary_id == summary_id,
                                                         JobcentreMessage.kind == "summary").limit(1))


def open_request_for(session: Session, item: PlanItem) -> JobcentreMessage | None:
    return session.scalar(select(JobcentreMessage).where(JobcentreMessage.plan_item_id == item.id)
                          .order_by(JobcentreMessage.id.desc()).limit(1))


def requests_by_plan_item(messages: list[JobcentreMessage]) -> dict[int, JobcentreMessage]:
    """`open_request_for` for every plan item at once, from the member's `messages_for_member` (no query): the
    conversation screen shows the request of each item awaiting the job centre."""
    latest: dict[int, JobcentreMessage] = {}
    for message in messages:
        if message.plan_item_id is not None and (message.plan_item_id not in latest
                                                 or message.id > latest[message.plan_item_id].id):
            latest[message.plan_item_id] = message
    return latest


# -- job-centre staff ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobcentreScope:
    user: User
    jobcentre_code: int
    municipality_codes: tuple[int, ...]

    @property
    def name(self) -> str:
        return municipalities.jobcentre_name(self.jobcentre_code) or str(self.jobcentre_code)


def jobcentre_scope(session: Session, user: User) -> JobcentreScope:
    if user.role != "jobcenter":
        raise NotAllowed(_("Kun jobcentrets medarbejdere har adgang til jobcentrets indbakke."))
    code = session.scalar(select(JobcentreStaff.jobcentre_code).where(JobcentreStaff.user_id == user.id))
    if code is None or municipalities.get(code) is None:
        raise NotAllowed(_("Din bruger er ikke knyttet til et jobcenter. Kontakt a-kassens administrator."))
    return JobcentreScope(user=user, jobcentre_code=code, municipality_codes=municipalities.served_by(code))


def create_staff(session: Session, user: User, jobcentre_code: int) -> JobcentreStaff:
    """Bind a 'jobcenter' user to one job centre."""
    if user.role != "jobcenter":
        raise ValidationFailed(_("Brugeren skal have rollen jobcenter."), field="role")
    if municipalities.get(jobcentre_code) is None:
        raise ValidationFailed(_("Ukendt kommunekode: %(code)s.", code=jobcentre_code), field="jobcentre")
    staff = JobcentreStaff(user_id=user.id, jobcentre_code=municipalities.jobcentre_code_for(jobcentre_code))
    session.add(staff)
    session.flush()
    return staff


def is_open(message: JobcentreMessage) -> bool:
    """Still the job centre's to deal with: a request not answered yet, or anything not read yet (a summary once
    read needs nothing more, so it leaves the open list and stays under 'all')."""
    if message.kind in ANSWERED_KINDS:
        return message.status in OPEN_STATUSES
    return message.status == JobcentreMessageStatus.SENT


def inbox(session: Session, scope: JobcentreScope, *, now: datetime, show_all: bool = False
          ) -> list[JobcentreMessage]:
    """The job centre's messages: open ones first (oldest first: who waits longest), then the answered ones.
    Audited as one read listing the members shown."""
    query = (select(JobcentreMessage).where(JobcentreMessage.jobcentre_code == scope.jobcentre_code)
             .options(selectinload(JobcentreMessage.member), selectinload(JobcentreMessage.plan_item)))
    if not show_all:
        query = query.where(or_(and_(JobcentreMessage.kind.in_(ANSWERED_KINDS),
                                     JobcentreMessage.status.in_(OPEN_STATUSES)),
                                JobcentreMessage.status == JobcentreMessageStatus.SENT))
    messages = list(session.scalars(query.order_by(JobcentreMessage.created_at, JobcentreMessage.id).limit(500)))
    messages.sort(key=lambda m: (not is_open(m), m.created_at))
    audit.record(session, scope.user, "jobcentre.inbox_viewed", now=now,
                 detail={"jobcentre": scope.jobcentre_code, "members": sorted({m.member_id for m in messages})})
    return messages


def _audit_read(session: Session, scope: JobcentreScope, member: Member, target, now: datetime) -> None:
    audit.record(session, scope.user, "member.file_opened", member_id=member.id, target=target,
                 reason=f"{PURPOSE_JOBCENTRE} ({REASON_JOBCENTRE})", now=now,
                 detail={"purpose": PURPOSE_JOBCENTRE, "access": REASON_JOBCENTRE,
                         "jobcentre": scope.jobcentre_code})


def get_message(session: Session, scope: JobcentreScope, message_id: int) -> JobcentreMessage:
    """A message of the scope's job centre; any other is 'not found' (never 'forbidden')."""
    message = session.get(JobcentreMessage, message_id)
    if message is None or message.jobcentre_code != scope.jobcentre_code:
        raise NotFound(_("Sagen findes ikke, eller den hører til et andet jobcenter."))
    return message


def open_message(session: Session, scope: JobcentreScope, message_id: int, now: datetime) -> JobcentreMessage:
    """Open one message: marks it read (the a-kasse sees 'Læst af jobcentret') and audits the read."""
    message = get_message(session, scope, message_id)
    if message.status == JobcentreMessageStatus.SENT:
        message.status, message.read_at, message.updated_at = JobcentreMessageStatus.READ, now, now
    _audit_read(session, scope, message.member, message, now)
    return message


def citizen(session: Session, scope: JobcentreScope, member_number: str, now: datetime
            ) -> tuple[Member, list[JobcentreMessage]]:
    """A citizen of the job centre with what was shared about them; others are 'not found'. Audited."""
    member = session.scalar(select(Member).where(Member.member_number == (member_number or "")[:12]))
    if member is None or member.municipality_code not in scope.municipality_codes:
        raise NotFound(_("Borgeren findes ikke, eller borgeren hører til et andet jobcenter."))
    messages = [m for m in messages_for_member(session, member) if m.jobcentre_code == scope.jobcentre_code]
    _audit_read(session, scope, member, member, now)
    return member, messages


def claim(session: Session, message: JobcentreMessage, now: datetime) -> bool:
    """Take an open message for answering in one conditional UPDATE: of two answers arriving at the same moment
    (two job-centre users, a double click) only the first finds it open; the second is refused, nothing changed."""
    claimed = session.execute(
        update(JobcentreMessage).where(JobcentreMessage.id == message.id,
                                       JobcentreMessage.status.in_(OPEN_STATUSES))
        .values(status=JobcentreMessageStatus.ANSWERED,
                updated_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        session.refresh(message)
        return False
    return True


def clean_reason(reason: str | None, *, required: bool) -> str | None:
    reason = one_line_breaks(reason or "").strip()
    refuse_control_characters(reason, field="reason", label=_("Begrundelsen"))
    if required and len(reason) < REASON_MIN:
        raise ValidationFailed(_("Skriv en begrundelse (mindst %(n)d tegn), som medlemmet og a-kassen kan se.",
                                 n=REASON_MIN), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("Begrundelsen må højst være %(n)d tegn.", n=REASON_MAX), field="reason")
    return reason or None


def decision_label(message: JobcentreMessage) -> str:
    """The job centre's answer in words ('Godkendt af jobcentret', a visitation 'Modtaget af jobcentret' …)."""
    labels = VISITATION_DECISION_LABELS if message.kind == "visitation" else DECISION_LABELS
    return _(labels[message.decision]) if message.decision else _(STATUS_LABELS[message.status])


# -- escalation and counts -------------------------------------------------------------------------------------
def open_request_counts(member_id) -> tuple:
    """A member's requests waiting for the job centre's answer and how many of them went unanswered past the answer
    time (escalated), as two correlated scalar subqueries on a member id column: the caseload reads them with its
    other per-member counts in one statement."""
    where = (JobcentreMessage.member_id == member_id, JobcentreMessage.kind.in_(ANSWERED_KINDS),
             JobcentreMessage.status.in_(OPEN_STATUSES))
    return (select(func.count()).select_from(JobcentreMessage).where(*where).scalar_subquery(),
            select(func.count(JobcentreMessage.escalated_at)).where(*where).scalar_subquery())


def escalate_unanswered(session: Session, now: datetime) -> int:
    """Requests the job centre has not answered within JOBCENTRE_ANSWER_DAYS: the member's caseworker is told,
    once. Returns how many were escalated."""
    limit = now - timedelta(days=answer_days())
    due = session.scalars(select(JobcentreMessage).where(
        JobcentreMessage.kind.in_(ANSWERED_KINDS), JobcentreMessage.status.in_(OPEN_STATUSES),
        JobcentreMessage.escalated_at.is_(None), JobcentreMessage.created_at <= limit)
        .options(selectinload(JobcentreMessage.member).joinedload(Member.caseworker)
                 .joinedload(Caseworker.user))).all()  # the caseworker's language, without a query per message
    for message in due:
        member = message.member
        message.escalated_at = now
        if member.caseworker is not None:
            notifications.notify_in_language(
                session, member.caseworker.user,
                N_("%(centre)s har ikke svaret i %(days)s dage: %(subject)s (%(name)s). Ring til jobcentret, eller "
                   "træk anmodningen tilbage."),
                centre=municipalities.jobcentre_name(message.jobcentre_code), days=answer_days(),
                subject=message.subject, name=member.full_name,
                link=f"/sagsbehandler/medlem/{member.member_number}#jobcenter", now=now)
        audit.record(session, SystemActor.SCHEDULER, "jobcentre.escalated", member_id=member.id,
                     target=message, now=now)
    return len(due)
