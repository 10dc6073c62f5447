"""Min side shown again as it was rendered while nothing on it has changed (issue 19: portal/services/minside/
home_cache.py, the page versions of portal/models/page_version.py), on both databases."""
from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

import pytest
from flask_login import login_user
from sqlalchemy import Column, Table, event, select, text
from sqlalchemy.sql import visitors

from portal.extensions import db
from portal.models import Booking, Member, Notification
from portal.models.page_version import NEVER_SHOWN, SHARED, SOURCES, member_scope
from portal.services.minside import home_cache
from tests.booking_helpers import NOW
from tests.factories import PASSWORD
from tests.minside.test_statement_counts import Statements
from tests.offers_helpers import make_offer, make_session

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen


@pytest.fixture
def mette(make):
    loc = make.location("Odense")
    cw = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    mette = make.member("mette", location=loc, caseworker=cw, first_name="Mette", target_group="2a",
                        weeks_unemployed=5)
    make.commit()
    return mette


def _booking(session, member, starts, minutes=45, type_="followup_phone") -> Booking:
    cw = member.caseworker
    booking = Booking(uid=f"{uuid4()}@t", member_id=member.id, caseworker_id=cw.id, location_id=cw.location_id,
                      type=type_, channel="phone", starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
                      status="booked", sequence=0, created_at=NOW, updated_at=NOW)
    session.add(booking)
    session.commit()
    return booking


def _main(client) -> str:
    """The page's <main>, its CSRF tokens left out (each signs the session's secret with the time it was made)."""
    response = client.get("/min-side")
    assert response.status_code == 200
    main = re.search(r'<main id="indhold".*?</main>', response.get_data(as_text=True), re.DOTALL).group(0)
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', main)


def _statements(client) -> tuple[int, str]:
    with Statements(db.engine) as seen:
        main = _main(client)
    return seen.count, main


MADE, KEPT = 8, 2  # a page made: her user, the versions, six reads; kept: her user, the versions


def test_a_kept_page_is_the_page_made_again_and_reads_only_the_versions(client, auth, mette, session, app):
    _booking(session, mette, NOW + timedelta(days=2))
    auth.login("mette")
    made, first = _statements(client)
    kept, again = _statements(client)
    assert (made, kept) == (MADE, KEPT)
    assert again == first and "Birgitte Holm" in first and "Dine kommende aftaler" in first
    app.extensions["minside_home_cache"].clear()
    assert _statements(client) == (MADE, first)


def test_the_whole_kept_page_is_the_page_made_again(client, auth, mette, app):
    auth.login("mette")
    made = _tokens_out(client.get("/min-side").get_data(as_text=True))
    kept = _tokens_out(client.get("/min-side").get_data(as_text=True))
    app.extensions["minside_home_cache"].clear()
    assert kept == made == _tokens_out(client.get("/min-side").get_data(as_text=True))
    assert "Log ud" in kept and "Hej Mette" in kept


