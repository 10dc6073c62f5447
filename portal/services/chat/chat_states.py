"""What the member sees and may do in each state of a chat: the bot, waiting for a person, with a person, handed
back or resolved (the bot again), consent withdrawn (the bot again, nothing kept).

While a person holds the chat (waiting or claimed) the bot is silent except for the commands that must always
work: withdraw consent, stop (leave the queue / end the conversation with the person) and asking for a person
again ("one is already coming"). Every other message reaches the caseworker; while nobody has taken the chat yet
the member is told it waits for them; a button from an earlier message is answered and shown by its title; a
typed message the classifier reads as a withdrawal is asked back with yes/no buttons (only the button withdraws).
The texts are the bot's own (chatbot/domain.yml, Danish and English).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from portal.models.chat import ChatConversation, ChatMessage, Handoff
from portal.models.statuses import ChatState, HandoffStatus
from portal.services.chat import handoff as handoff_service
from portal.services.chat.chat_transcript import add_message, withdraw_chat_consent
from portal.services.chat.handoff import open_handoff
from portal.timeutil import utcnow

BOT, WAITING, WITH_PERSON = "bot", "waiting", "with_person"
# Typed "stop" commands (normalised, see chatbot.runtime.nlu.normalise); the buttons send /stop.
STOP_PHRASES = {
    "stop", "afbryd", "anuler", "afslut", "forlad koen", "forlad kø", "stop ventetiden", "afslut samtalen",
    "afslut samtalen med medarbejderen", "jeg vil ikke vente", "cancel", "end", "quit", "leave the queue",
    "end the conversation", "end the conversation with the person",
}
# A typed request for a person is taken as a command only when the classifier is this sure (else it goes to the
# person). A withdrawal is never taken from typed text, however sure: it deletes the transcript and stops what the
# member was doing ("tilbage" scored 0.68 and "slet" 0.70), so it is asked back with yes/no buttons; only the
# button (/withdraw_consent) withdraws at once.
COMMAND_CONFIDENCE = 0.6
COMMANDS = ("withdraw_consent", "stop", "request_human")
# "Back" (normalised words): a message of only these words, one of them a BACK_WORD, asks for the last question
# again; the chat has no way back, and these messages were read as withdrawals.
BACK_WORDS = {"tilbage", "back", "forige", "previous"}
BACK_FILLER = {"jeg", "vil", "gerne", "ga", "et", "skridt", "til", "det", "den", "sporgsmal", "spoergsmal", "go", "i",
               "want", "to", "the", "please", "tak", "igen", "kan", "vi", "lige", "question", "step", "one", "du",
               "gaa", "hop", "hopp"}
# The withdrawal confirmations the portal asks (their yes/no payloads are in chatbot.runtime.agent.YES_NO_QUESTIONS).
WITHDRAWAL_QUESTIONS = ("utter_confirm_withdrawal", "utter_confirm_withdrawal_while_handed_off")


def phase(session: Session, conversation: ChatConversation) -> tuple[str, Handoff | None]:
    """(BOT | WAITING | WITH_PERSON, the open handoff)."""
    if conversation.state != ChatState.HANDED_OFF:
        return BOT, None
    handoff = open_handoff(session, conversation)
    if handoff is None:
        return BOT, None
    return (WITH_PERSON if handoff.status == HandoffStatus.CLAIMED else WAITING), handoff


def render(conversation: ChatConversation, response: str, **variables) -> dict:
    """A domain response in the conversation's language: {"text", "buttons"}."""
    from chatbot.runtime.agent import render_response
    from chatbot.runtime.project import load_project

    return render_response(load_project(), response, {"language": conversation.language}, variables)


def _where(handoff: Handoff, language: str) -> str:
    if handoff.target_caseworker is not None and handoff.escalation_level == 0:
        return handoff.target_caseworker.name
    if handoff.location is not None:
        return f"FOA A-kasse {handoff.location.name}"
    return "FOA A-kasse's central unit" if language == "en" else "FOA A-kasses centrale enhed"


def _person(handoff: Handoff) -> str:
    return handoff.claimed_by.name if handoff.claimed_by is not None else "FOA A-kasse"


