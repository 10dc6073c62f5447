"""Consent (samtykke) in the chat: recorded with the exact wording shown, withdrawable at any time."""
from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import FollowupAction, SlotSet

from chatbot.actions import bridge, steps


class ActionRecordConsent(Action):
    def name(self) -> str:
        return "action_record_consent"

    def run(self, dispatcher, tracker, domain):
        from portal.services.chat.chat_transcript import record_chat_consent

        lang = bridge.language(tracker)
        decision = consent_decision(tracker)
        if decision == "ask":  # a typed message the classifier read as consent: ask the question itself
            return [bridge.ask("utter_ask_consent")]
        if decision == "unclear":  # an answer to the question that is not a clear yes: nothing is recorded
            dispatcher.utter_message(response="utter_consent_not_recorded")
            return [bridge.ask("utter_ask_consent")]
        with bridge.portal_session(dispatcher) as session:
            conversation = steps.known_conversation(session, tracker, dispatcher)
            if conversation is None:
                return []
            now = bridge.utcnow()
            shown = bridge.response_text(domain, "utter_ask_consent", lang, tracker)  # as the member saw it
            consent = record_chat_consent(session, conversation, now=now, text_shown=shown)
            member_known = conversation.member_id is not None
            minside = conversation.source == "minside"
            when = bridge.local_when(consent.given_at, lang, "d. MMMM y 'kl.' HH:mm")
        dispatcher.utter_message(response="utter_consent_given", consent_time=when)
        events = [SlotSet("consent", True), SlotSet("pending_intent", None)]
        resume = steps.resume_pending(tracker)
        if resume is not None:
            events.append(resume)
        elif not member_known and not minside:
            events.append(bridge.ask("utter_offer_registration"))
        else:
            events.append(FollowupAction("utter_anything_else"))
        return events


CONSENT_QUESTIONS = ("utter_ask_consent", "utter_handoff_needs_consent")


def consent_decision(tracker) -> str:
    """"record" only on an explicit confirmation: the consent button (payload /give_consent), or a typed yes
    that answers the consent question and says no "not"/"withdraw". "ask" for a typed message read as consent
    out of the blue (a classifier guess alone never records consent); "unclear" for a hedged answer."""
    from chatbot.runtime.nlu import says_no

    message = tracker.latest_message or {}
    text = str(message.get("text") or "").strip()
    if text.startswith(("/give_consent", "/affirm")):
        return "record" if text.startswith("/give_consent") or _question_before(tracker) else "ask"
    if not _question_before(tracker):
        return "ask"
    return "unclear" if says_no(text) else "record"


def _question_before(tracker) -> bool:
    """Whether the bot's last step before this user message was the consent question."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in (None, "action_listen"):
            return event["name"] in CONSENT_QUESTIONS
    return False


class ActionDeclineConsent(Action):
    def name(self) -> str:
        return "action_decline_consent"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_consent_declined")
        return [SlotSet("pending_intent", None)]


class ActionWithdrawConsent(Action):
    def name(self) -> str:
        return "action_withdraw_consent"

    def run(self, dispatcher, tracker, domain):
        from portal.services.chat.chat_transcript import withdraw_chat_consent

        lang = bridge.language(tracker)
        with bridge.portal_session(dispatcher) as session:
            conversation = bridge.conversation(session, tracker)
            consent = withdraw_chat_consent(session, conversation, now=bridge.utcnow()) if conversation else None
            when = bridge.local_when(consent.withdrawn_at, lang, "d. MMMM y 'kl.' HH:mm") if consent else ""
        if consent is None:
            dispatcher.utter_message(response="utter_no_consent_to_withdraw")
            return [SlotSet("consent", False)]
        dispatcher.utter_message(response="utter_consent_withdrawn", withdrawn_time=when)
        return [SlotSet("consent", False), SlotSet("pending_intent", None)] + [
            SlotSet(name, None) for name in bridge.PERSONAL_SLOTS]


class ActionAffirm(Action):
    """A "yes" that answers no question: ask what they would like."""

    def name(self) -> str:
        return "action_affirm"

    def run(self, dispatcher, tracker, domain):
        resume = steps.resume_pending(tracker)
        if resume is not None:
            return [resume]
        dispatcher.utter_message(response="utter_affirm_nothing_pending")
        return []


class ActionDeny(Action):
    def name(self) -> str:
        return "action_deny"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("pending_intent", None)]
