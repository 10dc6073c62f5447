"""Min plan: activities and agreements proposed by the caseworker or the member, with a full history.

Caseworker proposals are active at once; a member's proposal waits for a caseworker to accept or reject it. Items
of the kinds the job centre must approve (JOBCENTRE_APPROVAL_KINDS: activation such as company internships, wage
subsidy, education beyond the 6 weeks' job-oriented education) go from there to 'awaiting_jc' (*Afventer
jobcentret*) and the member's job centre is asked (portal/services/jobcentre/jobcentre.py); nobody can mark such an item done
before the job centre has approved it. Every change adds a PlanItemEvent and an audit entry; nothing is overwritten
without a trace. Only a caseworker can make an item a right-and-duty offer (ret- og pligttilbud), and only a
caseworker can cancel an agreed item (or withdraw one awaiting the job centre).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, joinedload

from portal.database import Read, prepared
from portal.models import Member, User
from portal.models.plan import PLAN_KINDS, PlanItem, PlanItemEvent
from portal.models.statuses import JobcentreDecision, PlanStatus
from portal.query_args import ascii_digits
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit import actor_label
from portal.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.services.jobcentre import jobcentre
from portal.services.messaging import notifications
from portal.services.minside_i18n import _
from portal.services.text_limits import one_line_breaks, refuse_control_characters
from portal.timeutil import to_local


def N_(text: str) -> str:  # Babel keyword: translated where shown
    return text


KIND_LABELS = {
    "job_search": N_("Jobsøgning"),
    "education": N_("Uddannelse og kurser"),
    "upskilling": N_("Opkvalificering (fx FVU eller IT)"),
    "activation": N_("Aktivering"),
    "meeting": N_("Møde eller samtale"),
    "agreement": N_("Aftale"),
    "other": N_("Andet"),
    "company_internship": N_("Aktivering – virksomhedspraktik"),
    "wage_subsidy": N_("Aktivering – løntilskud"),
    "education_long": N_("Uddannelse ud over 6 ugers jobrettet uddannelse"),
}
STATUS_LABELS = {
    PlanStatus.PROPOSED: N_("Afventer din sagsbehandler"),
    PlanStatus.AWAITING_JC: N_("Afventer jobcentret"),
    PlanStatus.ACTIVE: N_("Aftalt"),
    PlanStatus.DONE: N_("Udført"),
    PlanStatus.REJECTED: N_("Ikke godkendt"),
    PlanStatus.CANCELLED: N_("Annulleret"),
}
# The same statuses as staff read them (the caseworker and the job centre): a member's proposal is not "waiting for
# your caseworker" on the caseworker's own screen.
STAFF_STATUS_LABELS = {**STATUS_LABELS, PlanStatus.PROPOSED: N_("Medlemmets forslag – afventer sagsbehandleren")}
TITLE_MAX, DESCRIPTION_MAX, COMMENT_MAX = 200, 4000, 2000
OPEN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.AWAITING_JC, PlanStatus.ACTIVE)
# Who may move an item from one status to another (set_status); accept/reject are their own functions, and only
# the job centre moves an item out of 'awaiting_jc' other than by withdrawing it (jobcentre_answers.decide_plan_item).
MEMBER_TRANSITIONS = {(PlanStatus.ACTIVE, PlanStatus.DONE), (PlanStatus.DONE, PlanStatus.ACTIVE),
                      (PlanStatus.PROPOSED, PlanStatus.CANCELLED)}
STAFF_TRANSITIONS = {(PlanStatus.ACTIVE, PlanStatus.DONE), (PlanStatus.DONE, PlanStatus.ACTIVE),
                     (PlanStatus.ACTIVE, PlanStatus.CANCELLED), (PlanStatus.DONE, PlanStatus.CANCELLED),
                     (PlanStatus.CANCELLED, PlanStatus.ACTIVE), (PlanStatus.PROPOSED, PlanStatus.CANCELLED),
                     (PlanStatus.AWAITING_JC, PlanStatus.CANCELLED)}


def is_member_actor(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.role == "member"


def _check_access(member: Member, actor: Actor) -> None:
    """A member acts only on their own plan; anyone else's item is 'not found' (never 'forbidden')."""
    if is_member_actor(actor) and member.user_id != actor.id:
        raise NotFound(_("Punktet findes ikke i din plan."))


