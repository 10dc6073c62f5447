"""What a chat keeps: its messages (and what a message may be), whether the member is still there, and the consent
to keep the transcript; without it, or once it is withdrawn, the transcript goes.

The turn (portal/services/chat/chat.py), the states while a person holds the chat (chat_states.py) and the handoff
(handoff.py) all write through here; this module imports none of them.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from portal.database import prepared
from portal.models import Consent
from portal.models.chat import ChatConversation, ChatMessage, Handoff
from portal.models.statuses import ChatState
from portal.services.actors import Actor, SystemActor
from portal.services.errors import ValidationFailed
from portal.services.minside.consent import give_consent, withdraw_consent
from portal.services.text_limits import one_line_breaks

MAX_MESSAGE_CHARS = 2000
# A conversation without consent keeps its transcript only for the session: idle this long, it is deleted.
SESSION_IDLE_MINUTES = 120
# The widget polls every few seconds; not seen for this long means the member has left.
PRESENCE_SECONDS = 60
CHAT_CONSENT_PURPOSE = "chat_contact"
MESSAGE_PAGE = 200


def check_message_text(text) -> str:
    """The user's message as it will be processed, or ValidationFailed with a polite Danish reason."""
    if not isinstance(text, str):
        raise ValidationFailed("Beskeden skal være tekst.", field="message")
    text = one_line_breaks(text.replace("\x00", "")).strip()  # as the textarea's maxlength counts
    if not text:
        raise ValidationFailed("Skriv en besked først.", field="message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(
            f"Beskeden er for lang ({len(text)} tegn). Skriv højst {MAX_MESSAGE_CHARS} tegn ad gangen, "
            "gerne i flere beskeder.", field="message")
    return text


def add_message(session: Session, conversation: ChatConversation, *, sender: str, text: str, now: datetime,
                buttons: list | None = None, intent: str | None = None, confidence: float | None = None,
                author_user_id: int | None = None) -> ChatMessage:
    message = ChatMessage(conversation_id=conversation.id, at=now, sender=sender, text=text, buttons=buttons or None,
                          intent=intent, confidence=confidence, author_user_id=author_user_id)
    session.add(message)
    return message


@prepared
def _messages_after():
    return (select(ChatMessage).where(ChatMessage.conversation_id == bindparam("conversation_id"),
                                      ChatMessage.id > bindparam("after_id"))
            .order_by(ChatMessage.id).limit(MESSAGE_PAGE))


def messages_after(session: Session, conversation: ChatConversation, after_id: int = 0) -> list[ChatMessage]:
    """The conversation's messages after `after_id`, oldest first (at most MESSAGE_PAGE; the widget and its poll)."""
    return list(session.scalars(_messages_after(), {"conversation_id": conversation.id, "after_id": after_id}))


def last_message(session: Session, conversation: ChatConversation) -> ChatMessage | None:
    return session.scalar(select(ChatMessage).where(ChatMessage.conversation_id == conversation.id)
                          .order_by(ChatMessage.id.desc()).limit(1))


def mark_seen(conversation: ChatConversation, now: datetime) -> None:
    conversation.last_seen_at = now


def member_present(conversation: ChatConversation, now: datetime) -> bool:
    return conversation.last_seen_at >= now - timedelta(seconds=PRESENCE_SECONDS)


# ---- consent ------------------------------------------------------------------------------------------------

def record_chat_consent(session: Session, conversation: ChatConversation, *, text_shown: str, now: datetime,
                        actor: Actor = SystemActor.CHATBOT) -> Consent:
    """Consent to store this conversation and the contact details given in it (purpose chat_contact)."""
    if conversation.consent_given and conversation.consent_id:
        existing = session.get(Consent, conversation.consent_id)
        if existing is not None and existing.withdrawn_at is None:
            return existing
    consent = give_consent(session, purpose=CHAT_CONSENT_PURPOSE, text_shown=text_shown, source="chatbot",
                           actor=actor, now=now, member_id=conversation.member_id,
                           subject_ref=None if conversation.member_id else f"chat:{conversation.sender_id[:60]}")
    conversation.consent_given = True
    conversation.consent_id = consent.id
    return consent


