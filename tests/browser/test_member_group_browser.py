"""The demo member on a phone finds her target group from Min side: the group, her caseworker's reason, the main
factors in plain words (no probability), her earlier disagreement with its answer, and the form to disagree."""
from __future__ import annotations

from tests.browser.conftest import PHONE, shot


def test_member_sees_her_confirmed_group_and_factors_on_min_side(pages):
    page = pages.login("medlem", PHONE)
    page.goto("/min-side")
    page.get_by_role("link", name="Se hvorfor, og hvad du kan gøre, hvis du er uenig").click()
    page.wait_for_url("**/min-side/maalgruppe")
    assert page.get_by_role("heading", name="Målgruppe 2a").is_visible()
    text = page.locator("main").inner_text()
    assert "Din sagsbehandlers begrundelse" in text and "fokussamtaler" in text
    assert "Det, der betød mest for vurderingen" in text
    factors = page.locator("#h-factors + p + h3 + ul li, #h-factors ~ ul li")
    assert factors.count() >= 1
    assert "%" not in text and "risiko" not in text.lower()
    assert "Svar fra din sagsbehandler" in text  # the demo's answered objection
    assert page.get_by_label("Hvad er du uenig i?").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "minside-maalgruppe-phone")
