"""Handoffs from the chatbot to caseworkers: queueing, the inbox, atomic claiming, replies, escalation.

Who sees a waiting handoff (escalation_level):
  0  the member's own caseworker if known, else every caseworker at the location
  1  every caseworker at the location (own caseworker did not take it within the SLA)
  2  also the central unit (nobody at the location took it, or the location is unknown)
Lessons from Chatwoot's users: the bot is silent while a handoff is open; a new handoff is announced (badge on
every staff page + a notification); it never drops out of the waiting list unclaimed; claiming is atomic.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import and_, bindparam, event, false, func, or_, select, true, update
from sqlalchemy.orm import Session, joinedload

from portal.database import Count, Read, prepared
from portal.i18n import N_, gettext
from portal.models import Caseworker, Member, User
from portal.models.chat import HANDOFF_OUTCOMES, OPEN_HANDOFF_STATUSES, ChatConversation, ChatMessage, Handoff
from portal.models.statuses import ChatState, HandoffStatus
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.chat.chat_transcript import add_message, check_message_text, member_present
from portal.services.chat.contact_details import clean_contact
from portal.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.services.messaging import notifications, outbox, sms
from portal.services.text_limits import kept_whole, refuse_control_characters

# Danish source strings, translated where shown (templates/chat/inbox.html, handoff.html).
OUTCOME_LABELS = {
    "answered": N_("Spørgsmål besvaret"),
    "booked": N_("Samtale booket"),
    "registered": N_("Registreret / oprettet"),
    "referred": N_("Henvist videre"),
    "no_contact": N_("Ingen kontakt"),
    "other": N_("Andet"),
}
assert set(OUTCOME_LABELS) == set(HANDOFF_OUTCOMES)
RESOLVED_DAYS_SHOWN = 30
INBOX_LINK = "/sagsbehandler/overdragelser"


# ---- who sees what ------------------------------------------------------------------------------------------

def _in_chat_language(conversation: ChatConversation, message: str, **variables) -> str:
    """A line the portal writes into the member's chat, in the language the member writes in (not the caseworker's
    page language); stored as shown."""
    with force_locale(conversation.language or "da"):
        return gettext(message, **variables)


def caseworker_of(session: Session, user: User) -> Caseworker | None:
    if user is None or getattr(user, "role", None) != "caseworker":
        return None
    return user.caseworker  # the signed-in user's is read with the user (portal.auth.service.load_user)


def _visible(user: User, caseworker: Caseworker | None):
    """SQL condition: the handoffs this user may see and take."""
    return _visible_to(_shape(user, caseworker), caseworker.id if caseworker else None,
                       caseworker.location_id if caseworker else None)


def _shape(user: User, caseworker: Caseworker | None) -> str:
    """Which of `_visible_to`'s conditions applies to this user."""
    if user.role == "admin":
        return "all"
    if caseworker is None:
        return "none"
    return "central" if caseworker.central_unit else "caseworker"


def _visible_to(shape: str, caseworker_id, location_id):
    """The handoffs a staff member sees: "all" (admin), "none" (staff without a caseworker), a caseworker's
    ("caseworker": their own, claimed or at their location once unassigned or escalated) and the central unit's
    (also escalated further, or without a location). The ids are values or bind parameters."""
    if shape in ("all", "none"):
        return true() if shape == "all" else false()
    conditions = [
        Handoff.target_caseworker_id == caseworker_id,
        Handoff.claimed_by_id == caseworker_id,
        and_(Handoff.location_id == location_id, or_(Handoff.target_caseworker_id.is_(None),
                                                     Handoff.escalation_level >= 1)),
    ]
    if shape == "central":
        conditions.append(or_(Handoff.escalation_level >= 2, Handoff.location_id.is_(None)))
    return or_(*conditions)


def waiting_count(session: Session, user: User) -> int:
    """Handoffs waiting that this user can take. A page asks twice (the staff badge, and the caseload's own line):
    the count is kept for the rest of the session's database transaction, until its next flush."""
    memo = session.info.setdefault(_WAITING_MEMO, {})
    if user.id not in memo:
        memo[user.id] = waiting(session, user).run(session)
    return memo[user.id]


def waiting_read(session: Session, user: User) -> Read | None:
    """`waiting_count`'s read, for a page that sends its reads together (portal.read_ahead); None when the count is
    kept already."""
    if user.id in session.info.get(_WAITING_MEMO, {}):
        return None
    return waiting(session, user).read()