def status(session: Session, conversation: ChatConversation) -> dict | None:
    """What the widget shows above the message box while a person holds the chat (text and buttons); else None."""
    kind, handoff = phase(session, conversation)
    if kind == WAITING:
        return {"state": kind, **render(conversation, "utter_state_waiting",
                                        where=_where(handoff, conversation.language))}
    if kind == WITH_PERSON:
        return {"state": kind, **render(conversation, "utter_state_with_person", name=_person(handoff))}
    return None


_NOT_KNOWN = object()


def quick_replies(session: Session, conversation: ChatConversation | None,
                  last: ChatMessage | None, language: str = "da", member_status: str | None = None,
                  state: dict | None = _NOT_KNOWN) -> list[dict]:
    """The buttons under the chat now: the state's own while a person holds it, else the bot's last ones, else
    the default three (after a system line such as "the caseworker has ended the conversation"), fitting the
    signed-in member's status on Min side (`member_status` before the conversation exists). `state`: the
    conversation's `status` when the caller has it already (the widget shows both: one lookup of the handoff)."""
    if conversation is not None:
        if (last is not None and last.sender == "bot" and last.buttons
                and pending_question(conversation) in WITHDRAWAL_QUESTIONS):
            # "Vil du trække dit samtykke tilbage? … tryk »Ja, slet min chat«": its own buttons, also while a
            # person holds the chat (the state's "Forlad køen" and "Træk mit samtykke tilbage" hid the answer)
            return list(last.buttons)
        if state is _NOT_KNOWN:
            state = status(session, conversation)
        if state is not None:
            return state["buttons"]
        language = conversation.language
        if conversation.member_id is not None and conversation.source == "minside":
            member_status = str(conversation.member.status)  # on Min side the defaults fit the member
    if last is not None and last.sender == "bot" and last.buttons:
        return list(last.buttons)
    from chatbot.runtime.agent import render_response
    from chatbot.runtime.project import load_project

    return render_response(load_project(), "utter_quick_default",
                           {"language": language, "member_status": member_status,
                            "conversation_booked": _conversation_booked(session, conversation, member_status)}
                           )["buttons"]


def expects_text(conversation: ChatConversation | None) -> bool:
    """Whether the member is expected to type next rather than press a button: a person holds the chat, or the
    bot's open question is answered in words (a name, a date; chatbot.runtime.agent.asks_for_text). The widget
    then moves the focus to the message box instead of the first button, which is "Afbryd" or "Forlad køen"
    there, so Enter cannot cancel by accident (WCAG 2.4.3 focus order)."""
    if conversation is None:
        return False
    if conversation.state == ChatState.HANDED_OFF:
        return True
    from chatbot.runtime.agent import asks_for_text
    from chatbot.runtime.project import load_project

    return asks_for_text(load_project(), conversation.tracker or {})


def _conversation_booked(session: Session, conversation: ChatConversation | None, member_status: str | None) -> bool:
    """Whether the member has the chat's own conversation booked already (then the default buttons offer "when is
    my next conversation?" instead of "Book en samtale", which would only say they have one). Only asked where the
    defaults offer booking: the flyer's and a dismissed member's chat."""
    if conversation is None or conversation.member_id is None or member_status not in (None, "opsagt"):
        return False
    from portal.services.booking.booking import booking_in_the_way
    from portal.services.booking.conversation_types import NOTICE_PERIOD_TYPE, TYPES

    return booking_in_the_way(session, conversation.member, TYPES[NOTICE_PERIOD_TYPE], now=utcnow()) is not None


def member_command(text: str, parse: dict | None) -> str | None:
    """Which always-working command a message is, if any: withdraw_consent, stop, request_human."""
    from chatbot.runtime.nlu import normalise

    if text.startswith("/"):
        name = text[1:].split("{", 1)[0].strip()
        return name if name in COMMANDS else None
    said = normalise(text)
    if said in STOP_PHRASES:
        return "stop"
    if asks_to_go_back(said):
        return "go_back"
    intent = (parse or {}).get("intent") or {}
    if intent.get("name") == "request_human" and (intent.get("confidence") or 0) >= COMMAND_CONFIDENCE:
        return intent["name"]
    return None