def _tokens_out(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', html)


def test_a_message_to_show_once_is_shown_on_a_page_made_for_it(client, auth, mette):
    auth.login("mette")
    _main(client)
    with client.session_transaction() as browser_session:
        browser_session["_flashes"] = [("success", "Din samtale er booket.")]
    count, main = _statements(client)
    assert "Din samtale er booket." in main and count == MADE - 1  # no versions: nothing kept, nothing to keep
    assert _statements(client)[0] == KEPT and "Din samtale er booket." not in _main(client)


def test_a_write_by_another_process_ends_the_kept_page(client, auth, mette, session):
    """The scheduler, the action server or plain SQL: the trigger bumps her version, whoever writes."""
    booking = _booking(session, mette, NOW + timedelta(days=2))
    auth.login("mette")
    assert "Opfølgning pr. telefon" in _main(client)
    with db.engine.begin() as other:  # a connection of its own, outside the request's session
        other.execute(text("UPDATE booking SET status = 'cancelled_fund' WHERE id = :id"), {"id": booking.id})
    count, main = _statements(client)
    assert count == MADE and "Du har ingen kommende aftaler." in main


def test_a_caseworker_renamed_shows_on_every_members_kept_page(client, auth, mette, session):
    auth.login("mette")
    assert "Birgitte Holm" in _main(client)
    with db.engine.begin() as other:
        other.execute(text("UPDATE user_account SET display_name = 'Birgitte Holm Jensen' "
                           "WHERE username = 'birgitte'"))
    assert "Birgitte Holm Jensen" in _main(client)


def test_what_no_page_shows_leaves_the_kept_page_kept(client, auth, mette, session, make):
    """A seat taken (seats_taken), a login (last_login_at) and another member's booking write nothing Min side
    shows: her kept page stays."""
    offer = make_offer(session)
    seat = make_session(session, offer, location=mette.location, now=NOW)
    other = make.member("ole", location=mette.location, caseworker=mette.caseworker)
    make.commit()
    auth.login("mette")
    _main(client)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE offer_session SET seats_taken = seats_taken + 1 WHERE id = :id"), {"id": seat.id})
        conn.execute(text("UPDATE user_account SET last_login_at = :now WHERE username = 'birgitte'"), {"now": NOW})
    _booking(session, other, NOW + timedelta(days=3))
    assert _statements(client)[0] == KEPT


def test_her_chat_on_the_kept_page_follows_what_she_and_the_bot_write(client, auth, mette):
    """The chat is part of the kept page: a message she sends (and the bot's answer) ends it."""
    from tests.chat.test_chat_support import say

    auth.login("mette")
    page = _main(client)
    sender = re.search(r'data-sender="([^"]+)"', page).group(1)
    assert _statements(client) == (KEPT, page)
    say(client, sender, "Hvornår er min næste samtale?")
    count, after = _statements(client)
    assert count > KEPT and "Hvornår er min næste samtale?" in after
    assert _statements(client) == (KEPT, after)


def test_marking_her_messages_read_with_the_kept_pages_token_works_and_shows(client, auth, mette, session):
    for i in range(2):
        session.add(Notification(user_id=mette.user_id, text=f"Besked {i}", created_at=NOW - timedelta(hours=i)))
    session.commit()
    auth.login("mette")
    _main(client)
    kept = client.get("/min-side").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/min-side/notifikationer/laest">.*?</form>', kept, re.DOTALL)
    assert form is not None and "2 nye" in kept
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1)
    assert client.post("/min-side/notifikationer/laest", data={"csrf_token": token}).status_code == 302
    assert "2 nye" not in _main(client) and "Markér alle som læst" not in _main(client)


def test_each_browser_gets_its_own_sessions_token_on_her_page(app, auth, mette, session):
    session.add(Notification(user_id=mette.user_id, text="Besked", created_at=NOW))
    session.commit()
    tokens = []
    for _ in range(2):
        browser = app.test_client()
        browser.post("/login", data={"login": "mette", "password": PASSWORD,
                                     "csrf_token": _token(browser.get("/login").get_data(as_text=True))})
        browser.get("/min-side")
        page = browser.get("/min-side").get_data(as_text=True)
        form = re.search(r'action="/min-side/notifikationer/laest">.*?</form>', page, re.DOTALL).group(0)
        tokens.append((browser, _token(form)))
    (_, first_token), (second, second_token) = tokens
    assert first_token != second_token
    assert second.post("/min-side/notifikationer/laest", data={"csrf_token": first_token}).status_code == 400
    assert second.post("/min-side/notifikationer/laest", data={"csrf_token": second_token}).status_code == 302


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_switching_the_language_shows_her_page_in_it(client, auth, mette):
    auth.login("mette")
    assert "Dine kommende aftaler" in _main(client)
    english = client.get("/min-side?lang=en").get_data(as_text=True)
    assert "Your upcoming appointments" in english and "Dine kommende aftaler" not in english


def test_a_page_made_in_a_transaction_that_wrote_is_not_kept(client, auth, mette, monkeypatch):
    """A request that writes without committing is rolled back at its end (portal.db_connections): the page it made
    showed what was never committed, and must not be shown again."""
    from portal.blueprints import minside

    auth.login("mette")
    _main(client)
    app_cache = client.application.extensions["minside_home_cache"]
    app_cache.clear()
    make = minside._home_main

    def writing_first(member, *args):
        db.session.execute(text("INSERT INTO notification (user_id, created_at, text) VALUES (:u, :t, 'Aldrig sendt')"),
                           {"u": member.user_id, "t": NOW})
        return make(member, *args)

    monkeypatch.setattr(minside, "_home_main", writing_first)
    assert "Aldrig sendt" in _main(client)
    monkeypatch.setattr(minside, "_home_main", make)
    assert "Aldrig sendt" not in _main(client)


