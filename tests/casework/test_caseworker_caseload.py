"""The caseload (Mine medlemmer): scope, next statutory step, overdue in text, filters, search, no N+1."""
from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from portal.extensions import db as _db
from portal.models import AuditEntry, Booking, Member
from portal.models.casework import MemberNextStep
from portal.timeutil import local_to_utc, local_today

TODAY = local_today()

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


def book(session, member, caseworker, *, type="cv", status="booked", days_from_now=1, hour=10):
    starts = local_to_utc(datetime.combine(TODAY + timedelta(days=days_from_now), datetime.min.time())
                          .replace(hour=hour))
    now = datetime.now(UTC)
    booking = Booking(uid=f"t-{uuid.uuid4().hex}", member_id=member.id, caseworker_id=caseworker.id,
                      location_id=member.location_id, type=type, channel="in_person", starts_at=starts,
                      ends_at=starts + timedelta(minutes=45), status=status, sequence=0, with_jobcenter=False,
                      created_at=now, updated_at=now)
    session.add(booking)
    session.flush()
    return booking


@pytest.fixture
def odense_cw(make):
    return make.caseworker("sb-odense", display_name="Birgitte Holm")


def rows(html: str) -> list[str]:
    return re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", html, re.DOTALL)


def test_own_members_with_next_step_and_overdue_in_words(client, auth, make, odense_cw):
    late = make.member(caseworker=odense_cw, weeks_unemployed=3, first_name="Anna", last_name="Overskredet")
    fresh = make.member(caseworker=odense_cw, weeks_unemployed=0, first_name="Bo", last_name="Frisk")
    make.member(weeks_unemployed=3, first_name="Carl", last_name="Andenssag")  # same location, other caseworker
    make.commit()
    auth.login("sb-odense")
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "Overskredet, Anna" in html and "Frisk, Bo" in html
    assert "Andenssag" not in html  # "Mine medlemmer" only
    body = html[html.index("<tbody>"):]
    assert body.index("Overskredet, Anna") < body.index("Frisk, Bo")  # most urgent first
    late_row = next(r for r in rows(html) if "Overskredet, Anna" in r)
    assert "is-overdue" in html and "Overskredet" in late_row and "dage" in late_row  # words, not colour alone
    assert "CV-samtale" in late_row
    fresh_row = next(r for r in rows(html) if "Frisk, Bo" in r)
    assert "Overskredet" not in fresh_row.replace("Frisk", "") and "Senest" in fresh_row
    assert fresh.member_number in html and late.member_number in html


def test_all_scope_is_own_location_only(client, auth, make, odense_cw):
    aarhus = make.location("Århus", "Midtjylland", 56.16, 10.20)
    make.member(first_name="Dorte", last_name="Odensebo", weeks_unemployed=2)
    make.member(first_name="Erik", last_name="Aarhusianer", location=aarhus, weeks_unemployed=2)
    make.commit()
    auth.login("sb-odense")
    html = client.get("/sagsbehandler/?omfang=all").get_data(as_text=True)
    assert "Odensebo" in html and "Aarhusianer" not in html


def test_mine_is_every_own_member_even_at_another_location(client, auth, make, session, odense_cw):
    """The "mine" scope reads only the caseworker index: it relies on the access rule that a caseworker always sees
    their own members, wherever they belong."""
    from portal.services import access

    aarhus = make.location("Århus", "Midtjylland", 56.16, 10.20)
    moved = make.member(first_name="Frede", last_name="Flyttet", location=aarhus, caseworker=odense_cw)
    make.commit()
    scope = access.staff_scope(session, odense_cw.user)
    assert session.scalar(select(Member.id).where(access.visible_members_clause(scope), Member.id == moved.id))
    assert access.view_reason(session, scope, moved) == access.REASON_OWN
    auth.login("sb-odense")
    assert "Flyttet, Frede" in client.get("/sagsbehandler/").get_data(as_text=True)


