"""The embedded dialogue runtime: one user message in, the bot's messages out, tracker state as a JSON dict.

It runs the same rules, forms and two-stage fallback Rasa would, and calls the custom actions in-process
through rasa_sdk's ActionExecutor (the same classes `python -m rasa_sdk --actions chatbot.actions` serves).
The caller owns persistence (portal/services/chat/chat.py stores the state per sender in the database).
"""
from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import re
import time

from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from chatbot.runtime.labels import intent_label
from chatbot.runtime.nlu import FALLBACK_INTENT, NLU
from chatbot.runtime.policy import Policy
from chatbot.runtime.project import Project
from chatbot.runtime.responses import choose_variation

log = logging.getLogger("chatbot.agent")

MAX_ACTIONS_PER_TURN = 12
MAX_EVENTS_KEPT = 120
TWO_STAGE = "action_two_stage_fallback"
# Every question the bot asks with buttons that is answered yes or no: the payload a typed yes and a typed no
# stand for (typed_yes_no; "ja" to "Vil du have, at vi opretter dit CV i JobMatch?" orders the CV as the button
# does). tests/chat/test_chat_yes_no.py finds every such question in domain.yml, so a new one cannot be left out.
# The two withdrawal confirmations are asked by the portal (portal/services/chat/chat_states.py), not the dialogue.
YES_NO_QUESTIONS = {
    "utter_ask_consent": ("/give_consent", "/deny"),
    "utter_handoff_needs_consent": ("/give_consent", "/deny"),
    "utter_offer_registration": ("/affirm", "/deny"),
    "utter_explain_job_matching": ('/job_matching{"jobmatch_cv":"yes"}', "/deny"),
    "utter_no_booking": ("/book_conversation", "/deny"),
    "utter_next_conversation_unknown": ("/book_conversation", "/deny"),
    "utter_confirm_withdrawal": ("/withdraw_consent", "/deny"),
    "utter_confirm_withdrawal_while_handed_off": ("/withdraw_consent", "/deny"),
}
# The tracker key holding the yes/no question the bot asked last (None once anything else was said).
PENDING_QUESTION = "yes_no_question"
# Whole messages that are a plain yes or no (normalised: chatbot.runtime.nlu.normalise); anything longer or hedged
# ("ja men i må ikke gemme noget") is left to the classifier and the rules.
TYPED_YES = {"ja", "jo", "ja tak", "ja gerne", "ja tak gerne", "gerne", "ja da", "jep", "jeps", "ja ok", "ok",
             "okay", "ok tak", "yes", "yes please", "yep", "yeah", "sure"}
TYPED_NO = {"nej", "nej tak", "nej ikke nu", "ikke nu", "nej ellers tak", "nej det vil jeg ikke", "no",
            "no thanks", "no thank you", "nope", "not now"}
QUESTION_WORDS = ("hvad", "hvordan", "hvornår", "hvor", "hvem", "hvorfor", "hvilke", "hvilken", "kan", "må", "skal",
                  "er", "har", "får", "what", "how", "when", "where", "who", "why", "which", "can", "may", "do",
                  "does", "is", "are", "will")


def looks_like_question(text: str) -> bool:
    """A message that asks something of its own ("kan jeg komme på kursus"): not an answer to a yes/no question,
    so the ordinary fallback's guesses serve it better than the question again."""
    words = text.strip().lower().split()
    return text.rstrip().endswith("?") or bool(words and words[0] in QUESTION_WORDS)
# Intents that leave an active form instead of being taken as the answer to its question.
FORM_EXITS = {"request_human", "withdraw_consent", "deny"}
UNSURE = re.compile(r"\b(ved (jeg )?ikke|aner (det )?ikke|usikker|don'?t know|not sure|no idea)\b", re.IGNORECASE)
FORM_EXIT_CONFIDENCE = 0.75
# A request for a person leaves any question as surely as it works while a person holds the chat
# (portal/services/chat/chat_states.COMMAND_CONFIDENCE): the widget promises that »menneske« does, and it scores 0.73.
EXIT_CONFIDENCE_BY_INTENT = {"request_human": 0.6}
# Small-talk intents make poor "Did you mean …?" suggestions.
NOT_SUGGESTED = {FALLBACK_INTENT, "affirm", "deny", "greet", "goodbye", "thanks", "out_of_scope"}
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def new_state(project: Project) -> dict:
    slots = {name: spec.get("initial_value") for name, spec in project.slots.items()}
    slots["requested_slot"] = None
    return {"slots": slots, "active_loop": None, "prev_action": None, "fallback_stage": None, "events": []}


