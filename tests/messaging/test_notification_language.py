"""A notification keeps the language it was written in, and a page in another language marks it with it (WCAG 3.1.2:
a screen reader then reads a Danish line on an English page with Danish pronunciation). The line itself is never
translated after the fact: it is stored as written, like an e-mail."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.i18n import N_
from portal.models import Notification
from portal.services.booking import booking as booking_svc
from portal.services.messaging import notifications
from portal.services.offers import offer_messages
from tests.booking_helpers import utc
from tests.scheduling_support import booking

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


def _notes(session, user_id) -> list[tuple[str, str | None]]:
    return [tuple(row) for row in session.execute(select(Notification.text, Notification.language)
                                                  .where(Notification.user_id == user_id).order_by(Notification.id))]


@pytest.mark.parametrize("locale, text", [("da", "Din sagsbehandler har kommenteret: Søg job"),
                                           ("en", "Your caseworker has commented: Søg job")])
def test_a_line_written_in_the_readers_language_keeps_that_language(session, make, locale, text):
    mette = make.member("mette")
    mette.user.locale = locale
    make.commit()
    notifications.notify_in_language(session, mette.user, N_("Din sagsbehandler har kommenteret: %(title)s"),
                                     title="Søg job", now=NOW)
    assert _notes(session, mette.user_id) == [(text, locale)]


def test_a_moved_conversation_is_told_in_the_members_language_and_stored_with_it(session, make):
    cw = make.caseworker("birgitte")
    mette = make.member("mette", caseworker=cw)
    mette.user.locale = "en"
    make.commit()
    b = booking(session, mette, cw, starts_at=utc(2026, 12, 1, 9))
    session.commit()
    booking_svc.cancel_booking(session, b, actor=cw.user, reason="Sygdom", now=NOW)
    session.commit()
    [(text, language)] = _notes(session, mette.user_id)
    assert language == "en" and "cancelled" in text.lower()


def test_an_offer_message_is_stored_in_the_members_correspondence_language(session, make):
    mette = make.member("mette")
    mette.language = "en"
    make.commit()
    with offer_messages.in_language_of(mette):
        subject = "Your place at Temamøde: Jobsøgning"
    offer_messages.tell_member(session, mette, NOW, key="k-1", kind="offer_test", subject=subject, text="…")
    assert _notes(session, mette.user_id) == [(subject, "en")]
    assert offer_messages.language_of(mette) == "en"


def _note_html(page: str) -> str:
    return page.split('<ul class="plain-list notes">', 1)[1].split("</ul>", 1)[0]


def test_min_side_marks_a_line_in_another_language_than_the_page(client, auth, make, session):
    mette = make.member("mette")
    make.commit()
    for i, (text, language) in enumerate([("Din samtale er flyttet", "da"), ("Your place is held", "en"),
                                          ("Skrevet før sproget blev gemt", None)]):
        session.add(Notification(user_id=mette.user_id, text=text, language=language, link="/samtaler/mine",
                                 created_at=NOW - timedelta(hours=i)))
    make.commit()
    auth.login("mette")
    english = _note_html(client.get("/min-side/beskeder?lang=en").get_data(as_text=True))
    assert 'lang="da">Din samtale er flyttet</a>' in english
    assert '>Your place is held</a>' in english and 'lang="en">Your place is held' not in english
    assert '>Skrevet før sproget blev gemt</a>' in english and 'lang="da">Skrevet før' not in english  # not known
    danish = _note_html(client.get("/min-side/beskeder?lang=da").get_data(as_text=True))
    assert 'lang="en">Your place is held</a>' in danish and 'lang="da"' not in danish
    home = _note_html(client.get("/min-side?lang=en").get_data(as_text=True))
    assert 'lang="da">Din samtale er flyttet</a>' in home  # Min side's newest lines, read as columns, alike
