"""Choosing a domain response's variation for the slots (Rasa's conditional response variations).

A variation whose conditions all hold wins, the first one listed (the specific ones, e.g. language and
member_status, are listed before the language-only ones); else the first without conditions. Light on purpose:
the actions (chatbot/actions/bridge.py) use it too, without the runtime's classifier.
"""
from __future__ import annotations


def choose_variation(variations: list[dict], slots: dict) -> dict:
    for variation in variations:
        conditions = variation.get("condition") or []
        if conditions and all(slots.get(c.get("name")) == c.get("value") for c in conditions):
            return variation
    return next((v for v in variations if not v.get("condition")), variations[0] if variations else {})
