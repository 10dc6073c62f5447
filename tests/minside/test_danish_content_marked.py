"""Every page a member reads in English marks what the portal keeps in Danish (the offers' titles, the job centre's
and employers' job titles, what a caseworker wrote in her plan) lang="da" wherever it shows it, so a screen reader
reads it with Danish pronunciation (WCAG 3.1.2, Language of Parts). tests/offers/test_offers_danish_content.py
checks the mark on single pages; this crawls all of a lived-in member's pages in English and finds every place the
Danish text is shown: a list, a confirmation, a hidden label on a button."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from sqlalchemy import select

from portal.models import Member, User
from portal.models.casework import JobOrder
from portal.models.offers import Offer
from portal.models.plan import PlanItem
from tests.demo_copy import seed_demo_at_shared_moment

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# not a member's page to read, or one that changes something when fetched
SKIPPED = re.compile(r"^/(logout|log-ud|static/)|[?&]lang=|/ics\b|\.ics$|/kalender\.ics|/download|/eksport")


class _Languages(HTMLParser):
    """Each piece of text in <body> with the language it is in (the nearest lang attribute), and the page's links.
    Not the text of My data's raw tables (class "raw"): every stored value as it is, codes, times and free text
    alike, of no one language (WCAG 3.1.2's "words of indeterminate language")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.in_body = False

    def _language(self) -> str:
        return next((lang for _tag, lang in reversed(self.stack) if lang), "")

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "body":
            self.in_body = True
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag not in VOID:
            raw = "raw" in (values.get("class") or "").split()
            self.stack.append((tag, "raw" if raw else values.get("lang")))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if (self.in_body and data.strip() and not any(tag in ("script", "style") for tag, _ in self.stack)
                and not any(lang == "raw" for _tag, lang in self.stack)):
            self.texts.append((" ".join(data.split()), self._language()))


def _parsed(html: str) -> _Languages:
    parser = _Languages()
    parser.feed(html)
    return parser


def _danish_texts(session, member: Member) -> set[str]:
    """What the portal keeps in Danish and may show her: every offer's title, the job titles, the plan items her
    caseworker or the job centre wrote (her own may be in any language)."""
    texts = set(session.scalars(select(Offer.title)))
    texts |= set(session.scalars(select(JobOrder.title)))
    texts |= set(session.scalars(select(PlanItem.title).where(PlanItem.member_id == member.id,
                                                              PlanItem.proposed_by != "member")))
    return {" ".join(text.split()) for text in texts if len(text) >= 6}


def _member_pages(client, start: str, limit: int = 80) -> dict[str, str]:
    """Her pages in English, found by following the links from Min side (GET only, her own area)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            seen[path] = ""
            continue
        html = response.get_data(as_text=True)
        seen[path] = html
        for href in _parsed(html).links:
            target, _fragment = urldefrag(href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIPPED.search(target):
                continue
            if parts.path.startswith(("/min-side", "/tilbud", "/samtaler", "/chat")) and target not in seen:
                queue.append(target)
    return {path: html for path, html in seen.items() if html}


def test_danish_text_is_marked_danish_on_every_english_page_of_a_member(session, client, auth, clock):
    seed_demo_at_shared_moment(session, clock, members=60, seed=5, password="demo-adgangskode")
    medlem = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "medlem"))
    danish = _danish_texts(session, medlem)
    auth.login("medlem", "demo-adgangskode")
    assert client.get("/min-side?lang=en").status_code == 200
    pages = _member_pages(client, "/min-side")
    assert {"/min-side", "/min-side/plan", "/tilbud", "/tilbud/mine", "/samtaler/mine"} <= set(pages), sorted(pages)
    shown, unmarked = 0, []
    for path, html in pages.items():
        assert '<html lang="en">' in html, path
        for text, language in _parsed(html).texts:
            for title in danish:
                if title in text:
                    shown += 1
                    if language != "da":
                        unmarked.append(f"{path}: {title!r} in {text!r} ({language})")
    assert shown >= 20, f"the crawl showed too little of what she has ({shown} places)"
    assert unmarked == [], "\n".join(sorted(set(unmarked)))
