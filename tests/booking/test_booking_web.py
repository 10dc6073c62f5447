"""Booking pages: the member books, moves, cancels; the caseworker's calendar, outcomes, hours; bad input."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.blueprints.booking import start_param
from portal.models import AuditEntry, Booking, OutboxMessage
from portal.models.booking import AvailabilityException, WorkingHours
from portal.timeutil import local_today, to_local
from tests.booking_helpers import hours, next_weekday
from tests.conftest import AuthActions

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


_next_weekday = next_weekday


@pytest.fixture
def setup(make, session):
    loc = make.location("Odense")
    own = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    other = make.caseworker("anders", location=loc, display_name="Anders Berg")
    hours(session, own, weekdays=range(7))
    hours(session, other, weekdays=range(7))
    member = make.member("mette", location=loc, caseworker=own, target_group="2a")
    make.commit()
    return {"loc": loc, "own": own, "other": other, "member": member}


def test_member_sees_type_choice_then_own_caseworker_first(client, auth, setup):
    auth.login("mette")
    page = client.get("/samtaler").get_data(as_text=True)
    assert "Hvilken samtale vil du booke?" in page and "Fokussamtale" in page
    assert "Fællessamtale med jobcentret</a>" not in page  # booked by the caseworker
    page = client.get("/samtaler?type=cv").get_data(as_text=True)
    assert page.index("Din egen sagsbehandler") < page.index("Andre sagsbehandlere i Odense")
    assert page.index("Birgitte Holm") < page.index("Anders Berg")


def test_member_books_through_confirm_page_and_gets_ics(client, auth, setup, session):
    auth.login("mette")
    start = _next_weekday()
    confirm = f"/samtaler/bekraeft?type=cv&caseworker={setup['own'].id}&start={start_param(start)}"
    page = client.get(confirm).get_data(as_text=True)
    assert "Bekræft booking" in page and "Birgitte Holm" in page
    response = auth.post("/samtaler/bekraeft", {"type": "cv", "caseworker": setup["own"].id,
                                                "start": start_param(start), "channel": "in_person",
                                                "note": "Mit CV"}, page=confirm)
    assert response.status_code == 302
    booking = session.scalar(select(Booking))
    assert booking.starts_at == start and booking.member_note == "Mit CV"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Samtalen er booket" in detail and to_local(start).strftime("%H:%M") in detail
    ics = client.get(f"/samtaler/mine/{booking.id}.ics")
    assert ics.mimetype == "text/calendar" and booking.uid.encode() in ics.data


def test_taken_slot_sends_member_back_to_the_list_with_danish_message(client, auth, setup, make, session):
    start = _next_weekday()
    other = make.member("ole", location=setup["loc"])
    make.commit()
    from portal.services.booking.booking import book_slot

    book_slot(session, member=other, caseworker_id=setup["own"].id, starts_at=start, type="cv",
              channel="in_person", actor="cli", now=datetime.now(UTC))
    session.commit()
    auth.login("mette")
    response = auth.post("/samtaler/bekraeft", {"type": "cv", "caseworker": setup["own"].id,
                                                "start": start_param(start), "channel": "in_person"},
                         page="/samtaler")
    assert response.status_code == 302 and "/samtaler?type=cv" in response.headers["Location"]
    assert "booket af en anden" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_garbage_in_links_is_a_friendly_page_not_a_500(client, auth, setup):
    auth.login("mette")
    assert client.get("/samtaler?type=bogus").status_code == 200
    assert "Vælg en samtaletype" in client.get("/samtaler?type=bogus").get_data(as_text=True)
    assert "åååå-mm-dd" in client.get("/samtaler?type=cv&fra=igår").get_data(as_text=True)
    assert "kan ikke holdes" in client.get("/samtaler?type=cv&channel=phone").get_data(as_text=True)
    response = client.get("/samtaler/bekraeft?type=cv&caseworker=x&start=nej")
    assert response.status_code == 302
    assert "Vælg en tid fra listen" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/samtaler/mine/999999").status_code == 404


def test_member_moves_and_cancels_own_booking(client, auth, setup, session):
    auth.login("mette")
    start = _next_weekday()
    auth.post("/samtaler/bekraeft", {"type": "cv", "caseworker": setup["own"].id, "start": start_param(start),
                                     "channel": "in_person"}, page="/samtaler")
    booking = session.scalar(select(Booking))
    page = client.get(f"/samtaler?flyt={booking.id}").get_data(as_text=True)
    assert "Flyt samtale" in page and "Anders Berg" not in page  # the same caseworker only
    new_start = start + timedelta(days=1)
    response = auth.post("/samtaler/bekraeft", {"flyt": booking.id, "caseworker": setup["own"].id,
                                                "start": start_param(new_start), "channel": "in_person"},
                         page="/samtaler")
    assert response.status_code == 302
    session.refresh(booking)
    assert booking.starts_at == new_start and booking.sequence == 1
    response = auth.post(f"/samtaler/mine/{booking.id}/aflys", page=f"/samtaler/mine/{booking.id}/aflys")
    session.refresh(booking)
    assert booking.status == "cancelled_member"
    kinds = list(session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))
    assert kinds == ["booking_created", "booking_moved", "booking_cancelled"]


def test_member_cannot_touch_another_members_booking(client, auth, setup, make, session):
    other = make.member("ole", location=setup["loc"])
    make.commit()
    from portal.services.booking.booking import book_slot

    booking = book_slot(session, member=other, caseworker_id=setup["own"].id, starts_at=_next_weekday(),
                        type="cv", channel="in_person", actor="cli", now=datetime.now(UTC))
    session.commit()
    auth.login("mette")
    assert client.get(f"/samtaler/mine/{booking.id}").status_code == 404
    assert client.get(f"/samtaler/mine/{booking.id}.ics").status_code == 404
    response = auth.post(f"/samtaler/mine/{booking.id}/aflys", page="/samtaler")
    assert response.status_code == 404
    session.refresh(booking)
    assert booking.status == "booked"


def test_caseworker_week_and_day_calendar_and_outcome(client, auth, setup, session):
    from portal.services.booking.booking import book_slot

    past = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    booking = Booking(uid="b-past@x", member_id=setup["member"].id, caseworker_id=setup["own"].id,
                      location_id=setup["loc"].id, type="cv", channel="in_person", starts_at=past,
                      ends_at=past + timedelta(hours=1), status="booked", sequence=0, with_jobcenter=False,
                      created_at=past, updated_at=past)
    session.add(booking)
    book_slot(session, member=setup["member"], caseworker_id=setup["own"].id, starts_at=_next_weekday(),
              type="followup_phone", channel="phone", actor="cli", now=datetime.now(UTC))
    session.commit()
    auth.login("birgitte")
    week = client.get("/kalender").get_data(as_text=True)
    assert "Kalender" in week and setup["member"].full_name in week
    day = client.get(f"/kalender?visning=dag&dato={to_local(past).date().isoformat()}").get_data(as_text=True)
    assert "Mangler udfald" in day
    page = f"/kalender/samtale/{booking.id}"
    assert "Registrér udfald" in client.get(page).get_data(as_text=True)
    response = auth.post(page, {"action": "outcome", "outcome": "held"})
    assert response.status_code == 302
    session.refresh(booking)
    assert booking.status == "held"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.view")).member_id == booking.member_id


def test_caseworker_cancel_needs_reason_and_member_is_told(client, auth, setup, session):
    from portal.services.booking.booking import book_slot

    booking = book_slot(session, member=setup["member"], caseworker_id=setup["own"].id, starts_at=_next_weekday(),
                        type="cv", channel="in_person", actor="cli", now=datetime.now(UTC))
    session.commit()
    auth.login("birgitte")
    page = f"/kalender/samtale/{booking.id}"
    response = auth.post(page, {"action": "cancel", "reason": ""})
    assert response.status_code == 422 and "Skriv en begrundelse" in response.get_data(as_text=True)
    session.refresh(booking)
    assert booking.status == "booked"
    auth.post(page, {"action": "cancel", "reason": "Jeg er syg"})
    session.refresh(booking)
    assert booking.status == "cancelled_fund" and booking.cancel_reason == "Jeg er syg"
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking_cancelled"))
    assert "Jeg er syg" in mail.body_text


def test_caseworker_books_joint_conversation_for_member(client, auth, setup, session):
    auth.login("birgitte")
    number = setup["member"].member_number
    page = client.get(f"/kalender/ny?medlem={number}&type=joint").get_data(as_text=True)
    assert "jobcentret" in page
    start = _next_weekday(2)
    response = auth.post("/kalender/ny", {"medlem": number, "type": "joint", "start": start_param(start)},
                         page="/kalender/ny")
    assert response.status_code == 302
    booking = session.scalar(select(Booking))
    assert booking.type == "joint" and booking.with_jobcenter and booking.booked_by_user_id is not None
    # The form sent with the number left empty says what is missing; a first visit says nothing yet.
    assert "Skriv medlemsnummeret" in client.get("/kalender/ny?medlem=&type=cv").get_data(as_text=True)
    assert "Skriv medlemsnummeret" not in client.get("/kalender/ny").get_data(as_text=True)
    assert "Der er intet medlem" in client.get("/kalender/ny?medlem=0000&type=cv").get_data(as_text=True)


def test_caseworker_edits_hours_and_absence_with_validation(client, auth, setup, session):
    auth.login("birgitte")
    page = "/kalender/arbejdstider"
    assert "Faste ugentlige tider" in client.get(page).get_data(as_text=True)
    response = auth.post(page, {"action": "add_hours", "weekday": "0", "start_time": "15:00", "end_time": "14:00",
                                "location_id": setup["loc"].id})
    assert response.status_code == 422 and "Sluttiden skal være efter starttiden" in response.get_data(as_text=True)
    response = auth.post(page, {"action": "add_hours", "weekday": "0", "start_time": "10:00", "end_time": "11:00",
                                "location_id": setup["loc"].id})
    assert response.status_code == 422 and "overlapper" in response.get_data(as_text=True)
    count = session.scalar(select(func.count()).select_from(WorkingHours)
                           .where(WorkingHours.caseworker_id == setup["own"].id))
    assert count == 7
    day = (local_today() + timedelta(days=5)).isoformat()
    booked = _book(session, setup, _next_weekday(5))
    day = to_local(booked.starts_at).date().isoformat()
    response = auth.post(page, {"action": "add_exception", "kind": "absence", "day": day, "note": "Ferie"})
    assert response.status_code == 302
    assert session.scalar(select(AvailabilityException)).note == "Ferie"
    told = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fraværet er gemt." in told and "Denne bookede samtale ligger nu uden for din arbejdstid" in told
    assert setup["member"].full_name in told
    # The calendar shows the absence on its day, beside the conversation to move (it showed nothing).
    week = client.get(f"/kalender?dato={day}&visning=dag").get_data(as_text=True)
    assert '<p class="cal-change cal-change-absence"><strong>Fravær</strong>' in week and "hele dagen" in week
    assert "Ferie" in week and "I fravær</span>" in week


@pytest.mark.parametrize("day", ["9999-12-31", "9999-12-27", "0001-01-01", "2200-01-01"])
def test_a_date_at_the_calendars_edge_is_a_clear_message_on_every_booking_page_and_saves_nothing(client, auth,
                                                                                                 setup, session, day):
    """Python's calendar ends at year 1 and 9999: the pages count a week around the date they are given, and used to
    answer 500 for a date there (walk-through, 5 December)."""
    auth.login("birgitte")
    for path in (f"/kalender?dato={day}", f"/kalender?dato={day}&visning=dag",
                 f"/kalender/ny?medlem={setup['member'].member_number}&type=focus&fra={day}"):
        response = client.get(path)
        assert response.status_code in (200, 422), (path, response.status_code)
        assert "Vælg en dato mellem år 1900 og 2199." in response.get_data(as_text=True), path
    before = session.scalar(select(func.count()).select_from(AvailabilityException))
    response = auth.post("/kalender/arbejdstider", {"action": "add_exception", "kind": "absence", "day": day},
                         page="/kalender/arbejdstider")
    assert response.status_code == 422 and "Vælg en dato mellem år 1900 og 2199." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AvailabilityException)) == before
    auth.logout()
    auth.login("mette")
    response = client.get(f"/samtaler?type=cv&fra={day}")
    assert response.status_code in (200, 422) and "Vælg en dato mellem år 1900 og 2199." in response.get_data(
        as_text=True)


def test_a_date_written_right_that_is_not_in_the_calendar_says_so(client, auth, setup):
    auth.login("birgitte")
    page = client.get("/kalender?dato=2026-02-30").get_data(as_text=True)
    assert "Datoen 2026-02-30 findes ikke i kalenderen." in page

def test_caseworker_cannot_edit_colleagues_hours_but_admin_can(app, client, auth, setup, make, session):
    make.user("chef", role="admin")
    make.commit()
    auth.login("birgitte")
    # A caseworker's ?sagsbehandler= is ignored: they always see their own.
    assert "Birgitte Holm" in client.get(f"/kalender/arbejdstider?sagsbehandler={setup['other'].id}").get_data(
        as_text=True)
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("chef")
    page = f"/kalender/arbejdstider?sagsbehandler={setup['other'].id}"
    assert "Anders Berg" in client.get(page).get_data(as_text=True)
    response = auth.post(page, {"action": "add_hours", "weekday": "0", "start_time": "16:00", "end_time": "18:00",
                                "location_id": setup["loc"].id, "sagsbehandler": setup["other"].id})
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(WorkingHours)
                          .where(WorkingHours.caseworker_id == setup["other"].id)) == 8


def test_roles_are_enforced(app, client, auth, setup):
    assert client.get("/samtaler").status_code == 302  # to login
    auth.login("birgitte")
    assert client.get("/samtaler").status_code == 403
    member_client = app.test_client()
    AuthActions(member_client).login("mette")
    assert member_client.get("/kalender").status_code == 403
    assert member_client.get("/kalender/arbejdstider").status_code == 403


def test_moving_offers_other_times_only_and_refuses_the_same_time(client, auth, setup, session):
    auth.login("mette")
    start = _next_weekday()
    auth.post("/samtaler/bekraeft", {"type": "cv", "caseworker": setup["own"].id, "start": start_param(start),
                                     "channel": "in_person"}, page="/samtaler")
    booking = session.scalar(select(Booking))
    page = client.get(f"/samtaler?flyt={booking.id}&fra={to_local(start).date().isoformat()}")
    assert f"start={start_param(start)}" not in page.get_data(as_text=True).replace("&amp;", "&")

    response = auth.post("/samtaler/bekraeft", {"flyt": booking.id, "caseworker": setup["own"].id,
                                                "start": start_param(start), "channel": "in_person"},
                         page="/samtaler")
    assert response.status_code == 302
    assert "allerede på det tidspunkt" in client.get(response.headers["Location"]).get_data(as_text=True)
    session.refresh(booking)
    assert booking.sequence == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind == "booking_moved")) == 0


@pytest.mark.parametrize("length", [501, 5000])
def test_a_note_over_500_characters_is_refused_and_kept_for_shortening(client, auth, setup, session, length):
    auth.login("mette")
    start = _next_weekday()
    confirm = f"/samtaler/bekraeft?type=cv&caseworker={setup['own'].id}&start={start_param(start)}"
    note = "Jeg vil gerne tale om mit CV. " + "x" * length
    response = auth.post("/samtaler/bekraeft", {"type": "cv", "caseworker": setup["own"].id,
                                                "start": start_param(start), "channel": "in_person",
                                                "note": note}, page=confirm)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "højst være 500 tegn" in html and f"Den er {len(note)} tegn" in html
    assert note in html  # nothing cut: the member shortens it themselves
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


# Issue 15, point 6: the dismissed member's Min side says "Du har ingen frister hos os" and its button "Book en
# samtale om, hvordan du kommer videre" led to a list headed by the CV, contact-course and availability
# conversations, each "en del af dit lovpligtige kontaktforløb". Statutory conversations are for members in a
# contact course (ledige); a dismissed or sick-listed member is offered what is theirs, and the button opens the
# dismissed members' conversation itself.
@pytest.mark.parametrize("status", ["opsagt", "sygemeldt"])
def test_a_member_without_a_contact_course_is_offered_no_statutory_conversations(client, auth, make, session,
                                                                                   setup, clock, status):
    from portal.services.booking import booking as booking_svc
    from portal.services.booking.conversation_types import TYPES
    from portal.services.errors import NotAllowed

    member = make.member(f"m-{status}", location=setup["loc"], caseworker=setup["own"], status=status,
                         target_group=None, notice_end_date=local_today() + timedelta(days=60))
    make.commit()
    auth.login(f"m-{status}")
    page = client.get("/samtaler").get_data(as_text=True)
    assert "lovpligtige kontaktforløb" not in page and "CV-samtale" not in page and "Rådighedssamtale" not in page
    assert "Opfølgning pr. telefon" in page
    assert ("Samtale om, hvordan du kommer videre" in page) == (status == "opsagt")
    if status == "opsagt":  # the member's own conversation comes first
        assert page.index("Samtale om, hvordan du kommer videre") < page.index("Opfølgning pr. telefon")
        home = client.get("/min-side").get_data(as_text=True)
        assert "Du har ingen frister hos os" in home and "/samtaler?type=dismissed_first" in home
    refused = client.get("/samtaler?type=cv").get_data(as_text=True)
    assert "lovpligtige kontaktforløb for ledige medlemmer" in refused
    with pytest.raises(NotAllowed):
        booking_svc.book_slot(session, member=member, caseworker_id=setup["own"].id,
                              starts_at=_next_weekday(), type="cv", channel="in_person", actor=member.user,
                              now=clock.now)
    session.rollback()
    assert TYPES["cv"].statutory


def _book(session, setup, start, type="cv", actor=None):
    from portal.services.booking.booking import book_slot

    booking = book_slot(session, member=setup["member"], caseworker_id=setup["own"].id, starts_at=start, type=type,
                        channel="in_person", actor=actor or setup["member"].user, now=datetime.now(UTC))
    session.commit()
    return booking


def test_a_member_cannot_book_the_same_conversation_twice_but_is_shown_the_one_they_have(client, auth, setup,
                                                                                          session):
    first = _book(session, setup, _next_weekday())
    auth.login("mette")
    choice = client.get("/samtaler").get_data(as_text=True)  # the type list: CV leads to the booking she has
    assert choice.count("Du har en booket") == 1 and f'href="/samtaler/mine/{first.id}">CV-samtale</a>' in choice
    assert 'href="/samtaler?type=focus">Fokussamtale</a>' in choice
    page = client.get("/samtaler?type=cv").get_data(as_text=True)
    assert "Du har allerede en CV-samtale" in page and f"/samtaler?flyt={first.id}" in page
    assert "Vælg en tid" not in page or "Birgitte Holm" not in page  # no times offered for a second one
    # An older tab posts a second CV conversation: refused, nothing saved.
    later = _next_weekday(5)
    response = auth.post("/samtaler/bekraeft", {"type": "cv", "caseworker": setup["own"].id,
                                                "start": start_param(later), "channel": "in_person"}, page="/samtaler")
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).get_data(as_text=True).count("Du har allerede en CV-samtale") == 1
    # The confirm page of an old link says so at once instead of offering "Book samtalen".
    confirm = f"/samtaler/bekraeft?type=cv&caseworker={setup['own'].id}&start={start_param(later)}"
    assert client.get(confirm).headers["Location"].startswith("/samtaler?type=cv")
    past = f"/samtaler/bekraeft?type=focus&caseworker={setup['own'].id}&start={start_param(_next_weekday(-4))}"
    response = client.get(past)
    assert response.status_code == 302
    assert "Tidspunktet er passeret" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Booking)) == 1
    # The caseworker may book a second one on purpose.
    second = _book(session, setup, later, actor=setup["own"].user)
    assert second.status == "booked"


def test_group_2_books_the_second_focus_conversation_while_the_first_is_ahead(client, auth, setup, session):
    # Min side says "Book 2. fokussamtale" (both are due by week 13) while the first is still ahead: it can be.
    first = _book(session, setup, _next_weekday(), type="focus")
    auth.login("mette")
    choice = client.get("/samtaler").get_data(as_text=True)
    assert 'href="/samtaler?type=focus">Fokussamtale</a>' in choice and f"/samtaler/mine/{first.id}" in choice
    page = client.get("/samtaler?type=focus").get_data(as_text=True)
    assert "Du har allerede en fokussamtale" not in page and "Birgitte Holm" in page
    later = _next_weekday(6)
    response = auth.post("/samtaler/bekraeft", {"type": "focus", "caseworker": setup["own"].id,
                                                "start": start_param(later), "channel": "in_person"},
                         page="/samtaler?type=focus")
    assert response.status_code == 302 and "/samtaler/mine/" in response.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Booking).where(Booking.type == "focus")) == 2
    # Both rights are booked: no third one, and the page says why.
    assert 'href="/samtaler?type=focus"' not in client.get("/samtaler").get_data(as_text=True)
    assert "booket eller haft dine 2 fokussamtaler" in client.get("/samtaler?type=focus").get_data(as_text=True)


def test_a_joint_conversation_is_moved_only_by_the_caseworker(client, auth, setup, session):
    booking = _book(session, setup, _next_weekday(4), type="joint", actor=setup["own"].user)
    auth.login("mette")
    page = client.get(f"/samtaler/mine/{booking.id}").get_data(as_text=True)
    assert "sammen med jobcentret, så du kan ikke selv flytte eller aflyse" in page
    assert f"/samtaler?flyt={booking.id}" not in page and "/aflys" not in page
    for url in (f"/samtaler?flyt={booking.id}", f"/samtaler/mine/{booking.id}/aflys"):
        response = client.get(url)
        assert response.status_code == 302, url
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "flytte eller aflyse den. Passer tiden ikke, så kontakt din sagsbehandler." in page  # the flash
    later = booking.starts_at + timedelta(days=1)
    auth.post("/samtaler/bekraeft", {"flyt": booking.id, "caseworker": setup["own"].id, "start": start_param(later),
                                     "channel": "in_person"}, page="/samtaler")
    auth.post(f"/samtaler/mine/{booking.id}/aflys", page=f"/samtaler/mine/{booking.id}")
    session.refresh(booking)
    assert booking.status == "booked" and booking.sequence == 0 and booking.starts_at == later - timedelta(days=1)


def test_a_cancelled_booking_cannot_be_moved_and_says_so(client, auth, setup, session):
    booking = _book(session, setup, _next_weekday())
    auth.login("mette")
    auth.post(f"/samtaler/mine/{booking.id}/aflys", page=f"/samtaler/mine/{booking.id}/aflys")
    response = client.get(f"/samtaler?flyt={booking.id}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Samtalen er aflyst og kan ikke flyttes. Book en ny samtale i stedet." in page
    assert "Birgitte Holm" in page  # the list of new CV times, since the member may book one
    # Its page offers the cancellation for the calendar, not an "invitation".
    page = client.get(f"/samtaler/mine/{booking.id}").get_data(as_text=True)
    assert "Hent aflysningen til din kalender (.ics)" in page and "Hent kalenderinvitation" not in page


@pytest.mark.parametrize("flyt", ["abc", "999999", "other"])
def test_a_move_link_to_nothing_of_hers_leads_to_her_bookings_with_a_message(client, auth, setup, session, make, flyt):
    if flyt == "other":  # another member's booking: the same answer, nothing about it shown
        other = make.member("ole", location=setup["loc"], caseworker=setup["own"])
        make.commit()
        from portal.services.booking.booking import book_slot
        flyt = str(book_slot(session, member=other, caseworker_id=setup["own"].id, starts_at=_next_weekday(),
                             type="cv", channel="in_person", actor="cli", now=datetime.now(UTC)).id)
        session.commit()
    auth.login("mette")
    for path in (f"/samtaler?flyt={flyt}", f"/samtaler/bekraeft?flyt={flyt}&caseworker=1&start=20300101T0900Z"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/samtaler/mine"
        assert "Vi kan ikke finde den samtale" in client.get("/samtaler/mine").get_data(as_text=True)


def test_a_time_clashing_with_the_members_own_booking_names_it(client, auth, setup, session):
    start = _next_weekday()
    _book(session, setup, start, type="focus")
    auth.login("mette")
    response = auth.post("/samtaler/bekraeft", {"type": "cv", "caseworker": setup["other"].id,
                                                "start": start_param(start), "channel": "in_person"}, page="/samtaler")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du har allerede en samtale på det tidspunkt: fokussamtale" in page
    assert "booket af en anden" not in page
    assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_every_day_of_the_two_weeks_is_listed_in_each_section(client, auth, setup):
    """The pager moves 14 days on, so a day cut from a section could never be seen (a five-day cap did that)."""
    auth.login("mette")
    page = client.get("/samtaler?type=cv").get_data(as_text=True)
    own = page[page.index("Din egen sagsbehandler"):page.index("Andre sagsbehandlere i Odense")]
    assert own.count('class="slot-day"') >= 12  # hours every day; the first day is inside the 24-hour notice


def test_the_caseworker_is_told_the_member_has_that_conversation_already_but_may_book_another(client, auth, setup,
                                                                                             session):
    first = _book(session, setup, _next_weekday())
    auth.login("birgitte")
    number = setup["member"].member_number
    page = client.get(f"/kalender/ny?medlem={number}&type=cv").get_data(as_text=True)
    assert "Medlemmet har allerede en CV-samtale" in page and f"/kalender/samtale/{first.id}" in page
    assert "Medlemmet har allerede" not in client.get(f"/kalender/ny?medlem={number}&type=focus").get_data(
        as_text=True)
    start = _next_weekday(6)
    response = auth.post("/kalender/ny", {"medlem": number, "type": "cv", "start": start_param(start)},
                         page=f"/kalender/ny?medlem={number}&type=cv")
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Booking).where(Booking.type == "cv")) == 2


def test_inside_the_notice_the_member_gets_the_a_kasses_number_to_call_when_it_is_configured(app, client, auth,
                                                                                            setup, session):
    import uuid

    from portal.timeutil import utcnow

    starts = (utcnow() + timedelta(hours=5)).replace(second=0, microsecond=0)
    booking = Booking(uid=f"b-{uuid.uuid4().hex}", member_id=setup["member"].id, caseworker_id=setup["own"].id,
                      location_id=setup["loc"].id, type="cv", channel="in_person", starts_at=starts,
                      ends_at=starts + timedelta(hours=1), created_at=utcnow(), updated_at=utcnow())
    session.add(booking)
    session.commit()
    auth.login("mette")
    page = client.get(f"/samtaler/mine/{booking.id}").get_data(as_text=True)
    assert "Ring til a-kassen, hvis du ikke kan komme." in page and 'href="tel:' not in page  # no number set
    app.config["FUND_PHONE"] = "70 10 10 10"
    page = client.get(f"/samtaler/mine/{booking.id}").get_data(as_text=True)
    assert 'href="tel:+4570101010">Ring til a-kassen: 70 10 10 10</a>' in page
    refused = client.get(client.get(f"/samtaler/mine/{booking.id}/aflys").headers["Location"])
    assert "kan ikke aflyses her. Ring til a-kassen på 70 10 10 10, hvis du ikke kan komme." in refused.get_data(
        as_text=True)
