"""Finding and booking the first conversation with real free slots (portal/services/booking/slots.py, booking.py)."""
from __future__ import annotations

import json
from datetime import datetime

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import FollowupAction, SlotSet

from chatbot.actions import bridge, steps
from portal.services.messaging.sms import display_phone

SLOTS_SHOWN = 4


class ActionStartBooking(Action):
    def name(self) -> str:
        return "action_start_booking"

    def run(self, dispatcher, tracker, domain):
        with bridge.portal_session(dispatcher) as session:
            conversation = bridge.conversation(session, tracker)
            member = conversation.member if conversation is not None else None
            if member is not None and not chat_books_for(member):
                # The chat books only the notice-period conversation; the signed-in member's own conversations
                # have their types and rules on Min side (asked before consent: nothing is stored for this).
                dispatcher.utter_message(response="utter_book_on_minside",
                                         types=own_conversation_types(session, member, bridge.language(tracker)))
                return [SlotSet("pending_intent", None)]
            refusal = first_conversation_refusal(session, member, now=bridge.utcnow()) if member else None
            if refusal:  # booked already: said before consent and the channel question, not after them
                dispatcher.utter_message(text=refusal)
                return [SlotSet("pending_intent", None)]
            waiting = steps.prerequisites(conversation, "book_conversation")
            if waiting:
                return waiting
            member_location = conversation.member.location.name
        events = [SlotSet("pending_intent", None)]
        if tracker.get_slot("slot_choice"):
            return events + [FollowupAction("action_book_conversation")]
        return steps.open_form(tracker, "booking_form", events, member_location)