def asks_to_go_back(said: str) -> bool:
    """Whether a normalised message only asks to go back ("tilbage", "gå tilbage", "jeg vil tilbage", "back")."""
    words = said.split()
    return 0 < len(words) <= 8 and any(w in BACK_WORDS for w in words) and \
        all(w in BACK_WORDS or w in BACK_FILLER for w in words)


def reads_as_withdrawal(text: str, parse: dict | None) -> bool:
    """A typed message the classifier reads as a withdrawal, at any confidence: asked back, never acted on."""
    if text.startswith("/"):
        return False
    intent = (parse or {}).get("intent") or {}
    return intent.get("name") == "withdraw_consent"


def pending_question(conversation: ChatConversation) -> str | None:
    """The yes/no question the chat asked last and still waits for (chatbot.runtime.agent.PENDING_QUESTION)."""
    from chatbot.runtime.agent import PENDING_QUESTION

    return (conversation.tracker or {}).get(PENDING_QUESTION)


def _set_pending_question(conversation: ChatConversation, question: str | None) -> None:
    from chatbot.runtime.agent import PENDING_QUESTION

    conversation.tracker = {**(conversation.tracker or {}), PENDING_QUESTION: question}


def ask_back_withdrawal(session: Session, conversation: ChatConversation, *, shown: str, parse: dict,
                        now: datetime) -> list[dict]:
    """The bot holds the chat and a typed message reads as a withdrawal: asked with yes/no buttons (a typed "ja"
    answers it too). The dialogue is left as it was, so "Nej, fortsæt" goes on where the member was."""
    intent = parse.get("intent") or {}
    add_message(session, conversation, sender="user", text=shown, now=now, intent=intent.get("name"),
                confidence=intent.get("confidence"))
    reply = render(conversation, "utter_confirm_withdrawal")
    add_message(session, conversation, sender="bot", text=reply["text"], buttons=reply["buttons"], now=now)
    _set_pending_question(conversation, "utter_confirm_withdrawal")
    return [_rest(conversation, reply)]


def go_on(session: Session, conversation: ChatConversation, *, shown: str, now: datetime,
          lead: str) -> list[dict]:
    """Answer outside the dialogue with `lead` (a domain response), then the last question asked again with its
    buttons ("tilbage", or "Nej, fortsæt" to a withdrawal question). The dialogue state is not touched: the
    question the member was at is still the one answered next."""
    last = _last_question(session, conversation)
    add_message(session, conversation, sender="user", text=shown, now=now)
    if pending_question(conversation) in WITHDRAWAL_QUESTIONS:
        _set_pending_question(conversation, None)
    replies = [render(conversation, lead), last]
    for reply in replies:
        add_message(session, conversation, sender="bot", text=reply["text"], buttons=reply["buttons"] or None,
                    now=now)
    return [_rest(conversation, reply) for reply in replies]


def _last_question(session: Session, conversation: ChatConversation) -> dict:
    """The bot's last message with its buttons, but not a withdrawal question nor an answer of go_on's; the default
    question when there is none."""
    from sqlalchemy import select

    skipped = {render(conversation, name)["text"] for name in ("utter_go_back", "utter_withdrawal_not_confirmed")}
    recent = session.scalars(select(ChatMessage).where(
        ChatMessage.conversation_id == conversation.id, ChatMessage.sender == "bot")
        .order_by(ChatMessage.id.desc()).limit(12))
    for message in recent:
        payloads = [b.get("payload") for b in message.buttons or [] if isinstance(b, dict)]
        if "/withdraw_consent" in payloads or message.text in skipped:
            continue
        return {"text": message.text, "buttons": list(message.buttons or [])}
    return {"text": render(conversation, "utter_quick_default")["text"],
            "buttons": quick_replies(session, conversation, None)}


