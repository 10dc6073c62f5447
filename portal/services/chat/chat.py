"""Chat conversations: one user turn through the embedded bot, registration and booking from the chat.

The bot's dialogue lives in chatbot/ (Rasa project + runtime); this module is the portal side: what a chat may
change. What is stored and for how long (messages, the chat consent) is portal/services/chat/chat_transcript.py; the
states while a person holds the chat are chat_states.py, the handoff itself handoff.py. Actions in chatbot/actions call these functions with actor "chatbot".
"""
from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, case, event, exists, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.database import prepared
from portal.models import Consent, Member, ServiceLocation
from portal.models.chat import ChatConversation, ChatMessage, Handoff
from portal.models.statuses import ChatState, MemberStatus
from portal.services import audit
from portal.services.actors import Actor, SystemActor
from portal.services.booking.conversation_types import NOTICE_PERIOD_TYPE
from portal.services.chat import chat_states
from portal.services.chat import handoff as handoff_service
from portal.services.chat.chat_states import quick_replies, render
from portal.services.chat.chat_transcript import (
    CHAT_CONSENT_PURPOSE,
    add_message,
    check_message_text,
    forget_transcript,
    forgotten_tracker,
    in_chat,
)
from portal.services.chat.contact_details import clean_contact, clean_danish_phone
from portal.services.chat.handoff import close_by_member, open_handoff
from portal.services.errors import Conflict, NotAllowed, ValidationFailed
from portal.services.minside.consent import WITHDRAWAL_HANDLERS
from portal.services.person_names import clean_person_name
from portal.timeutil import to_local

# ---- conversations ------------------------------------------------------------------------------------------

def conversation_for_sender(session: Session, sender_id: str) -> ChatConversation | None:
    if not isinstance(sender_id, str) or not sender_id or len(sender_id) > 200:
        return None
    return session.scalar(_conversation_of_sender(), {"sender_id": sender_id})


@prepared
def _conversation_of_sender():
    return select(ChatConversation).where(ChatConversation.sender_id == bindparam("sender_id"))


def open_conversation(session: Session, *, sender_id: str, source: str, now: datetime, language: str = "da",
                      location_id: int | None = None, member: Member | None = None) -> ChatConversation:
    """The conversation of `sender_id`, created on first use (the sender id is issued and signed by the web layer).

    Two first messages can arrive at once (a double click on the first quick reply): both find no conversation and
    both insert. The unique sender_id lets one win; the other's insert waits for the winner's commit, fails, is
    rolled back to its savepoint and continues with the winner's row instead of answering 500."""
    conversation = conversation_for_sender(session, sender_id)
    if conversation is not None:
        return conversation
    if member is not None:
        location_id = member.location_id
    conversation = ChatConversation(
        sender_id=sender_id, source=source, location_id=location_id, member_id=member.id if member else None,
        language=language if language in ("da", "en") else "da", state=ChatState.BOT,
        consent_given=_member_has_chat_consent(session, member), tracker={}, created_at=now,
        last_activity_at=now, last_seen_at=now)
    _open_transaction(session)
    try:
        with session.begin_nested():
            session.add(conversation)
            session.flush()
    except IntegrityError:
        existing = conversation_for_sender(session, sender_id)
        if existing is None:  # not the sender id after all (e.g. a foreign key): a real error
            raise
        return existing
    return conversation


