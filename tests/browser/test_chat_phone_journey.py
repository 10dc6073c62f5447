"""Issue 15's real-browser journey on a phone (390 × 844, Debian's chromium), the whole path in one walk: flyer link →
chat → consent → registration (the name asked once) → booking a phone conversation (asked for a number) → a person →
the caseworker replies (desktop) → hands back → "Book en samtale" works again → the sign-in link from the outbox →
Min side shows the booking → move it → withdraw consent → the transcript is gone and the member is told so.
Screenshots of each step go to docs/screenshots/journeys/ (the CI artefacts).
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.browser.chat_steps import (
    TIMEOUT,
    bookings_of,
    bot_says,
    in_app,
    send,
    sign_in_move_and_withdraw,
    take_and_reply,
    tap,
)
from tests.browser.conftest import PHONE, shot

REPLY = "Hej Birgit, jeg har set din booking. Book gerne selv en samtale mere her, hvis du vil."


def test_phone_flyer_chat_register_book_by_phone_handoff_hand_back_and_book_again(portal, pages):
    from portal.services.chat.flyer import campaign_token, flyer_link, location_by_name
    from portal.timeutil import local_today

    base_url, app = portal
    token = in_app(app, lambda s: campaign_token(app.config["SECRET_KEY"], location_by_name(s, "Odense")))
    page = pages.new(PHONE)
    page.goto(flyer_link(base_url, token))
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    log = widget.get_by_role("log", name="Samtalen")
    shot(page, "15-1-flyer-phone")

    # Consent first, in plain words; the button is an explicit yes.
    send(widget, "Jeg vil gerne booke en samtale")
    log.get_by_text(re.compile("Giver du samtykke")).wait_for(timeout=TIMEOUT)
    shot(page, "15-2-consent-question-phone")
    widget.get_by_role("button", name="Ja, jeg giver samtykke").click()
    bot_says(log, "Vil du registreres")
    widget.get_by_role("button", name="Ja, registrér mig").click()
    bot_says(log, "Hvad er dit fulde navn?")
    page.wait_for_timeout(500)
    assert log.locator(".chat-msg-bot", has_text="Hvad er dit fulde navn?").count() == 1  # asked once
    shot(page, "15-3-registration-name-once-phone")
    send(widget, "Birgit Browsersen")
    bot_says(log, "fødselsdato")
    send(widget, "05-05-1970")
    bot_says(log, "Hvilken e-mail")
    send(widget, "birgit.browsersen@eksempel.dk")
    bot_says(log, "sidste arbejdsdag")
    send(widget, (local_today() + timedelta(days=60)).strftime("%d-%m-%Y"))
    bot_says(log, "registreret som opsagt medlem")

    # The booking resumes: by phone, and the bot asks for the number it needs.
    bot_says(log, "Hvordan vil du helst holde samtalen?")
    tap(widget, "Telefon")
    bot_says(log, "Hvilket telefonnummer skal vejlederen ringe til")
    send(widget, "mit nummer er 1234")
    bot_says(log, "ikke et dansk telefonnummer")
    send(widget, "20 30 40 50")
    bot_says(log, "Vælg en tid")
    times = widget.locator(".chat-buttons button").filter(has_text=re.compile(r"\d{2}:\d{2}"))
    titles = [times.nth(i).inner_text() for i in range(times.count())]
    assert len(titles) >= 2 and len({re.search(r"\d+\. \w+\.? \d{2}:\d{2}", t).group(0) for t in titles}) == \
        len(titles), titles  # distinct times
    shot(page, "15-4-phone-times-phone")
    times.first.click()
    bot_says(log, "Din samtale er booket")
    confirmed = log.locator(".chat-msg-bot", has_text="Din samtale er booket").last.inner_text()
    assert "+45 20 30 40 50" in confirmed and "login-link" in confirmed  # a sign-in link, not a password

    def booking_of(session):
        from portal.models import Booking, Member

        member = session.scalar(select(Member).where(Member.email == "birgit.browsersen@eksempel.dk"))
        booking = session.scalar(select(Booking).where(Booking.member_id == member.id))
        return member.first_name, member.last_name, member.phone, booking.type, booking.channel

    assert in_app(app, booking_of) == ("Birgit", "Browsersen", "+4520304050", "dismissed_first", "phone")

    # A person: the member sees who has the chat and what happens next.
    send(widget, "Jeg vil gerne tale med et menneske")
    bot_says(log, "sendt samtalen videre")
    state = widget.locator(".chat-state")
    state.filter(has_text="i kø").wait_for(timeout=TIMEOUT)
    assert "SMS" not in log.inner_text()
    shot(page, "15-5-waiting-for-a-person-phone")

    sender = widget.get_attribute("data-sender")

    def handoff_id(session):
        from portal.models.chat import Handoff
        from portal.services.chat.chat import conversation_for_sender

        conversation = conversation_for_sender(session, sender)
        return session.scalar(select(Handoff.id).where(Handoff.conversation_id == conversation.id))

    hid = in_app(app, handoff_id)
    staff = take_and_reply(pages, hid, REPLY)

    log.locator(".chat-msg-caseworker", has_text="jeg har set din booking").wait_for(timeout=TIMEOUT)
    state.filter(has_text="har samtalen").wait_for(timeout=TIMEOUT)
    assert widget.get_by_role("button", name="Træk mit samtykke tilbage").is_visible()
    shot(page, "15-6-with-a-person-phone")

    staff.get_by_role("button", name="Giv tilbage til chatbotten").click()
    staff.get_by_text("Samtalen er givet tilbage til chatbotten.").wait_for()
    bot_says(log, "Du skriver nu med chatbotten igen")
    state.wait_for(state="hidden", timeout=TIMEOUT)
    # The bot's buttons work again. She has her first conversation booked, so the bot names it and says to move it
    # rather than book a second. (This step waited for "Hvordan vil du helst holde samtalen?" and was satisfied by
    # the first booking's question; bot_says now looks only at lines after her last tap.)
    tap(widget, "Book en samtale")
    bot_says(log, "Du har allerede en samtale om, hvordan du kommer videre")
    assert "Passer tiden ikke, så flyt den samtale" in log.locator(".chat-msg-bot").last.inner_text()
    assert log.locator(".chat-msg-user").last.inner_text().endswith("Book en samtale")  # her tap, not a payload
    assert log.locator(".chat-msg-user", has_text="/book_conversation").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "15-7-book-again-after-hand-back-phone")

    # The rest of the path on the same phone: the sign-in link the chatbot sent → Min side shows the booking → move
    # it → withdraw the consent → the transcript is gone (tests/browser/chat_steps.py).
    (booked,) = in_app(app, lambda session: bookings_of(session, "birgit.browsersen@eksempel.dk"))
    sign_in_move_and_withdraw(page, app, "birgit.browsersen@eksempel.dk", booked, prefix="15-8")
