"""Which actions follow a user turn: the rules (RulePolicy) first, then memoised story turns, then `utter_<intent>`."""
from __future__ import annotations

from dataclasses import dataclass

from chatbot.runtime.project import Project


@dataclass
class Turn:
    """One rule/story turn: after `prev_action` (or any), on `intent`, run `actions`."""

    intent: str
    actions: list[str]
    prev_action: str | None = None
    active_loop: str | None = None
    slot_conditions: dict | None = None
    source: str = "rule"


def _slot_conditions(items: list) -> dict:
    conditions = {}
    for item in items or []:
        if isinstance(item, dict):
            conditions.update(item)
        else:
            conditions[str(item)] = "__set__"
    return conditions


def _turns(steps: list[dict], source: str, condition: list | None = None) -> list[Turn]:
    turns, prev_action, current = [], None, None
    active_loop = None
    slots = {}
    for item in condition or []:
        if "active_loop" in item:
            active_loop = item["active_loop"]
        if "slot_was_set" in item:
            slots.update(_slot_conditions(item["slot_was_set"]))
    for step in steps:
        if "intent" in step:
            if current:
                turns.append(current)
            current = Turn(step["intent"], [], prev_action, active_loop, slots or None, source)
            prev_action = None
        elif "action" in step:
            if current is not None:
                current.actions.append(step["action"])
            prev_action = step["action"]
    if current:
        turns.append(current)
    return turns


def _slot_matches(expected, actual) -> bool:
    if expected == "__set__":
        return actual is not None
    return expected == actual


class Policy:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.rule_turns: list[Turn] = []
        for rule in project.rules:
            turns = _turns(rule.get("steps", []), "rule", rule.get("condition"))
            # A rule only says something about its first user turn (Rasa rules are short by design).
            self.rule_turns.extend(turns[:1])
        self.story_turns: list[Turn] = []
        for story in project.stories:
            self.story_turns.extend(_turns(story.get("steps", []), "story"))
        self.form_submit: dict[str, list[str]] = {}
        for rule in project.rules:
            steps = rule.get("steps", [])
            if steps and "action" in steps[0] and steps[0]["action"] in project.forms:
                self.form_submit[steps[0]["action"]] = [s["action"] for s in steps[1:] if "action" in s]

    def predict(self, intent: str, prev_action: str | None, slots: dict, active_loop: str | None) -> list[str]:
        """The actions to run for `intent`, most specific rule first."""
        candidates = [t for t in self.rule_turns if t.intent == intent and self._applies(t, prev_action, slots,
                                                                                          active_loop)]
        candidates.sort(key=lambda t: (t.prev_action is None, not t.slot_conditions))
        if candidates:
            return list(candidates[0].actions)
        for turn in self.story_turns:
            if turn.intent == intent and turn.prev_action == prev_action and turn.actions:
                return [turn.actions[0]]
        if f"utter_{intent}" in self.project.responses:
            return [f"utter_{intent}"]
        return ["utter_default"]

    @staticmethod
    def _applies(turn: Turn, prev_action, slots, active_loop) -> bool:
        if turn.prev_action is not None and turn.prev_action != prev_action:
            return False
        if turn.active_loop is not None and turn.active_loop != active_loop:
            return False
        for name, expected in (turn.slot_conditions or {}).items():
            if not _slot_matches(expected, slots.get(name)):
                return False
        return True
