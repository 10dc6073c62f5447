"""Issue 10's real-browser journeys against the served, seeded demo portal (Debian's chromium via Playwright).

1. The member (phone, 390×844) sees the contact course on Min side, books the next statutory conversation with the
   own caseworker through the page's own button, downloads the .ics, cancels.
2. A dismissed person opens the flyer link, chats in Danish, gives consent, asks for a human.
3. The caseworker claims that handoff and replies; the dismissed person's widget (still open) shows the reply;
   then the caseworker records a conversation for `medlem` and opens the summary PDF.
4. The steering user opens the dashboard: success-criteria table and survival charts.
5. Keyboard only: the member books a conversation from Min side to the confirmation; focus is always visible.

The tests run in file order and share the module's served demo; 2 and 3 share the flyer visitor's browser context.
Screenshots of the key screens go to docs/screenshots/journeys/.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.browser.chat_steps import in_app
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, shot
from tests.live import DEMO_PASSWORD

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py: heaviest modules first)

REPLY = "Hej, det er din sagsbehandler. Jeg ringer dig op i morgen formiddag – passer det?"
SLOT_START = re.compile(r"start=(\d{8}T\d{4}Z)")


# ---- helpers --------------------------------------------------------------------------------------------------

def log_in(page, username: str) -> None:
    """Log in through the labelled form, as a person would."""
    page.goto("/login")
    page.get_by_label("Brugernavn eller medlemsnummer").fill(username)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()


def focus_info(page) -> dict:
    """What has keyboard focus, and whether the focus is visibly drawn (outline or box-shadow)."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return {tag: el.tagName, type: el.getAttribute('type') || '', text: (el.innerText || el.value || '').trim(), href: el.getAttribute('href') || '',
                label: el.getAttribute('aria-label') || '', cls: el.className || '',
                focusVisible: el.matches(':focus-visible'),
                drawn: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
                sized: r.width > 0 && r.height > 0};
    }""")


def tab_to(page, wanted, *, limit: int = 120, key: str = "Tab") -> dict:
    """Press Tab until wanted(focus_info) holds; every stop on the way must show a visible focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        info = focus_info(page)
        if info["tag"] == "BODY":
            continue
        if info["tag"] == "INPUT" and info["type"] in ("date", "time"):
            # Chromium puts focus on the field's inner day/month/year segment and highlights that segment itself.
            assert info["sized"], info
            continue
        assert info["focusVisible"] and info["drawn"] and info["sized"], f"focus not visible on {info}"
        if wanted(info):
            return info
    raise AssertionError(f"never reached the wanted control with {key} (last: {info})")


def shot_view(page, name: str) -> None:
    """Only the visible part of a long page (keeps the committed PNGs small)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def slot_start(href: str) -> datetime:
    return datetime.strptime(SLOT_START.search(href).group(1), "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


# ---- shared state ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(portal):
    """Ids of the demo accounts the journeys need."""
    from portal.models import Member, User

    def look_up(session):
        medlem = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "medlem"))
        return {"member_number": medlem.member_number, "member_name": medlem.full_name,
                "caseworker_name": medlem.caseworker.user.display_name}

    return in_app(portal[1], look_up)


@pytest.fixture(scope="module")
def flyer_visitor(browser, portal):
    """The dismissed person's own browser (a phone), kept open from journey 2 into journey 3."""
    context = browser.new_context(viewport=PHONE, locale="da-DK", base_url=portal[0])
    state = {"page": context.new_page()}
    yield state
    context.close()


# ---- 1. member books, downloads the invitation, cancels ------------------------------------------------------

