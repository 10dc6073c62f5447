"""Issue 15's password-less way in, in a real browser on a phone (390 × 844, Debian's chromium): the chatbot
registers a dismissed member and books their first conversation → the sign-in link it sent is read from the
outbox → opening it signs in and lands on Min side → the booking is there → move it → withdraw the consent under
Mine data → the member is told the chat transcript is gone. Screenshots: docs/screenshots/journeys/15-link-*.
"""
from __future__ import annotations

import re
from datetime import timedelta

from tests.browser.chat_steps import TIMEOUT, bookings_of, bot_says, in_app, send, sign_in_move_and_withdraw
from tests.browser.conftest import PHONE, shot

EMAIL = "lone.linksen@eksempel.dk"


def test_chat_registration_sign_in_link_min_side_move_booking_and_withdraw_consent(portal, pages):
    from portal.services.chat.flyer import campaign_token, flyer_link, location_by_name
    from portal.timeutil import local_today

    base_url, app = portal
    token = in_app(app, lambda s: campaign_token(app.config["SECRET_KEY"], location_by_name(s, "Odense")))
    page = pages.new(PHONE)
    page.goto(flyer_link(base_url, token))
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    log = widget.get_by_role("log", name="Samtalen")

    send(widget, "Jeg vil gerne booke en samtale")
    log.get_by_text(re.compile("Giver du samtykke")).wait_for(timeout=TIMEOUT)
    widget.get_by_role("button", name="Ja, jeg giver samtykke").click()
    bot_says(log, "Vil du registreres")
    widget.get_by_role("button", name="Ja, registrér mig").click()
    bot_says(log, "Hvad er dit fulde navn?")
    send(widget, "Lone Linksen")
    bot_says(log, "fødselsdato")
    send(widget, "12-03-1972")
    bot_says(log, "Hvilken e-mail")
    send(widget, EMAIL)
    bot_says(log, "sidste arbejdsdag")
    send(widget, (local_today() + timedelta(days=60)).strftime("%d-%m-%Y"))
    bot_says(log, "registreret som opsagt medlem")
    bot_says(log, "Vi har sendt et login-link til " + EMAIL)  # told, instead of assuming a password
    shot(page, "15-link-1-registered-link-sent-phone")

    bot_says(log, "Hvordan vil du helst holde samtalen?")
    widget.get_by_role("button", name="Fremmøde").click()
    bot_says(log, "Vælg en tid")
    widget.locator(".chat-buttons button").filter(has_text=re.compile(r"\d{2}:\d{2}")).first.click()
    bot_says(log, "Din samtale er booket")
    confirmed = log.locator(".chat-msg-bot", has_text="Din samtale er booket").last.inner_text()
    assert "login-link" in confirmed and "adgangskode" not in confirmed
    shot(page, "15-link-2-booked-phone")
    (booked,) = in_app(app, lambda session: bookings_of(session, EMAIL))

    sign_in_move_and_withdraw(page, app, EMAIL, booked, prefix="15-link")