def waiting(session: Session, user: User) -> Count:
    """`waiting_count` as a Count, to be run with others (the staff badges)."""
    caseworker = caseworker_of(session, user)
    shape = _shape(user, caseworker)
    return Count(("handoff.waiting", shape), _waiting(shape), {
        "waiting_caseworker_id": caseworker.id if caseworker else None,
        "waiting_location_id": caseworker.location_id if caseworker else None})


@prepared
def _waiting(shape: str):
    """The count of waiting handoffs a staff member of this shape sees, the caseworker's id and location given at
    execution."""
    return select(func.count()).select_from(Handoff).where(
        Handoff.status == HandoffStatus.WAITING,
        _visible_to(shape, bindparam("waiting_caseworker_id"), bindparam("waiting_location_id")))


_WAITING_MEMO = "handoffs_waiting"


def _forget_waiting(session: Session, *args) -> None:
    session.info.pop(_WAITING_MEMO, None)


for _moment in ("after_begin", "after_flush", "after_transaction_end"):
    event.listen(Session, _moment, _forget_waiting)


def list_handoffs(session: Session, user: User, tab: str, *, now: datetime) -> list[Handoff]:
    """waiting: open and unclaimed, oldest first · mine: claimed by me · resolved: closed in the last 30 days."""
    caseworker = caseworker_of(session, user)
    query = select(Handoff).options(joinedload(Handoff.member), joinedload(Handoff.location),
                                    joinedload(Handoff.claimed_by).joinedload(Caseworker.user))
    if tab == "mine":
        if caseworker is None:
            return []
        query = query.where(Handoff.status == HandoffStatus.CLAIMED, Handoff.claimed_by_id == caseworker.id)
        query = query.order_by(Handoff.claimed_at)
    elif tab == "resolved":
        query = query.where(Handoff.status.in_((HandoffStatus.RESOLVED, HandoffStatus.RETURNED_TO_BOT)), _visible(user, caseworker),
                            Handoff.resolved_at >= now - timedelta(days=RESOLVED_DAYS_SHOWN))
        query = query.order_by(Handoff.resolved_at.desc()).limit(200)
    else:
        query = query.where(Handoff.status == HandoffStatus.WAITING, _visible(user, caseworker))
        query = query.order_by(Handoff.escalation_level.desc(), Handoff.created_at)
    return list(session.scalars(query).unique())


def get_for_staff(session: Session, user: User, handoff_id: int, *, now: datetime, audit_read: bool = True) -> Handoff:
    """A handoff the user may see (anything else is 'not found'); reading it is audited (personal data)."""
    caseworker = caseworker_of(session, user)
    handoff = session.scalar(select(Handoff).where(Handoff.id == handoff_id, _visible(user, caseworker)))
    if handoff is None:
        raise NotFound(gettext("Overdragelsen findes ikke, eller du har ikke adgang til den."))
    if audit_read:
        audit.record(session, user, "handoff.view", member_id=handoff.member_id, target=handoff, now=now)
    return handoff


