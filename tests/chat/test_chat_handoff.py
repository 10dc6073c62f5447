"""Handoffs: the inbox, claiming (atomic), replies reaching the member, resolving, handing on/back, escalation."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import Notification, OutboxMessage
from portal.models.chat import ChatConversation, Handoff
from portal.services.chat import chat as chat_service
from portal.services.chat import handoff as handoff_service
from portal.timeutil import utcnow
from tests.chat.test_chat_support import flyer_sender, say, texts

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


def _handed_off(client, session, token=None):
    """A flyer visitor (consent given) who asked for a person; returns (sender, handoff)."""
    sender = flyer_sender(client, token)
    say(client, sender, "/give_consent")
    say(client, sender, "kan jeg tale med en sagsbehandler")
    handoff = session.scalar(select(Handoff).order_by(Handoff.id.desc()))
    assert handoff is not None
    return sender, handoff


@pytest.fixture
def odense(app, make, session):
    from portal.services.chat.flyer import campaign_token

    location = make.location("Odense")
    make.commit()
    return location, campaign_token(app.config["SECRET_KEY"], location)


def test_new_handoff_is_announced_and_waits_in_the_location_inbox(app, client, session, make, auth, odense):
    location, token = odense
    hanne = make.caseworker("hanne", location=location)
    elsewhere = make.caseworker("aalborg1", location=make.location("Aalborg", region="Nordjylland"))
    make.commit()
    _sender, handoff = _handed_off(client, session, token)
    assert handoff.location_id == location.id and handoff.escalation_level == 0
    assert session.scalar(select(Notification).where(Notification.user_id == hanne.user_id)) is not None
    assert session.scalar(select(Notification).where(Notification.user_id == elsewhere.user_id)) is None

    auth.login("hanne")
    inbox = client.get("/sagsbehandler/overdragelser").get_data(as_text=True)
    assert "Ikke registreret" in inbox and "Bad om en medarbejder" in inbox
    assert re.search(r"Chats venter <span class=\"badge\">1</span>", inbox)  # the count on every staff page
    detail = client.get(f"/sagsbehandler/overdragelser/{handoff.id}").get_data(as_text=True)
    assert "Tale med en medarbejder" in detail  # what the bot understood
    assert "Gav samtalen videre til en medarbejder" in detail  # what it did, in words
    assert "action_" not in detail and " %)" not in detail and "Ikke forstået" not in detail
    auth.logout()
    auth.login("aalborg1")
    assert client.get(f"/sagsbehandler/overdragelser/{handoff.id}").status_code == 404
    assert "Ingen chats venter" in client.get("/sagsbehandler/overdragelser").get_data(as_text=True)


def test_claim_reply_shows_in_member_widget_then_resolve_returns_to_bot(client, session, make, auth, odense, app):
    location, token = odense
    make.caseworker("hanne", location=location, display_name="Hanne Holm")
    make.commit()
    member_client = app.test_client()
    sender, handoff = _handed_off(member_client, session, token)
    auth.login("hanne")
    claim = auth.post(f"/sagsbehandler/overdragelser/{handoff.id}/tag", page="/sagsbehandler/overdragelser")
    assert claim.status_code == 302
    session.refresh(handoff)
    assert handoff.status == "claimed"

    # While handed off the bot is silent.
    assert say(member_client, sender, "hvad er tryghedspuljen?") == []
    reply = auth.post(f"/sagsbehandler/overdragelser/{handoff.id}/svar",
                      data={"message": "Hej, jeg hedder Hanne <3 Hvad kan jeg gøre?"},
                      page=f"/sagsbehandler/overdragelser/{handoff.id}")
    assert reply.status_code == 302
    polled = member_client.get(f"/chat/beskeder?sender={sender}&after=0").get_json()
    caseworker_lines = [m for m in polled["messages"] if m["sender"] == "caseworker"]
    assert caseworker_lines[-1]["text"] == "Hej, jeg hedder Hanne <3 Hvad kan jeg gøre?"
    assert caseworker_lines[-1]["author"] == "Hanne Holm"
    assert polled["state"] == "handed_off"
    assert any(m["text"] == "hvad er tryghedspuljen?" for m in polled["messages"])
    assert session.scalar(select(OutboxMessage)) is None  # the member is present: no e-mail

    resolved = auth.post(f"/sagsbehandler/overdragelser/{handoff.id}/afslut", data={"outcome": "answered"},
                         page=f"/sagsbehandler/overdragelser/{handoff.id}")
    assert resolved.status_code == 302
    session.refresh(handoff)
    assert handoff.status == "resolved" and handoff.outcome == "answered"
    assert "tryghedspulje" in texts(say(member_client, sender, "hvad er tryghedspuljen?")).lower()
    assert "Afsluttede" in client.get("/sagsbehandler/overdragelser?vis=resolved").get_data(as_text=True)


def test_reply_after_the_member_left_goes_to_the_outbox(session, make, client, odense):
    location, _token = odense
    caseworker = make.caseworker("hanne", location=location)
    member = make.member("birgit", status="opsagt", location=location, email="birgit@eksempel.dk")
    conversation = chat_service.open_conversation(session, sender_id="s-1", source="minside", now=utcnow(),
                                                  member=member)
    conversation.consent_given = True
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={},
                                              now=utcnow())
    later = utcnow() + timedelta(minutes=10)
    handoff_service.claim(session, caseworker.user, handoff.id, now=later)
    _message, delivered = handoff_service.reply(session, caseworker.user, handoff.id, "Ring til mig i morgen",
                                               now=later)
    assert delivered == "email"
    mail = session.scalar(select(OutboxMessage))
    assert mail.to_address == "birgit@eksempel.dk" and "Ring til mig i morgen" in mail.body_text
    assert mail.member_id == member.id and mail.kind == "chat_reply"


def test_a_reply_to_a_member_who_wrote_in_english_goes_in_english(session, make, odense):
    location, _token = odense
    caseworker = make.caseworker("hanne", location=location)
    member = make.member("birgit", status="opsagt", location=location, email="birgit@eksempel.dk")
    conversation = chat_service.open_conversation(session, sender_id="s-en", source="minside", now=utcnow(),
                                                  member=member)
    conversation.consent_given, conversation.language = True, "en"
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={},
                                              now=utcnow())
    later = utcnow() + timedelta(minutes=10)
    handoff_service.claim(session, caseworker.user, handoff.id, now=later)
    handoff_service.reply(session, caseworker.user, handoff.id, "Call me tomorrow", now=later)
    mail = session.scalar(select(OutboxMessage))
    assert mail.subject == "FOA A-kasse has answered your chat"
    assert mail.body_text.startswith("FOA A-kasse has answered your chat:") and "Call me tomorrow" in mail.body_text
    assert "Du har fået svar" not in mail.body_text


def test_refusals_change_nothing(session, make, odense):
    location, _ = odense
    hanne = make.caseworker("hanne", location=location)
    karl = make.caseworker("karl", location=location)
    conversation = chat_service.open_conversation(session, sender_id="s-2", source="flyer", now=utcnow(),
                                                  location_id=location.id)
    from portal.services.errors import Conflict, NotAllowed, ValidationFailed

    with pytest.raises(NotAllowed):  # no consent, no handoff (the transcript would be personal data)
        handoff_service.request_handoff(session, conversation, reason="request_human", context={}, now=utcnow())
    conversation.consent_given = True
    handoff = handoff_service.request_handoff(session, conversation, reason="fallback", context={}, now=utcnow())
    assert handoff_service.request_handoff(session, conversation, reason="fallback", context={},
                                           now=utcnow()).id == handoff.id  # never two open handoffs
    with pytest.raises(NotAllowed):
        handoff_service.reply(session, hanne.user, handoff.id, "hej", now=utcnow())  # not claimed yet
    handoff_service.claim(session, hanne.user, handoff.id, now=utcnow())
    with pytest.raises(Conflict, match="allerede taget"):
        handoff_service.claim(session, karl.user, handoff.id, now=utcnow())
    with pytest.raises(ValidationFailed):
        handoff_service.reply(session, hanne.user, handoff.id, "x" * 2001, now=utcnow())
    for text in ("Ring \u202e20304050", "hej\x1b[2J"):  # a right-to-left override shows the member other digits
        with pytest.raises(ValidationFailed, match="styretegn"):
            handoff_service.reply(session, hanne.user, handoff.id, text, now=utcnow())
    with pytest.raises(ValidationFailed):
        handoff_service.resolve(session, hanne.user, handoff.id, outcome="whatever", note=None, now=utcnow())
    assert handoff.status == "claimed" and handoff.claimed_by_id == hanne.id


def _claimed_with_colleague(session, make, odense, sender_id):
    """A flyer chat claimed by hanne, with karl a colleague at the same place."""
    location, _ = odense
    hanne = make.caseworker("hanne", location=location)
    karl = make.caseworker("karl", location=location)
    conversation = chat_service.open_conversation(session, sender_id=sender_id, source="flyer", now=utcnow(),
                                                  location_id=location.id)
    conversation.consent_given = True
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={},
                                              now=utcnow())
    handoff_service.claim(session, hanne.user, handoff.id, now=utcnow())
    return hanne, karl, handoff


def test_hand_on_to_a_colleague_and_back_to_the_bot(session, make, odense):
    hanne, karl, handoff = _claimed_with_colleague(session, make, odense, "s-3")
    conversation = handoff.conversation
    handoff_service.hand_on(session, hanne.user, handoff.id, colleague_id=karl.id, note="Kender reglerne",
                            now=utcnow())
    assert handoff.status == "waiting" and handoff.target_caseworker_id == karl.id
    assert handoff in handoff_service.list_handoffs(session, karl.user, "waiting", now=utcnow())
    assert session.scalar(select(Notification).where(Notification.user_id == karl.user_id,
                                                     Notification.text.contains("givet dig en chat")))
    handoff_service.claim(session, karl.user, handoff.id, now=utcnow())
    handoff_service.hand_back_to_bot(session, karl.user, handoff.id, now=utcnow())
    assert handoff.status == "returned_to_bot" and conversation.state == "bot"
    assert conversation.messages[-1].sender == "bot" and "chatbotten igen" in conversation.messages[-1].text


def test_overdue_handoffs_escalate_and_never_drop_out(session, make, odense):
    location, _ = odense
    own = make.caseworker("own", location=location)
    colleague = make.caseworker("colleague", location=location)
    central = make.caseworker("central", location=make.location("Valby", region="Hovedstaden"), central_unit=True)
    member = make.member("m1", status="opsagt", location=location, caseworker=own)
    conversation = chat_service.open_conversation(session, sender_id="s-4", source="minside", now=utcnow(),
                                                  member=member)
    conversation.consent_given = True
    start = utcnow()
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={}, now=start)
    assert handoff.target_caseworker_id == own.id
    assert handoff not in handoff_service.list_handoffs(session, colleague.user, "waiting", now=start)

    assert handoff_service.escalate_overdue_handoffs(session, now=start + timedelta(minutes=10), sla_minutes=30) == 0
    assert handoff_service.escalate_overdue_handoffs(session, now=start + timedelta(minutes=31), sla_minutes=30) == 1
    assert handoff.escalation_level == 1
    assert handoff in handoff_service.list_handoffs(session, colleague.user, "waiting", now=start)
    assert handoff_service.escalate_overdue_handoffs(session, now=start + timedelta(minutes=62), sla_minutes=30) == 1
    assert handoff.escalation_level == 2
    assert handoff in handoff_service.list_handoffs(session, central.user, "waiting", now=start)
    assert session.scalar(select(Notification).where(Notification.user_id == central.user_id))
    # Still waiting for everyone it concerned: nothing drops out unclaimed.
    assert handoff in handoff_service.list_handoffs(session, own.user, "waiting", now=start)
    assert handoff_service.escalate_overdue_handoffs(session, now=start + timedelta(hours=5), sla_minutes=30) == 0


@pytest.mark.slow
def test_two_caseworkers_claiming_at_once_only_one_gets_it(app, session, make, odense):
    """Against a served app (real sockets, threads), as in production."""
    import requests
    from werkzeug.serving import make_server

    location, _ = odense
    for name in ("anna", "bent"):
        make.caseworker(name, location=location)
    conversation = chat_service.open_conversation(session, sender_id="s-5", source="flyer", now=utcnow(),
                                                  location_id=location.id)
    conversation.consent_given = True
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={},
                                              now=utcnow())
    make.commit()
    handoff_id, conversation_id = handoff.id, conversation.id
    server = make_server("127.0.0.1", 0, app, threaded=True)  # a free port (5106 is the dev server's)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        browsers = []
        for name in ("anna", "bent"):
            browser = requests.Session()
            login_page = browser.get(base + "/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
            browser.post(base + "/login", data={"login": name, "password": "korrekt-hest-batteri",
                                                "csrf_token": csrf}, allow_redirects=False)
            page = browser.get(base + "/sagsbehandler/overdragelser").text
            browsers.append((browser, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)))
        barrier = threading.Barrier(2)
        results = []

        def click(browser, csrf):
            barrier.wait()
            response = browser.post(f"{base}/sagsbehandler/overdragelser/{handoff_id}/tag",
                                    data={"csrf_token": csrf}, headers={"Accept": "application/json"})
            results.append(response.status_code)

        threads = [threading.Thread(target=click, args=pair) for pair in browsers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        server.shutdown()
    assert sorted(results) == [200, 409]
    session.expire_all()
    claimed = session.get(Handoff, handoff_id)
    assert claimed.status == "claimed" and claimed.claimed_by_id is not None
    assert session.get(ChatConversation, conversation_id).state == "handed_off"


def test_handoff_overview_says_topics_and_steps_in_words_and_leaves_out_form_answers():
    from chatbot.runtime.labels import handoff_overview

    context = {"intents": [{"intent": "ask_offers", "confidence": 0.91}, {"intent": "nlu_fallback", "confidence": 0.4},
                           {"intent": "affirm", "confidence": 0.99}, {"intent": "ask_offers", "confidence": 0.8},
                           {"intent": "request_human", "confidence": 0.97}],
               "actions_tried": ["action_list_offers", "utter_ask_email", "registration_form",
                                 "action_register_member", "action_handoff"]}
    asked, tried = handoff_overview(context)
    assert asked == ["Se jeres tilbud", "Tale med en medarbejder"]
    assert tried == ["Viste tilbud", "Registrerede medlemmet", "Gav samtalen videre til en medarbejder"]
    assert handoff_overview(context, "en")[1][0] == "Showed offers"


def test_a_hand_on_note_over_the_limit_is_refused_whole_not_cut(session, make, odense):
    hanne, karl, handoff = _claimed_with_colleague(session, make, odense, "s-9")
    from portal.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="højst 500 tegn"):
        handoff_service.hand_on(session, hanne.user, handoff.id, colleague_id=karl.id, note="n" * 501,
                                now=utcnow())
    assert handoff.status == "claimed" and handoff.claimed_by_id == hanne.id
    handoff_service.hand_on(session, hanne.user, handoff.id, colleague_id=karl.id, note="n" * 500, now=utcnow())
    assert handoff.context["handed_on"][-1]["note"] == "n" * 500


def test_the_waiting_count_is_read_once_per_transaction_and_again_after_a_change(app, client, session, make, odense):
    """The staff badge and the caseload both ask for the waiting count: one statement per page, and a handoff
    added in the same session (after its flush) or by someone else (after the transaction) is counted."""
    from sqlalchemy import event

    from portal.extensions import db

    location, token = odense
    hanne = make.caseworker("hanne", location=location)
    make.commit()
    _sender, _first = _handed_off(client, session, token)
    session.commit()
    statements = []

    def seen(*args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert handoff_service.waiting_count(session, hanne.user) == 1
        read = len(statements)
        assert handoff_service.waiting_count(session, hanne.user) == 1
        assert len(statements) == read  # the second ask is not a second statement
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    _first.status = "resolved"
    session.flush()
    assert handoff_service.waiting_count(session, hanne.user) == 0  # its own flushed change
    session.rollback()
    assert handoff_service.waiting_count(session, hanne.user) == 1  # rolled back: waiting again
    _handed_off(app.test_client(), session, token)  # another visitor's handoff, committed by that request
    session.commit()
    assert handoff_service.waiting_count(session, hanne.user) == 2


# ---- what the walk-through of 5 December found between the member's and the caseworker's side -------------------

def test_the_note_handing_a_chat_on_reaches_the_colleague_on_the_page_and_in_the_notification(
        app, client, session, make, auth, odense):
    location, token = odense
    make.caseworker("hanne", location=location, display_name="Hanne Holm")
    karl = make.caseworker("karl", location=location, display_name="Karl Berg")
    make.commit()
    _sender, handoff = _handed_off(app.test_client(), session, token)
    auth.login("hanne")
    auth.post(f"/sagsbehandler/overdragelser/{handoff.id}/tag", page="/sagsbehandler/overdragelser")
    page = f"/sagsbehandler/overdragelser/{handoff.id}"
    note = "Kan du tage den? Han spørger om tryghedspuljen & <b>dagpenge</b>."
    response = auth.post(f"{page}/videregiv", data={"colleague_id": karl.id, "note": note}, page=page)
    assert response.status_code == 302 and response.headers["Location"] == "/sagsbehandler/overdragelser"
    landed = client.get(response.headers["Location"])  # not the chat, which is Karl's now (it was a 404)
    assert landed.status_code == 200 and "Samtalen er givet videre." in landed.get_data(as_text=True)
    auth.logout()
    auth.login("karl")
    html = client.get(page).get_data(as_text=True)
    assert "Fra Hanne Holm til Karl Berg" in html
    assert "<q>Kan du tage den? Han spørger om tryghedspuljen &amp; &lt;b&gt;dagpenge&lt;/b&gt;.</q>" in html
    told = session.scalar(select(Notification).where(Notification.user_id == karl.user_id,
                                                     Notification.text.contains("givet dig")))
    assert told.text == f"Hanne Holm har givet dig en chat: »{note}«"
    long_note = "x" * 500
    handoff_service.claim(session, karl.user, handoff.id, now=utcnow())
    handoff_service.hand_on(session, karl.user, handoff.id, colleague_id=session.scalar(
        select(handoff_service.Caseworker.id).where(handoff_service.Caseworker.id != karl.id)), note=long_note,
        now=utcnow())
    newest = session.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert len(newest.text) < 300 and newest.text.endswith("…«")  # the start; the page has it whole


def test_a_reply_to_a_chat_the_member_ended_meanwhile_says_so_and_keeps_the_typed_text(
        app, client, session, make, auth, odense):
    location, token = odense
    make.caseworker("hanne", location=location, display_name="Hanne Holm")
    make.commit()
    member_client = app.test_client()
    sender, handoff = _handed_off(member_client, session, token)
    auth.login("hanne")
    page = f"/sagsbehandler/overdragelser/{handoff.id}"
    auth.post(f"{page}/tag", page="/sagsbehandler/overdragelser")
    form = client.get(page).get_data(as_text=True)  # the caseworker has the page open (with its token) ...
    assert 'data-status="claimed"' in form
    say(member_client, sender, "/stop")  # ... while the member ends the chat
    messages_before = len(handoff.conversation.messages)
    typed = "Hej, du kan søge om tryghedspuljen her: <link>"
    response = auth.post(f"{page}/svar", data={"message": typed}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Samtalen er afsluttet: Medlemmet afsluttede selv i chatten." in html
    assert "Tag overdragelsen" not in html
    assert 'readonly>Hej, du kan søge om tryghedspuljen her: &lt;link&gt;</textarea>' in html
    session.expire_all()
    assert len(session.get(Handoff, handoff.id).conversation.messages) == messages_before  # nothing sent
    assert client.get(f"{page}/beskeder?after=0").get_json()["status"] == "resolved"  # what the open page learns


def test_a_reply_refused_while_the_chat_is_still_mine_is_put_back_in_the_form(app, client, session, make, auth,
                                                                              odense):
    location, token = odense
    make.caseworker("hanne", location=location)
    make.commit()
    _sender, handoff = _handed_off(app.test_client(), session, token)
    auth.login("hanne")
    page = f"/sagsbehandler/overdragelser/{handoff.id}"
    auth.post(f"{page}/tag", page="/sagsbehandler/overdragelser")
    too_long = "Et langt svar. " * 200
    response = auth.post(f"{page}/svar", data={"message": too_long}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'aria-invalid="true">Et langt svar.' in html
    assert 'id="unsent-reply"' not in html  # the text is in the reply form itself, to shorten and send


def test_an_admin_reads_the_inbox_and_a_handoff_but_is_not_offered_to_take_it(app, client, session, make, auth,
                                                                              odense):
    location, token = odense
    make.caseworker("hanne", location=location)
    make.user("chef", role="admin")
    make.commit()
    _sender, handoff = _handed_off(app.test_client(), session, token)
    auth.login("chef")
    inbox = client.get("/sagsbehandler/overdragelser").get_data(as_text=True)
    assert f"/sagsbehandler/overdragelser/{handoff.id}" in inbox and f"{handoff.id}/tag" not in inbox
    detail = client.get(f"/sagsbehandler/overdragelser/{handoff.id}").get_data(as_text=True)
    assert "Kun sagsbehandlere kan tage en overdragelse." in detail and f"{handoff.id}/tag" not in detail
    auth.logout()
    auth.login("hanne")
    assert f"{handoff.id}/tag" in client.get("/sagsbehandler/overdragelser").get_data(as_text=True)


def test_the_lines_the_portal_writes_into_an_english_chat_are_english(app, client, session, make, auth, odense):
    """The caseworker's page is Danish; the member wrote in English: taking, handing on and ending the chat are told
    in English (they were stored in Danish, walk-through of 5 December)."""
    location, token = odense
    make.caseworker("hanne", location=location, display_name="Hanne Holm")
    karl = make.caseworker("karl", location=location, display_name="Karl Berg")
    make.commit()
    member_client = app.test_client()
    sender = flyer_sender(member_client, token)
    say(member_client, sender, "Can I talk to a human?")
    say(member_client, sender, "Yes, I give my consent")
    handoff = session.scalar(select(Handoff).order_by(Handoff.id.desc()))
    assert handoff.conversation.language == "en"
    page = f"/sagsbehandler/overdragelser/{handoff.id}"
    auth.login("hanne")
    auth.post(f"{page}/tag", page="/sagsbehandler/overdragelser")
    auth.post(f"{page}/videregiv", data={"colleague_id": karl.id}, page=page)
    auth.logout()
    auth.login("karl")
    auth.post(f"{page}/tag", page="/sagsbehandler/overdragelser")
    auth.post(f"{page}/afslut", data={"outcome": "answered"}, page=page)
    polled = member_client.get(f"/chat/beskeder?sender={sender}&after=0").get_json()["messages"]
    system = [m["text"] for m in polled if m["sender"] == "system"]
    assert system == ["Hanne Holm from FOA A-kasse has taken over the chat.",
                      "The chat has been passed on to a colleague, who will answer you here.",
                      "Karl Berg from FOA A-kasse has taken over the chat.",
                      "The member of staff has ended the chat. You can write to the chatbot again."], system
    staff_page = client.get(page).get_data(as_text=True)  # the caseworker reads what the member was told
    assert "Overblik" in staff_page and "Hanne Holm from FOA A-kasse has taken over the chat." in staff_page


def test_a_chat_is_handed_on_only_to_a_colleague_the_form_offers(app, client, session, make, auth, odense):
    """The central unit in Valby may hand on to Valby and the central unit, not to Odense (not in its list): the
    form comes back with what to do, and the chat stays theirs."""
    location, token = odense
    valby = make.location("Valby", region="Hovedstaden")
    central = make.caseworker("sb-valby-1", location=valby, central_unit=True, display_name="Vera Valby")
    birgitte = make.caseworker("birgitte", location=location, display_name="Birgitte Holm")
    make.commit()
    _sender, handoff = _handed_off(app.test_client(), session, token)
    handoff.escalation_level = 2  # nobody in Odense took it: the central unit sees it
    session.commit()
    auth.login("sb-valby-1")
    page = f"/sagsbehandler/overdragelser/{handoff.id}"
    assert auth.post(f"{page}/tag", page="/sagsbehandler/overdragelser").status_code == 302
    offered = client.get(page).get_data(as_text=True)
    assert f'<option value="{birgitte.id}">' not in offered
    for wrong in (birgitte.id, 999999, "x"):
        response = auth.post(f"{page}/videregiv", data={"colleague_id": wrong, "note": "Kan du tage den?"},
                             page=page)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, wrong
        assert "Vælg en kollega fra listen." in html and 'value="Kan du tage den?"' in html
        session.refresh(handoff)
        assert handoff.status == "claimed" and handoff.claimed_by_id == central.id
    with pytest.raises(handoff_service.ValidationFailed, match="Vælg en kollega fra listen"):
        handoff_service.hand_on(session, central.user, handoff.id, colleague_id=birgitte.id, note=None,
                                now=utcnow())