def test_group2_specialist_sees_group2_members_of_the_region(client, auth, make):
    odense = make.location()
    svendborg = make.location("Svendborg", "Syddanmark", 55.06, 10.61)
    aarhus = make.location("Århus", "Midtjylland", 56.16, 10.20)
    make.caseworker("specialist", location=odense, group2_specialist=True)
    make.member(first_name="Gitte", last_name="Toa", location=svendborg, target_group="2a")
    make.member(first_name="Hans", last_name="Eten", location=svendborg, target_group="1")
    make.member(first_name="Inge", last_name="Jylland", location=aarhus, target_group="2b")
    make.commit()
    auth.login("specialist")
    html = client.get("/sagsbehandler/?omfang=all").get_data(as_text=True)
    assert "Toa, Gitte" in html
    assert "Eten" not in html and "Jylland" not in html


def test_central_unit_sees_every_location(client, auth, make):
    aarhus = make.location("Århus", "Midtjylland", 56.16, 10.20)
    valby = make.location("Valby", "Hovedstaden", 55.66, 12.52)
    make.caseworker("central", location=valby, central_unit=True)
    make.member(first_name="Jens", last_name="Langtvaek", location=aarhus)
    make.commit()
    auth.login("central")
    assert "Langtvaek" in client.get("/sagsbehandler/?omfang=all").get_data(as_text=True)


def test_filters_search_and_sorting(client, auth, make, odense_cw):
    a = make.member(caseworker=odense_cw, first_name="Karen", last_name="Aagaard", target_group="2a",
                    weeks_unemployed=4)
    make.member(caseworker=odense_cw, first_name="Lone", last_name="Boesen", target_group="1", weeks_unemployed=1)
    o = make.member(caseworker=odense_cw, status="opsagt", first_name="Mads", last_name="Opsagtsen",
                    target_group=None)
    make.commit()
    auth.login("sb-odense")
    get = lambda q: client.get("/sagsbehandler/" + q).get_data(as_text=True)
    html = get("?gruppe=2")
    assert "Aagaard" in html and "Boesen" not in html
    html = get("?status=opsagt")
    assert "Opsagtsen" in html and "Opsagt (O)" in html and "Aagaard" not in html
    html = get("?overskredet=1")
    assert "Aagaard" in html and "Boesen" not in html and "Opsagtsen" not in html
    html = get(f"?q={a.member_number}")
    assert "Aagaard" in html and "Boesen" not in html
    html = get("?q=boe")
    assert "Boesen" in html and "Aagaard" not in html
    # As the list writes a name ("Aagaard, Karen"), and a double name typed in lower case.
    html = get("?q=Aagaard%2C+Karen")
    assert "Aagaard" in html and "Boesen" not in html
    make.member(caseworker=odense_cw, first_name="Sofie", last_name="Hansen-Berg", weeks_unemployed=2)
    make.commit()
    html = get("?q=hansen-berg")
    assert "Hansen-Berg" in html and "Aagaard" not in html
    html = get("?sorter=name&retning=desc")
    body = html[html.index("<tbody>"):]
    assert body.index("Opsagtsen") < body.index("Boesen") < body.index("Aagaard")
    html = get("?gruppe=bogus&sorter=x&side=abc")  # nonsense falls back to defaults, no error page
    assert "Aagaard" in html and o.member_number in html


def test_paginates_25_per_page(client, auth, make, odense_cw):
    for i in range(30):
        make.member(caseworker=odense_cw, first_name="P", last_name=f"Person{i:02d}", login=False)
    make.commit()
    auth.login("sb-odense")
    first = client.get("/sagsbehandler/?sorter=name").get_data(as_text=True)
    second = client.get("/sagsbehandler/?sorter=name&side=2").get_data(as_text=True)
    assert "30 medlemmer" in first and "Side 1 af 2" in first
    assert "Person00" in first and "Person29" not in first
    assert "Person29" in second and "Person00" not in second
    assert "Side 2 af 2" in client.get("/sagsbehandler/?sorter=name&side=99").get_data(as_text=True)


