"""No page gets wider than the screen, even when every free-text field shown on it holds a long unbroken string
(a pasted link, a name without spaces): `document.documentElement.scrollWidth <= innerWidth` on phone and desktop,
for the member's and the caseworker's main pages."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.slow  # started first under xdist (tests/conftest.py: heaviest modules first)

LONG = "x" * 2000


def _long(n: int) -> str:
    return ("Langtordudenmellemrum" * 200)[:n]


def _stuffed_content(content: dict) -> dict:
    """A sent summary's frozen content with every free text (facts, section texts and items) 2,000 characters."""
    def stuff(part: dict) -> dict:
        return {**part, "facts": [[label, _long(2000)] for label, _value in part.get("facts", [])],
                "sections": [{**sec, **({"text": _long(2000)} if sec.get("text") else {}),
                              "items": [_long(2000) for _item in sec.get("items") or []]}
                             for sec in part.get("sections", [])]}
    return {**stuff(content), "translations": {lang: stuff(part)
                                               for lang, part in (content.get("translations") or {}).items()}}


@pytest.fixture(scope="module")
def stuffed(portal):
    """The demo member's free text, as long as each field allows (2,000 characters where it allows more)."""
    _base, app = portal
    from portal.extensions import db
    from portal.models import Booking, Member, User
    from portal.models.casework import ConversationSummary
    from portal.models.chat import ChatConversation, ChatMessage, Handoff
    from portal.models.jobcentre import JobcentreMessage
    from portal.models.plan import PlanItem, PlanItemEvent

    with app.app_context():
        member = db.session.scalar(select(Member).join(User, Member.user_id == User.id)
                                   .where(User.username == "medlem"))
        member.first_name, member.last_name = _long(80), _long(80)
        member.job_goal, member.trade = _long(2000), _long(80)
        booking_id = None
        for booking in db.session.scalars(select(Booking).where(Booking.member_id == member.id)
                                          .order_by(Booking.starts_at.desc())):
            booking_id = booking_id or booking.id
            booking.member_note = _long(500)
            booking.cancel_reason = _long(2000) if booking.cancel_reason else None
        for item in db.session.scalars(select(PlanItem).where(PlanItem.member_id == member.id)):
            item.title, item.description = _long(200), _long(2000)
        for event in db.session.scalars(select(PlanItemEvent).join(PlanItem)
                                        .where(PlanItem.member_id == member.id, PlanItemEvent.text.is_not(None))):
            event.text = _long(2000)
        for message in db.session.scalars(select(ChatMessage).join(ChatConversation)
                                          .where(ChatConversation.member_id == member.id)):
            message.text = _long(2000)
        summary = db.session.scalar(select(ConversationSummary).where(
            ConversationSummary.member_id == member.id, ConversationSummary.status == "sent")
            .order_by(ConversationSummary.id))
        summary.content = _stuffed_content(summary.content)
        handoff = db.session.scalar(select(Handoff.id).order_by(Handoff.id))
        case = db.session.scalar(select(JobcentreMessage).where(JobcentreMessage.member_id == member.id)
                                 .order_by(JobcentreMessage.id))
        case.body_text = _long(2000)
        number, summary_id, case_id = member.member_number, summary.id, case.id
        db.session.commit()
        db.session.remove()
    return {"number": number, "handoff": handoff, "summary": summary_id, "booking": booking_id, "case": case_id}


# Every page of the main menu (portal/navigation.py) plus the pages free text is shown on.
MEMBER_PAGES = ["/min-side", "/min-side/plan", "/min-side/profil", "/min-side/mine-data", "/samtaler",
                "/samtaler/mine", "/samtaler/mine/{booking}", "/tilbud", "/tilbud?type=fvu_test&sted=alle",
                "/tilbud/mine", "/min-side/referater", "/min-side/referater/{summary}"]
STAFF_PAGES = ["/sagsbehandler/", "/sagsbehandler/medlem/{number}", "/kalender", "/kalender/samtale/{booking}",
               "/sagsbehandler/overdragelser", "/sagsbehandler/overdragelser/{handoff}",
               "/sagsbehandler/referat/{summary}", "/personale/tilbud", "/sagsbehandler/jobordrer"]
JOBCENTRE_PAGES = ["/jobcenter/", "/jobcenter/sag/{case}", "/jobcenter/borger/{number}", "/jobcenter/?vis=alle"]


def _overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_is_wider_than_the_screen_with_long_unbroken_text(pages, stuffed, viewport):
    wide = []
    for login, urls in (("medlem", MEMBER_PAGES), ("sagsbehandler", STAFF_PAGES), ("jobcenter", JOBCENTRE_PAGES)):
        page = pages.login(login, viewport)
        for url in urls:
            url = url.format(**stuffed)
            response = page.goto(url)
            assert response is not None and response.status < 400, f"{url}: {response and response.status}"
            scroll, inner = _overflow(page)
            if scroll > inner:
                wide.append(f"{login} {url}: {scroll}px wide on a {inner}px screen")
    assert wide == []


def test_on_a_phone_the_main_menu_takes_one_row_and_opens_with_its_button(pages):
    page = pages.login("medlem", PHONE)
    page.goto("/min-side/plan")
    toggle = page.locator(".nav-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert "Min plan" in toggle.inner_text()  # says where you are
    assert page.locator(".main-nav").bounding_box()["height"] <= 60  # one row (it was two or three)
    assert not page.locator("#main-nav-list").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="Tilbud", exact=True).click()
    page.wait_for_url("**/tilbud")
    desktop = pages.login("medlem", DESKTOP)
    assert not desktop.locator(".nav-toggle").is_visible() and desktop.locator("#main-nav-list").is_visible()


def test_min_side_on_a_desktop_has_no_overlapping_cards_and_the_chat_stands_apart(pages):
    page = pages.login("medlem", DESKTOP)
    page.goto("/min-side")
    boxes = page.evaluate("""[...document.querySelectorAll('.minside-grid > .card, .chat-widget')].map(e => {
        const r = e.getBoundingClientRect(); return [e.className, r.left, r.top, r.right, r.bottom]; })""")
    overlaps = [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]
    assert overlaps == []
    grid_bottom = page.evaluate("document.querySelector('.minside-grid').getBoundingClientRect().bottom")
    chat_top = page.evaluate("document.querySelector('.chat-widget').getBoundingClientRect().top")
    assert chat_top >= grid_bottom + 8  # its own space below the cards


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_steering_dashboards_curve_tables_scroll_in_their_own_box(pages, viewport):
    # Opening "Vis kurven som tabel" widened the chart, and the page with it (390 → 595 px on a phone).
    page = pages.login("styregruppe", viewport)
    response = page.goto("/styring")
    assert response is not None and response.status == 200
    summaries = page.locator("details.km-table summary")
    assert summaries.count() == 2
    for i in range(summaries.count()):
        summaries.nth(i).click()
    scroll, inner = _overflow(page)
    assert scroll <= inner, f"/styring with the curve tables open: {scroll}px wide on a {inner}px screen"
    cell = page.locator(".km-table tbody tr").first.locator("td").first
    assert cell.inner_text() == "100,0 %"
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.km-table td')).lineHeight)")
    assert cell.bounding_box()["height"] < 2 * line  # on one line, not wrapped over three
    if viewport is PHONE:  # too wide for the phone: the table's own box scrolls, and can be reached by keyboard
        assert page.evaluate("""[...document.querySelectorAll('.km-table-wrap')]
            .every(w => w.scrollWidth > w.clientWidth && w.tabIndex === 0)""")
