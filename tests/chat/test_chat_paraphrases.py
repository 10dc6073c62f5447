"""Danish (and English) intent recognition on phrasings the bot's authors did not write (issue 15).

tests/data/chat_paraphrases.yml was written by someone who never saw chatbot/data/nlu.yml: for each of the 22
intents, 6 short SMS-style messages, 6 long worried ones, 6 with spelling errors and 4 in English (484 in all). It
was committed before the training data was changed for it, and no example in nlu.yml is copied from it.

Measured on the training data before that change: 80.2 % right (SMS 90.2 %, worried 68.2 %, typos 85.6 %,
English 75.0 %); after it (243 new examples written without reading these, most of them long worried messages and
English): 85.7 % (SMS 93.9 %, worried 75.0 %, typos 92.4 %, English 79.5 %). No withdrawal read as a consent either
time. The floors below are what the bot must keep (a little under today's figures: training is deterministic, so
they only move when nlu.yml does); docs/chatbot.md has the figures.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from chatbot.runtime.nlu import FALLBACK_INTENT

DATA = Path(__file__).parents[1] / "data" / "chat_paraphrases.yml"
# "worried" was 0.73 until ask_next_conversation (5 December 2026): worried out-of-scope questions with a "when"
# ("hvornår letter flyet …") now land on it, 0.739 → 0.725, while the new intent's own 22 are all right and "all"
# rose 0.844 → 0.852 (the bot then tells the person their next conversation: wrong, but harmless).
# 7 December 2026 ("tilbage" is not a withdrawal: "ring mig tilbage" → request_human, "jeg fortryder" → deny):
# 5-fold accuracy 0.845 → 0.855; "worried" 0.725 → 0.717, one long dyslexia message now "not understood" (the
# fallback asks, harmless) while a worried "Nej, det vil jeg ikke have lige nu …" is now read right.
FLOORS = {"all": 0.84, "sms": 0.92, "worried": 0.71, "typos": 0.90, "english": 0.77}
MAX_WRONG_INTENT = 0.05  # read as another real intent (not "I did not understand"): the bot answers the wrong thing


@pytest.fixture(scope="module")
def results():
    from chatbot.runtime import get_agent

    nlu = get_agent().nlu
    paraphrases = yaml.safe_load(DATA.read_text())["paraphrases"]
    rows = []
    for intent, styles in paraphrases.items():
        for style, texts in styles.items():
            for text in texts:
                rows.append((intent, style, text, nlu.parse(text)["intent"]["name"]))
    return rows


def test_the_paraphrases_cover_every_intent_in_four_styles(results):
    from chatbot.runtime.project import load_project

    counts = Counter((intent, style) for intent, style, _, _ in results)
    assert {intent for intent, _ in counts} == set(load_project().intents) - {FALLBACK_INTENT}
    assert all(counts[(intent, style)] >= 4 for intent, style in counts)
    assert len(results) >= 480


def test_no_paraphrase_is_training_data():
    from chatbot.runtime.nlu import normalise, training_examples
    from chatbot.runtime.project import load_project

    trained = {normalise(example.text) for example in training_examples(load_project())}
    paraphrases = yaml.safe_load(DATA.read_text())["paraphrases"]
    # Everyday messages ("hej", "ja tak", "ha en god dag", "hvornår skal jeg melde mig ledig") are the same whoever
    # writes them: 20 of four words or more were in nlu.yml before the paraphrases existed, and 4 of the 22 written
    # for ask_next_conversation by someone who had not read nlu.yml ("hvornår er min næste samtale"). Training on the
    # test set would add to them.
    same = [text for styles in paraphrases.values() for texts in styles.values() for text in texts
            if normalise(text) in trained and len(text.split()) >= 4]
    assert len(same) <= 24, same


def test_accuracy_on_unseen_phrasings_holds_per_style(results):
    def share(rows):
        return sum(intent == predicted for intent, _, _, predicted in rows) / len(rows)

    measured = {"all": share(results)}
    for style in ("sms", "worried", "typos", "english"):
        measured[style] = share([row for row in results if row[1] == style])
    below = {style: round(value, 3) for style, value in measured.items() if value < FLOORS[style]}
    assert below == {}, f"accuracy below the floor: {below} (measured {measured})"


def test_few_messages_are_read_as_another_intent(results):
    wrong = [row for row in results if row[3] not in (row[0], FALLBACK_INTENT)]
    assert len(wrong) / len(results) <= MAX_WRONG_INTENT, wrong


def test_nothing_but_an_explicit_consent_is_read_as_consent(results):
    # The worst error this bot can make is a withdrawal (or anything else) taken for a consent.
    taken_for_consent = [(intent, text) for intent, _, text, predicted in results
                         if predicted == "give_consent" and intent != "give_consent"]
    assert taken_for_consent == []