def test_held_booking_moves_the_next_step_on(client, auth, make, session, odense_cw):
    member = make.member(caseworker=odense_cw, weeks_unemployed=1, last_name="Bookesen")
    make.commit()
    auth.login("sb-odense")
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    row = next(r for r in rows(html) if "Bookesen" in r)
    assert "CV-samtale" in row
    stored = session.get(MemberNextStep, member.id)
    assert stored.step_code == "cv" and not stored.stale
    book(session, member, odense_cw, type="cv", status="held", days_from_now=-1)
    book(session, member, odense_cw, type="contact_course", status="booked", days_from_now=2)
    session.commit()
    assert session.get(MemberNextStep, member.id).stale  # the listener marked it
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    row = next(r for r in rows(html) if "Bookesen" in r)
    assert "Rådighedssamtale" in row and "CV-samtale" not in row
    assert session.get(MemberNextStep, member.id).step_code == "availability"


# The page trusts a stored next step only while it says what the rule would (computed today, not marked stale, not
# contradicted by the member): each test below would show a stale step if it trusted more.
def step_cell(html: str, last_name: str) -> str:
    row = next(r for r in rows(html) if last_name in r)
    return re.search(r'data-label="Næste skridt">(.*?)</td>', row, re.DOTALL).group(1)


def test_a_changed_or_deleted_booking_is_shown_on_the_next_read(client, auth, make, session, clock, odense_cw):
    # another caseworker's member in the "all" scope: the page itself must notice (not "mine"'s refresh before it)
    other = make.caseworker("sb-anden")
    member = make.member(caseworker=other, last_name="Skiftesen", first_unemployment_day=clock.today - timedelta(days=3))
    make.commit()
    auth.login("sb-odense")
    read = lambda: step_cell(client.get("/sagsbehandler/?omfang=all").get_data(as_text=True), "Skiftesen")
    assert "CV-samtale" in read()
    stored = session.get(MemberNextStep, member.id)
    assert (stored.step_code, stored.computed_on, stored.stale) == ("cv", clock.today, False)
    cv = book(session, member, odense_cw, type="cv", status="held", days_from_now=-1)
    book(session, member, odense_cw, type="contact_course", status="booked", days_from_now=2)
    session.commit()
    assert "Rådighedssamtale" in read() and "CV-samtale" not in read()
    session.delete(cv)  # a deleted booking marks the stored step stale as well
    session.commit()
    session.expire_all()
    assert session.get(MemberNextStep, member.id).stale
    assert "CV-samtale" in read()
    cv_again = book(session, member, odense_cw, type="cv", status="booked", days_from_now=1)
    session.commit()
    assert "Rådighedssamtale" in read()
    cv_again.status = "cancelled_member"  # a cancelled booking satisfies nothing
    session.commit()
    assert "CV-samtale" in read()


def test_the_stored_step_turns_overdue_when_the_date_passes_its_deadline(client, auth, make, session, clock,
                                                                        odense_cw):
    from portal.services.casework import caseload

    first_day = clock.today - timedelta(days=3)
    member = make.member(caseworker=odense_cw, last_name="Fristsen", first_unemployment_day=first_day)
    make.commit()
    auth.login("sb-odense")
    cell = step_cell(client.get("/sagsbehandler/").get_data(as_text=True), "Fristsen")
    assert "CV-samtale" in cell and "Senest" in cell and "Overskredet" not in cell
    due = session.get(MemberNextStep, member.id).due_date
    clock.advance(timedelta(days=(due - clock.today).days + 5))  # five days past the deadline, no row changed
    auth.login("sb-odense")  # the login of days ago has expired
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    cell = step_cell(html, "Fristsen")
    assert "CV-samtale" in cell and "Overskredet 5 dage" in cell
    assert "is-overdue" in next(r for r in re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", html, re.DOTALL)
                                if "Fristsen" in r)
    session.expire_all()
    assert session.get(MemberNextStep, member.id).computed_on == clock.today  # recomputed and stored today
    # the next read trusts the row computed today, and says the same
    assert step_cell(client.get("/sagsbehandler/").get_data(as_text=True), "Fristsen") == cell
    clock.advance(timedelta(days=1))  # the nightly refresh, then a read on the new day
    caseload.refresh_all(session, clock.today)
    session.commit()
    auth.login("sb-odense")
    assert "Overskredet 6 dage" in step_cell(client.get("/sagsbehandler/").get_data(as_text=True), "Fristsen")


