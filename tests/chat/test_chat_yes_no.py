"""A yes/no question answered with something the bot does not understand (a name typed at the consent question,
a long paste): the question again, once, with its buttons, instead of guesses at unrelated topics that led the
person away from it (walk-through, 5 December)."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import Consent
from tests.chat.test_chat_support import flyer_sender, say, texts


def _consent_question(client, sender) -> list[dict]:
    replies = say(client, sender, "Book en samtale")
    assert "samtykke" in texts(replies).lower() or "gemme" in texts(replies).lower(), texts(replies)
    return replies


def test_a_name_typed_at_the_consent_question_gets_the_question_again(client, session):
    sender = flyer_sender(client)
    asked = _consent_question(client, sender)
    question = asked[-1]["text"]
    replies = say(client, sender, "Lars Testesen")
    assert "ja eller et nej" in texts(replies) and replies[-1]["text"] == question
    assert replies[-1].get("buttons") == asked[-1].get("buttons")
    assert "FVU" not in texts(replies) and "Mente du" not in texts(replies)
    assert session.scalar(select(Consent)) is None
    say(client, sender, "ja")
    assert session.scalar(select(Consent)) is not None  # the answer to the question asked again counts


def test_a_second_miss_goes_the_ordinary_way(client):
    sender = flyer_sender(client)
    _consent_question(client, sender)
    assert "ja eller et nej" in texts(say(client, sender, "x" * 2000))
    replies = say(client, sender, "qwerty asdf zxcv")
    assert "ja eller et nej" not in texts(replies)


def test_a_question_of_its_own_gets_the_ordinary_guesses():
    from chatbot.runtime.agent import looks_like_question

    assert looks_like_question("kan jeg komme på kursus") and looks_like_question("Lars?")
    assert not looks_like_question("Lars Testesen") and not looks_like_question("x" * 50)


def test_typing_what_a_choice_button_says_is_that_choice():
    from chatbot.runtime.agent import typed_choice

    channels = [{"title": "Fremmøde", "payload": '/book_conversation{"channel":"in_person"}'},
                {"title": "Telefon", "payload": '/book_conversation{"channel":"phone"}'},
                {"title": "Video", "payload": '/book_conversation{"channel":"video"}'},
                {"title": "Afbryd", "payload": "/deny"}]
    assert typed_choice("i telefonen tak", channels)["payload"].endswith('"phone"}')
    assert typed_choice("Video", channels)["payload"].endswith('"video"}')
    assert typed_choice("fremmøde eller video", channels) is None  # two named: not a choice
    assert typed_choice("afbryd", channels) is None  # a command, left to the classifier
    assert typed_choice("den første", channels) is None
    assert typed_choice("jeg vil gerne tale i telefon om noget helt andet end det her lige nu", channels) is None


def test_yes_to_would_you_like_to_book_one_books(client, auth, make):
    from tests.chat.test_chat_member_status import signed_in

    sender = signed_in(client, auth, make, "opsagt", mark_o=True)
    assert "Vil du booke en?" in texts(say(client, sender, "Hvornår er min næste samtale?"))
    replies = texts(say(client, sender, "ja gerne"))
    assert "Hvad vil du gerne vide mere om" not in replies
    assert "samtykke" in replies.lower() or "Hvordan vil du helst holde samtalen?" in replies, replies


def test_i_dont_know_at_a_question_asks_it_again_rather_than_stopping(client):
    sender = flyer_sender(client)
    say(client, sender, "Book en samtale")
    replies = say(client, sender, "/give_consent")
    if "registreres" in texts(replies):
        replies = say(client, sender, "ja")
    assert "fulde navn" in texts(replies), texts(replies)
    again = texts(say(client, sender, "hmm det ved jeg ikke"))
    assert "afbrudt" not in again and "fulde navn" in again, again
    assert "afbrudt" in texts(say(client, sender, "nej stop"))  # a clear no still stops


def _danish_yes_no_questions() -> set[str]:
    """Every response that asks a yes/no question ("Vil du …?", "Giver du …?": a verb, then "du") under buttons."""
    import re

    from chatbot.runtime.project import load_project

    question = re.compile(r"(?:^|[.!?:»]\s+)(?:Vil|Giver|Skal|Må|Kan|Er|Har|Ønsker) du [^?.!]*\?")
    return {name for name, variations in load_project().responses.items()
            for v in variations if not v.get("condition") and v.get("buttons") and question.search(v["text"])}


def test_every_yes_no_question_with_buttons_takes_a_typed_yes_or_no():
    """"ja" to "Vil du have, at vi opretter dit CV i JobMatch?" ordered nothing (walk-through, 7 December): every
    such question is in YES_NO_QUESTIONS, so a new one cannot be left out."""
    from chatbot.runtime.agent import YES_NO_QUESTIONS, typed_yes_no

    assert _danish_yes_no_questions() == set(YES_NO_QUESTIONS)
    for name, (yes, no) in YES_NO_QUESTIONS.items():
        for said in ("ja", "Ja tak", "yes", "ja gerne"):
            assert typed_yes_no(said, name) == yes, (name, said)
        for said in ("nej", "Nej tak", "no"):
            assert typed_yes_no(said, name) == no, (name, said)
        assert typed_yes_no("ja men i må ikke gemme noget", name) is None  # hedged: the classifier decides
    assert typed_yes_no("ja", None) is None


def test_yes_to_the_jobmatch_question_orders_the_cv(client, auth, make):
    from tests.chat.test_chat_member_status import signed_in

    sender = signed_in(client, auth, make, "opsagt", mark_o=True)
    say(client, sender, "/give_consent")
    assert "Vil du have, at vi opretter dit CV i JobMatch?" in texts(say(client, sender, "/job_matching"))
    replies = texts(say(client, sender, "ja"))
    assert "Vi opretter dit CV i FOA JobMatch" in replies and "Hvad vil du gerne vide mere om" not in replies
