"""Browser fixtures: Debian's chromium driven by Playwright (never `playwright install`), a served demo portal."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live import DEMO_PASSWORD, served_portal

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "journeys"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module; closed at the module's end so no Playwright loop outlives it."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"!! no chromium at {CHROMIUM}: run `make tools` (browser tests skipped)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """(base_url, app) of a served, seeded portal shared by one test module."""
    with served_portal(tmp_path_factory.mktemp("live") / "live.sqlite3") as served:
        yield served


@pytest.fixture
def base_url(portal):
    return portal[0]


class Pages:
    """Open logged-in pages for a demo login at a viewport."""

    def __init__(self, browser, base_url):
        self.browser, self.base_url, self.contexts = browser, base_url, []

    def new(self, viewport=DESKTOP, locale="da-DK"):
        context = self.browser.new_context(viewport=viewport, locale=locale, base_url=self.base_url,
                                           accept_downloads=True)
        self.contexts.append(context)
        return context.new_page()

    def login(self, username: str, viewport=DESKTOP, password: str = DEMO_PASSWORD):
        page = self.new(viewport)
        page.goto("/login")
        page.fill("#login", username)
        page.fill("#password", password)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, base_url):
    helper = Pages(browser, base_url)
    yield helper
    helper.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def requests_reaching(app, *, only: str | None = None, but: str | None = None):
    """The paths of the requests the served app receives inside the block (only those of path `only`, or all but
    those of path `but`)."""
    seen: list[str] = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        path = environ["PATH_INFO"]
        if (only is None or path == only) and path != but:
            seen.append(path)
        return inner(environ, start_response)

    app.wsgi_app = counting
    try:
        yield seen
    finally:
        app.wsgi_app = inner