def test_a_stored_step_the_member_contradicts_is_not_trusted(client, auth, make, session, clock, odense_cw):
    """A bulk change (an import) bypasses the flush listener: the member's own fields still overrule the row."""
    from sqlalchemy import update

    moved = make.member(caseworker=odense_cw, last_name="Flyttesen", first_unemployment_day=clock.today)
    left = make.member(caseworker=odense_cw, last_name="Jobsen", first_unemployment_day=clock.today)
    make.commit()
    auth.login("sb-odense")
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "CV-samtale" in step_cell(html, "Flyttesen") and "CV-samtale" in step_cell(html, "Jobsen")
    table = Member.__table__
    session.execute(update(table).where(table.c.id == moved.id)
                    .values(first_unemployment_day=clock.today - timedelta(days=40)))
    session.execute(update(table).where(table.c.id == left.id).values(status="i_job"))
    session.commit()
    assert not session.get(MemberNextStep, moved.id).stale  # the listener did not see it
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "Overskredet" in step_cell(html, "Flyttesen")  # the CV conversation was due 26 days ago
    assert "Intet kontaktforløb" in step_cell(html, "Jobsen")
    session.expire_all()  # and the rows are corrected, so the list sorts and filters by the right deadline
    assert session.get(MemberNextStep, moved.id).due_date < clock.today
    assert session.get(MemberNextStep, left.id).step_code is None


def test_own_members_are_refreshed_before_the_overdue_filter_reads_their_stored_step(client, auth, make, session,
                                                                                  clock, odense_cw):
    member = make.member(caseworker=odense_cw, last_name="Senfristsen", first_unemployment_day=clock.today)
    make.commit()
    auth.login("sb-odense")
    assert "Senfristsen" not in client.get("/sagsbehandler/?overskredet=1").get_data(as_text=True)
    assert session.get(MemberNextStep, member.id).due_date >= clock.today
    member.first_unemployment_day = clock.today - timedelta(weeks=6)  # registered late: the CV deadline has passed
    session.commit()
    html = client.get("/sagsbehandler/?overskredet=1").get_data(as_text=True)
    assert "Senfristsen" in html and "1 medlem" in html
    assert "Overskredet" in step_cell(html, "Senfristsen")


def test_the_page_issues_the_same_number_of_queries_for_5_or_25_members(app, client, auth, make, odense_cw):
    def count_queries(n: int) -> int:
        for _ in range(n):
            m = make.member(caseworker=odense_cw, login=False, weeks_unemployed=2)
            slot = next(slots)
            book(_db.session, m, odense_cw, type="cv", status="held", days_from_now=-1 - slot // 10,
                 hour=8 + slot % 10)
        make.commit()
        client.get("/sagsbehandler/")  # warm the stored next steps
        statements = []

        def count(*args):
            statements.append(1)

        event.listen(_db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/sagsbehandler/").status_code == 200
        finally:
            event.remove(_db.engine, "before_cursor_execute", count)
        return len(statements)

    slots = iter(range(100))
    make.commit()
    auth.login("sb-odense")
    small = count_queries(5)
    large = count_queries(20)  # 25 members now
    assert large == small, (small, large)
    assert small < 30


def test_caseload_view_is_audited(client, auth, make, session, odense_cw):
    make.member(caseworker=odense_cw)
    make.commit()
    auth.login("sb-odense")
    response = client.get("/sagsbehandler/?gruppe=1")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "caseload.viewed"))
    assert entry is not None and entry.detail["gruppe"] == "1" and entry.detail["shown"]
    assert entry.request_id == response.headers["X-Request-ID"]  # the entry names the request that read


@pytest.mark.parametrize("role", ["member", "steering"])
def test_members_and_steering_cannot_open_the_caseload(client, auth, make, role):
    make.user("someone", role=role)
    make.commit()
    auth.login("someone")
    assert client.get("/sagsbehandler/").status_code == 403
    assert client.get("/sagsbehandler/jobordrer").status_code == 403