def test_the_page_is_made_again_when_a_listed_conversation_ends(client, auth, mette, session, app, clock):
    """No write happens when a conversation ends or an offer's session starts: the kept page ends then."""
    app.extensions["minside_home_cache"].max_seconds = 24 * 3600
    _booking(session, mette, NOW + timedelta(minutes=20), minutes=15)  # 09:20–09:35
    offer = make_offer(session, title="Temamøde: Første skridt")
    make_session(session, offer, location=mette.location, starts_in=timedelta(minutes=50), now=NOW)  # 09:50
    session.commit()
    auth.login("mette")
    first = _main(client)
    assert "Du har ingen kommende aftaler." not in first and "Temamøde: Første skridt" in first
    clock.advance(timedelta(minutes=30))
    assert _statements(client) == (KEPT, first)  # 09:30: still coming
    clock.advance(timedelta(minutes=6))
    count, main = _statements(client)
    assert count == MADE and "Du har ingen kommende aftaler." in main and "Temamøde: Første skridt" in main
    clock.advance(timedelta(minutes=15))
    assert "Temamøde: Første skridt" not in _main(client)  # its only session has started: not joinable


def test_a_kept_page_is_shown_at_most_max_seconds(client, auth, mette, clock):
    auth.login("mette")
    _main(client)
    clock.advance(timedelta(seconds=59))
    assert _statements(client)[0] == KEPT
    clock.advance(timedelta(seconds=2))
    assert _statements(client)[0] == MADE


def test_turned_off_every_visit_makes_the_page(client, auth, mette, app):
    app.extensions["minside_home_cache"] = home_cache.PageCache(0, 60)
    auth.login("mette")
    first = _main(client)
    assert _statements(client) == (MADE - 1, first)  # not even the versions are read


def test_the_least_recently_shown_page_goes_first_and_none_outlives_its_time():
    cache = home_cache.PageCache(2, 60)
    keys = [home_cache.PageKey(i, (1, 1), NOW.date(), "da", "t", "/min-side") for i in range(3)]
    for key in keys[:2]:
        cache.put(key, f"page {key.member_id}", NOW + timedelta(minutes=1), NOW)
    assert cache.get(keys[0], NOW) == "page 0"
    cache.put(keys[2], "page 2", NOW + timedelta(minutes=1), NOW)  # 1 was shown longest ago
    assert [cache.get(k, NOW) for k in keys] == ["page 0", None, "page 2"]
    assert cache.get(keys[0], NOW + timedelta(minutes=1)) is None
    cache.put(keys[1], "stale", NOW, NOW)  # already over: not kept
    assert cache.get(keys[1], NOW) is None


# ---- the triggers: every table the page reads, and only the columns its SOURCES entry names ----------------------

def _scope(conn, table: str, row_id: int) -> str:
    scope, _ = SOURCES[table]
    return conn.execute(text(f"SELECT {scope.format(row='t')} FROM {table} AS t WHERE t.id = :id"),
                        {"id": row_id}).scalar_one()


def _version(conn, scope: str) -> int:
    return conn.execute(text("SELECT version FROM page_version WHERE scope = :s"), {"s": scope}).scalar() or 0


