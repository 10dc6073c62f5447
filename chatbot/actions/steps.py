"""Steps several actions share: a conversation to act on, consent and registration before booking or signing up,
going on with what was asked first, and opening a form with the location slot filled in.
"""
from __future__ import annotations

from rasa_sdk.events import FollowupAction, SlotSet

from chatbot.actions import bridge

# After consent (or registration) the bot continues with what the person asked for first.
RESUME_ACTION = {
    "book_conversation": "action_start_booking",
    "fvu": "action_register_session",
    "new_trade": "action_register_session",
    "job_matching": "action_request_jobmatch_cv",
    "request_human": "action_handoff",
}


def known_conversation(session, tracker, dispatcher):
    """The sender's conversation; None, after telling the person the bot cannot help, if there is none."""
    conversation = bridge.conversation(session, tracker)
    if conversation is None:
        dispatcher.utter_message(response="utter_action_failed")
    return conversation


def prerequisites(conversation, pending: str) -> list | None:
    """Events asking for consent / registration first, or None when the chat may book or sign up."""
    if conversation is None or not conversation.consent_given:
        return [SlotSet("pending_intent", pending), bridge.ask("utter_ask_consent")]
    if conversation.member_id is None:
        return [SlotSet("pending_intent", pending), bridge.ask("utter_offer_registration")]
    return None


def resume_pending(tracker) -> FollowupAction | None:
    """The action for what the person asked before consent or registration came first, if anything."""
    pending = tracker.get_slot("pending_intent")
    return FollowupAction(RESUME_ACTION[pending]) if pending in RESUME_ACTION else None


def open_form(tracker, form: str, events: list, location: str | None) -> list:
    """`events`, then `form`; the location slot filled with `location` unless the person has named one."""
    if location and not tracker.get_slot("location"):
        events.append(SlotSet("location", location))
    return events + [FollowupAction(form)]


class LocationSlot:
    """`validate_location` for a form (FormValidationAction) that asks for a service location."""

    def validate_location(self, value, dispatcher, tracker, domain):
        from portal.services.chat.chat import find_location

        with bridge.portal_session(dispatcher) as session:
            location = find_location(session, str(value))
            name = location.name if location is not None else None
        if name is None:
            dispatcher.utter_message(response="utter_invalid_location")
        return {"location": name}