def test_agenda_shows_todays_conversations(client, auth, make, session, odense_cw):
    member = make.member(caseworker=odense_cw, first_name="Dagmar", last_name="Idag")
    book(session, member, odense_cw, type="cv", days_from_now=0, hour=23)
    make.commit()
    auth.login("sb-odense")
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    today_card = html[html.index("I dag"):html.index("Resten af ugen")]
    assert "Dagmar Idag" in today_card and "CV-samtale" in today_card


def test_refresh_all_computes_every_member(app, make, session):
    from portal.services.casework import caseload

    members = [make.member(login=False, weeks_unemployed=w) for w in (0, 3, 10)]
    make.member(login=False, status="opsagt")
    make.commit()
    assert caseload.refresh_all(session, TODAY) == 4
    rows_ = {r.member_id: r for r in session.scalars(select(MemberNextStep))}
    assert rows_[members[1].id].step_code == "cv" and rows_[members[1].id].due_date < TODAY
    assert rows_[members[2].id].due_date < TODAY  # 10 weeks: several steps overdue, earliest first
    assert date.today() - timedelta(days=1) <= rows_[members[0].id].due_date


def test_nightly_job_recomputes_stored_next_steps(app, session, make):
    """A deadline becomes overdue with no row changing; the scheduler's nightly job brings the caseload up to date."""
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from portal.models.casework import MemberNextStep
    from scheduling.jobs import run_job

    cw = make.caseworker()
    member = make.member(caseworker=cw, weeks_unemployed=3)
    make.commit()
    result = run_job("caseload_next_steps", app=app, now=datetime.now(UTC) + timedelta(minutes=1))
    assert result is not None
    session.expire_all()
    row = session.scalar(select(MemberNextStep).where(MemberNextStep.member_id == member.id))
    assert row is not None and row.step_code is not None and row.stale is False


def test_the_location_filter_offers_the_locations_the_staff_member_sees(session, make):
    """Own location for a caseworker, the region's for a group-2 specialist, every one for the central unit."""
    from portal.services.access import staff_scope
    from portal.services.casework.caseload import visible_locations

    odense = make.location("Odense", region="Syddanmark")
    vejle = make.location("Vejle", region="Syddanmark")
    aalborg = make.location("Aalborg", region="Nordjylland")
    plain = make.caseworker("cw1", location=odense)
    specialist = make.caseworker("cw2", location=vejle, group2_specialist=True)
    central = make.caseworker("cw3", location=aalborg, central_unit=True)
    make.commit()

    def names(cw):
        return [row.name for row in visible_locations(session, staff_scope(session, cw.user))]

    assert names(plain) == ["Odense"]
    assert names(specialist) == ["Odense", "Vejle"]
    assert names(central) == ["Aalborg", "Odense", "Vejle"]


def test_a_specialists_region_is_read_only_when_asked_for(session, make):
    """Most staff pages never need the group-2 specialist's region (their own members, their own location's), so
    the scope reads it on first use: one statement then, none before and none after (issue 19)."""
    from portal.services.access import staff_scope

    vejle = make.location("Vejle", region="Syddanmark")
    specialist = make.caseworker("cw2", location=vejle, group2_specialist=True)
    plain = make.caseworker("cw1", location=vejle)
    make.commit()
    user, plain_user = specialist.user, plain.user
    assert user.caseworker is specialist and plain_user.caseworker is plain
    statements = []

    def seen(*args):
        statements.append(args[2])

    event.listen(_db.engine, "before_cursor_execute", seen)
    try:
        scope = staff_scope(session, user)
        assert statements == []
        assert scope.region == "Syddanmark" and len(statements) == 1
        assert scope.region == "Syddanmark" and len(statements) == 1
        assert staff_scope(session, plain_user).region is None and len(statements) == 1
    finally:
        event.remove(_db.engine, "before_cursor_execute", seen)


def _names(html: str) -> list[str]:
    return re.findall(r"(\w+), \w+</a>", html[html.index("<tbody>"):])