def _event(item: PlanItem, actor: Actor, now: datetime, kind: str, *, from_status=None, to_status=None, text=None,
           changes=None) -> PlanItemEvent:
    event = PlanItemEvent(at=now, actor_user_id=actor.id if isinstance(actor, User) else None,
                          actor_label=actor_label(actor), kind=kind, from_status=from_status, to_status=to_status,
                          text=text, changes=changes or {})
    item.events.append(event)
    return event


def _clean_text(value, field: str, label: str, max_len: int, *, required: bool) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(_("%(label)s skal være tekst.", label=label), field=field)
    value = one_line_breaks(value).strip()
    if required and not value:
        raise ValidationFailed(_("Skriv %(label)s.", label=label.lower()), field=field)
    # NUL ends a string for SQLite's length() (the title's CHECK fails) and PostgreSQL refuses it in text
    refuse_control_characters(value, field=field, label=label)
    if len(value) > max_len:
        raise ValidationFailed(_("%(label)s må højst være %(n)d tegn.", label=label, n=max_len), field=field)
    return value or None


def validate_item(*, kind, title, description, due_date, today: date) -> dict:
    """Check the fields of a new item; returns them cleaned or raises ValidationFailed with every problem."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    if kind not in PLAN_KINDS:
        errors["kind"] = _("Vælg en type aktivitet.")
    cleaned["kind"] = kind
    for field, label, value, max_len, required in (("title", _("Titel"), title, TITLE_MAX, True),
                                                   ("description", _("Beskrivelse"), description, DESCRIPTION_MAX,
                                                    False)):
        try:
            cleaned[field] = _clean_text(value, field, label, max_len, required=required)
        except ValidationFailed as exc:
            errors[field] = exc.message
    if due_date is not None and not isinstance(due_date, date):
        errors["due_date"] = _("Angiv en gyldig dato.")
    elif due_date is not None and due_date < today:
        errors["due_date"] = _("Fristen kan ikke ligge i fortiden.")
    elif due_date is not None and due_date.year > today.year + 5:
        errors["due_date"] = _("Fristen ligger for langt ude i fremtiden.")
    cleaned["due_date"] = due_date
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return cleaned


def propose_item(session: Session, member: Member, *, kind: str, title: str, description: str | None = None,
                 due_date: date | None = None, right_and_duty: bool = False, actor: Actor, now: datetime) -> PlanItem:
    """Add an item to the member's plan: active if a caseworker proposes it, 'proposed' if the member does."""
    _check_access(member, actor)
    by_member = is_member_actor(actor)
    if by_member and right_and_duty:
        raise NotAllowed(_("Kun din sagsbehandler kan gøre en aktivitet til et ret- og pligttilbud."),
                         field="right_and_duty")
    fields = validate_item(kind=kind, title=title, description=description, due_date=due_date,
                           today=to_local(now).date())
    item = PlanItem(member_id=member.id, status=PlanStatus.PROPOSED if by_member else _agreed_status(fields["kind"]),
                    right_and_duty=bool(right_and_duty), proposed_by="member" if by_member else (
                        "caseworker" if isinstance(actor, User) else "system"),
                    proposed_by_user_id=actor.id if isinstance(actor, User) else None, version=1,
                    created_at=now, updated_at=now, **fields)
    if not by_member:
        item.decided_at, item.decided_by_user_id = now, item.proposed_by_user_id
    _event(item, actor, now, "proposed", to_status=item.status)
    session.add(item)
    session.flush()
    audit.record(session, actor, "plan.propose", member_id=member.id, target=item, now=now,
                 detail={"kind": item.kind, "title": item.title, "status": item.status,
                         "right_and_duty": item.right_and_duty, "due_date": _iso(item.due_date)})
    if item.status == PlanStatus.AWAITING_JC:
        _ask_jobcentre(session, item, actor, now)
    _notify_other_side(session, member, item, actor, now,
                       member_text=N_("Din sagsbehandler har tilføjet et punkt til din plan: %(title)s"),
                       staff_text=N_("%(name)s har foreslået et punkt til sin plan: %(title)s"))
    return item


def accept_item(session: Session, item: PlanItem, actor: Actor, now: datetime) -> PlanItem:
    """A caseworker accepts a member's proposal: it becomes an agreed (active) item."""
    return _decide(session, item, actor, now, accept=True)