def _open_transaction(session: Session) -> None:
    """SQLite: make sure a transaction is open before a savepoint. The sqlite3 driver begins one only before a
    write, and a SAVEPOINT outside a transaction starts its own, which RELEASE then commits: the conversation would
    be committed at once, outside the request's transaction and the turn's lock (take_turn)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def member_conversation(session: Session, member: Member) -> ChatConversation | None:
    """The conversation a signed-in member's Min side chat continues, on any device: the one a person holds or
    she waits in (whatever page it began on), else her latest Min side conversation. Only ever her own (member_id):
    a chat that never named her (an anonymous flyer chat in the same browser) is not hers."""
    return member_chat(session, member)[0]


def member_chat_columns(member_id) -> tuple:
    """`member_chat`'s two answers as columns for a statement about the member (`member_id` a value or a bind
    parameter): the id of the conversation her Min side chat continues, and whether her chat consent stands. Min
    side reads them with its small cards (portal.services.minside.home_cards), which hands them to
    `remember_member_chat`."""
    handed_off = ChatConversation.state == ChatState.HANDED_OFF
    continued = (select(ChatConversation.id).where(
        ChatConversation.member_id == member_id, or_(handed_off, ChatConversation.source == "minside"))
        .order_by(case((handed_off, 0), else_=1), ChatConversation.last_activity_at.desc(),
                  ChatConversation.id.desc()).limit(1).scalar_subquery())
    consent = exists().where(Consent.member_id == member_id, Consent.purpose == CHAT_CONSENT_PURPOSE,
                             Consent.withdrawn_at.is_(None))
    return continued, consent


@prepared
def _member_chat_and_consent():
    return select(*member_chat_columns(bindparam("member_id")))


# session.info: {member id: (conversation id, consented)} as another statement of the request read them; forgotten at
# the session's next flush and at its transaction's start and end, as either may change them.
_MEMBER_CHAT = "member_chat_read"


def remember_member_chat(session: Session, member_id: int, conversation_id: int | None, consented) -> None:
    session.info.setdefault(_MEMBER_CHAT, {})[member_id] = (conversation_id, bool(consented))


def _forget_member_chat(session: Session, *args) -> None:
    session.info.pop(_MEMBER_CHAT, None)


for _moment in ("after_begin", "after_flush", "after_transaction_end"):
    event.listen(Session, _moment, _forget_member_chat)


def member_chat(session: Session, member: Member) -> tuple[ChatConversation | None, bool]:
    """`member_conversation` and whether her chat consent stands (her consent record): one statement when she has
    no chat, two when she has (every Min side page shows the chat); none of its own on Min side's home, whose
    small cards read both (`remember_member_chat`)."""
    known = session.info.get(_MEMBER_CHAT, {}).get(member.id)
    if known is None:
        known = session.connection().execute(_member_chat_and_consent(), {"member_id": member.id}).one()
    conversation_id, consented = known
    conversation = session.get(ChatConversation, conversation_id) if conversation_id is not None else None
    return conversation, bool(consented)


def chat_consent_now(session: Session, conversation: ChatConversation | None, member: Member | None = None) -> bool:
    """Whether the chat consent stands now: the conversation's own, or the signed-in (or registered) member's
    consent record (a member who consented once is not told "we keep nothing before you consent" again)."""
    if conversation is not None and conversation.consent_given:
        return True
    if member is None and conversation is not None and conversation.member_id is not None:
        member = conversation.member
    return _member_has_chat_consent(session, member)


def _consent_to_withdraw(session: Session, conversation: ChatConversation) -> bool:
    """Whether a withdrawal in this chat would withdraw anything (this chat's consent, or the member's)."""
    return conversation.consent_given or _member_has_chat_consent(session, conversation.member)


def _member_has_chat_consent(session: Session, member: Member | None) -> bool:
    if member is None:
        return False
    return session.scalar(select(Consent.id).where(
        Consent.member_id == member.id, Consent.purpose == CHAT_CONSENT_PURPOSE, Consent.withdrawn_at.is_(None)
    ).limit(1)) is not None


def bot_slots(session: Session, conversation: ChatConversation) -> dict:
    """What the database knows better than the tracker: language, consent, whether we know the member and the
    member's status (ledig, opsagt …: the bot's offers and consent wording follow it; None for an unknown person)."""
    member = conversation.member if conversation.member_id is not None else None
    return {"language": conversation.language, "consent": conversation.consent_given,
            "member_known": member is not None, "member_status": str(member.status) if member is not None else None}


def take_turn(session: Session, conversation: ChatConversation, now: datetime) -> None:
    """One turn at a time per conversation: lock the conversation's row, then read its tracker again.

    A member can send the next message before the last answer's request has finished (a slow phone, a double tap,
    two tabs). Without the lock both turns read the same tracker and the later commit silently undoes the earlier
    one's dialogue state (the bot re-asked "Telefon eller video?" after the member had chosen, seen in the phone
    journey). The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until the turn commits, so the
    second turn waits and then continues from what the first one stored."""
    if conversation.id is None:
        session.flush()  # a new conversation: the INSERT holds the lock already
    session.execute(update(ChatConversation).where(ChatConversation.id == conversation.id)
                    .values(last_activity_at=now), execution_options={"synchronize_session": False})
    session.refresh(conversation)


def handle_user_message(session: Session, conversation: ChatConversation, text: str, *, now: datetime,
                        agent, widget_language: str | None = None) -> list[dict]:
    """One user turn. Returns the bot's messages in Rasa's REST format.

    Every message gets an answer in every state (portal/services/chat/chat_states.py): while a person holds the chat
    the bot only answers the commands that always work, and [] means the person answers. A withdrawal of consent
    is honoured in every state before anything else. `widget_language` is the page's language (da/en); a
    message clearly written in the other language switches the answers to it.
    """
    text = check_message_text(text)
    take_turn(session, conversation, now)
    conversation.last_seen_at = now
    choose_language(conversation, text, widget_language)
    shown = _payload_title(session, conversation, text) if text.startswith("/") else text
    asked = chat_states.pending_question(conversation)
    if asked in chat_states.WITHDRAWAL_QUESTIONS:  # a typed "ja"/"nej" answers the portal's withdrawal question
        from chatbot.runtime.agent import typed_yes_no

        text = typed_yes_no(text, asked) or text
    if conversation.state == ChatState.HANDED_OFF:
        replies = chat_states.handle_while_handed_off(session, conversation, text, shown, now=now, agent=agent)
        if replies is not None:
            return replies
    if conversation.state == ChatState.CLOSED:
        conversation.state = ChatState.BOT
    parse = agent.nlu.parse(text) if not text.startswith("/") else None
    command = chat_states.member_command(text, parse)
    if command == "withdraw_consent":
        return chat_states.withdraw(session, conversation, now=now, said=shown)
    if asked == "utter_confirm_withdrawal" and text == "/deny":  # "Nej, fortsæt"
        return chat_states.go_on(session, conversation, shown=shown, now=now, lead="utter_withdrawal_not_confirmed")
    if command == "go_back":
        return chat_states.go_on(session, conversation, shown=shown, now=now, lead="utter_go_back")
    if command is None and chat_states.reads_as_withdrawal(text, parse) and _consent_to_withdraw(session, conversation):
        return chat_states.ask_back_withdrawal(session, conversation, shown=shown, parse=parse, now=now)
    if command == "stop":
        text = "/deny"  # nobody holds the chat: "stop" leaves whatever the bot was asking (never a withdrawal)
    said = add_message(session, conversation, sender="user", text=shown, now=now)
    session.flush()
    consent_before = conversation.consent_given
    messages, state, parse = agent.handle(
        conversation.tracker or None, text, sender_id=conversation.sender_id,
        slots=bot_slots(session, conversation), session=session, action_guard=lambda: session.begin_nested())
    intent = parse.get("intent") or {}
    state_of_said = inspect(said)
    if not (state_of_said.deleted or state_of_said.was_deleted or state_of_said.detached):
        # (a withdrawn consent deletes the transcript, this line included)
        said.intent, said.confidence = intent.get("name"), intent.get("confidence")
    if consent_before and not conversation.consent_given:
        state = forgotten_tracker(state)  # withdrawn in this turn: the answers go with the transcript
        if messages:
            messages[0].setdefault("custom", {})["transcript_deleted"] = True
    for message in messages:
        add_message(session, conversation, sender="bot", text=message.get("text", ""), now=now,
                    buttons=message.get("buttons"))
    if not conversation.consent_given:
        # No consent: the tracker keeps no copy of what was typed beyond the slots the dialogue needs.
        state["events"] = [e for e in state.get("events", []) if e.get("event") not in ("user", "bot")][-20:]
    conversation.tracker = state
    return messages


# Function words that tell Danish from English in a short message (words both languages use, such as "i", "to",
# "hej"/"hi", are left out). A message switches the answers only when it is clearly one language.
_ENGLISH_WORDS = ("the is are what how can could would should do does did my me you your am want need to about "
                  "please when where which who with for and of it this that have has get be will an a if tell know "
                  "any there thanks thank hello speak someone person book help job jobs course courses unemployed "
                  "notice withdraw consent delete remove")
_DANISH_WORDS = ("jeg du hvad hvordan hvornår kan min mit mine er og det ikke på med til en et vil gerne tak ja nej "
                 "om har mig der at skal få tale må noget samtale hvor hvis jer af kurser hjælp ledig opsagt bliver "
                 "blevet")


@lru_cache(maxsize=1)
def _language_words() -> tuple[frozenset, frozenset]:
    from chatbot.runtime.nlu import (
        normalise,  # the chatbot's normalisation (imports scikit-learn: on first use)
    )

    return (frozenset(normalise(_ENGLISH_WORDS).split()),
            frozenset(normalise(_DANISH_WORDS).split()))


def detect_language(text: str) -> str | None:
    """"da" or "en" when the message is clearly written in one of them, else None."""
    from chatbot.runtime.nlu import normalise

    english_words, danish_words = _language_words()
    words = normalise(text).split()
    english = sum(1 for w in words if w in english_words)
    danish = sum(1 for w in words if w in danish_words)
    if english >= 2 and english > 2 * danish:
        return "en"
    if danish >= 2 and danish > 2 * english:
        return "da"
    return None


def choose_language(conversation: ChatConversation, text: str, widget_language: str | None) -> None:
    """The language the bot answers in: the widget's (when it changes), unless the message is clearly another."""
    tracker = conversation.tracker or {}
    if widget_language in ("da", "en") and tracker.get("widget_language") != widget_language:
        conversation.language = widget_language
        conversation.tracker = {**tracker, "widget_language": widget_language}
    if not text.startswith("/"):
        detected = detect_language(text)
        if detected is not None:
            conversation.language = detected


