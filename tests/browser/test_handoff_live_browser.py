"""The caseworker's open handoff page while the member acts on the phone (static/js/chat.js): the member's messages
arrive with their time, and when the member ends the chat the page says so and stops its forms, keeping the reply
being typed readable, instead of refusing it on the next click (walk-through, 5 December)."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.browser.chat_steps import TIMEOUT, bot_says, in_app, send
from tests.browser.conftest import DESKTOP, PHONE, shot


def test_the_open_handoff_page_shows_live_times_and_stops_when_the_member_ends_the_chat(pages, portal):
    from portal.models.chat import Handoff
    from portal.services.chat.flyer import campaign_token, flyer_link, location_by_name

    base_url, app = portal
    token = in_app(app, lambda s: campaign_token(app.config["SECRET_KEY"], location_by_name(s, "Odense")))
    phone = pages.new(PHONE)
    phone.goto(flyer_link(base_url, token))
    widget = phone.get_by_role("region", name="Chat med FOA A-kasse")
    log = widget.get_by_role("log", name="Samtalen")
    send(widget, "Jeg vil gerne tale med et menneske")
    widget.get_by_role("button", name="Ja, jeg giver samtykke").click()
    bot_says(log, "sendt samtalen videre")
    sender = widget.get_attribute("data-sender")
    handoff_id = in_app(app, lambda s: s.scalar(select(Handoff.id).join(Handoff.conversation)
                                                .where(Handoff.status == "waiting")
                                                .where(Handoff.conversation.has(sender_id=sender))))

    desk = pages.login("sagsbehandler", DESKTOP)
    desk.goto(f"/sagsbehandler/overdragelser/{handoff_id}")
    desk.get_by_role("button", name="Tag samtalen").click()
    desk.get_by_text("Du har taget samtalen").wait_for()
    staff_log = desk.locator(".staff-log")

    # The member writes; it arrives on the open page with its time, as the server writes the others ("14:37").
    send(widget, "Hvornår kan jeg få dagpenge?")
    arrived = staff_log.locator(".chat-msg-user", has_text="Hvornår kan jeg få dagpenge?")
    arrived.wait_for(timeout=TIMEOUT)
    assert re.fullmatch(r"\d{2}:\d{2}", arrived.locator("time").inner_text()), arrived.inner_text()

    # The caseworker is typing a reply when the member ends the chat on the phone.
    reply = desk.get_by_label("Dit svar til medlemmet")
    reply.fill("Du kan få dagpenge fra")
    notice = desk.get_by_text("Samtalens status er ændret, mens du havde siden åben")
    assert not notice.is_visible()
    send(widget, "afslut samtalen med medarbejderen")
    notice.wait_for(timeout=TIMEOUT)
    assert desk.get_by_role("button", name="Send svar").is_disabled()
    assert desk.get_by_role("button", name="Afslut samtalen").is_disabled()
    assert reply.input_value() == "Du kan få dagpenge fra" and not reply.is_editable()
    shot(desk, "handoff-ended-while-open-desktop")
    desk.get_by_role("link", name="Genindlæs siden").click()
    assert "Afsluttet" in desk.get_by_role("main").inner_text()
    assert desk.get_by_role("button", name="Send svar").count() == 0