def reject_item(session: Session, item: PlanItem, actor: Actor, now: datetime, reason: str | None = None) -> PlanItem:
    """A caseworker rejects a member's proposal, optionally with a reason the member sees."""
    return _decide(session, item, actor, now, accept=False, reason=reason)


def _decide(session: Session, item: PlanItem, actor: Actor, now: datetime, *, accept: bool,
            reason: str | None = None) -> PlanItem:
    if is_member_actor(actor):
        _check_access(item.member, actor)
        raise NotAllowed(_("Det er din sagsbehandler, der godkender forslag til planen."))
    if item.status != PlanStatus.PROPOSED:
        raise Conflict(_("Punktet afventer ikke godkendelse længere."))
    reason = _clean_text(reason, "reason", _("Begrundelse"), COMMENT_MAX, required=False)
    old = item.status
    item.status = _agreed_status(item.kind) if accept else PlanStatus.REJECTED
    item.decided_at, item.decided_by_user_id = now, actor.id if isinstance(actor, User) else None
    _touch(item, now)
    _event(item, actor, now, "accepted" if accept else "rejected", from_status=old, to_status=item.status,
           text=reason)
    audit.record(session, actor, "plan.accept" if accept else "plan.reject", member_id=item.member_id, target=item,
                 now=now, detail={"from": old, "to": item.status, "reason": reason})
    if item.status == PlanStatus.AWAITING_JC:
        _ask_jobcentre(session, item, actor, now)
    text = (N_("Din sagsbehandler har godkendt dit forslag: %(title)s") if accept
            else N_("Din sagsbehandler har ikke godkendt dit forslag: %(title)s"))
    _notify_member(session, item.member, text, now, title=item.title)
    return item


def set_status(session: Session, item: PlanItem, status: str, actor: Actor, now: datetime,
               expected_version: int | None = None) -> PlanItem:
    """Move an item between statuses; the member may mark items done (and undo that) or withdraw a proposal."""
    _check_access(item.member, actor)
    _check_version(item, expected_version)
    if status not in STATUS_LABELS:
        raise ValidationFailed(_("Ukendt status."), field="status")
    if status == item.status:
        return item
    if item.status == PlanStatus.AWAITING_JC and status in (PlanStatus.ACTIVE, PlanStatus.DONE):
        raise NotAllowed(_("»%(title)s« afventer jobcentrets godkendelse og kan ikke markeres som aftalt eller "
                           "udført, før jobcentret har godkendt den.", title=item.title), field="status")
    allowed = MEMBER_TRANSITIONS if is_member_actor(actor) else STAFF_TRANSITIONS
    if (item.status, status) not in allowed:
        if is_member_actor(actor) and status == PlanStatus.CANCELLED and item.status == PlanStatus.ACTIVE:
            raise NotAllowed(_("Et aftalt punkt kan kun annulleres af din sagsbehandler. Skriv en kommentar, "
                               "hvis det ikke længere passer."), field="status")
        raise ValidationFailed(_("Punktet kan ikke skifte fra %(old)s til %(new)s.",
                                 old=_(STATUS_LABELS.get(item.status, item.status)).lower(),
                                 new=_(STATUS_LABELS.get(status, status)).lower()), field="status")
    old = item.status
    if old == PlanStatus.CANCELLED and status == PlanStatus.ACTIVE and needs_jobcentre(item):
        status = PlanStatus.AWAITING_JC  # taken up again: the job centre is asked again
    item.status = status
    _touch(item, now)
    _event(item, actor, now, "status", from_status=old, to_status=status)
    audit.record(session, actor, "plan.status", member_id=item.member_id, target=item, now=now,
                 detail={"from": old, "to": status})
    if old == PlanStatus.AWAITING_JC and status == PlanStatus.CANCELLED:
        jobcentre.withdraw_plan_request(session, item, actor, now)
    elif status == PlanStatus.AWAITING_JC:
        _ask_jobcentre(session, item, actor, now)
    if isinstance(actor, User) and actor.role == "caseworker" and status in STAFF_CHANGE_NOTICES:  # as of an addition
        _notify_member(session, item.member, STAFF_CHANGE_NOTICES[status], now, title=item.title)
    return item