def withdraw_chat_consent(session: Session, conversation: ChatConversation, *, now: datetime,
                          actor: Actor = SystemActor.CHATBOT) -> Consent | None:
    """Withdraw the chat consent: the transcript is deleted and nothing more is stored. None if none was given."""
    consent = session.get(Consent, conversation.consent_id) if conversation.consent_id else None
    if consent is None and conversation.member_id:
        consent = session.scalar(select(Consent).where(
            Consent.member_id == conversation.member_id, Consent.purpose == CHAT_CONSENT_PURPOSE,
            Consent.withdrawn_at.is_(None)).order_by(Consent.given_at.desc()).limit(1))
    if consent is None or consent.withdrawn_at is not None:
        conversation.consent_given = False
        return None
    with _answering_in(session, conversation):
        withdraw_consent(session, consent, actor=actor, now=now)
    conversation.consent_given = False
    conversation.consent_id = None
    forget_transcript(session, conversation)
    return consent


# The conversations a withdrawal is made from (session.info): the bot goes on answering in them, so the consent's
# withdrawal handler (chat.py) empties them instead of deleting them.
_IN_CHAT = "chat_withdrawal_from"


@contextmanager
def _answering_in(session: Session, conversation: ChatConversation):
    ids = session.info.setdefault(_IN_CHAT, set())
    ids.add(conversation.id)
    try:
        yield
    finally:
        ids.discard(conversation.id)


def in_chat(session: Session, conversation: ChatConversation) -> bool:
    """Whether the consent is being withdrawn from inside this conversation (withdraw_chat_consent)."""
    return conversation.id in session.info.get(_IN_CHAT, ())


# What a handoff keeps from the chat it came from (chatbot/actions/handoff.handoff_context): the topics the member
# asked about and what the bot did are read from the transcript, and go with it.
TRANSCRIPT_KEYS_OF_A_HANDOFF = ("intents", "actions_tried")


def forget_transcript(session: Session, conversation: ChatConversation) -> int:
    """Delete the stored messages and everything the dialogue kept (forgotten_tracker), and what the conversation's
    handoffs took from them (the caseworker's overview then says there is no consent and no topics); returns how
    many messages went."""
    result = session.execute(delete(ChatMessage).where(ChatMessage.conversation_id == conversation.id))
    for handoff in session.scalars(select(Handoff).where(Handoff.conversation_id == conversation.id)):
        context = {k: v for k, v in (handoff.context or {}).items() if k not in TRANSCRIPT_KEYS_OF_A_HANDOFF}
        context["consent"] = False  # a transcript is only forgotten without (or after) the consent to keep it
        handoff.context = context
    conversation.tracker = forgotten_tracker(conversation.tracker)
    return result.rowcount or 0


# What a forgotten dialogue keeps: the language the person reads (and the widget's), nothing they wrote or answered.
KEPT_SLOTS = ("language",)
KEPT_TRACKER_KEYS = ("widget_language",)


def forgotten_tracker(tracker: dict | None) -> dict:
    """`tracker` with every slot emptied but the language, consent false, no events and no open question."""
    tracker = tracker or {}
    slots = {name: (value if name in KEPT_SLOTS else None) for name, value in (tracker.get("slots") or {}).items()}
    slots["consent"] = False
    kept = {key: tracker[key] for key in KEPT_TRACKER_KEYS if key in tracker}
    return {**kept, "slots": slots, "active_loop": None, "prev_action": None, "fallback_stage": None, "events": []}


def purge_expired_transcripts(session: Session, *, now: datetime, idle_minutes: int = SESSION_IDLE_MINUTES) -> int:
    """Without consent a transcript lives only for the session: delete those idle longer than `idle_minutes`."""
    cutoff = now - timedelta(minutes=idle_minutes)
    ids = list(session.scalars(select(ChatConversation.id).where(
        ChatConversation.consent_given.is_(False), ChatConversation.last_activity_at < cutoff,
        ChatConversation.state != ChatState.HANDED_OFF)))
    if not ids:
        return 0
    count = session.execute(delete(ChatMessage).where(ChatMessage.conversation_id.in_(ids))).rowcount or 0
    for conversation in session.scalars(select(ChatConversation).where(ChatConversation.id.in_(ids))):
        conversation.tracker = {}
    return count
