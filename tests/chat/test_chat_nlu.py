"""Danish NLU (/model/parse), Rasa's FallbackClassifier thresholds and the two-stage fallback."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from chatbot.runtime import get_agent
from chatbot.runtime.nlu import normalise
from portal.models.chat import Handoff
from tests.chat.test_chat_support import flyer_sender, say, texts


@pytest.mark.parametrize("text, intent", [
    ("hvad er tryghedspuljen", "tryghedspulje"),
    ("trykhedspuljen?", "tryghedspulje"),  # typo
    ("jeg vil gerne booke en samtale", "book_conversation"),
    ("hvornår skal jeg melde mig ledig", "sign_on_unemployed"),
    ("kan jeg tale med et menneske", "request_human"),
    ("slet mine oplysninger", "withdraw_consent"),
    ("jeg er ordblind", "danish_dyslexia"),
    ("kan jeg få svu", "notice_period"),
    ("hvad bliver vejret i morgen", "out_of_scope"),
])
def test_parse_recognises_danish(client, text, intent):
    response = client.post("/model/parse", json={"text": text})
    assert response.status_code == 200
    body = response.get_json()
    assert body["text"] == text
    assert body["intent"]["name"] == intent
    ranking = body["intent_ranking"]
    assert ranking[0]["name"] == intent and ranking[0]["confidence"] >= ranking[1]["confidence"]


def test_parse_extracts_location_and_channel(client):
    body = client.post("/model/parse", json={"text": "kan jeg få en samtale i Århus pr telefon"}).get_json()
    entities = {e["entity"]: e["value"] for e in body["entities"]}
    assert entities == {"location": "Århus", "channel": "phone"}
    body = client.post("/model/parse", json={"text": "book et skype møde i odense"}).get_json()
    assert {e["entity"]: e["value"] for e in body["entities"]} == {"location": "Odense", "channel": "video"}


def test_payloads_are_parsed_like_rasa(client):
    body = client.post("/model/parse", json={"text": '/book_conversation{"channel": "video"}'}).get_json()
    assert body["intent"] == {"name": "book_conversation", "confidence": 1.0}
    assert body["entities"][0]["entity"] == "channel" and body["entities"][0]["value"] == "video"


def test_danish_normalisation():
    assert normalise("Træk  mit SAMTYKKE tilbage!!") == normalise("traek mit samtykke tilbage")
    assert normalise("Hejjj") == normalise("hej")


def test_fallback_threshold_and_ambiguity_threshold_come_from_config(client):
    nlu = get_agent().nlu
    threshold, ambiguity = nlu.threshold, nlu.ambiguity_threshold
    assert (threshold, ambiguity) == nlu.project.fallback_thresholds == (0.4, 0.05)
    try:
        nlu.threshold = 0.999  # top confidence below the threshold → nlu_fallback
        body = client.post("/model/parse", json={"text": "hvad er tryghedspuljen"}).get_json()
        assert body["intent"] == {"name": "nlu_fallback", "confidence": 0.999}
        assert body["intent_ranking"][1]["name"] == "tryghedspulje"
        nlu.threshold, nlu.ambiguity_threshold = 0.0, 0.999  # top two too close → nlu_fallback
        body = client.post("/model/parse", json={"text": "hvad er tryghedspuljen"}).get_json()
        assert body["intent"]["name"] == "nlu_fallback"
    finally:
        nlu.threshold, nlu.ambiguity_threshold = threshold, ambiguity


def test_two_stage_fallback_then_a_person(client, session):
    sender = flyer_sender(client)
    say(client, sender, "/give_consent")
    first = say(client, sender, "kan jeg komme på kursus")  # between courses_in_trade and fvu
    assert "Mente du en af disse?" in texts(first)
    payloads = [b["payload"] for b in first[-1]["buttons"]]
    assert "/courses_in_trade" in payloads and payloads[-1] == "/deny"
    second = say(client, sender, "blablabla qwerty")
    assert "Kan du skrive det på en anden måde?" in texts(second)
    third = say(client, sender, "zxcvb asdf")
    assert "sendt samtalen videre" in texts(third)
    handoff = session.scalar(select(Handoff))
    assert handoff.reason == "fallback"
    assert [i["intent"] for i in handoff.context["intents"]][-3:] == ["nlu_fallback"] * 3


def test_affirming_the_guess_answers_it(client):
    sender = flyer_sender(client)
    first = say(client, sender, "kan jeg komme på kursus")
    guess = next(b for b in first[-1]["buttons"] if b["payload"] == "/courses_in_trade")
    answer = say(client, sender, guess["payload"])
    assert "6 ugers jobrettet uddannelse" in texts(answer)