def handle_while_handed_off(session: Session, conversation: ChatConversation, text: str, shown: str, *,
                            now: datetime, agent) -> list[dict] | None:
    """One member message while a person holds the chat. None when no handoff is open (the bot answers it)."""
    kind, handoff = phase(session, conversation)
    if handoff is None:
        conversation.state = ChatState.BOT
        return None
    parse = agent.nlu.parse(text)
    command = member_command(text, parse)
    if command == "withdraw_consent":
        return withdraw(session, conversation, now=now, said=shown)
    asked = pending_question(conversation)
    if asked in WITHDRAWAL_QUESTIONS:
        _set_pending_question(conversation, None)
    intent = parse.get("intent") or {}
    add_message(session, conversation, sender="user", text=shown, now=now, intent=intent.get("name"),
                confidence=intent.get("confidence"))
    if asked == "utter_confirm_withdrawal_while_handed_off" and text == "/deny":
        reply = render(conversation, "utter_withdrawal_not_confirmed")
    elif command == "stop":
        handoff_service.close_by_member(session, handoff, why="stopped", now=now)
        reply = render(conversation, "utter_left_queue" if kind == WAITING else "utter_left_person")
        _reset_dialogue(conversation, "action_deny")
    elif command == "request_human":
        reply = (render(conversation, "utter_person_already_waiting", where=_where(handoff, conversation.language))
                 if kind == WAITING else render(conversation, "utter_person_already_here", name=_person(handoff)))
    elif reads_as_withdrawal(text, parse):
        # Typed text is never a withdrawal by itself (member_command): asked back with yes/no buttons; the message
        # has reached the person all the same.
        reply = render(conversation, "utter_confirm_withdrawal_while_handed_off",
                       who=_where(handoff, conversation.language) if kind == WAITING else _person(handoff))
        _set_pending_question(conversation, "utter_confirm_withdrawal_while_handed_off")
    elif text.startswith("/"):
        reply = (render(conversation, "utter_button_while_waiting", title=shown) if kind == WAITING
                 else render(conversation, "utter_button_while_person", title=shown, name=_person(handoff)))
    elif kind == WAITING:
        reply = render(conversation, "utter_message_waiting", where=_where(handoff, conversation.language))
    else:
        return []  # the person answers; the widget shows who has the chat
    add_message(session, conversation, sender="bot", text=reply["text"], buttons=reply["buttons"], now=now)
    return [_rest(conversation, reply)]


def withdraw(session: Session, conversation: ChatConversation, *, now: datetime, said: str) -> list[dict]:
    """Withdraw the chat consent from any state: an open handoff is closed, the transcript deleted, and the
    member told so at once (the reply carries custom.transcript_deleted for the widget)."""
    from portal.i18n import format_local_datetime

    consent = withdraw_chat_consent(session, conversation, now=now)
    _reset_dialogue(conversation, "action_withdraw_consent")
    if consent is None:
        add_message(session, conversation, sender="user", text=said, now=now)
        reply = render(conversation, "utter_no_consent_to_withdraw")
    else:
        when = format_local_datetime(consent.withdrawn_at, "d. MMMM y 'kl.' HH:mm", conversation.language)
        reply = render(conversation, "utter_consent_withdrawn", withdrawn_time=when)
    add_message(session, conversation, sender="bot", text=reply["text"], buttons=reply["buttons"], now=now)
    message = _rest(conversation, reply)
    if consent is not None:
        message["custom"] = {"transcript_deleted": True}
    return [message]


def _reset_dialogue(conversation: ChatConversation, done: str) -> None:
    """Back to the bot with no question pending (the personal slots go with a withdrawal in forget_transcript).

    `done` is recorded as the dialogue's last step, as if the bot had run it: the step answered here, outside the
    dialogue, must not leave the question asked before it standing (a "ja" or "i må gerne gemme samtalen" typed
    after "nej, jeg vil ikke give samtykke" was taken as the answer to the consent question asked before that)."""
    tracker = dict(conversation.tracker or {})
    tracker["prev_action"] = done
    tracker["events"] = [*(tracker.get("events") or []), {"event": "action", "name": done}]
    tracker["active_loop"] = None
    tracker["fallback_stage"] = None
    slots = dict(tracker.get("slots") or {})
    for name in ("requested_slot", "pending_intent", "handoff_reason", "slot_choice"):
        slots[name] = None
    tracker["slots"] = slots
    tracker.pop("yes_no_question", None)  # chatbot.runtime.agent.PENDING_QUESTION
    conversation.tracker = tracker


def _rest(conversation: ChatConversation, reply: dict) -> dict:
    message = {"recipient_id": conversation.sender_id, "text": reply["text"]}
    if reply.get("buttons"):
        message["buttons"] = reply["buttons"]
    return message