class SessionDispatcher(CollectingDispatcher):
    """rasa-sdk's dispatcher, carrying the caller's database session to the actions (chatbot/actions/bridge.py).

    Action.run(dispatcher, tracker, domain) keeps rasa-sdk's signature, so the standalone action server (a plain
    CollectingDispatcher, no session) runs the same classes."""

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session


class Agent:
    def __init__(self, project: Project, nlu: NLU, executor: ActionExecutor | None = None) -> None:
        self.project = project
        self.nlu = nlu
        self.policy = Policy(project)
        if executor is None:
            executor = ActionExecutor()
            executor.register_package("chatbot.actions")
        self.executor = executor

    # ---- one turn -------------------------------------------------------------------------------------------
    def handle(self, state: dict | None, text: str, *, sender_id: str, slots: dict | None = None,
               session=None, action_guard=None) -> tuple[list[dict], dict, dict]:
        """Process one user message. Returns (messages, new state, parse data).

        `slots` are values the caller knows better than the tracker (language, consent, member_known from the
        database); `session` is the caller's database session, handed to each custom action on its dispatcher
        (the caller commits); `action_guard()` is a context manager around each custom action (a DB savepoint).
        """
        # The stored state may hold only what the portal keeps beside the dialogue (e.g. the widget's language).
        turn = _Turn(self, {**new_state(self.project), **copy.deepcopy(state or {})}, sender_id, session,
                     action_guard)
        for name, value in (slots or {}).items():
            turn.state["slots"][name] = value
        answer = typed_yes_no(text, turn.state.pop(PENDING_QUESTION, None))
        choice = None if answer else typed_choice(text, last_bot_buttons(turn.state))
        parse = self.nlu.parse(answer or (choice["payload"] if choice else text))
        turn.user(text, parse)
        turn.respond(parse)
        turn.state["events"] = turn.state["events"][-MAX_EVENTS_KEPT:]
        return turn.messages, turn.state, parse

    def render(self, name: str, slots: dict, variables: dict | None = None) -> dict:
        """A domain response for the current slots (Rasa's conditional variations), placeholders filled."""
        return render_response(self.project, name, slots, variables)


def last_bot_buttons(state: dict) -> list[dict]:
    """The buttons under the bot's last message (what the person sees when they type instead of tapping)."""
    for event in reversed(state.get("events") or []):
        if event.get("event") == "bot":
            return list((event.get("data") or {}).get("buttons") or [])
        if event.get("event") == "user":
            return []
    return []


def typed_yes_no(text: str, question: str | None) -> str | None:
    """The payload a typed plain yes or no stands for when it answers the yes/no question `question`, else None."""
    from chatbot.runtime.nlu import normalise

    if question not in YES_NO_QUESTIONS or text.startswith("/"):
        return None
    yes, no = YES_NO_QUESTIONS[question]
    said = normalise(text)
    return yes if said in TYPED_YES else no if said in TYPED_NO else None


def typed_choice(text: str, buttons: list[dict]) -> dict | None:
    """The choice button a short message names ("i telefonen tak" under Fremmøde / Telefon / Video), or None.

    Only buttons that carry a choice (a payload with values: a channel, a time, a session) and only when exactly
    one is named: every word of four letters or more in its title begins a word of the message. A person who
    types what a button says means the button."""
    words = re.findall(r"\w+", text.lower())
    if not words or len(words) > 8:
        return None
    hits = []
    for button in buttons:
        if "{" not in str(button.get("payload", "")):
            continue
        keys = [w for w in re.findall(r"\w+", str(button.get("title", "")).lower()) if len(w) >= 4]
        if keys and all(any(word.startswith(key) for word in words) for key in keys):
            hits.append(button)
    return hits[0] if len(hits) == 1 else None


def asks_for_text(project: Project, state: dict) -> bool:
    """Whether the open form question is answered in the person's own words (its slot has a from_text mapping for
    the active form: a name, a date) rather than by a button (the channel). A chat client then offers the message
    box first; the question's only button is the way out ("Afbryd")."""
    loop = state.get("active_loop")
    requested = (state.get("slots") or {}).get("requested_slot")
    if loop not in project.forms or not requested:
        return False
    for mapping in (project.slots.get(requested) or {}).get("mappings", []):
        conditions = mapping.get("conditions")
        if mapping.get("type") == "from_text" and (
                not conditions or any(c.get("active_loop") == loop for c in conditions)):
            return True
    return False


