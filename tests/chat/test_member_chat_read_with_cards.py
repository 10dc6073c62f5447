"""Min side's small cards read the member's chat and chat consent in their own statement, and the chat widget on
the same page uses that (portal.services.chat.chat.member_chat_columns / remember_member_chat; issue 19). What was
read is forgotten as soon as the session writes, so the widget never shows a chat state from before a change."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from portal.extensions import db
from portal.models import Consent
from portal.services.chat import chat as chat_service
from portal.services.chat.chat_transcript import CHAT_CONSENT_PURPOSE
from portal.services.minside import home_cards

NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)


def _count_statements(run):
    seen = []

    def note(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        result = run()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return result, len(seen)


def _consent(session, member) -> Consent:
    consent = Consent(member_id=member.id, purpose=CHAT_CONSENT_PURPOSE, text_shown="Ja", source="chatbot",
                      given_at=NOW)
    session.add(consent)
    return consent


def test_the_cards_statement_answers_the_chat_lookup_too(session, make):
    member = make.member("mette")
    _consent(session, member)
    make.commit()
    session.refresh(member)  # the commit expired it: loaded again here, not inside what is counted
    cards, statements = _count_statements(lambda: home_cards.for_member(session, member))
    assert statements == 1 and cards.location_name
    (conversation, consented), statements = _count_statements(lambda: chat_service.member_chat(session, member))
    assert (conversation, consented, statements) == (None, True, 0)


def test_a_write_in_the_same_session_makes_it_read_again(session, make):
    member = make.member("mette")
    make.commit()
    home_cards.for_member(session, member)
    assert chat_service.member_chat(session, member) == (None, False)
    _consent(session, member)
    session.flush()  # e.g. the member consents in the chat during the request
    (_, consented), statements = _count_statements(lambda: chat_service.member_chat(session, member))
    assert consented is True and statements == 1


def test_the_end_of_the_transaction_forgets_it(session, make):
    member = make.member("mette")
    make.commit()
    home_cards.for_member(session, member)
    session.commit()
    session.refresh(member)
    _, statements = _count_statements(lambda: chat_service.member_chat(session, member))
    assert statements == 1


def test_min_side_shows_the_consent_the_cards_read(client, auth, session, make):
    member = make.member("mette")
    make.commit()
    auth.login("mette")
    before = client.get("/min-side").get_data(as_text=True)
    assert 'data-intro-consent="no">' in before  # the "we keep nothing before you consent" line is shown
    _consent(session, member)
    make.commit()
    after = client.get("/min-side").get_data(as_text=True)
    assert 'data-intro-consent="yes">' in after and 'data-intro-consent="no" hidden>' in after
