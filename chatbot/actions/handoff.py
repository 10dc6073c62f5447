"""Handing the conversation to a person: own caseworker, else the location's queue, with transcript and context."""
from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from chatbot.actions import bridge, steps
from portal.services.messaging.sms import display_phone

CONTEXT_TURNS = 8
# What the caseworker's overview says when the registration action ran without registering anyone.
REGISTRATION_REFUSED = "action_register_member_refused"


def handoff_context(tracker, conversation) -> dict:
    """What the caseworker needs to pick up: consent, member, what the bot understood and tried."""
    intents, actions = [], []
    for event in tracker.events:
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            intents.append({"intent": intent.get("name"), "confidence": intent.get("confidence")})
        elif event.get("event") == "action" and event.get("name") not in (None, "action_listen"):
            actions.append(event["name"])
    if conversation.member_id is None:  # the action ran, but registered nobody (chatbot/actions/registration.py)
        actions = [REGISTRATION_REFUSED if name == "action_register_member" else name for name in actions]
    return {
        "consent": bool(conversation.consent_given),
        "consent_id": conversation.consent_id,
        "member_id": conversation.member_id,
        "source": conversation.source,
        "language": conversation.language,
        "intents": intents[-CONTEXT_TURNS:],
        "actions_tried": actions[-CONTEXT_TURNS:],
    }


def join_waiting_handoff(session, handoff, tracker) -> None:
    """The member's message goes to the handoff she already has open (one row in the caseworkers' inbox, not two):
    what she wrote, if it was more than a button, is added to that conversation."""
    from portal.services.chat.chat_transcript import add_message

    text = str((tracker.latest_message or {}).get("text") or "").strip()
    if text and not text.startswith("/"):
        add_message(session, handoff.conversation, sender="user", text=text, now=bridge.utcnow())


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher, tracker, domain):
        from portal.services.chat.handoff import open_handoff, reply_reach, request_handoff

        lang = bridge.language(tracker)
        reason = tracker.get_slot("handoff_reason") or "request_human"
        if reason not in ("request_human", "fallback", "action_failed"):
            reason = "request_human"
        with bridge.portal_session(dispatcher) as session:
            conversation = steps.known_conversation(session, tracker, dispatcher)
            if conversation is None:
                return []
            if not conversation.consent_given:
                return [SlotSet("pending_intent", "request_human"), SlotSet("handoff_reason", reason),
                        bridge.ask("utter_handoff_needs_consent")]
            if open_handoff(session, conversation) is not None:
                dispatcher.utter_message(response="utter_handoff_already")
                return []
            handoff = request_handoff(session, conversation, reason=reason, now=bridge.utcnow(),
                                      context=handoff_context(tracker, conversation))
            if handoff.conversation_id != conversation.id:  # she waits for a person in another chat already
                join_waiting_handoff(session, handoff, tracker)
                dispatcher.utter_message(response="utter_handoff_joined")
                return [SlotSet("handoff_reason", None), SlotSet("pending_intent", None)]
            if handoff.target_caseworker is not None:
                where = handoff.target_caseworker.name
            elif handoff.location is not None:
                where = (f"FOA A-kasse {handoff.location.name}")
            else:
                where = "FOA A-kasses centrale enhed" if lang == "da" else "FOA A-kasse's central unit"
            channel, address = reply_reach(session, conversation)
        if channel == "email":
            reach = bridge.response_text(domain, "utter_reach_email", lang).format(email=address)
        elif channel == "sms":  # only when an SMS gateway is configured (portal.services.messaging.sms.available)
            reach = bridge.response_text(domain, "utter_reach_sms", lang).format(phone=display_phone(address))
        else:  # never a channel that does not exist for this person (no SMS gateway, no address given)
            reach = bridge.response_text(domain, "utter_reach_here_only", lang)
        dispatcher.utter_message(response="utter_handoff_started", where=where, reach=reach)
        return [SlotSet("handoff_reason", None), SlotSet("pending_intent", None)]