def test_every_write_to_a_table_the_page_reads_bumps_its_version(app, session, clock):
    from tests.demo_copy import seed_demo_at_shared_moment

    seed_demo_at_shared_moment(session, clock, members=60, seed=5, password="demo-adgangskode")
    session.commit()
    with db.engine.begin() as conn:
        for table, (_, columns) in SOURCES.items():
            row_id = conn.execute(text(f"SELECT min(id) FROM {table}")).scalar()
            assert row_id is not None, f"the demo has no {table} row"
            scope = _scope(conn, table, row_id)
            assert scope == SHARED or scope.startswith("member:"), (table, scope)
            column = columns[0] if columns else next(c.name for c in db.metadata.tables[table].columns
                                                     if not c.primary_key)
            before = _version(conn, scope)
            conn.execute(text(f"UPDATE {table} SET {column} = {column} WHERE id = :id"), {"id": row_id})
            assert _version(conn, scope) == before + 1, f"UPDATE of {table}.{column} did not bump {scope}"
        user_id = conn.execute(text("SELECT min(user_id) FROM member")).scalar()
        member_id = conn.execute(text("SELECT id FROM member WHERE user_id = :u"), {"u": user_id}).scalar()
        before = _version(conn, member_scope(member_id))
        note = conn.execute(text("INSERT INTO notification (user_id, created_at, text) VALUES (:u, :t, 'x') "
                                 "RETURNING id"), {"u": user_id, "t": NOW}).scalar()
        conn.execute(text("DELETE FROM notification WHERE id = :id"), {"id": note})
        assert _version(conn, member_scope(member_id)) == before + 2  # the insert and the delete


def _tables_and_columns(statements) -> dict[str, set[str]]:
    """Per table a statement reads (also through aliases and subqueries), the columns it names."""
    read: dict[str, set[str]] = {}
    for statement in statements:
        # an ORM entity's columns are not in the statement's tree until it is compiled: its selected columns are
        shown = list(getattr(statement, "selected_columns", ()))
        for element in [*visitors.iterate(statement), *shown]:
            if isinstance(element, Table):
                read.setdefault(element.name, set())
            for proxied in getattr(element, "proxy_set", ()):
                if isinstance(proxied, Column) and isinstance(proxied.table, Table) and not proxied.primary_key:
                    read.setdefault(proxied.table.name, set()).add(proxied.name)
    return read


def test_the_page_reads_only_what_the_triggers_watch(app, session, clock):
    """Made for every member of a demo (every status, with and without bookings, seats, plans, groups, chats):
    each table the kept part of the page reads has its trigger, and where a trigger counts some columns only, the
    page reads no other. A new read on Min side fails here until portal.models.page_version.SOURCES has it."""
    from portal.blueprints import minside
    from portal.models import User
    from portal.models.chat import ChatConversation, Handoff
    from portal.services.chat.handoff import claim, reply
    from tests.demo_copy import seed_demo_at_shared_moment

    seed_demo_at_shared_moment(session, clock, members=60, seed=5, password="demo-adgangskode")
    session.commit()
    seen: list = []

    def _seen(conn, statement, *args):
        seen.append(statement)

    def make_page(member):
        session.expire_all()  # each page read as a request reads it, nothing taken from an earlier one
        with app.test_request_context("/min-side"):
            login_user(session.get(User, member.user_id))
            event.listen(db.engine, "before_execute", _seen)
            try:
                minside._home_main(member, clock.today, clock.now, 60)
            finally:
                event.remove(db.engine, "before_execute", _seen)

    members = session.scalars(select(Member).where(Member.user_id.is_not(None))).all()
    assert len({m.status for m in members}) >= 3
    waiting = session.scalar(select(Handoff).join(ChatConversation, ChatConversation.id == Handoff.conversation_id)
                             .where(ChatConversation.source == "minside", Handoff.status == "waiting"))
    assert waiting is not None, "the demo has a Min side chat waiting for a person"
    for member in members:
        make_page(member)
    # her chat held by a caseworker who has answered: the widget names the person and shows the answer
    staff = session.scalar(select(User).where(User.username == "sagsbehandler"))
    claim(session, staff, waiting.id, now=clock.now)
    reply(session, staff, waiting.id, "Hej, jeg kigger på det nu.", now=clock.now)
    session.commit()
    make_page(session.get(Member, waiting.conversation.member_id))
    read = _tables_and_columns(seen)
    assert {"booking", "offer_session", "user_account", "notification"} <= set(read)
    assert set(read) - set(SOURCES) == set()
    for table, columns in read.items():
        watched = SOURCES[table][1]
        if watched is not None:
            unwatched = columns - set(watched) - set(NEVER_SHOWN.get(table, ()))
            assert unwatched == set(), f"{table}: the page reads {unwatched}"