def test_journey_1_member_books_downloads_ics_and_cancels(pages, demo):
    page = pages.new(PHONE)
    log_in(page, "medlem")
    assert page.url.endswith("/min-side")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hej ")
    course = page.get_by_role("region", name="Dit kontaktforløb")
    assert course.is_visible()
    timeline = course.get_by_role("list", name="Samtaler i dit kontaktforløb")
    assert timeline.get_by_role("listitem").count() >= 3
    assert "CV-samtale" in timeline.inner_text()
    assert course.get_by_text("Dit næste skridt:").is_visible()
    assert demo["caseworker_name"] in page.get_by_role("region", name="Din kontakt i a-kassen").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "1-member-min-side-phone")

    # The page's own "Book …" button for the next step.
    book = course.get_by_role("link", name=re.compile(r"^Book "))
    step_title = book.inner_text().removeprefix("Book ").strip()
    book.click()
    assert "/samtaler" in page.url and "type=" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Book samtale"
    own = page.get_by_role("region", name="Din egen sagsbehandler")
    slot = own.get_by_role("link", name=re.compile(rf"^Vælg .* hos {re.escape(demo['caseworker_name'])}$")).first
    start = slot_start(slot.get_attribute("href"))
    shot(page, "1-member-slots-phone")
    slot.click()

    assert page.get_by_role("heading", level=1).inner_text() == "Bekræft booking"
    facts = page.locator("dl.booking-facts")
    assert demo["caseworker_name"] in facts.inner_text()
    booked_type = facts.locator("dd").first.inner_text()  # e.g. "Fokussamtale" for the step "2. fokussamtale"
    assert booked_type.lower() in step_title.lower()
    # 5 weeks in, CV and contact-course conversation held, availability booked: the next is a statutory one.
    assert booked_type in ("CV-samtale", "Kontaktforløbssamtale", "Rådighedssamtale")
    shot(page, "1-member-confirm-phone")
    page.get_by_role("button", name="Book samtalen").click()

    booking_path = re.search(r"/samtaler/mine/\d+$", page.url)
    assert booking_path, (page.url, page.get_by_role("main").inner_text()[:400])
    booking_path = booking_path.group(0)
    assert "Samtalen er booket" in page.get_by_role("main").inner_text()
    assert "Booket" in page.locator("dl.booking-facts").inner_text()
    shown = datetime.fromisoformat(page.locator("dl.booking-facts time").get_attribute("datetime"))
    assert shown == start
    shot(page, "1-member-booked-phone")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent kalenderinvitation (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR")
    calendar = Calendar.from_ical(raw)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("DTSTART") == start
    assert str(event["STATUS"]) == "CONFIRMED"

    page.get_by_role("link", name="Aflys samtalen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Aflys samtale"
    page.get_by_role("button", name="Ja, aflys samtalen").click()
    assert page.url.endswith("/samtaler/mine")
    main = page.get_by_role("main").inner_text()
    assert "Samtalen er aflyst" in main
    # Gone from the upcoming list, listed as cancelled by the member.
    assert page.locator(f".booking-list a[href='{booking_path}']").count() == 0
    row = page.get_by_role("row").filter(has=page.locator(f"a[href='{booking_path}']"))
    assert "Aflyst af dig" in row.inner_text()
    shot(page, "1-member-cancelled-phone")


# ---- 2. the dismissed person: flyer link, Danish chat, consent, a human ---------------------------------------

def test_journey_2_flyer_chat_consent_and_ask_for_a_human(portal, flyer_visitor):
    from portal.services.chat.flyer import campaign_token, flyer_link, location_by_name

    base_url, app = portal
    token = in_app(app, lambda s: campaign_token(app.config["SECRET_KEY"], location_by_name(s, "Odense")))
    link = flyer_link(base_url, token)

    page = flyer_visitor["page"]
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Er du blevet opsagt?"
    assert page.get_by_text("Du kommer fra FOA Odense.").is_visible()
    widget = page.get_by_role("region", name="Chat med FOA A-kasse")
    assert widget.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "2-flyer-landing-phone")

    box = widget.get_by_label("Din besked")
    box.fill("Hej, jeg er blevet opsagt. Hvad kan I hjælpe mig med?")
    widget.get_by_role("button", name="Send").click()
    log = widget.get_by_role("log", name="Samtalen")
    log.locator(".chat-msg-user", has_text="jeg er blevet opsagt").wait_for(timeout=20000)
    log.locator(".chat-msg-bot").last.wait_for(timeout=20000)
    page.wait_for_function("document.querySelectorAll('.chat-msg-bot:not(.chat-msg-hello)').length >= 1",
                           timeout=20000)

    box.fill("Jeg vil gerne tale med et menneske")
    box.press("Enter")
    log.get_by_text(re.compile("Giver du samtykke")).wait_for(timeout=20000)
    assert "skal samtalen gemmes" in log.inner_text()  # says what the consent is for
    shot(page, "2-flyer-consent-question-phone")
    widget.get_by_role("button", name="Ja, jeg giver samtykke").click()
    log.locator(".chat-msg-bot", has_text="sendt samtalen videre til FOA A-kasse Odense").wait_for(timeout=20000)
    assert log.locator(".chat-msg-user", has_text="Ja, jeg giver samtykke").count() == 1
    shot(page, "2-flyer-handed-to-a-person-phone")

    sender = widget.get_attribute("data-sender")

    def handoff_of(session):
        from portal.models.chat import Handoff
        from portal.services.chat.chat import conversation_for_sender

        conversation = conversation_for_sender(session, sender)
        handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation.id))
        return conversation.id, handoff.id, handoff.status, handoff.context.get("consent")

    conversation_id, handoff_id, status, consent = in_app(app, handoff_of)
    assert status == "waiting" and consent is True
    flyer_visitor.update(conversation_id=conversation_id, handoff_id=handoff_id)