def render_response(project: Project, name: str, slots: dict, variables: dict | None = None) -> dict:
    """A domain response for `slots` (Rasa's conditional variations, e.g. on `language`), placeholders filled."""
    variations = project.responses.get(name) or project.responses["utter_default"]
    chosen = choose_variation(variations, slots)
    values = {**{k: v for k, v in slots.items() if v is not None}, **(variables or {})}
    text = _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), chosen.get("text", ""))
    return {"text": text, "buttons": [dict(b) for b in chosen.get("buttons", [])]}


class _Turn:
    def __init__(self, agent: Agent, state: dict, sender_id: str, session, action_guard) -> None:
        self.agent = agent
        self.state = state
        self.sender_id = sender_id
        self.session = session
        self.messages: list[dict] = []
        self.action_guard = action_guard or contextlib.nullcontext
        self.latest_message: dict = {}
        self.actions_run = 0

    @property
    def slots(self) -> dict:
        return self.state["slots"]

    # ---- events --------------------------------------------------------------------------------------------
    def event(self, event: dict) -> None:
        event.setdefault("timestamp", time.time())
        self.state["events"].append(event)

    def set_slot(self, name: str, value) -> None:
        self.slots[name] = value
        self.event({"event": "slot", "name": name, "value": value})

    def set_loop(self, name: str | None) -> None:
        self.state["active_loop"] = name
        self.event({"event": "active_loop", "name": name})

    def user(self, text: str, parse: dict) -> None:
        self.latest_message = parse
        self.event({"event": "user", "text": text, "parse_data": parse,
                    "metadata": {}, "input_channel": "rest"})

    def say(self, text: str, buttons: list | None = None, response: str | None = None) -> None:
        """Send a message; `response` is the domain response it came from (a yes/no question is remembered)."""
        self.state[PENDING_QUESTION] = response if response in YES_NO_QUESTIONS else None
        message = {"recipient_id": self.sender_id, "text": text}
        if buttons:
            message["buttons"] = buttons
        self.messages.append(message)
        self.event({"event": "bot", "text": text, "data": {"buttons": buttons or None}})

    # ---- deciding -------------------------------------------------------------------------------------------
    def respond(self, parse: dict) -> None:
        intent = parse["intent"]["name"]
        self.apply_global_mappings(parse)
        loop = self.state["active_loop"]
        if loop == TWO_STAGE:
            intent = self.continue_fallback(parse)
            if intent is None:
                return
        elif loop in self.agent.project.forms and self.continue_form(loop, parse):
            return
        if intent == FALLBACK_INTENT and not looks_like_question(parse.get("text") or "") and self.reask_yes_no():
            return
        if intent == FALLBACK_INTENT:
            self.run(self.agent.policy.predict(intent, self.state["prev_action"], self.slots, None))
            return
        self.state["fallback_stage"] = None
        self.state.pop("reasked", None)
        interrupted = self.state["active_loop"]
        asked_before = len(self.messages)
        self.run(self.agent.policy.predict(intent, self.state["prev_action"], self.slots, self.state["active_loop"]))
        loop = self.state["active_loop"]
        if loop in self.agent.project.forms and loop == interrupted and self.slots.get("requested_slot") \
                and not self._asked_since(asked_before, self.slots["requested_slot"]):
            # Back to the interrupted form's question, unless this turn asked it already (a form opened by this
            # turn asks its first question itself: asking again showed "Hvad er dit fulde navn?" twice).
            self.ask(self.slots["requested_slot"])

    def reask_yes_no(self) -> bool:
        """Something not understood in answer to a yes/no question (a name typed at the consent question): the
        question again, once, with its buttons, rather than guesses at unrelated topics. A second miss goes the
        ordinary fallback's way."""
        question = self.state["prev_action"]
        if question not in YES_NO_QUESTIONS or self.state.get("reasked") == question:
            return False
        self.do("utter_answer_yes_or_no")
        self.do(question)
        self.state["reasked"] = question
        return True

    def _asked_since(self, index: int, slot: str) -> bool:
        question = self.agent.render(f"utter_ask_{slot}", self.slots)["text"]
        return any(m.get("text") == question for m in self.messages[index:])

    def apply_global_mappings(self, parse: dict) -> None:
        """from_entity mappings without conditions fill slots whatever the dialogue state (Rasa 3)."""
        entities = parse.get("entities") or []
        for name, spec in self.agent.project.slots.items():
            for mapping in spec.get("mappings", []):
                if mapping.get("type") != "from_entity" or mapping.get("conditions"):
                    continue
                for ent in entities:
                    if ent.get("entity") == mapping.get("entity"):
                        self.set_slot(name, ent.get("value"))

    # ---- two-stage fallback (Rasa: affirm the guess, then ask to rephrase, then hand off) ---------------------
    def start_fallback(self) -> None:
        ranking = [r for r in self.latest_message.get("intent_ranking", []) if r["name"] != FALLBACK_INTENT]
        language = self.slots.get("language") or "da"
        guesses = [r for r in ranking if r["name"] not in NOT_SUGGESTED][:2]
        if not guesses:
            guesses = [{"name": "ask_offers"}, {"name": "request_human"}]
        buttons = [{"title": intent_label(r["name"], language), "payload": f"/{r['name']}"} for r in guesses]
        other = {"da": "Noget andet", "en": "Something else"}[language if language == "en" else "da"]
        buttons.append({"title": other, "payload": "/deny"})
        rendered = self.agent.render("utter_ask_affirmation", self.slots)
        self.say(rendered["text"], buttons)
        self.set_loop(TWO_STAGE)
        self.state["fallback_stage"] = "affirm"

    def continue_fallback(self, parse: dict) -> str | None:
        """Returns the intent to go on with, or None when the fallback loop answered the turn itself."""
        intent = parse["intent"]["name"]
        stage = self.state.get("fallback_stage")
        if intent not in (FALLBACK_INTENT, "deny"):
            self.set_loop(None)
            self.state["fallback_stage"] = None
            return intent
        if stage == "affirm":
            self.state["fallback_stage"] = "rephrase"
            self.do("utter_ask_rephrase")
            return None
        # Second failure: a person takes over (Rasa's action_default_fallback, here a handoff).
        self.set_loop(None)
        self.state["fallback_stage"] = None
        if intent == "deny":
            self.run(["utter_anything_else"])
            return None
        self.set_slot("handoff_reason", "fallback")
        self.run(["action_handoff"])
        return None

    # ---- forms ---------------------------------------------------------------------------------------------
    def continue_form(self, form: str, parse: dict) -> bool:
        """Fill the form from this message. False when the message leaves the form for the rules to handle."""
        intent = parse["intent"]["name"]
        # Free text is usually the answer to the question; only a button or a clear "stop" leaves the form.
        # "Det ved jeg ikke" reads as a no, but it is not a wish to stop: the question again.
        if intent == "deny" and UNSURE.search(parse.get("text") or "") and self.slots.get("requested_slot"):
            self.ask(self.slots["requested_slot"])
            return True
        if intent in FORM_EXITS and self.sure(parse):
            self.leave_form()
            if intent == "deny":
                self.set_slot("pending_intent", None)
                self.do("utter_form_cancelled")
                return True
            return False
        candidates = self.extract_form_slots(form, parse)
        if not candidates:
            if intent == FALLBACK_INTENT:
                self.ask(self.slots.get("requested_slot"))
                return True
            return False
        for name, value in candidates.items():
            self.set_slot(name, value)
        self.validate(form)
        self.next_form_step(form)
        return True

    def leave_form(self) -> None:
        """Close the form and forget its answers: after "Afbryd" (or a request for a person) the next "Book en
        samtale" asks again instead of reusing what was left behind (the channel of a cancelled booking)."""
        self.set_loop(None)
        self.set_slot("requested_slot", None)
        for form in self.agent.project.forms.values():
            for name in form.get("required_slots", []):
                if self.slots.get(name) is not None:
                    self.set_slot(name, None)

    @staticmethod
    def sure(parse: dict) -> bool:
        threshold = EXIT_CONFIDENCE_BY_INTENT.get(parse["intent"]["name"], FORM_EXIT_CONFIDENCE)
        return parse["text"].startswith("/") or parse["intent"]["confidence"] >= threshold

    def extract_form_slots(self, form: str, parse: dict) -> dict:
        requested = self.slots.get("requested_slot")
        intent = parse["intent"]["name"]
        found = {}
        for name in self.agent.project.forms[form].get("required_slots", []):
            for mapping in self.agent.project.slots[name].get("mappings", []):
                conditions = mapping.get("conditions")
                if conditions and not any(c.get("active_loop") == form and c.get("requested_slot") in (None, requested)
                                          for c in conditions):
                    continue
                if intent in (mapping.get("not_intent") or []) and self.sure(parse):
                    continue
                if mapping.get("type") == "from_entity":
                    for ent in parse.get("entities") or []:
                        if ent.get("entity") == mapping.get("entity"):
                            found[name] = ent.get("value")
                elif (mapping.get("type") == "from_text" and name == requested and name not in found
                      and not parse["text"].startswith("/")):
                    found[name] = parse["text"].strip()
        return found

    def validate(self, form: str) -> None:
        name = f"validate_{form}"
        if name in self.agent.executor.actions:
            self.call_action(name)

    def next_form_step(self, form: str) -> None:
        missing = [s for s in self.agent.project.forms[form].get("required_slots", []) if self.slots.get(s) is None]
        if missing:
            self.set_slot("requested_slot", missing[0])
            self.ask(missing[0])
            return
        self.set_slot("requested_slot", None)
        self.set_loop(None)
        self.state["prev_action"] = form
        self.run(self.agent.policy.form_submit.get(form, []))

    def ask(self, slot: str | None) -> None:
        if slot:
            self.do(f"utter_ask_{slot}")
            if self.messages and asks_for_text(self.agent.project, self.state):
                # Rasa's REST channel passes `custom` through: the widget focuses the message box, not "Afbryd"
                self.messages[-1].setdefault("custom", {})["expects_text"] = True

    def activate_form(self, form: str) -> None:
        self.set_loop(form)
        self.event({"event": "action", "name": form})
        self.validate(form)  # prefilled slots (e.g. location from the flyer) are validated too
        self.next_form_step(form)

    # ---- running actions -----------------------------------------------------------------------------------
    def run(self, actions: list[str]) -> None:
        queue = list(actions)
        while queue and self.actions_run < MAX_ACTIONS_PER_TURN:
            name = queue.pop(0)
            followups = self.do(name)
            queue[:0] = followups

    def do(self, name: str) -> list[str]:
        """Run one action; returns follow-up actions it asked for."""
        self.actions_run += 1
        if name == "action_listen":
            return []
        if name == TWO_STAGE:
            self.start_fallback()
            self.state["prev_action"] = TWO_STAGE
            return []
        if name in self.agent.project.forms:
            self.activate_form(name)
            return []
        self.event({"event": "action", "name": name})
        self.state["prev_action"] = name
        if name.startswith("utter_"):
            rendered = self.agent.render(name, self.slots)
            self.say(rendered["text"], rendered["buttons"], name)
            return []
        return self.call_action(name)

    def tracker_dict(self) -> dict:
        loop = self.state["active_loop"]
        return {
            "sender_id": self.sender_id,
            "slots": dict(self.slots),
            "latest_message": self.latest_message,
            "events": list(self.state["events"]),
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": loop} if loop else {},
            "latest_action_name": self.state["prev_action"],
            "latest_input_channel": "rest",
        }

    def call_action(self, name: str) -> list[str]:
        call = {"next_action": name, "sender_id": self.sender_id, "tracker": self.tracker_dict(),
                "domain": self.agent.project.domain, "version": "3.6.21"}
        try:
            with self.action_guard():
                result = _run_async(self.agent.executor.run(call, dispatcher=SessionDispatcher(self.session)))
        except Exception:
            log.exception("chatbot action %s failed", name)
            if name == "action_handoff":
                self.do("utter_default")
                return []
            self.do("utter_action_failed")
            self.set_slot("handoff_reason", "action_failed")
            return ["action_handoff"]
        for message in result.responses if result else []:
            self.say_action_message(message)
        return self.apply_events(result.events if result else [])

    def say_action_message(self, message: dict) -> None:
        variables = {k: v for k, v in message.items() if k not in ("text", "response", "buttons", "template")}
        variables.update(message.get("custom") or {}) if isinstance(message.get("custom"), dict) else None
        response = message.get("response") or message.get("template")
        if response:
            rendered = self.agent.render(response, self.slots, variables)
            self.say(rendered["text"], message.get("buttons") or rendered["buttons"], response)
        elif message.get("text"):
            self.say(message["text"], message.get("buttons"))

    def apply_events(self, events: list[dict]) -> list[str]:
        followups = []
        for event in events:
            kind = event.get("event")
            if kind == "slot":
                self.set_slot(event["name"], event.get("value"))
            elif kind == "followup":
                followups.append(event["name"])
            elif kind == "active_loop":
                if event.get("name"):
                    followups.append(event["name"])
                else:
                    self.set_loop(None)
                    self.set_slot("requested_slot", None)
            elif kind == "reset_slots":
                for slot_name, spec in self.agent.project.slots.items():
                    if slot_name not in ("language", "consent", "member_known", "member_status"):
                        self.slots[slot_name] = spec.get("initial_value")
                self.event({"event": "reset_slots"})
        return followups


def _run_async(coroutine):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Called from inside an event loop (the rasa_sdk server, or a thread where a loop is running): run in a helper
    # thread that carries this thread's context, so the action sees the same Flask app (and request, for the
    # language).
    import concurrent.futures
    import contextvars

    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, coroutine).result()