# What the member is told when the caseworker moves an item of their plan.
STAFF_CHANGE_NOTICES = {
    PlanStatus.CANCELLED: N_("Din sagsbehandler har annulleret et punkt i din plan: %(title)s"),
    PlanStatus.DONE: N_("Din sagsbehandler har markeret et punkt i din plan som udført: %(title)s"),
    PlanStatus.ACTIVE: N_("Din sagsbehandler har sat et punkt i din plan tilbage til aftalt: %(title)s"),
    PlanStatus.AWAITING_JC: N_("Din sagsbehandler har taget et punkt i din plan op igen; det afventer nu "
                               "jobcentret: %(title)s"),
}


# What a caseworker can do to an item from the conversation screen: decide a member's proposal, or move its status.
CASEWORKER_ACTIONS = ("accept", "reject", PlanStatus.DONE, PlanStatus.ACTIVE, PlanStatus.CANCELLED)


def caseworker_action(session: Session, item: PlanItem, action: str, actor: Actor, now: datetime, *,
                      reason: str | None = None, expected_version: int | None = None) -> PlanItem:
    """Run one of CASEWORKER_ACTIONS on `item`: accept or reject (with `reason`) a proposal, or set the status
    the action names. ValidationFailed for any other action; Conflict if the item is no longer at
    `expected_version` (a second tab: "done" in one, "cancel" in an older one)."""
    _check_version(item, expected_version)
    if action == "accept":
        return accept_item(session, item, actor, now)
    if action == "reject":
        return reject_item(session, item, actor, now, reason=reason)
    if action in (PlanStatus.DONE, PlanStatus.ACTIVE, PlanStatus.CANCELLED):
        return set_status(session, item, action, actor, now)
    raise ValidationFailed(_("Ukendt handling."))


# -- the job centre's approval (issue 16) ------------------------------------------------------------------------
def needs_jobcentre(item: PlanItem) -> bool:
    """The item's kind needs the job centre's approval and the job centre has not approved it."""
    return jobcentre.needs_approval(item.kind) and item.jobcentre_decision != JobcentreDecision.APPROVED


def _agreed_status(kind: str) -> str:
    return PlanStatus.AWAITING_JC if jobcentre.needs_approval(kind) else PlanStatus.ACTIVE


def _ask_jobcentre(session: Session, item: PlanItem, actor: Actor, now: datetime) -> None:
    item.jobcentre_decision = item.jobcentre_decided_at = None
    message = jobcentre.request_plan_approval(session, item, now)
    _event(item, actor, now, "jc_request", text=jobcentre.jobcentre_label(item.member) if message else
           _("Bopælskommunen er ukendt: anmodningen kunne ikke sendes. Ret medlemmets bopælskommune."))


def apply_jobcentre_decision(session: Session, item: PlanItem, *, approve: bool, reason: str | None, actor: Actor,
                             now: datetime) -> PlanItem:
    """The job centre's answer (called by jobcentre_answers.decide_plan_item, which checks who may answer)."""
    if item.status != PlanStatus.AWAITING_JC:
        raise Conflict(_("Punktet afventer ikke jobcentret længere."))
    old = item.status
    item.status = PlanStatus.ACTIVE if approve else PlanStatus.REJECTED
    decision = JobcentreDecision.APPROVED if approve else JobcentreDecision.REJECTED
    item.jobcentre_decision, item.jobcentre_decided_at = decision, now
    _touch(item, now)
    _event(item, actor, now, "jc_approved" if approve else "jc_rejected", from_status=old, to_status=item.status,
           text=reason)
    audit.record(session, actor, "plan.jobcentre_decision", member_id=item.member_id, target=item, now=now,
                 detail={"from": old, "to": item.status, "reason": reason})
    text = (N_("Jobcentret har godkendt: %(title)s") if approve else N_("Jobcentret har ikke godkendt: %(title)s"))
    _notify_member(session, item.member, text, now, title=item.title)
    caseworker = item.member.caseworker
    if caseworker is not None:
        notifications.notify_in_language(
            session, caseworker.user,
            N_("Jobcentret har godkendt: %(title)s (%(name)s)") if approve
            else N_("Jobcentret har ikke godkendt: %(title)s (%(name)s)"),
            title=item.title, name=item.member.full_name,
            link=f"/sagsbehandler/medlem/{item.member.member_number}#plan", now=now)
    return item


def next_actor(item: PlanItem) -> str | None:
    """Who must act next on an item, in the member's words ('Din sagsbehandler', 'Jobcenter Odense', 'Dig')."""
    if item.status == PlanStatus.PROPOSED:
        return _("Din sagsbehandler")
    if item.status == PlanStatus.AWAITING_JC:
        return jobcentre.jobcentre_label(item.member)
    if item.status == PlanStatus.ACTIVE:
        return _("Dig")
    return None


