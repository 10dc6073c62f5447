"""Issue 15's password-less way in, in a real browser on a phone (390 × 844, Debian's chromium): the chatbot
registers a dismissed member and books their first conversation → the sign-in link it sent is read from the
outbox → opening it signs in and lands on Min side → the booking is there → move it → withdraw the consent under
Mine data → the member is told the chat transcript is gone. Screenshots: docs/screenshots/journeys/15-link-*.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.browser.chat_steps import TIMEOUT, bot_says, in_app, send
from tests.browser.conftest import PHONE, shot

EMAIL = "lone.linksen@eksempel.dk"


def _latest_link_path(session) -> str:
    from portal.models import Member, OutboxMessage

    member = session.scalar(select(Member).where(Member.email == EMAIL))
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id,
                                                         OutboxMessage.kind == "signin_link")
                             .order_by(OutboxMessage.id.desc()))
    return "/login/link/" + message.body_text.split("/login/link/")[1].split()[0]


def _booking(session):
    from portal.models import Booking, Member

    member = session.scalar(select(Member).where(Member.email == EMAIL))
    return session.scalars(select(Booking).where(Booking.member_id == member.id, Booking.status == "booked")).all()


def test_chat_registration_sign_in_link_min_side_move_booking_and_withdraw_consent(portal, pages):
    from portal.services.flyer import campaign_token, flyer_link, location_by_name
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
    (booked,) = in_app(app, _booking)
    first_start = booked.starts_at

    # The link arrives (read from the outbox the dispatcher sends from) and signs in on the same phone.
    link = in_app(app, _latest_link_path)
    page.goto(link)
    page.get_by_role("heading", name="Log ind med dit link").wait_for()
    shot(page, "15-link-3-open-link-phone")
    page.get_by_role("button", name="Log ind på Min side").click()
    page.wait_for_url(re.compile(r"/min-side$"))
    shot(page, "15-link-4-min-side-phone")

    # Min side: the booking, moved.
    page.goto("/samtaler/mine")
    page.locator(f"a[href$='/samtaler/mine/{booked.id}']").first.wait_for()
    page.goto(f"/samtaler/mine/{booked.id}")
    page.get_by_role("link", name="Flyt samtalen").click()
    slot = page.locator("a.slot").nth(1)
    slot.wait_for()
    slot.click()
    page.get_by_role("button", name="Flyt samtalen").click()
    page.get_by_text("Samtalen er flyttet").wait_for()
    shot(page, "15-link-5-moved-phone")
    (moved,) = in_app(app, _booking)
    assert moved.starts_at != first_start

    # Mine data: withdraw the chat consent; the member is told the transcript is gone.
    page.goto("/min-side/mine-data")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Træk samtykket tilbage").first.click()
    page.locator(".flash-success", has_text="Chatsamtalerne er slettet").wait_for()
    shot(page, "15-link-6-consent-withdrawn-transcript-gone-phone")

    def transcript_left(session):
        from portal.models import Member
        from portal.models.chat import ChatConversation, ChatMessage

        member = session.scalar(select(Member).where(Member.email == EMAIL))
        ids = select(ChatConversation.id).where(ChatConversation.member_id == member.id)
        return len(session.scalars(select(ChatMessage.id).where(ChatMessage.conversation_id.in_(ids))).all())

    assert in_app(app, transcript_left) == 0
    # The link was single-use: opening it again gets the clear page with a way to ask for a new one.
    page.goto(link)
    page.get_by_role("link", name="Bed om et nyt link").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "15-link-7-used-link-phone")
