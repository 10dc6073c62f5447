"""The caseworker's booking forms say each error at its field (WCAG 1.3.1, 3.3.1): an error line under the field's
label, named by the field's one aria-describedby (beside its hint), and the error summary links to that field.
Before, the fields were marked invalid with no error line to name, and a move refused for its time linked to
#move-starts_at, which the page does not have (the form asks for a day and a time)."""
from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from portal.blueprints.booking import start_param
from portal.models import Booking
from portal.services.booking.booking import book_slot
from portal.timeutil import local_today
from tests.booking_helpers import NOW, hours, next_weekday
from tests.form_errors import error_link_problems

pytestmark = pytest.mark.clock(NOW)


class _Attrs(HTMLParser):
    """Each element's attributes, by its id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.by_id[a["id"]] = a


def _said_at(html: str, field_id: str, message: str) -> dict:
    """Checks that `message` is the error line of `field_id`, linked from the summary; the field's attributes."""
    assert f'<p class="field-error" id="{field_id}-error">{message}</p>' in html
    assert f'<a href="#{field_id}">{message}</a>' in html
    assert error_link_problems(html) == []
    field = _Attrs(html).by_id[field_id]
    assert f"{field_id}-error" in field["aria-describedby"].split()
    return field


@pytest.fixture
def world(make, session):
    loc = make.location("Odense")
    caseworker = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, caseworker, weekdays=range(7))
    member = make.member("mette", location=loc, caseworker=caseworker, target_group="2a")
    make.commit()
    return {"loc": loc, "caseworker": caseworker, "member": member}


@pytest.mark.parametrize(("day", "time", "field_id", "message"), [
    ("", "", "move-day", "Angiv ny dato og tid."),
    ("yesterday", "10:00", "move-time", "Tidspunktet er passeret. Vælg en ny tid."),  # the service's starts_at
])
def test_a_refused_move_is_said_at_the_field_to_correct(client, auth, world, session, day, time, field_id, message):
    booking = book_slot(session, member=world["member"], caseworker_id=world["caseworker"].id,  # after Easter
                        starts_at=next_weekday(8), type="cv", channel="in_person", actor="cli", now=NOW)
    session.commit()
    auth.login("birgitte")
    if day == "yesterday":
        day = (local_today() - timedelta(days=1)).isoformat()
    response = auth.post(f"/kalender/samtale/{booking.id}",
                         {"action": "move", "day": day, "time": time, "reason": "Jeg er syg"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    field = _said_at(html, field_id, message)
    assert field["aria-invalid"] == "true"
    assert "#move-starts_at" not in html


@pytest.mark.parametrize(("sent", "field_id", "message", "described_by"), [
    ({"kind": "absence", "ex_start_time": "12:00", "ex_end_time": "11:00"}, "ex_end_time",
     "Sluttiden skal være efter starttiden.", "ex_end_time-error ex-hint"),  # the hint is still read
    ({"kind": ""}, "kind-absence", "Vælg fravær eller ekstra tid.", "kind-absence-error"),  # a radio group
])
def test_a_refused_absence_is_said_at_the_field_to_correct(client, auth, world, sent, field_id, message,
                                                           described_by):
    auth.login("birgitte")
    day = (local_today() + timedelta(days=5)).isoformat()
    response = auth.post("/kalender/arbejdstider", {"action": "add_exception", "day": day, **sent})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    field = _said_at(html, field_id, message)
    assert field["aria-describedby"] == described_by
    if field_id == "ex_end_time":
        assert _Attrs(html).by_id["ex_start_time"]["aria-describedby"] == "ex-hint"
    else:  # every button of the group names the error; aria-invalid belongs on no radio button
        assert _Attrs(html).by_id["kind-extra"]["aria-describedby"] == described_by
        assert "aria-invalid" not in field


def test_an_outcome_not_chosen_is_said_in_its_group(client, auth, world, session):
    past = NOW - timedelta(hours=2)
    booking = Booking(uid="b-past@x", member_id=world["member"].id, caseworker_id=world["caseworker"].id,
                      location_id=world["loc"].id, type="cv", channel="in_person", starts_at=past,
                      ends_at=past + timedelta(hours=1), status="booked", sequence=0, with_jobcenter=False,
                      created_at=past, updated_at=past)
    session.add(booking)
    session.commit()
    auth.login("birgitte")
    response = auth.post(f"/kalender/samtale/{booking.id}", {"action": "outcome"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = "Vælg afholdt, udeblevet eller aflyst af a-kassen."
    _said_at(html, "outcome-held", message)
    for value in ("held", "no_show", "cancelled_fund"):
        assert _Attrs(html).by_id[f"outcome-{value}"]["aria-describedby"] == "outcome-held-error"


def test_the_search_for_a_member_says_its_error_at_the_number(client, auth, world):
    auth.login("birgitte")
    html = client.get("/kalender/ny?medlem=&type=cv").get_data(as_text=True)
    field = _said_at(html, "medlem", "Skriv medlemsnummeret på den, du vil booke for.")
    assert field["aria-invalid"] == "true"


def test_the_weeks_times_stay_beside_an_error_the_caseworker_corrects_by_picking_again(client, auth, world):
    # A past "Fra dato" said "the times are shown from today" and then hid them; a time refused as passed hid the
    # list it was to be picked again from.
    auth.login("birgitte")
    number = world["member"].member_number
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    html = client.get(f"/kalender/ny?medlem={number}&type=cv&fra={yesterday}").get_data(as_text=True)
    assert "Datoen er passeret. Tiderne vises fra i dag." in html
    assert 'class="slot"' in html and "Næste 7 dage" in html
    past = start_param(NOW - timedelta(hours=1))
    response = auth.post("/kalender/ny", {"medlem": number, "type": "cv", "channel": "in_person", "start": past},
                         page=f"/kalender/ny?medlem={number}&type=cv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tidspunktet er passeret. Vælg en ny tid." in html
    assert 'class="slot"' in html
    html = client.get("/kalender/ny?medlem=99999999&type=cv").get_data(as_text=True)
    assert 'class="slot"' not in html and "Ingen ledige tider" not in html  # no member: nothing to list