def _payload_title(session: Session, conversation: ChatConversation, payload: str) -> str:
    """A button's payload (/intent{...}) is shown in the transcript as the button's title, as the person saw it."""
    last_bot = session.scalar(select(ChatMessage).where(
        ChatMessage.conversation_id == conversation.id, ChatMessage.sender == "bot", ChatMessage.buttons.is_not(None))
        .order_by(ChatMessage.id.desc()).limit(1))
    for button in (last_bot.buttons if last_bot is not None else None) or []:
        if isinstance(button, dict) and button.get("payload") == payload and button.get("title"):
            return str(button["title"])[:200]
    from chatbot.runtime.labels import intent_label

    defaults = render(conversation, "utter_quick_default")["buttons"]
    for button in quick_replies(session, conversation, None) + defaults:  # the state's and the default buttons
        if button.get("payload") == payload:
            return str(button["title"])[:200]
    name = payload[1:].split("{", 1)[0]
    return intent_label(name, conversation.language)


# ---- consent ------------------------------------------------------------------------------------------------

def _on_chat_consent_withdrawn(session: Session, consent: Consent, actor: Actor, now: datetime) -> str | None:
    """Registered with the consent service: a withdrawal from Min side also stops the chat storing transcripts."""
    conversations = session.scalars(select(ChatConversation).where(
        (ChatConversation.consent_id == consent.id)
        | ((ChatConversation.member_id == consent.member_id) & (ChatConversation.member_id.is_not(None)))
    )).all()

    deleted = handed_off = in_use = 0
    for conversation in conversations:
        handoff = open_handoff(session, conversation)
        if handoff is not None:  # nobody may go on reading or answering a chat whose consent is gone
            close_by_member(session, handoff, why="consent_withdrawn", now=now)
        conversation.consent_given = False
        conversation.consent_id = None
        forget_transcript(session, conversation)
        if _handed_off_ever(session, conversation):
            # A handoff row points at its conversation (the caseworkers' record of who took which chat, the KPI):
            # the conversation stays as a bare record, its messages and every answer given in it gone.
            handed_off += 1
        elif in_chat(session, conversation):
            in_use += 1  # withdrawn in this very chat: the bot answers in it, and keeps nothing beyond the session
        else:
            session.delete(conversation)
            deleted += 1
    session.flush()
    return withdrawal_summary(deleted, handed_off, in_use)


