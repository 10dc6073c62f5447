"""The signed-in member's own conversations: "when is my next conversation?" answered from their bookings and
contact course (portal/services/chat/next_conversation.py), with a way to book when nothing is booked."""
from __future__ import annotations

from rasa_sdk import Action

from chatbot.actions import bridge
from portal.models.statuses import StepStatus


class ActionNextConversation(Action):
    def name(self) -> str:
        return "action_next_conversation"

    def run(self, dispatcher, tracker, domain):
        from flask_babel import force_locale

        from portal.services.booking.conversation_types import TYPES, safe_gettext
        from portal.services.chat.next_conversation import next_conversation
        from portal.timeutil import local_today

        lang = bridge.language(tracker)
        with bridge.portal_session(dispatcher) as session:
            conversation = bridge.conversation(session, tracker)
            member = conversation.member if conversation is not None else None
            if member is None:  # the flyer chat before registration: no bookings to read
                dispatcher.utter_message(response="utter_next_conversation_unknown")
                return []
            found = next_conversation(session, member, now=bridge.utcnow(), today=local_today())
            booking, step = found.booking, found.open_step
            if booking is not None:
                ctype = TYPES.get(booking.type)
                why = change_refusal(booking, lang)  # a round table, or inside the notice: not "move it"
                with force_locale(lang):  # the type's name in the chat's language, not the page's
                    type_name = ctype.label_in_sentence if ctype else booking.type
                dispatcher.utter_message(
                    response="utter_next_booking_fixed" if why else "utter_next_booking", why=why or "",
                    when=bridge.local_when(booking.starts_at, lang),
                    type=type_name, caseworker=booking.caseworker.name,
                    channel_label=bridge.channel_label(booking.channel, lang),
                    place=booking.location.name if booking.location is not None else "")
        if step is not None and (booking is None or booking.type not in step.conversation_types):
            if step.status == StepStatus.OVERDUE:
                response = "utter_next_step_overdue"
            else:
                response = "utter_next_step" if booking is None else "utter_next_step_also"
            with force_locale(lang):  # the step's name in the chat's language, not the page's
                title = safe_gettext(step.title)
            dispatcher.utter_message(response=response, step=title, due=bridge.local_when_day(step.due_date, lang))
        elif booking is None:
            dispatcher.utter_message(response="utter_no_booking")
        return []


def change_refusal(booking, lang: str) -> str | None:
    """Why the member cannot move or cancel `booking` on Min side now, in the chat's language, or None."""
    from flask_babel import force_locale

    from portal.services.booking.booking import member_change_refusal

    with force_locale(lang):
        return member_change_refusal(booking, bridge.utcnow())