def test_the_stored_step_follows_the_members_caseworker(client, auth, make, session, odense_cw):
    """"Mine medlemmer" reads the stored rows' copy of the caseworker: a member given to a colleague leaves the
    list at once and appears in the colleague's."""
    colleague = make.caseworker("sb-kollega")
    moving = make.member(caseworker=odense_cw, weeks_unemployed=2, last_name="Flyttesen")
    make.member(caseworker=odense_cw, weeks_unemployed=1, last_name="Blivsen")
    make.commit()
    auth.login("sb-odense")
    assert "Flyttesen" in client.get("/sagsbehandler/").get_data(as_text=True)
    assert session.get(MemberNextStep, moving.id).caseworker_id == odense_cw.id
    moving.caseworker_id = colleague.id
    session.commit()
    assert session.get(MemberNextStep, moving.id).caseworker_id == colleague.id
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "Flyttesen" not in html and "Blivsen" in html and "1 medlem" in html
    auth.logout()
    auth.login("sb-kollega")
    assert "Flyttesen" in client.get("/sagsbehandler/").get_data(as_text=True)


def test_stored_rows_that_do_not_add_up_are_not_trusted_for_the_list(client, auth, make, session, odense_cw):
    """A member moved by a bulk update the stored rows never saw (or an import): the list reads the members
    themselves and shows each own member once, in due order, with the right count."""
    members = [make.member(caseworker=odense_cw, weeks_unemployed=w, last_name=f"Medlem{w}") for w in (1, 2, 3)]
    other = make.caseworker("sb-anden")
    make.commit()
    auth.login("sb-odense")
    assert _names(client.get("/sagsbehandler/").get_data(as_text=True)) == ["Medlem3", "Medlem2", "Medlem1"]
    session.execute(update(Member).where(Member.id == members[0].id).values(caseworker_id=other.id))
    session.commit()
    assert session.get(MemberNextStep, members[0].id).caseworker_id == odense_cw.id  # the copy is behind
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    assert _names(html) == ["Medlem3", "Medlem2"] and "2 medlemmer" in html


@pytest.mark.parametrize("args", [{}, {"overskredet": "1"}, {"retning": "desc"}, {"overskredet": "1", "retning": "desc"}])
def test_the_own_list_by_due_date_is_the_list_the_members_give(session, make, clock, monkeypatch, odense_cw, args):
    """The caseworker index's list (count, order, pages) is the one the members' own rows give."""
    from portal.services.access import staff_scope
    from portal.services.casework import caseload as svc

    for i in range(60):  # two pages, of the overdue ones too
        make.member(caseworker=odense_cw, login=False, weeks_unemployed=i % 7, last_name=f"Medlem{i:02d}")
    make.member(weeks_unemployed=5, last_name="Andenssag")
    make.commit()
    staff = staff_scope(session, odense_cw.user)

    def pages():
        out = []
        for number in (1, 2, 3):
            query = svc.CaseloadQuery.from_args({**args, "side": str(number)}, staff)
            result = svc.caseload(session, staff, query, today=clock.today, now=clock.now)
            out.append((result.total, [row.member.last_name for row in result.rows]))
        return out

    by_index = pages()
    monkeypatch.setattr(svc, "_own_list_by_due_date", lambda staff, query: False)
    assert by_index == pages()
    total = by_index[0][0]
    assert total == 60 or ("overskredet" in args and 25 < total < 60)
    shown = [name for _, names in by_index[:math.ceil(total / 25)] for name in names]
    assert len(shown) == len(set(shown)) == total  # every own member once, the other caseworker's not


def test_the_sort_is_offered_as_links_above_the_list_and_the_sorted_column_carries_aria_sort(
        client, auth, make, odense_cw):
    make.member("m1", caseworker=odense_cw)
    make.commit()
    auth.login("sb-odense")
    html = client.get("/sagsbehandler/?sorter=weeks&retning=desc").get_data(as_text=True)
    control = html[html.index('<nav class="sort-control"'):html.index("</nav>", html.index('class="sort-control"'))]
    assert "Sortér efter:" in control
    for label in ("Medlem", "Målgruppe", "Uger ledig", "Næste lovpligtige skridt"):
        assert f">{label}" in control
    assert 'aria-current="true">Uger ledig' in control and "retning=asc" in control  # a second tap turns it
    assert html.count("aria-sort=") == 1 and '<th scope="col" aria-sort="descending"><a' in html