def _handed_off_ever(session: Session, conversation: ChatConversation) -> bool:
    return session.scalar(select(Handoff.id).where(Handoff.conversation_id == conversation.id).limit(1)) is not None


def withdrawal_summary(deleted: int, handed_off: int = 0, in_use: int = 0) -> str | None:
    """What a withdrawal of the chat consent did to the chats, in words the member reads on Mine data."""
    from portal.services.minside_i18n import _

    parts = []
    if deleted or handed_off:
        parts.append(_("Chatsamtalerne er slettet med alt, hvad du skrev og svarede i dem."))
    if handed_off:
        parts.append(_("%(count)s af dem har en medarbejder haft: de står tilbage som tomme poster med tidspunkt og "
                       "overdragelse, så overdragelsen kan dokumenteres.", count=handed_off))
    if in_use:
        parts.append(_("Chatten, du skriver i, er tømt og gemmer ikke mere fra dig."))
    return " ".join(parts) or None


# ---- registration of a dismissed person -------------------------------------------------------------------

CHANNELS = ("in_person", "phone", "video")


class KnownContact(Conflict):
    """The contact details typed in the chat are an existing member's. The message is the one anyone gets."""

    def __init__(self, member: Member) -> None:
        super().__init__("Tak. Hvis du allerede er medlem, sender vi et login-link til den e-mail eller det "
                         "telefonnummer, du skrev.")
        self.member = member


