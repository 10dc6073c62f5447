"""The login page and layout in a real browser on a phone and a desktop."""
from __future__ import annotations

from tests.browser.conftest import DESKTOP, PHONE, shot


def test_login_on_phone_and_logout(pages):
    page = pages.new(PHONE)
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "da"
    # Keyboard only: the skip link is the first stop.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.fill("#login", "medlem")
    page.fill("#password", "forkert-kode-123")
    page.click("button[type=submit].primary")
    assert "Forkert brugernavn eller adgangskode" in page.inner_text(".error-summary")
    # wrong credentials are the form's problem, said once; the field points to it (no field is singled out)
    assert page.get_attribute("#login", "aria-describedby") == "form-error"
    assert page.inner_text("main").count("Forkert brugernavn eller adgangskode") == 1
    shot(page, "login-error-phone")
    # No horizontal scrolling at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_admin_logs_in_and_sees_audit_log(pages):
    page = pages.login("admin", DESKTOP)
    page.goto("/admin/audit")
    assert page.locator("h1").inner_text() == "Revisionslog"
    assert "login.success" in page.inner_text("table")
    shot(page, "admin-audit-desktop")
