"""Bad input and privacy: long messages, HTML, unknown senders, malformed JSON, rate limits, consent."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.models import AuditEntry, Booking, Consent
from portal.models.chat import ChatConversation, ChatMessage
from portal.services.chat.chat_transcript import purge_expired_transcripts
from portal.timeutil import utcnow
from tests.chat.test_chat_support import flyer_sender, say, texts


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_message_over_2000_characters_is_refused_politely_and_nothing_stored(client, session):
    sender = flyer_sender(client)
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "a" * 2001})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "for lang" in response.get_json()["detail"] and "2000" in response.get_json()["detail"]
    assert _count(session, ChatMessage) == 0 and _count(session, ChatConversation) == 0
    assert say(client, sender, "a" * 2000) is not None  # exactly the limit is fine


def test_unknown_sender_is_refused(client, session):
    response = client.post("/webhooks/rest/webhook", json={"sender": "jeg-fandt-paa-et-id", "message": "hej"})
    assert response.status_code == 400
    assert response.get_json()["code"] == "unknown_sender"
    assert "Ukendt afsender" in response.get_json()["detail"]
    assert _count(session, ChatConversation) == 0
    poll = client.get("/chat/beskeder?sender=jeg-fandt-paa-et-id")
    assert poll.status_code == 400


def test_malformed_json_and_missing_fields_get_400_with_a_reason(client):
    sender = flyer_sender(client)
    bad = client.post("/webhooks/rest/webhook", data="{sender: ", content_type="application/json")
    assert bad.status_code == 400 and "JSON" in bad.get_json()["detail"]
    not_json = client.post("/webhooks/rest/webhook", data="sender=x", content_type="text/plain")
    assert not_json.status_code == 400 and "Content-Type" in not_json.get_json()["detail"]
    listed = client.post("/webhooks/rest/webhook", json=["hej"])
    assert listed.status_code == 400
    missing = client.post("/webhooks/rest/webhook", json={"sender": sender})
    assert missing.status_code == 400 and "message" in missing.get_json()["detail"]
    wrong_type = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": 42})
    assert wrong_type.status_code == 400
    parse = client.post("/model/parse", json={"tekst": "hej"})
    assert parse.status_code == 400 and "text" in parse.get_json()["detail"]


def test_html_in_messages_is_shown_as_text_in_the_no_js_page(client, auth):
    flyer_sender(client)
    token = auth.csrf("/chat/samtale")
    response = client.post("/chat/samtale", data={"message": "<script>alert('x')</script><b>fed</b>",
                                                  "csrf_token": token, "kanal": "flyer"})
    assert response.status_code == 302
    page = client.get("/chat/samtale").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;fed&lt;/b&gt;" in page
    assert "<script>alert(" not in page and "<b>fed</b>" not in page


def test_no_js_form_posts_and_rerenders_with_the_answer(client, auth):
    flyer_sender(client)
    token = auth.csrf("/chat/samtale")
    response = client.post("/chat/samtale", data={"payload": "/ask_offers", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("#seneste")
    page = client.get("/chat/samtale").get_data(as_text=True)
    assert "Mens du stadig er i job" in page
    assert 'value="/book_conversation"' in page  # quick replies are submit buttons without JavaScript
    assert "Se jeres tilbud" in page or "Hvad kan I tilbyde?" in page  # the button's title, not "/ask_offers"
    empty = client.post("/chat/samtale", data={"message": "  ", "csrf_token": token})
    assert empty.status_code == 422 and "Skriv en besked først" in empty.get_data(as_text=True)
    assert 'aria-invalid="true"' in empty.get_data(as_text=True)
    # The message also stands at the box itself; the form posts to the newest message's anchor, so the page that
    # answers opens at the last message and the box; and the hint names no keys, which only work with JavaScript.
    html = empty.get_data(as_text=True)
    assert '<p class="field-error" id="chat-error-flyer">Skriv en besked først' in html
    assert 'aria-describedby="chat-error-flyer chat-hint-flyer"' in html
    assert 'action="/chat/samtale#seneste"' in html
    assert '>Højst 2.000 tegn.</p>' in html and 'data-keys="Tryk Enter for at sende' in html


def test_per_sender_rate_limit(app, client):
    app.config["CHAT_RATE_LIMIT"] = "3 per minute"
    sender = flyer_sender(client)
    for _ in range(3):
        say(client, sender, "hej")
    limited = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hej"})
    assert limited.status_code == 429
    assert "For mange" in limited.get_json()["detail"]
    other = flyer_sender(app.test_client())
    assert app.test_client().post("/webhooks/rest/webhook", json={"sender": other, "message": "hej"}).status_code \
        in (200, 400)  # another sender is not limited by this one's count


def test_without_consent_the_bot_answers_but_books_and_keeps_nothing(client, session, make):
    make.location("Odense")
    make.commit()
    sender = flyer_sender(client)
    assert "tryghedspulje" in texts(say(client, sender, "hvad er tryghedspuljen")).lower()
    replies = say(client, sender, "book en samtale")
    assert "Giver du samtykke?" in texts(replies)
    replies = say(client, sender, "nej")
    assert "gemmer ikke noget om dig" in texts(replies)
    assert _count(session, Consent) == 0 and _count(session, Booking) == 0
    conversation = session.scalar(select(ChatConversation))
    assert not any(e.get("event") == "user" for e in conversation.tracker["events"])
    # The session's transcript is deleted once idle; a consented conversation would be kept.
    removed = purge_expired_transcripts(session, now=utcnow() + timedelta(hours=3))
    session.commit()
    assert removed >= 6 and _count(session, ChatMessage) == 0


def test_consent_is_recorded_and_withdrawal_deletes_the_transcript(client, session):
    sender = flyer_sender(client)
    say(client, sender, "hej")
    replies = say(client, sender, "jeg giver samtykke")
    # A typed consent out of the blue is only a classifier's guess: the bot asks the question, a "ja" confirms.
    assert "Giver du samtykke?" in texts(replies) and session.scalar(select(Consent)) is None
    replies = say(client, sender, "ja")
    assert "samtykke er registreret" in texts(replies)
    consent = session.scalar(select(Consent))
    assert consent.purpose == "chat_contact" and consent.withdrawn_at is None
    assert consent.subject_ref.startswith("chat:")
    say(client, sender, "mit navn er Jens og jeg er SOSU")
    assert "Ja, slet min chat" in str(say(client, sender, "træk mit samtykke tilbage"))  # typed: asked first
    replies = say(client, sender, "Ja")
    assert "trukket tilbage" in texts(replies)
    session.refresh(consent)
    assert consent.withdrawn_at is not None and "Chatten gemmer ikke flere" in consent.withdrawal_effect
    remaining = [m.text for m in session.scalars(select(ChatMessage))]
    assert not any("Jens" in text for text in remaining)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "consent.withdraw")) is not None
    conversation = session.scalar(select(ChatConversation))
    assert conversation.consent_given is False


def test_tracker_survives_a_restart(client, session):
    from chatbot.runtime import reset_agent

    sender = flyer_sender(client)
    say(client, sender, "/give_consent")
    replies = say(client, sender, "ja")  # yes to registration
    assert "fulde navn" in texts(replies)
    reset_agent()  # a new process: the model is loaded from the cache, the tracker from the database
    replies = say(client, sender, "Karen Blixen")
    assert "fødselsdato" in texts(replies)


def test_english_landing_page_gets_english_answers(client):
    page = client.get("/opsagt?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Er du blevet opsagt?" not in page  # the English catalogue
    sender = flyer_sender(client)
    replies = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hello",
                                                         "metadata": {"language": "en"}}).get_json()
    assert "I am FOA A-kasse's chatbot" in texts(replies)
    assert any(b["title"] == "Book a conversation" for b in replies[0]["buttons"])


def test_min_side_chat_belongs_to_the_logged_in_member(client, auth, make, app):
    make.member("mette", status="opsagt")
    make.member("other")
    make.commit()
    auth.login("mette")
    page = client.get("/chat/samtale?kanal=minside").get_data(as_text=True)
    import re

    sender = re.search(r'data-sender="([^"]+)"', page).group(1)
    replies = say(client, sender, "hej")
    assert replies
    stranger = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(stranger).login("other")
    refused = stranger.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hej"})
    assert refused.status_code == 400
    assert stranger.get(f"/chat/beskeder?sender={sender}").status_code == 400