class ValidateBookingForm(steps.LocationSlot, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_form"

    def validate_channel(self, value, dispatcher, tracker, domain):
        if value in ("in_person", "phone", "video"):
            return {"channel": value}
        dispatcher.utter_message(response="utter_ask_channel")
        return {"channel": None}


class ActionOfferSlots(Action):
    def name(self) -> str:
        return "action_offer_slots"

    def run(self, dispatcher, tracker, domain):
        from portal.services.chat.chat import find_location, first_free_slots

        lang = bridge.language(tracker)
        channel = tracker.get_slot("channel") or "in_person"
        with bridge.portal_session(dispatcher) as session:
            conversation = bridge.conversation(session, tracker)
            waiting = steps.prerequisites(conversation, "book_conversation")
            if waiting:
                return waiting
            member = conversation.member
            refusal = first_conversation_refusal(session, member, now=bridge.utcnow())
            if refusal:  # e.g. the conversation is booked already: say so instead of offering times again
                dispatcher.utter_message(text=refusal)
                return []
            if channel == "phone" and not member.phone:
                # A phone conversation needs a number to call: ask for it, then come back here.
                return [SlotSet("phone_number", None), FollowupAction("phone_form")]
            location = find_location(session, tracker.get_slot("location")) or member.location
            now = bridge.utcnow()
            slots = first_free_slots(session, conversation.member, channel=channel, location_id=location.id,
                                     now=now, limit=SLOTS_SHOWN)
            location_name = location.name
        if not slots:
            dispatcher.utter_message(response="utter_no_free_slots", location=location_name)
            return [SlotSet("handoff_reason", "action_failed"), FollowupAction("action_handoff")]
        buttons = []
        for slot in slots:
            choice = f"{slot.caseworker_id}|{slot.starts_at.isoformat()}"
            title = f"{bridge.local_when(slot.starts_at, lang, 'EEE d. MMM HH:mm')} · {slot.caseworker_name}"
            if slot.location_name != location_name:
                title += f" ({slot.location_name})"
            buttons.append({"title": title, "payload": "/book_conversation" + json.dumps({"slot_choice": choice})})
        buttons.append({"title": "Tal med en medarbejder" if lang == "da" else "Talk to a person",
                        "payload": "/request_human"})
        dispatcher.utter_message(response="utter_choose_slot", buttons=buttons, location=location_name,
                                 channel_label=bridge.channel_label(channel, lang))
        return []


class ActionBookConversation(Action):
    def name(self) -> str:
        return "action_book_conversation"

    def run(self, dispatcher, tracker, domain):
        from portal.services.chat.chat import book_first_conversation
        from portal.services.errors import AlreadyBooked, DomainError, SlotTaken

        lang = bridge.language(tracker)
        choice = str(tracker.get_slot("slot_choice") or "")
        channel = tracker.get_slot("channel") or "in_person"
        cleared = [SlotSet("slot_choice", None)]
        try:
            caseworker_text, when_text = choice.split("|", 1)
            caseworker_id, starts_at = int(caseworker_text), datetime.fromisoformat(when_text)
            if starts_at.tzinfo is None:
                raise ValueError("naive")
        except ValueError:
            dispatcher.utter_message(response="utter_booking_failed",
                                     reason="tiden kunne ikke læses" if lang == "da" else "the time was unreadable")
            return cleared + [FollowupAction("action_offer_slots")]
        with bridge.portal_session(dispatcher) as session:
            conversation = bridge.conversation(session, tracker)
            waiting = steps.prerequisites(conversation, "book_conversation")
            if waiting:
                return waiting
            try:
                with session.begin_nested():
                    booking = book_first_conversation(session, conversation.member, caseworker_id=caseworker_id,
                                                      starts_at=starts_at, channel=channel, now=bridge.utcnow())
            except SlotTaken:
                dispatcher.utter_message(response="utter_slot_taken")
                return cleared + [FollowupAction("action_offer_slots")]
            except AlreadyBooked as err:  # not a matter of the time chosen: no new times
                dispatcher.utter_message(text=err.message)
                return cleared
            except DomainError as err:
                dispatcher.utter_message(response="utter_booking_failed", reason=err.message)
                return cleared + [FollowupAction("action_offer_slots")]
            when = bridge.local_when(booking.starts_at, lang)
            caseworker = booking.caseworker.name
            from chatbot.actions.registration import send_signin_link

            # On Min side the member is signed in already: a sign-in link would be noise (and an e-mail).
            signed_in = conversation.source == "minside"
            link_to = None if signed_in else send_signin_link(session, conversation.member)
            details = booking_details(domain, lang, conversation.member, channel, link_to)
        dispatcher.utter_message(response="utter_booking_confirmed", when=when, caseworker=caseworker,
                                 channel_label=bridge.channel_label(channel, lang), details=details)
        return cleared


def chat_books_for(member) -> bool:
    """The chat's one conversation type (the notice-period conversation) is for this member's status."""
    from portal.services.booking.conversation_types import TYPES
    from portal.services.chat.chat import FIRST_CONVERSATION_TYPE

    statuses = TYPES[FIRST_CONVERSATION_TYPE].member_statuses
    return not statuses or member.status in statuses


def own_conversation_types(session, member, lang: str) -> str:
    """The conversation types the member books on Min side, named as a list in the chat's language."""
    from flask_babel import force_locale

    from portal.i18n import and_list
    from portal.services.booking.booking import member_bookable_types

    with force_locale(lang):
        names = [ctype.label_in_sentence for ctype in member_bookable_types(session, member)]
    return and_list(names, lang)


def first_conversation_refusal(session, member, *, now: datetime) -> str | None:
    """Why the member may not book the chat's conversation now (the booking service's rules, said before any
    times are offered), or None."""
    from portal.services.booking.booking import already_booked_refusal, member_booking_refusal
    from portal.services.booking.conversation_types import TYPES
    from portal.services.chat.chat import FIRST_CONVERSATION_TYPE

    ctype = TYPES[FIRST_CONVERSATION_TYPE]
    return member_booking_refusal(session, member, ctype) or already_booked_refusal(session, member, ctype, now=now)


def booking_details(domain, lang: str, member, channel: str, link_to: str | None = None) -> str:
    """What happens next, promising only what exists for this member: an e-mail confirmation if we have the
    address, the number we call, and where to move the time (Min side needs a login; else the chat)."""
    parts = []
    if member.email:
        parts.append(bridge.response_text(domain, "utter_booked_email", lang).format(email=member.email))
    if channel == "phone" and member.phone:
        parts.append(bridge.response_text(domain, "utter_booked_phone", lang).format(phone=display_phone(member.phone)))
    if link_to:  # a fresh sign-in link went out with this booking (portal.auth.signin_link)
        parts.append(bridge.response_text(domain, "utter_booked_move_link", lang).format(address=display_phone(link_to)))
    else:
        move = "utter_booked_move_minside" if member.user_id else "utter_booked_move_chat"
        parts.append(bridge.response_text(domain, move, lang))
    return " ".join(parts)


class ValidatePhoneForm(FormValidationAction):
    def name(self) -> str:
        return "validate_phone_form"

    def validate_phone_number(self, value, dispatcher, tracker, domain):
        from portal.services.chat.contact_details import clean_danish_phone
        from portal.services.errors import ValidationFailed

        try:
            return {"phone_number": clean_danish_phone(str(value))}
        except ValidationFailed:
            dispatcher.utter_message(response="utter_invalid_phone_number")
            return {"phone_number": None}


class ActionSavePhoneNumber(Action):
    """Store the number on the member (audited), then offer the phone times."""

    def name(self) -> str:
        return "action_save_phone_number"

    def run(self, dispatcher, tracker, domain):
        from portal.services.chat.chat import set_member_phone
        from portal.services.errors import ValidationFailed

        with bridge.portal_session(dispatcher) as session:
            conversation = steps.known_conversation(session, tracker, dispatcher)
            if conversation is None or conversation.member is None:
                return [SlotSet("phone_number", None)]
            try:
                phone = set_member_phone(session, conversation.member, str(tracker.get_slot("phone_number")),
                                         now=bridge.utcnow())
            except ValidationFailed:
                dispatcher.utter_message(response="utter_invalid_phone_number")
                return [SlotSet("phone_number", None), FollowupAction("phone_form")]
        dispatcher.utter_message(response="utter_phone_number_saved", phone=display_phone(phone))
        return [SlotSet("phone_number", None), FollowupAction("action_offer_slots")]