def set_preferred_channel(session: Session, member: Member, channel: str | None, *, now: datetime,
                          actor: Actor = SystemActor.CHATBOT) -> None:
    """The way of meeting the member chose in the chat (fremmøde, telefon, video) is her preference from now on."""
    if channel not in CHANNELS or member.preferred_channel == channel:
        return
    member.preferred_channel = channel
    member.updated_at = now
    audit.record(session, actor, "member.preferred_channel_from_chat", member_id=member.id, target=member, now=now,
                 detail={"channel": channel})


_DATE = re.compile(r"^\s*(\d{1,2})[-./ ](\d{1,2})[-./ ](\d{2,4})\s*$")


def parse_danish_date(text: str) -> date | None:
    """dd-mm-yyyy, dd.mm.yyyy, dd/mm/yy or ISO yyyy-mm-dd."""
    text = (text or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DATE.match(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def check_notice_end(value: date | None, today: date) -> date:
    if value is None or value < today or value > today + timedelta(days=366):
        raise ValidationFailed("Opsigelsesdatoen skal ligge mellem i dag og et år frem.", field="notice_end_date")
    return value


# Who can register from the flyer: old enough to be in work, young enough not to be retired.
YOUNGEST_AGE, OLDEST_AGE = 15, 80


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th in a year without it."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def check_birth_date(value: date | None, today: date) -> date:
    """A birth date that makes the person 15 to 80 years old today (ValidationFailed otherwise)."""
    if value is None or not (_years_before(today, OLDEST_AGE) <= value <= _years_before(today, YOUNGEST_AGE)):
        raise ValidationFailed("Fødselsdatoen ser ikke rigtig ud.", field="birth_date")
    return value


def find_location(session: Session, text: str | None) -> ServiceLocation | None:
    """A service location by name, forgiving case, æøå spelling and small typos."""
    import difflib

    from chatbot.runtime.nlu import normalise

    if not text:
        return None
    wanted = normalise(str(text)).replace("foa ", "")
    locations = list(session.scalars(select(ServiceLocation)))
    by_key = {normalise(loc.name): loc for loc in locations}
    if wanted in by_key:
        return by_key[wanted]
    for key, loc in by_key.items():
        if key and (re.search(rf"(?<!\w){re.escape(key)}(?!\w)", wanted) or key.split(" ")[0] == wanted):
            return loc
    close = difflib.get_close_matches(wanted, list(by_key), n=1, cutoff=0.8)
    return by_key[close[0]] if close else None


def _new_member_number(session: Session) -> str:
    # Self-registered members get an 8-digit number starting with 9 until the member system assigns theirs.
    while True:
        number = "9" + "".join(secrets.choice("0123456789") for _ in range(7))
        if session.scalar(select(Member.id).where(Member.member_number == number)) is None:
            return number


def register_dismissed_member(session: Session, conversation: ChatConversation, *, full_name: str, birth_date: str,
                              contact: str, notice_end_date: str, location: str, now: datetime,
                              channel: str | None = None, actor: Actor = SystemActor.CHATBOT) -> Member:
    """Register the person chatting as a member with status opsagt and mark O. Needs the chat consent first.

    The conversation and its handoffs become the member's; `channel` is the way of meeting she chose in the chat, if
    she chose one before registering. KnownContact when the e-mail/phone is an existing member's (nothing written)."""
    if not conversation.consent_given:
        raise NotAllowed("Registrering kræver samtykke.")
    if conversation.member_id is not None:
        raise Conflict("Du er allerede registreret.")
    today = to_local(now).date()
    name = " ".join((full_name or "").split())
    if not 2 <= len(name) <= 160 or " " not in name:
        raise ValidationFailed("Skriv dit for- og efternavn.", field="full_name")
    name = clean_person_name(name, field="full_name")
    born = check_birth_date(parse_danish_date(birth_date), today)
    email, phone = clean_contact(contact)
    notice_end = check_notice_end(parse_danish_date(notice_end_date), today)
    place = find_location(session, location)
    if place is None:
        raise ValidationFailed("Afdelingen findes ikke.", field="location")
    duplicate = select(Member.id).where(Member.email == email) if email else select(Member.id).where(
        Member.phone == phone)
    known = session.scalar(select(Member).where(duplicate.whereclause).limit(1))
    if known is not None:
        # Never link a chat to an existing record on a typed e-mail/phone, and never tell the person typing that
        # the address is a member's: the caller answers as for anyone and sends the member a sign-in link.
        audit.record(session, actor, "member.register_from_chat_known_contact", member_id=known.id, now=now,
                     detail={"conversation_id": conversation.id})
        raise KnownContact(known)
    first, _, last = name.rpartition(" ")
    member = Member(
        member_number=_new_member_number(session), user_id=None, first_name=first[:80], last_name=last[:80],
        email=email, phone=phone, birth_date=born,
        gender="other",  # not asked in the chat; the caseworker corrects it at the first conversation
        location_id=place.id, caseworker_id=None, status=MemberStatus.OPSAGT, mark_o=True, notice_end_date=notice_end,
        trade_inside_foa=True, placement="new", preferred_channel=channel if channel in CHANNELS else "in_person",
        language=conversation.language, created_at=now, updated_at=now)
    session.add(member)
    session.flush()
    conversation.member_id = member.id
    conversation.location_id = place.id
    handoff_service.attach_to_member(session, conversation, member)  # handed off before she registered
    if conversation.consent_id:
        consent = session.get(Consent, conversation.consent_id)
        if consent is not None and consent.member_id is None:
            consent.member_id = member.id  # the chat's consent now belongs to the new member
    audit.record(session, actor, "member.register_from_chat", member_id=member.id, target=member, now=now,
                 detail={"conversation_id": conversation.id, "location": place.name, "mark_o": True})
    return member


# ---- booking the first conversation -----------------------------------------------------------------------

# A dismissed member's first conversation ("how to move on", DOMAIN.md "Dismissed members") is its own type,
# held in person, by phone or by video as the member chooses (portal/services/booking/conversation_types.py).
FIRST_CONVERSATION_TYPE = NOTICE_PERIOD_TYPE
SLOT_SEARCH_DAYS = 28
# The choices offered are different times (not one time with four caseworkers), at most this many on one day.
TIMES_PER_DAY = 2


def first_free_slots(session: Session, member: Member, *, channel: str, location_id: int | None, now: datetime,
                     limit: int = 4):
    """Up to `limit` free times for the first conversation: distinct times, the member's own department first.

    slots.free_slots ranks the member's own caseworker, then their department, then the nearest others; here
    each time is offered once (with the first caseworker free then), spread over days (TIMES_PER_DAY).
    """
    from portal.services.booking.slots import free_slots

    candidates = free_slots(session, type=FIRST_CONVERSATION_TYPE, start=now,
                            end=now + timedelta(days=SLOT_SEARCH_DAYS), now=now, member=member,
                            location_id=location_id or member.location_id, channel=channel, limit=400)
    home = location_id or member.location_id
    candidates.sort(key=lambda slot: (slot.location_id != home, 0))  # stable: keeps free_slots' order within
    chosen, times, per_day = [], set(), {}
    for slot in candidates:
        day = to_local(slot.starts_at).date()
        if slot.starts_at in times or per_day.get(day, 0) >= TIMES_PER_DAY:
            continue
        chosen.append(slot)
        times.add(slot.starts_at)
        per_day[day] = per_day.get(day, 0) + 1
        if len(chosen) >= limit:
            break
    return sorted(chosen, key=lambda slot: (slot.location_id != home, slot.starts_at))


def book_first_conversation(session: Session, member: Member, *, caseworker_id: int, starts_at: datetime,
                            channel: str, now: datetime, actor: Actor = SystemActor.CHATBOT):
    """Book the first conversation; by phone only when a phone number is known (the adviser calls it)."""
    from portal.services.booking.booking import book_slot

    if channel not in ("in_person", "phone", "video"):
        raise ValidationFailed("Vælg fremmøde, telefon eller video.", field="channel")
    if channel == "phone" and not member.phone:
        raise ValidationFailed("En telefonsamtale kræver et telefonnummer.", field="phone_number")
    set_preferred_channel(session, member, channel, now=now, actor=actor)
    return book_slot(session, member=member, caseworker_id=caseworker_id, starts_at=starts_at,
                     type=FIRST_CONVERSATION_TYPE, channel=channel, actor=actor, now=now)


def set_member_phone(session: Session, member: Member, text: str, *, now: datetime,
                     actor: Actor = SystemActor.CHATBOT) -> str:
    """Store the phone number the member gave in the chat (for a phone conversation). Returns it in E.164."""
    phone = clean_danish_phone(text)
    if member.phone != phone:
        member.phone = phone
        member.updated_at = now
        audit.record(session, actor, "member.phone_from_chat", member_id=member.id, target=member, now=now)
    return phone


def init_app(app) -> None:
    """Hook the chat into the consent service (withdrawal elsewhere deletes chat transcripts)."""
    handlers = WITHDRAWAL_HANDLERS.setdefault(CHAT_CONSENT_PURPOSE, [])
    if _on_chat_consent_withdrawn not in handlers:
        handlers.append(_on_chat_consent_withdrawn)