# ---- 3. the caseworker: claim, reply (seen in the widget), record a conversation, summary PDF -----------------

def test_journey_3_caseworker_claims_replies_records_and_opens_the_pdf(pages, demo, flyer_visitor):
    if "handoff_id" not in flyer_visitor:
        pytest.fail("journey 2 did not leave a waiting handoff")
    handoff_id = flyer_visitor["handoff_id"]
    page = pages.new(DESKTOP)
    log_in(page, "sagsbehandler")
    page.goto("/sagsbehandler/overdragelser")
    assert page.get_by_role("heading", level=1).inner_text() == "Overdragelser fra chatten"
    table = page.get_by_role("table", name="Overdragelser")
    row = table.get_by_role("row").filter(has=page.get_by_role(
        "link", name=f"Ikke registreret #{flyer_visitor['conversation_id']}", exact=True))
    assert row.count() == 1
    assert "Bad om en medarbejder" in row.inner_text() and "Odense" in row.inner_text()
    shot(page, "3-caseworker-handoff-inbox")
    row.get_by_role("button", name=re.compile(r"^Tag")).click()

    assert page.url.endswith(f"/sagsbehandler/overdragelser/{handoff_id}")
    assert "Du har taget samtalen" in page.get_by_role("main").inner_text()
    transcript = page.get_by_role("log")
    assert "Jeg vil gerne tale med et menneske" in transcript.inner_text()
    page.get_by_label("Dit svar til medlemmet").fill(REPLY)
    page.get_by_role("button", name="Send svar").click()
    page.get_by_text("Svaret er sendt.").wait_for()
    shot(page, "3-caseworker-handoff-replied")

    # The dismissed person's widget, still open on the phone, shows the reply by polling.
    member_page = flyer_visitor["page"]
    reply = member_page.locator(".chat-msg-caseworker", has_text="Jeg ringer dig op i morgen formiddag")
    reply.wait_for(timeout=20000)
    assert reply.locator(".chat-who").inner_text().startswith("Medarbejder")
    shot(member_page, "3-flyer-widget-shows-reply-phone")

    # Record a conversation for medlem from the conversation screen, then the summary PDF.
    page.goto(f"/sagsbehandler/medlem/{demo['member_number']}")
    assert page.get_by_role("heading", level=1).inner_text().startswith(demo["member_name"])
    shot_view(page, "3-caseworker-conversation-screen")
    page.get_by_role("link", name="Registrér samtale").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Registrér samtale"
    page.get_by_label("Booket samtale").select_option("")
    page.get_by_label("Samtaletype").select_option("followup_phone")
    page.get_by_label("Form").select_option("phone")
    page.get_by_label("Ja, holdt").check()
    page.get_by_label("Referat til medlemmet").fill(
        "Vi talte om din jobsøgning. Du søger tre stillinger som social- og sundhedshjælper inden næste samtale.")
    page.get_by_label("Aftale 1", exact=True).fill("Søg tre stillinger som SOSU-hjælper")
    page.get_by_role("button", name="Registrér samtalen").click()

    assert "/sagsbehandler/referat/" in page.url, page.get_by_role("main").inner_text()[:500]
    assert "Samtalen er registreret" in page.get_by_role("main").inner_text()
    assert "Søg tre stillinger som SOSU-hjælper" in page.get_by_role("main").inner_text()
    shot(page, "3-caseworker-summary")
    pdf_link = page.get_by_role("link", name="Hent som PDF")
    href = pdf_link.get_attribute("href")
    assert re.search(r"/sagsbehandler/referat/\d+\.pdf$", href)
    response = page.context.request.get(href)  # the link's response, with the caseworker's session
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")


# ---- 4. steering: the dashboard -------------------------------------------------------------------------------

