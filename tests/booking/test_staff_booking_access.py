"""Who on the staff may open, change and make a member's booked conversation (portal/services/access.py): the
caseworker whose calendar it is in, and staff who may change the member; staff who may only see the member see it
without the forms; others get a 404 that says nothing about whether it exists."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.blueprints.booking import start_param
from portal.models import Booking, OutboxMessage
from portal.models.booking import WorkingHours
from portal.services.booking.booking import book_slot
from portal.timeutil import local_today
from tests.booking_helpers import hours, next_weekday

pytestmark = pytest.mark.usefixtures("clock")


_weekday = next_weekday


@pytest.fixture
def world(make, session):
    odense, vejle = make.location("Odense"), make.location("Vejle", lat=55.7, lon=9.5)
    birgitte = make.caseworker("birgitte", location=odense)
    gitte = make.caseworker("gitte", location=odense, group2_specialist=True)  # sees group 2 in the region
    aisha = make.caseworker("aisha", location=vejle)
    make.user("chef", role="admin")
    for cw in (birgitte, gitte, aisha):
        hours(session, cw, weekdays=range(7))
    hanne = make.member("hanne", location=vejle, caseworker=aisha, target_group="2a")
    make.commit()
    booking = book_slot(session, member=hanne, caseworker_id=aisha.id, starts_at=_weekday(), type="cv",
                        channel="in_person", actor="cli", now=datetime.now(UTC))
    session.commit()
    return {"birgitte": birgitte, "aisha": aisha, "hanne": hanne, "booking": booking}


def _unchanged(session, booking: Booking, starts_at: datetime) -> None:
    session.expire_all()
    again = session.get(Booking, booking.id)
    assert (again.status, again.starts_at.replace(tzinfo=UTC)) == ("booked", starts_at.replace(tzinfo=UTC))
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind.in_(("booking_moved", "booking_cancelled")))) == 0


def test_another_locations_caseworker_cannot_open_or_move_the_conversation(client, auth, world, session):
    booking, starts_at = world["booking"], world["booking"].starts_at
    auth.login("birgitte")
    page = f"/kalender/samtale/{booking.id}"
    assert client.get(page).status_code == 404
    moved = auth.post(page, {"action": "move", "day": (local_today() + timedelta(days=8)).isoformat(),
                             "time": "10:00", "reason": "Vi flytter"}, page="/kalender")
    cancelled = auth.post(page, {"action": "cancel", "reason": "Aflyst"}, page="/kalender")
    assert (moved.status_code, cancelled.status_code) == (404, 404)
    assert client.get(f"/samtaler/mine/{booking.id}.ics").status_code == 404  # nor its calendar file
    _unchanged(session, booking, starts_at)


def test_who_may_see_the_member_sees_the_conversation_without_forms(client, auth, world, session):
    booking, starts_at = world["booking"], world["booking"].starts_at
    page = f"/kalender/samtale/{booking.id}"
    auth.login("gitte")  # a group-2 specialist of the region: sees Hanne's file, changes nothing in it
    says = "Medlemmet hører til et andet betjeningssted"
    response = client.get(page)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and says in text
    assert "Flyt samtalen" not in text and 'value="cancel"' not in text
    refused = auth.post(page, {"action": "cancel", "reason": "Aflyst"})
    assert refused.status_code == 403 and says in refused.get_data(as_text=True)
    _unchanged(session, booking, starts_at)


def test_an_administrator_manages_the_calendars_conversations(client, auth, world, session):
    auth.login("chef")  # e.g. the caseworker is ill: the administrator moves or cancels her conversations
    page = f"/kalender/samtale/{world['booking'].id}"
    assert "Flyt samtalen" in client.get(page).get_data(as_text=True)
    assert auth.post(page, {"action": "cancel", "reason": "Sagsbehandleren er syg"}).status_code == 302
    session.expire_all()
    assert session.get(Booking, world["booking"].id).status == "cancelled_fund"


def test_the_caseworker_whose_calendar_it_is_in_may_change_it(client, auth, world, session):
    # Aisha's own member; and Birgitte holds a conversation in her own calendar with a Vejle member (e.g. booked
    # before the member moved): she registers its outcome, moves or cancels it.
    auth.login("aisha")
    page = f"/kalender/samtale/{world['booking'].id}"
    assert "Flyt samtalen" in client.get(page).get_data(as_text=True)
    assert client.get(f"/samtaler/mine/{world['booking'].id}.ics").status_code == 200
    mine = book_slot(session, member=world["hanne"], caseworker_id=world["birgitte"].id, starts_at=_weekday(5),
                     type="focus", channel="phone", actor="cli", now=datetime.now(UTC))
    session.commit()
    auth.logout()
    auth.login("birgitte")
    page = f"/kalender/samtale/{mine.id}"
    assert "Flyt samtalen" in client.get(page).get_data(as_text=True)
    assert auth.post(page, {"action": "cancel", "reason": "Jeg er syg"}).status_code == 302
    session.expire_all()
    assert session.get(Booking, mine.id).status == "cancelled_fund"


def test_booking_for_a_member_needs_the_right_to_change_them(client, auth, world, session):
    number = world["hanne"].member_number
    before = session.scalar(select(func.count()).select_from(Booking))
    form = {"medlem": number, "type": "focus", "start": start_param(_weekday(6))}
    auth.login("birgitte")  # cannot see Hanne: told nothing about her
    page = client.get(f"/kalender/ny?medlem={number}&type=focus").get_data(as_text=True)
    assert "som du har adgang til" in page and world["hanne"].full_name not in page
    refused = auth.post("/kalender/ny", form, page="/kalender/ny")
    assert refused.status_code == 422 and world["hanne"].full_name not in refused.get_data(as_text=True)
    auth.logout()
    auth.login("gitte")  # sees Hanne (group 2 in the region), may not book for her
    refused = auth.post("/kalender/ny", form, page="/kalender/ny")
    assert refused.status_code == 422 and "Medlemmet hører til et andet betjeningssted" in refused.get_data(
        as_text=True)
    assert session.scalar(select(func.count()).select_from(Booking)) == before


def test_a_staff_move_or_booking_a_year_ahead_is_refused_and_the_slot_list_reads_by_day_with_the_place(
        client, auth, world, session, make):
    booking, starts_at = world["booking"], world["booking"].starts_at
    auth.login("aisha")
    page = f"/kalender/samtale/{booking.id}"
    far = (local_today() + timedelta(days=400)).isoformat()
    refused = auth.post(page, {"action": "move", "day": far, "time": "10:00", "reason": "Ny tid"})
    assert refused.status_code == 422 and "højst bookes et år frem" in refused.get_data(as_text=True)
    _unchanged(session, booking, starts_at)
    number = world["hanne"].member_number
    listed = client.get(f"/kalender/ny?medlem={number}&type=focus&fra={far}").get_data(as_text=True)
    assert "højst bookes et år frem" in listed and 'class="slot"' not in listed
    # A day already past is said too (it was moved to today without a word), and the times start today.
    past = (local_today() - timedelta(days=3)).isoformat()
    listed = client.get(f"/kalender/ny?medlem={number}&type=focus&fra={past}").get_data(as_text=True)
    assert "Datoen er passeret. Tiderne vises fra i dag." in listed
    assert f'value="{local_today().isoformat()}" min="{local_today().isoformat()}"' in listed
    # Aisha works Fridays in Middelfart: the 7 days read in date order, each day naming where.
    middelfart = make.location("Middelfart", lat=55.5, lon=9.73)
    session.query(WorkingHours).filter_by(caseworker_id=world["aisha"].id, weekday=4).update(
        {"location_id": middelfart.id})
    session.commit()
    listed = client.get(f"/kalender/ny?medlem={number}&type=focus").get_data(as_text=True)
    days = re.findall(r'<h2 class="slot-day">([^<]+)<span class="muted">· ([^<]+)</span>', listed)
    assert len(days) >= 5
    dates = [datetime.strptime(start, "%Y%m%dT%H%MZ") for start in
             re.findall(r'name="start" value="([0-9TZ]+)"', listed)]
    assert dates == sorted(dates)
    assert {place for heading, place in days if heading.startswith("Fredag")} == {"Middelfart"}
    assert {place for heading, place in days if not heading.startswith(("Fredag", "Lørdag", "Søndag"))} == {"Vejle"}
