"""Offers: the list, one offer explained (reviewed texts from the domain), webinar/FVU sign-up, JobMatch CV."""
from __future__ import annotations

import json

from rasa_sdk import Action
from rasa_sdk.events import FollowupAction, SlotSet

from chatbot.actions import bridge, steps
from portal.models.statuses import RegistrationStatus
from portal.services.actors import SystemActor

EXPLAINED = {"job_matching", "job_search_help", "courses_in_trade", "new_trade", "it_skills", "danish_dyslexia",
             "fvu", "tryghedspulje"}
# Which offer kinds a "see sessions" button lists (portal/models/offers.py OFFER_KINDS).
SESSION_KINDS = {"webinar": ("webinar",), "fvu": ("fvu_test", "fvu_course"), "theme_meeting": ("theme_meeting",)}
SESSIONS_SHOWN = 4


def _intent(tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


class ActionListOffers(Action):
    def name(self) -> str:
        return "action_list_offers"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_list_offers")
        return []


class ActionExplainOffer(Action):
    """Explain the offer the person asked about, with the reviewed text only; or go on to sign-up/JobMatch."""

    def name(self) -> str:
        return "action_explain_offer"

    def run(self, dispatcher, tracker, domain):
        intent = _intent(tracker)
        if intent == "job_matching" and tracker.get_slot("jobmatch_cv"):
            return [FollowupAction("action_request_jobmatch_cv")]
        if tracker.get_slot("session_choice") or tracker.get_slot("session_kind"):
            return [FollowupAction("action_register_session")]
        if intent in EXPLAINED:
            dispatcher.utter_message(response=f"utter_explain_{intent}")
        else:
            dispatcher.utter_message(response="utter_list_offers")
        return []


class ActionRegisterSession(Action):
    """List open webinar/FVU sessions as buttons, or sign the member up for the one chosen."""

    def name(self) -> str:
        return "action_register_session"

    def run(self, dispatcher, tracker, domain):
        kind = tracker.get_slot("session_kind") or ("fvu" if _intent(tracker) == "fvu" else "webinar")
        pending = "fvu" if kind == "fvu" else "new_trade"
        with bridge.portal_session(dispatcher) as session:
            conversation = bridge.conversation(session, tracker)
            waiting = steps.prerequisites(conversation, pending)
            if waiting:
                return [SlotSet("session_kind", kind)] + waiting
            choice = tracker.get_slot("session_choice")
            if choice:
                return self._register(session, dispatcher, tracker, conversation.member, choice)
            return self._list(session, dispatcher, tracker, conversation.member, kind, pending)

    def _register(self, session, dispatcher, tracker, member, choice):
        from portal.services.errors import DomainError
        from portal.services.offers import offers

        lang = bridge.language(tracker)
        cleared = [SlotSet("session_choice", None), SlotSet("session_kind", None)]
        try:
            session_id = int(str(choice))
            with session.begin_nested():
                registration = offers.register(session, member, session_id, actor=SystemActor.CHATBOT,
                                               now=bridge.utcnow())
        except ValueError:
            dispatcher.utter_message(response="utter_session_failed", reason="ukendt hold")
            return cleared
        except DomainError as err:
            dispatcher.utter_message(response="utter_session_failed", reason=err.message)
            return cleared
        offer_session = offers.get_session(session, registration.session_id)
        title = offer_session.offer.title
        if registration.status != RegistrationStatus.REGISTERED:
            title += " (venteliste)" if lang == "da" else " (waiting list)"
        dispatcher.utter_message(response="utter_session_registered", title=title,
                                 when=bridge.local_when(offer_session.starts_at, lang))
        return cleared

    def _list(self, session, dispatcher, tracker, member, kind, intent):
        from portal.services.offers import offers

        lang = bridge.language(tracker)
        now = bridge.utcnow()
        buttons = []
        for offer_kind in SESSION_KINDS.get(kind, ("webinar",)):
            for offer in offers.list_offers(session, member=member, kind=offer_kind, location_id=member.location_id,
                                            now=now):
                candidates = offers.open_sessions(session, offer.id, now, location_id=member.location_id)
                for offer_session in open_to_member(session, member, candidates)[:2]:
                    when = bridge.local_when(offer_session.starts_at, lang, "d. MMM HH:mm")
                    buttons.append({"title": f"{offer.title} · {when}",
                                    "payload": f"/{intent}" + json.dumps({"session_choice": str(offer_session.id)})})
                if len(buttons) >= SESSIONS_SHOWN:
                    break
        if not buttons:
            dispatcher.utter_message(response="utter_no_sessions")
            return [SlotSet("session_kind", None)]
        dispatcher.utter_message(response="utter_sessions_available", buttons=buttons[:SESSIONS_SHOWN])
        return [SlotSet("session_kind", kind)]


def open_to_member(session, member, candidates: list) -> list:
    """The sessions the member could sign up for now: not those she is signed up for or waits on (the offers pages'
    current_registrations_on), nor those at a time she is busy (the clash rule that would refuse the sign-up)."""
    from portal.services.booking.clashes import MAX_MEETING, find_clash
    from portal.services.offers import offers

    mine = offers.current_registrations_on(session, member, [s.id for s in candidates])
    return [s for s in candidates if s.id not in mine
            and (s.ends_at - s.starts_at > MAX_MEETING  # a course period is not refused for a clash either
                 or find_clash(session, member.id, s.starts_at, s.ends_at) is None)]


class ActionRequestJobmatchCv(Action):
    """Consent to a CV in FOA JobMatch (mark O) and a task for a caseworker to finish the CV with the member."""

    def name(self) -> str:
        return "action_request_jobmatch_cv"

    def run(self, dispatcher, tracker, domain):
        from portal.services.casework.jobmatch_cv import request_cv_via_chat

        with bridge.portal_session(dispatcher) as session:
            conversation = bridge.conversation(session, tracker)
            waiting = steps.prerequisites(conversation, "job_matching")
            if waiting:
                return [SlotSet("jobmatch_cv", "yes")] + waiting
            member = conversation.member
            request_cv_via_chat(session, member, now=bridge.utcnow(), text_shown=bridge.response_text(
                domain, "utter_explain_job_matching", bridge.language(tracker)))
            location = member.location.name
        dispatcher.utter_message(response="utter_jobmatch_requested", location=location)
        return [SlotSet("jobmatch_cv", None)]