def waiting_minutes(handoff: Handoff, now: datetime) -> int:
    end = handoff.claimed_at if handoff.status != HandoffStatus.WAITING and handoff.claimed_at else now
    return max(0, int((end - handoff.created_at).total_seconds() // 60))


# ---- the bot hands over -------------------------------------------------------------------------------------

@prepared
def _open_handoff():
    return select(Handoff).where(Handoff.conversation_id == bindparam("conversation_id"),
                                 Handoff.status.in_(OPEN_HANDOFF_STATUSES))


def open_handoff(session: Session, conversation: ChatConversation) -> Handoff | None:
    return session.scalar(_open_handoff(), {"conversation_id": conversation.id})


def member_open_handoff(session: Session, member_id: int | None) -> Handoff | None:
    """The member's handoff that is waiting or claimed, in whichever of her conversations (None for no member)."""
    if member_id is None:
        return None
    return session.scalar(select(Handoff).where(Handoff.member_id == member_id,
                                                Handoff.status.in_(OPEN_HANDOFF_STATUSES))
                          .order_by(Handoff.created_at.desc()).limit(1))


def attach_to_member(session: Session, conversation: ChatConversation, member: Member) -> int:
    """A chat registered the member: its handoffs (the caseworker's inbox, the member page) are hers from now on.
    Returns how many were attached."""
    handoffs = list(session.scalars(select(Handoff).where(Handoff.conversation_id == conversation.id,
                                                          Handoff.member_id.is_(None))))
    for handoff in handoffs:
        handoff.member_id = member.id
        handoff.context = {**(handoff.context or {}), "member_id": member.id}
    return len(handoffs)


def request_handoff(session: Session, conversation: ChatConversation, *, reason: str, context: dict,
                    now: datetime, actor: Actor = SystemActor.CHATBOT) -> Handoff:
    """Queue the conversation for a person; the bot goes silent. An already open handoff is returned as is."""
    if not conversation.consent_given:
        raise NotAllowed("En medarbejder kan først læse med, når du har givet samtykke.")
    existing = open_handoff(session, conversation) or member_open_handoff(session, conversation.member_id)
    if existing is not None:
        return existing  # one open handoff per member: a second device or chat joins it (chatbot/actions/handoff.py)
    member = session.get(Member, conversation.member_id) if conversation.member_id else None
    own = member.contact_caseworker if member is not None else None  # a deactivated caseworker answers no chat
    target = own.id if own is not None else None
    location_id = member.location_id if member is not None else conversation.location_id
    level = 0 if location_id is not None else 2
    handoff = Handoff(conversation_id=conversation.id, member_id=conversation.member_id, location_id=location_id,
                      target_caseworker_id=target, status=HandoffStatus.WAITING, reason=reason, escalation_level=level,
                      context=context, created_at=now, queued_at=now)
    session.add(handoff)
    conversation.state = ChatState.HANDED_OFF
    session.flush()
    _announce(session, handoff, N_("Ny chat venter på svar (%(where)s)"), now)
    audit.record(session, actor, "handoff.request", member_id=handoff.member_id, target=handoff, now=now,
                 detail={"reason": reason, "location_id": location_id, "target_caseworker_id": target})
    return handoff


def _audience(session: Session, handoff: Handoff) -> list[User]:
    """The users of the caseworkers a handoff at its current level concerns (in one query: each is told in their
    language)."""
    if handoff.target_caseworker_id is not None and handoff.escalation_level == 0:
        query = select(User).where(Caseworker.id == handoff.target_caseworker_id)
    else:
        conditions = []
        if handoff.location_id is not None:
            conditions.append(Caseworker.location_id == handoff.location_id)
        if handoff.escalation_level >= 2 or handoff.location_id is None:
            conditions.append(Caseworker.central_unit.is_(True))
        query = select(User).where(or_(*conditions))
    return list(session.scalars(query.join(Caseworker, Caseworker.user_id == User.id).where(User.active.is_(True))))


def _announce(session: Session, handoff: Handoff, message: str, now: datetime, **variables) -> int:
    """Tell the handoff's audience; `message` is a Danish source string (N_) with a %(where)s."""
    where = (handoff.location.name if handoff.location is not None
             else notifications.in_reader_language(N_("centralenheden")))
    users = _audience(session, handoff)
    for user in users:
        notifications.notify_in_language(session, user, message, where=where, **variables,
                                         link=f"{INBOX_LINK}/{handoff.id}", now=now)
    return len(users)


# ---- the caseworker's actions -------------------------------------------------------------------------------

def claim(session: Session, user: User, handoff_id: int, *, now: datetime) -> Handoff:
    """Take a waiting handoff. Atomic: of two caseworkers clicking at once exactly one gets it."""
    caseworker = caseworker_of(session, user)
    if caseworker is None:
        raise NotAllowed(gettext("Kun sagsbehandlere kan tage en overdragelse."))
    handoff = get_for_staff(session, user, handoff_id, now=now, audit_read=False)
    result = session.execute(
        update(Handoff).where(Handoff.id == handoff.id, Handoff.status == HandoffStatus.WAITING)
        .values(status=HandoffStatus.CLAIMED, claimed_by_id=caseworker.id, claimed_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(handoff)
        if handoff.claimed_by is None:
            raise Conflict(gettext("Overdragelsen er allerede taget af en anden."))
        raise Conflict(gettext("Overdragelsen er allerede taget af %(name)s.", name=handoff.claimed_by.name))
    session.refresh(handoff)
    add_message(session, handoff.conversation, sender="system", now=now,
                text=_in_chat_language(handoff.conversation, N_("%(name)s fra FOA A-kasse har overtaget samtalen."),
                                       name=user.display_name))
    audit.record(session, user, "handoff.claim", member_id=handoff.member_id, target=handoff, now=now)
    return handoff


def _own_claimed(session: Session, user: User, handoff_id: int, now: datetime) -> tuple[Handoff, Caseworker]:
    caseworker = caseworker_of(session, user)
    handoff = get_for_staff(session, user, handoff_id, now=now, audit_read=False)
    if handoff.status in (HandoffStatus.RESOLVED, HandoffStatus.RETURNED_TO_BOT):
        why = handoff.outcome_note if handoff.outcome_note in CLOSED_BY_MEMBER.values() else None
        raise NotAllowed(gettext("Samtalen er afsluttet: %(why)s Den kan ikke længere besvares eller gives videre.",
                                 why=gettext(why)) if why else
                         gettext("Samtalen er afsluttet. Den kan ikke længere besvares eller gives videre."))
    if caseworker is not None and handoff.status == HandoffStatus.CLAIMED and handoff.claimed_by_id != caseworker.id:
        raise NotAllowed(gettext("%(name)s har taget samtalen, så du kan ikke svare på den.",
                                 name=handoff.claimed_by.name))
    if caseworker is None or handoff.status != HandoffStatus.CLAIMED or handoff.claimed_by_id != caseworker.id:
        raise NotAllowed(gettext("Tag overdragelsen, før du svarer eller afslutter den."))
    return handoff, caseworker


def reply(session: Session, user: User, handoff_id: int, text: str, *, now: datetime) -> tuple[ChatMessage, str]:
    """The caseworker's answer in the chat. Returns (message, "chat" | "email" | "sms" | "none").

    If the member has left the chat, the answer also goes to the outbox (e-mail, else SMS).
    """
    handoff, _ = _own_claimed(session, user, handoff_id, now)
    text = check_message_text(text)
    refuse_control_characters(text, field="message", label=gettext("Beskeden"))  # it goes to the member as written
    conversation = handoff.conversation
    message = add_message(session, conversation, sender="caseworker", text=text, now=now, author_user_id=user.id)
    session.flush()
    delivered = "chat" if member_present(conversation, now) else _send_offline(session, handoff, message, now)
    audit.record(session, user, "handoff.reply", member_id=handoff.member_id, target=handoff, now=now,
                 detail={"message_id": message.id, "delivered": delivered})
    return message, delivered


def reply_reach(session: Session, conversation: ChatConversation) -> tuple[str | None, str | None]:
    """How a caseworker's answer reaches a member who left the chat: ("email", address), ("sms", number) or
    (None, None) when only the chat itself can (the handoff message promises exactly this)."""
    member = session.get(Member, conversation.member_id) if conversation.member_id else None
    email, phone = (member.email, member.phone) if member is not None else (None, None)
    if member is None:
        contact = ((conversation.tracker or {}).get("slots") or {}).get("contact")
        if contact:
            try:
                email, phone = clean_contact(contact)
            except ValidationFailed:
                email, phone = None, None
    if email:
        return "email", email
    if phone and sms.available():  # only with an SMS gateway: the chat never promises a channel that is not there
        return "sms", phone
    return None, None


# A caseworker's reply sent by SMS is at most this long (the whole reply stays in the chat).
SMS_REPLY_MAX = 480


def _send_offline(session: Session, handoff: Handoff, message: ChatMessage, now: datetime) -> str:
    channel, address = reply_reach(session, handoff.conversation)
    if channel not in ("email", "sms"):
        return "none"
    text = message.text
    if channel == "sms" and len(text) > SMS_REPLY_MAX:  # the rest waits in the chat, and the SMS says so
        text = text[:SMS_REPLY_MAX - 1].rstrip() + "…"
    with force_locale(handoff.conversation.language or "da"):  # the language the member wrote in
        body = gettext("Du har fået svar fra FOA A-kasse på din chat:\n\n%(text)s\n\nSvar ved at åbne chatten "
                       "igen på foa.dk/opsagt eller på Min side.", text=text)
        if text != message.text:
            body += "\n" + gettext("Hele svaret står i chatten.")
        subject = gettext("Svar fra FOA A-kasse på din chat") if channel == "email" else "FOA A-kasse"
    outbox.enqueue(session, idempotency_key=f"chat-reply-{message.id}", kind="chat_reply", to_address=address,
                   subject=subject, body_text=body, member_id=handoff.member_id, channel=channel, now=now)
    return channel


def resolve(session: Session, user: User, handoff_id: int, *, outcome: str, note: str | None,
            now: datetime) -> Handoff:
    """Close the handoff with an outcome; the bot answers the member again from now on."""
    if outcome not in OUTCOME_LABELS:
        raise ValidationFailed(gettext("Vælg et udfald."), field="outcome")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(gettext("Noten må højst være 2.000 tegn."), field="note")
    handoff, caseworker = _own_claimed(session, user, handoff_id, now)
    handoff.status = HandoffStatus.RESOLVED
    handoff.resolved_at = now
    handoff.resolved_by_id = caseworker.id
    handoff.outcome = outcome
    handoff.outcome_note = note or None
    handoff.conversation.state = ChatState.BOT
    add_message(session, handoff.conversation, sender="system", now=now,
                text=_in_chat_language(handoff.conversation,
                                       N_("Medarbejderen har afsluttet samtalen. Du kan skrive til chatbotten igen.")))
    audit.record(session, user, "handoff.resolve", member_id=handoff.member_id, target=handoff, now=now,
                 detail={"outcome": outcome})
    return handoff


# Why a member ended a handoff from the chat (outcome_note; the caseworker sees it in the inbox and the handoff).
CLOSED_BY_MEMBER = {
    "stopped": N_("Medlemmet afsluttede selv i chatten."),
    "consent_withdrawn": N_("Medlemmet trak samtykket tilbage; samtalen er slettet."),
}


def close_by_member(session: Session, handoff: Handoff, *, why: str, now: datetime) -> Handoff:
    """The member ended the handoff from the chat (left the queue, ended it, withdrew consent): closed at once,
    the bot answers again, and the caseworker who had it is told."""
    handoff.status = HandoffStatus.RESOLVED
    handoff.resolved_at = now
    handoff.outcome = "other"
    handoff.outcome_note = CLOSED_BY_MEMBER[why]
    handoff.conversation.state = ChatState.BOT
    if handoff.claimed_by is not None:
        notifications.notify_in_language(session, handoff.claimed_by.user, N_("Chatten er afsluttet: %(why)s"),
                                         why=notifications.in_reader_language(CLOSED_BY_MEMBER[why]),
                                         link=f"{INBOX_LINK}/{handoff.id}", now=now)
    audit.record(session, SystemActor.CHATBOT, "handoff.closed_by_member", member_id=handoff.member_id, target=handoff,
                 now=now, detail={"why": why})
    return handoff


# A note handing a chat on to a colleague: kept whole up to this length or refused.
HAND_ON_NOTE_MAX = 500
# The start of the note in the colleague's notification; the handoff page shows it whole.
NOTE_IN_NOTIFICATION = 200


def hand_on(session: Session, user: User, handoff_id: int, *, colleague_id: int, note: str | None,
            now: datetime) -> Handoff:
    """Give the handoff to a colleague: it waits in their queue (and keeps counting towards the SLA)."""
    handoff, caseworker = _own_claimed(session, user, handoff_id, now)
    note = kept_whole(note, HAND_ON_NOTE_MAX, field="note")
    # Only a colleague the form offers (the same list decides both): not one at another location, not a leaver.
    colleague = next((c for c in colleagues(session, user) if c.id == colleague_id), None)
    if colleague is None:
        raise ValidationFailed(gettext("Vælg en kollega fra listen."), field="colleague_id")
    handoff.status = HandoffStatus.WAITING
    handoff.claimed_by_id = None
    handoff.claimed_at = None
    handoff.target_caseworker_id = colleague.id
    handoff.location_id = colleague.location_id
    handoff.escalation_level = 0
    handoff.queued_at = now
    context = dict(handoff.context or {})
    history = list(context.get("handed_on", []))
    history.append({"from": caseworker.id, "to": colleague.id, "at": now.isoformat(), "note": note or ""})
    context["handed_on"] = history
    handoff.context = context
    teaser = note if not note or len(note) <= NOTE_IN_NOTIFICATION else note[:NOTE_IN_NOTIFICATION - 1] + "…"
    # the colleague came from `colleagues` with their user loaded
    notifications.notify_in_language(
        session, colleague.user, N_("%(name)s har givet dig en chat: »%(note)s«") if teaser
        else N_("%(name)s har givet dig en chat"), name=user.display_name, note=teaser or "",
        link=f"{INBOX_LINK}/{handoff.id}", now=now)
    add_message(session, handoff.conversation, sender="system", now=now,
                text=_in_chat_language(handoff.conversation,
                                       N_("Samtalen er givet videre til en kollega, som svarer dig her.")))
    audit.record(session, user, "handoff.hand_on", member_id=handoff.member_id, target=handoff, now=now,
                 detail={"to_caseworker_id": colleague.id})
    return handoff


def hand_on_history(session: Session, handoff: Handoff) -> list[dict]:
    """Who handed the chat on to whom, when, and their note to the colleague, oldest first (for the handoff page)."""
    steps = [step for step in (handoff.context or {}).get("handed_on", []) if isinstance(step, dict)]
    ids = {step.get(key) for step in steps for key in ("from", "to")} - {None}
    names = dict(session.execute(select(Caseworker.id, User.display_name).join(User, User.id == Caseworker.user_id)
                                 .where(Caseworker.id.in_(ids))).all()) if ids else {}
    history = []
    for step in steps:
        try:
            at = datetime.fromisoformat(step.get("at") or "")
        except (TypeError, ValueError):
            at = None
        history.append({"by": names.get(step.get("from")), "to": names.get(step.get("to")), "at": at,
                        "note": step.get("note") or ""})
    return history


def hand_back_to_bot(session: Session, user: User, handoff_id: int, *, now: datetime, agent=None) -> Handoff:
    """The caseworker gives the conversation back to the chatbot, which says so to the member."""
    handoff, caseworker = _own_claimed(session, user, handoff_id, now)
    handoff.status = HandoffStatus.RETURNED_TO_BOT
    handoff.resolved_at = now
    handoff.resolved_by_id = caseworker.id
    conversation = handoff.conversation
    conversation.state = ChatState.BOT
    text = "Du skriver nu med chatbotten igen. Hvad kan jeg hjælpe med?"
    buttons = None
    if agent is not None:
        rendered = agent.render("utter_back_to_bot", {"language": conversation.language})
        text, buttons = rendered["text"], rendered["buttons"]
    add_message(session, conversation, sender="bot", text=text, buttons=buttons, now=now)
    audit.record(session, user, "handoff.return_to_bot", member_id=handoff.member_id, target=handoff, now=now)
    return handoff


def colleagues(session: Session, user: User) -> list[Caseworker]:
    """Caseworkers a handoff can be handed on to: active ones at the same location and in the central unit. The
    form's list and `hand_on`'s check both come from here."""
    caseworker = caseworker_of(session, user)
    query = select(Caseworker).join(User, User.id == Caseworker.user_id).options(joinedload(Caseworker.user))
    query = query.where(User.active.is_(True))
    if caseworker is not None:
        query = query.where(Caseworker.id != caseworker.id, or_(Caseworker.location_id == caseworker.location_id,
                                                                Caseworker.central_unit.is_(True)))
    return list(session.scalars(query.order_by(User.display_name).limit(300)))


# ---- SLA (called by the scheduler) --------------------------------------------------------------------------

def escalate_overdue_handoffs(session: Session, *, now: datetime, sla_minutes: int) -> int:
    """Move handoffs waiting longer than `sla_minutes` at their level one level up and alert the new audience.

    Own caseworker → the whole location → the central unit. Returns how many were escalated. Does not commit.
    """
    if sla_minutes <= 0:
        raise ValidationFailed(gettext("SLA skal være et positivt antal minutter."), field="sla_minutes")
    cutoff = now - timedelta(minutes=sla_minutes)
    overdue = session.scalars(select(Handoff).options(joinedload(Handoff.location)).where(
        Handoff.status == HandoffStatus.WAITING, Handoff.escalation_level < 2, Handoff.queued_at <= cutoff)
        .order_by(Handoff.created_at).with_for_update(of=Handoff, skip_locked=True)).unique().all()
    for handoff in overdue:
        before = handoff.escalation_level
        if before == 0 and handoff.target_caseworker_id is not None:
            handoff.escalation_level = 1
        else:
            handoff.escalation_level = 2
        handoff.queued_at = now
        _announce(session, handoff, N_("Chat har ventet over %(minutes)s minutter (%(where)s)"), now,
                  minutes=sla_minutes)
        audit.record(session, SystemActor.SCHEDULER, "handoff.escalate", member_id=handoff.member_id,
                     target=handoff, now=now,
                     detail={"from_level": before, "to_level": handoff.escalation_level})
    return len(overdue)


def staff_badge(user) -> dict | None:
    """portal.staff_badges provider: waiting handoffs this user can take, on every staff page."""
    from portal.extensions import db
    from portal.staff_badges import CountedBadge

    memo = db.session.info.get(_WAITING_MEMO, {})
    if user.id in memo:  # the page counted them already (the caseload's own line)
        return _waiting_badge(memo[user.id])
    return CountedBadge(waiting(db.session, user), _waiting_badge)


def _waiting_badge(count: int) -> dict | None:
    if not count:
        return None
    return {"label": gettext("Chats venter"), "count": count, "url": INBOX_LINK}
