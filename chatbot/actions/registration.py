"""A dismissed person registers through the chat: a member with status opsagt and mark O."""
from __future__ import annotations

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import FollowupAction, SlotSet

from chatbot.actions import bridge, steps
from portal.services.messaging.sms import display_phone


class ActionStartRegistration(Action):
    def name(self) -> str:
        return "action_start_registration"

    def run(self, dispatcher, tracker, domain):
        with bridge.portal_session(dispatcher) as session:
            conversation = steps.known_conversation(session, tracker, dispatcher)
            if conversation is None:
                return []
            if conversation.member_id is not None:
                dispatcher.utter_message(response="utter_already_registered",
                                         member_number=conversation.member.member_number)
                return [SlotSet("member_known", True)]
            if not conversation.consent_given:
                return [SlotSet("pending_intent", tracker.get_slot("pending_intent")), bridge.ask("utter_ask_consent")]
            location = conversation.location.name if conversation.location is not None else None
        return steps.open_form(tracker, "registration_form", [SlotSet(name, None) for name in bridge.PERSONAL_SLOTS],
                               location)


class ValidateRegistrationForm(steps.LocationSlot, FormValidationAction):
    def name(self) -> str:
        return "validate_registration_form"

    def validate_full_name(self, value, dispatcher, tracker, domain):
        name = " ".join(str(value or "").split())
        if 2 <= len(name) <= 160 and " " in name and not any(ch.isdigit() for ch in name):
            return {"full_name": name}
        dispatcher.utter_message(response="utter_invalid_full_name")
        return {"full_name": None}

    def validate_birth_date(self, value, dispatcher, tracker, domain):
        from portal.services.chat.chat import check_birth_date, parse_danish_date
        from portal.services.errors import ValidationFailed
        from portal.timeutil import local_today

        read = parse_danish_date(str(value))
        try:
            born = check_birth_date(read, local_today())
            return {"birth_date": born.isoformat()}
        except ValidationFailed:  # a date that cannot be read, or one that cannot be right (the future, 1890)
            dispatcher.utter_message(response="utter_invalid_birth_date" if read is None
                                     else "utter_implausible_birth_date")
            return {"birth_date": None}

    def validate_contact(self, value, dispatcher, tracker, domain):
        from portal.services.chat.contact_details import clean_contact
        from portal.services.errors import ValidationFailed

        try:
            email, phone = clean_contact(str(value))
            return {"contact": email or phone}
        except ValidationFailed:
            dispatcher.utter_message(response="utter_invalid_contact")
            return {"contact": None}

    def validate_notice_end_date(self, value, dispatcher, tracker, domain):
        from portal.services.chat.chat import check_notice_end, parse_danish_date
        from portal.services.errors import ValidationFailed
        from portal.timeutil import local_today

        try:
            return {"notice_end_date": check_notice_end(parse_danish_date(str(value)), local_today()).isoformat()}
        except ValidationFailed:
            dispatcher.utter_message(response="utter_invalid_notice_end_date")
            return {"notice_end_date": None}


def send_signin_link(session, member) -> str | None:
    """Give the member a password-less account and send a sign-in link (portal.auth.signin_link). Returns where
    it went (e-mail address or phone number), or None when nothing was sent (no address, or the account's limit)."""
    from flask import current_app

    from portal.auth.signin_link import ensure_member_account, send_link

    user = ensure_member_account(session, member, now=bridge.utcnow())
    if not send_link(session, member, user, secret=current_app.config["SECRET_KEY"], now=bridge.utcnow()):
        return None
    return member.email or member.phone


class ActionRegisterMember(Action):
    def name(self) -> str:
        return "action_register_member"

    def run(self, dispatcher, tracker, domain):
        from portal.services.chat.chat import KnownContact, register_dismissed_member
        from portal.services.errors import Conflict, NotAllowed

        with bridge.portal_session(dispatcher) as session:
            conversation = steps.known_conversation(session, tracker, dispatcher)
            if conversation is None:
                return []
            try:
                member = register_dismissed_member(
                    session, conversation, full_name=tracker.get_slot("full_name"),
                    birth_date=tracker.get_slot("birth_date"), contact=tracker.get_slot("contact"),
                    notice_end_date=tracker.get_slot("notice_end_date"), location=tracker.get_slot("location"),
                    channel=tracker.get_slot("channel"), now=bridge.utcnow())
            except KnownContact as known:
                # The same answer as anyone gets, nothing echoed: the member (only she reads her inbox) gets a
                # sign-in link; the person typing learns nothing about whether the address is a member's.
                send_signin_link(session, known.member)
                dispatcher.utter_message(response="utter_known_contact")
                return [SlotSet(name, None) for name in bridge.PERSONAL_SLOTS] + [
                    SlotSet("pending_intent", None), FollowupAction("utter_anything_else")]
            except (Conflict, NotAllowed) as err:
                dispatcher.utter_message(text=err.message)
                return [SlotSet("handoff_reason", "action_failed"), FollowupAction("action_handoff")]
            full_name, number, location = member.full_name, member.member_number, member.location.name
            sent_to = send_signin_link(session, member)
        dispatcher.utter_message(response="utter_registered", full_name=full_name, member_number=number,
                                 location=location)
        if sent_to:
            dispatcher.utter_message(response="utter_signin_link_sent", address=display_phone(sent_to))  # an e-mail address stays as it is
        events = [SlotSet("member_known", True), SlotSet("location", location)]
        events += [SlotSet(name, None) for name in bridge.PERSONAL_SLOTS]
        events.append(SlotSet("pending_intent", None))
        events.append(steps.resume_pending(tracker) or FollowupAction("utter_anything_else"))
        return events