def add_comment(session: Session, item: PlanItem, text: str, actor: Actor, now: datetime,
                expected_version: int | None = None) -> PlanItemEvent:
    """A comment on an item, by the member or staff; kept in the item's history."""
    _check_access(item.member, actor)
    _check_version(item, expected_version)
    text = _clean_text(text, "comment", _("Kommentar"), COMMENT_MAX, required=True)
    _touch(item, now)
    event = _event(item, actor, now, "comment", text=text)
    audit.record(session, actor, "plan.comment", member_id=item.member_id, target=item, now=now,
                 detail={"length": len(text)})
    _notify_other_side(session, item.member, item, actor, now,
                       member_text=N_("Din sagsbehandler har kommenteret: %(title)s"),
                       staff_text=N_("%(name)s har kommenteret et punkt i sin plan: %(title)s"))
    return event


def update_item(session: Session, item: PlanItem, actor, now: datetime, *, status: str | None = None,
                comment: str | None = None, expected_version: int | None = None) -> PlanItem:
    """Change the status and/or add a comment in one go (the API's PATCH); `expected_version` is checked once,
    before the first change (each change moves the version on)."""
    if status is not None:
        set_status(session, item, status, actor, now, expected_version=expected_version)
        expected_version = None
    if comment is not None:
        add_comment(session, item, comment, actor, now, expected_version=expected_version)
    return item


def _touch(item: PlanItem, now: datetime) -> None:
    item.updated_at = now
    item.version = (item.version or 1) + 1


def form_version(raw: str | None) -> int:
    """The item version a plan form was shown at. Every plan form on the web carries it, so a form without one
    (a page from before it did, a hand-made request) is refused, not applied blind."""
    text = (raw or "").strip()
    if not ascii_digits(text) or len(text) > 9:
        raise Conflict(_("Siden er forældet. Hent den igen og prøv på ny."), field="version")
    return int(text)