def test_journey_4_steering_dashboard(pages):
    page = pages.new(DESKTOP)
    log_in(page, "styregruppe")
    page.goto("/styring")
    assert page.get_by_role("heading", level=1).inner_text() == "Forsøgets succeskriterier"
    table = page.get_by_role("table", name="Succeskriterier med mål, værdi, antal og status")
    assert table.is_visible()
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers == ["Succeskriterium", "Mål", "Værdi", "n", "Status"]
    assert table.locator("tbody tr[id^=maal-]").count() >= 10
    assert "80 %" in table.inner_text()  # the 13-week target
    assert page.get_by_role("heading", name="Forløbskurver").is_visible()
    charts = page.locator("figure.km-chart")
    assert charts.count() >= 2
    images = page.get_by_role("img").filter(has=page.locator("polyline"))
    assert images.count() >= 2  # drawn curves, each an image with a text alternative
    assert "efter 13 uger" in page.locator("svg.km-svg desc").first.text_content()
    shot_view(page, "4-steering-dashboard-criteria")
    page.evaluate("document.getElementById('kurver').scrollIntoView()")
    shot_view(page, "4-steering-dashboard-survival-charts")


# ---- 5. keyboard only: book from Min side to the confirmation ------------------------------------------------

def test_journey_5_member_books_with_the_keyboard_only(pages, demo):
    page = pages.new(DESKTOP)
    log_in(page, "medlem")
    page.goto("/min-side")
    page.locator("body").focus()

    info = tab_to(page, lambda i: i["tag"] == "A" and i["text"].startswith("Book ") and "type=" in i["href"])
    assert "button" in info["cls"]
    shot(page, "5-keyboard-min-side-book-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/samtaler\?type="))
    assert page.get_by_role("heading", level=1).inner_text() == "Book samtale"

    info = tab_to(page, lambda i: i["tag"] == "A" and i["label"].startswith("Vælg ")
                  and i["label"].endswith(f"hos {demo['caseworker_name']}"))
    start = slot_start(info["href"])
    shot(page, "5-keyboard-slot-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/samtaler/bekraeft"))
    assert page.get_by_role("heading", level=1).inner_text() == "Bekræft booking"

    # The optional note: typed with the keyboard; then Shift+Tab back and forth to the button.
    tab_to(page, lambda i: i["tag"] == "TEXTAREA")
    page.keyboard.type("Jeg vil gerne tale om kurser.")
    info = tab_to(page, lambda i: i["tag"] == "BUTTON" and i["text"] == "Book samtalen")
    tab_to(page, lambda i: i["tag"] == "TEXTAREA", key="Shift+Tab")
    info = tab_to(page, lambda i: i["tag"] == "BUTTON" and i["text"] == "Book samtalen")
    shot(page, "5-keyboard-confirm-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/samtaler/mine/\d+$"))

    main = page.get_by_role("main").inner_text()
    assert "Samtalen er booket" in main and "Jeg vil gerne tale om kurser." in main
    assert datetime.fromisoformat(page.locator("dl.booking-facts time").get_attribute("datetime")) == start
    shot(page, "5-keyboard-booked")


# ---- a refused booking must be explained on the booking pages -------------------------------------------------

def test_member_with_one_focus_conversation_booked_may_book_the_second_and_move_the_first(pages, demo):
    """Group 2 has a right to two focus conversations, both due by week 13 (Min side says "Book 2. fokussamtale"):
    with one booked, the second can be booked beside it, and the first is moved from its own page."""
    page = pages.new(PHONE)
    log_in(page, "medlem")
    # 'medlem' has a focus conversation booked in the demo.
    page.goto("/samtaler")
    main = page.get_by_role("main")
    card = main.locator("li.card", has=page.get_by_role("heading", name="Fokussamtale"))
    assert "Du har en booket" in card.inner_text()
    page.goto("/samtaler?type=focus")
    assert "Du har allerede en fokussamtale" not in main.inner_text()
    assert main.get_by_role("link", name=re.compile(r"^Vælg ")).count() > 0  # times for the second one
    shot(page, "6-member-second-focus-phone")
    page.goto("/samtaler")
    card.get_by_role("link", name="Se den samtale").click()
    page.wait_for_load_state()
    page.get_by_role("main").get_by_role("link", name="Flyt samtalen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Flyt samtale"
    own = page.get_by_role("region", name="Din egen sagsbehandler")
    own.get_by_role("link", name=re.compile(r"^Vælg ")).first.click()
    with page.expect_response(re.compile(r"/samtaler/bekraeft$")) as posted:
        page.get_by_role("button", name=re.compile(r"^(Flyt|Book) samtalen$")).click()
    page.wait_for_load_state()
    assert posted.value.status in (200, 302, 303)
    assert "Samtalen er flyttet" in page.get_by_role("main").inner_text()