def _check_version(item: PlanItem, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != item.version:
        raise Conflict(_("Punktet er blevet ændret i mellemtiden. Hent det igen og prøv på ny."), field="version")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _notify_member(session: Session, member: Member, message: str, now: datetime, **variables) -> None:
    """`message`: a Danish source string (N_), written in the member's language."""
    if member.user_id:
        notifications.notify_in_language(session, member.user, message, link="/min-side/plan", now=now,
                                         **variables)


def _notify_other_side(session, member: Member, item: PlanItem, actor: Actor, now, *, member_text: str,
                       staff_text: str) -> None:
    if is_member_actor(actor):
        caseworker = member.caseworker
        if caseworker is not None:
            notifications.notify_in_language(session, caseworker.user, staff_text, name=member.full_name,
                                             title=item.title, now=now)
    else:
        _notify_member(session, member, member_text, now, title=item.title)


def get_item(session: Session, item_id: int, *, member: Member | None = None) -> PlanItem:
    """An item by id; with `member`, only if it belongs to that member (else NotFound)."""
    item = session.get(PlanItem, item_id)
    if item is None or (member is not None and item.member_id != member.id):
        raise NotFound(_("Punktet findes ikke i din plan."))
    return item


@prepared
def _items_of_member(with_history: bool):
    query = select(PlanItem).where(PlanItem.member_id == bindparam("member_id")).order_by(PlanItem.id)
    if with_history:
        query = query.options(joinedload(PlanItem.events).joinedload(PlanItemEvent.actor),
                              joinedload(PlanItem.proposed_by_user))
    return query


def items_read(member: Member, *, with_history: bool = True) -> Read:
    """`list_items`' statement, for portal.read_ahead."""
    return Read(_items_of_member(with_history), {"member_id": member.id}, executed=True)


def list_items(session: Session, member: Member, *, with_history: bool = True) -> list[PlanItem]:
    """The member's plan items with their history: open items first by due date, then the rest, newest first.

    `with_history=False` loads the items alone (one statement instead of four), for a page that shows neither the
    history nor who proposed an item (the Min side card, the conversation screen). With it: one statement, the
    items joined to their proposer and their events to each event's author (a member's plan holds tens of events,
    not thousands)."""
    items = list(session.scalars(_items_of_member(with_history), {"member_id": member.id}).unique())
    far = date.max
    open_items = sorted((i for i in items if i.status in OPEN_STATUSES),
                        key=lambda i: (i.status == PlanStatus.ACTIVE, i.due_date or far, i.id))
    closed = sorted((i for i in items if i.status not in OPEN_STATUSES), key=lambda i: i.updated_at, reverse=True)
    return open_items + closed


def jobcentre_rejection_reasons(session: Session, items: list[PlanItem]) -> dict[int, str]:
    """The job centre's reason for each of `items` it rejected (the latest one it gave), by item id: the
    conversation screen shows it beside the rejection. One statement, and none when no item is rejected."""
    rejected = [item.id for item in items if item.jobcentre_decision == JobcentreDecision.REJECTED]
    if not rejected:
        return {}
    rows = session.execute(_rejection_texts(), {"item_ids": rejected})
    return {item_id: text for item_id, text in rows if text}  # by event id: a later reason replaces an earlier


@prepared
def _rejection_texts():
    return (select(PlanItemEvent.item_id, PlanItemEvent.text)
            .where(PlanItemEvent.item_id.in_(bindparam("item_ids", expanding=True)),
                   PlanItemEvent.kind == "jc_rejected")
            .order_by(PlanItemEvent.id))


def has_draft_plan(session: Session, member: Member) -> bool:
    """Has a (draft) Min plan with proposed activities: at least one item that is not rejected or cancelled."""
    return bool(session.scalar(select(exists().where(
        PlanItem.member_id == member.id, PlanItem.status.in_((PlanStatus.PROPOSED, PlanStatus.AWAITING_JC,
                                                              PlanStatus.ACTIVE, PlanStatus.DONE))))))


# Min side's plan card: what the member has to do first (agreed, soonest deadline), then what waits on others.
HOME_CARD_ITEMS = 4
_HOME_ORDER = {PlanStatus.ACTIVE: 0, PlanStatus.AWAITING_JC: 1, PlanStatus.PROPOSED: 2}


def card_items(session: Session, member: Member) -> list[tuple]:
    """The member's plan items as rows of what Min side's card shows and counts (for_home, summary): id, title,
    status, due_date, right_and_duty, proposed_by. No ORM objects (issue 19); read as the page's other lists."""
    return card_items_read(member).lines(session)


def card_items_read(member: Member) -> Read:
    return Read(_card_items(), {"member_id": member.id})


@prepared
def _card_items():
    return (select(PlanItem.id, PlanItem.title, PlanItem.status, PlanItem.due_date, PlanItem.right_and_duty,
                   PlanItem.proposed_by).where(PlanItem.member_id == bindparam("member_id")).order_by(PlanItem.id))


def for_home(items: list[PlanItem]) -> list[PlanItem]:
    """The open items Min side shows: the member's own agreed tasks by deadline before those awaiting the job centre
    or the caseworker (the plan page lists those first, as they need a decision)."""
    far = date.max
    shown = sorted((i for i in items if i.status in OPEN_STATUSES),
                   key=lambda i: (_HOME_ORDER[i.status], i.due_date or far, i.id))
    return shown[:HOME_CARD_ITEMS]


def is_overdue(item: PlanItem, today: date) -> bool:
    """An agreed item whose deadline has passed without it being done ("overskredet"): the one rule Min side, its
    plan page, the caseworker's screen and the job centre's citizen page all mark by. Items awaiting a decision
    are not the member's to do yet; done, rejected and cancelled ones are over."""
    return item.status == PlanStatus.ACTIVE and item.due_date is not None and item.due_date < today


def summary(items: list[PlanItem]) -> dict:
    """Counts for the Min side card."""
    counts = {status: 0 for status in STATUS_LABELS}
    for item in items:
        counts[item.status] += 1
    return counts


# The job centre sees what is agreed or awaits its approval; not a member's open proposal, nor what was dropped.
JOBCENTRE_SHOWN_STATUSES = (PlanStatus.AWAITING_JC, PlanStatus.ACTIVE, PlanStatus.DONE)


def items_for_jobcentre(session: Session, member: Member) -> list[PlanItem]:
    """The member's plan items a job centre's staff see on the citizen page, in list_items' order."""
    return [i for i in list_items(session, member) if i.status in JOBCENTRE_SHOWN_STATUSES]
