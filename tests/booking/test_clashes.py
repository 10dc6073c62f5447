"""One person, one place at a time: conversations and offer sessions never overlap for one member; one live
registration per offer; caseworkers may override a clash with a reason (audited). Services, pages and the API."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Booking
from portal.models.offers import OfferRegistration
from portal.services.booking import booking as booking_svc
from portal.services.booking.clashes import Clash
from portal.services.booking.slots import free_slots
from portal.services.errors import Conflict
from portal.services.offers import offers, waitlist
from tests.booking_helpers import NOW, hours, utc
from tests.offers_helpers import make_offer, make_session

pytestmark = pytest.mark.clock(NOW)

WED_10 = utc(2027, 3, 24, 9, 0)  # Wednesday 24 March 2027, 10:00 in Copenhagen


@pytest.fixture
def world(make, session):
    loc = make.location("Odense")
    cw = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, cw)
    member = make.member("mette", location=loc, caseworker=cw, target_group="2a")
    webinar = make_offer(session, kind="webinar", title="Webinar: Sådan finder du dit nye job", topic="find_job")
    meeting = make_offer(session, title="Temamøde: Jobsøgning", topic="job_search")
    # Both 10:00–11:15 on Wednesday (the clash the issue saw), and a later session of the webinar.
    a = make_session(session, webinar, location=loc, starts_in=WED_10 - NOW, hours=1.25, now=NOW)
    b = make_session(session, meeting, location=loc, starts_in=WED_10 - NOW, hours=1.25, now=NOW)
    later = make_session(session, webinar, location=loc, starts_in=WED_10 - NOW + timedelta(days=7), now=NOW)
    make.commit()
    return {"loc": loc, "cw": cw, "member": member, "a": a, "b": b, "later": later}


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _registered(session, member_id):
    return _count(session, OfferRegistration, OfferRegistration.member_id == member_id,
                  OfferRegistration.status.in_(("registered", "offered", "waitlisted")))


def test_two_overlapping_sessions_the_second_is_refused_naming_the_first(session, world):
    member = world["member"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(Clash) as refused:
        offers.register(session, member, world["b"].id, actor="cli", now=NOW)
    session.rollback()
    assert "Webinar: Sådan finder du dit nye job" in refused.value.message
    assert "kl. 10:00" in refused.value.message and "meld dig fra det andet først under Mine tilmeldinger" in refused.value.message
    assert _registered(session, member.id) == 1


def test_one_registration_per_offer_the_member_moves_instead(session, world):
    member = world["member"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(offers.AlreadyRegistered) as refused:
        offers.register(session, member, world["later"].id, actor="cli", now=NOW)
    session.rollback()
    assert "ét hold af hvert tilbud" in refused.value.message and "afmeld" in refused.value.message
    offers.cancel_registration(session, session.scalar(select(OfferRegistration)), actor="cli", now=NOW,
                               reason="Medlemmet vil hellere en anden dag")
    session.commit()
    assert offers.register(session, member, world["later"].id, actor="cli", now=NOW).status == "registered"


def test_a_conversation_over_a_session_is_refused_and_the_other_way_round(session, world):
    member, cw = world["member"], world["cw"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(Clash) as refused:
        booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=WED_10 + timedelta(minutes=30),
                              type="followup_phone", channel="phone", actor=member.user, now=NOW)
    session.rollback()
    assert "Du er optaget" in refused.value.message and "Webinar" in refused.value.message
    assert _count(session, Booking) == 0

    # A conversation first, then the meeting at the same time.
    booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=WED_10 - timedelta(days=1),
                          type="followup_phone", channel="phone", actor=member.user, now=NOW)
    session.commit()
    thursday = make_session(session, world["b"].offer, location=world["loc"],
                            starts_in=WED_10 - timedelta(days=1, minutes=15) - NOW, now=NOW)
    session.commit()
    with pytest.raises(Clash) as refused:
        offers.register(session, member, thursday.id, actor="cli", now=NOW)
    session.rollback()
    assert "Opfølgning" in refused.value.message and "flyt eller aflys den anden samtale først under Mine samtaler" in refused.value.message


def test_moving_a_conversation_onto_a_session_is_refused(session, world):
    member, cw = world["member"], world["cw"]
    booking = booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=WED_10 - timedelta(days=1),
                                    type="followup_phone", channel="phone", actor=member.user, now=NOW)
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(Clash):
        booking_svc.reschedule_booking(session, booking, starts_at=WED_10, actor=member.user, now=NOW)
    session.rollback()
    session.refresh(booking)
    assert booking.starts_at == WED_10 - timedelta(days=1) and booking.sequence == 0


def test_a_members_slot_list_leaves_out_the_times_of_their_sessions(session, world, make):
    """The list offered only times the booking would then refuse: 10:00 on the day of the webinar was shown."""
    member, other = world["member"], make.member("ole", location=world["loc"], caseworker=world["cw"])
    make.commit()
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)  # 10:00–11:15 Wednesday
    session.commit()

    def starts(who, staff=False):
        return {s.starts_at for s in free_slots(session, type="followup_phone", start=WED_10 - timedelta(hours=1),
                                                end=WED_10 + timedelta(hours=5), now=NOW, member=who, staff=staff)}

    during = {WED_10, WED_10 + timedelta(minutes=30), WED_10 + timedelta(hours=1)}
    assert during <= starts(other)  # the caseworker is free then
    assert not during & starts(member)  # ... but the member is at the webinar
    assert WED_10 + timedelta(hours=1, minutes=30) in starts(member)  # free again after it
    assert during <= starts(member, staff=True)  # the caseworker sees them and may book anyway with a reason


def test_a_held_seat_is_a_place_and_a_waiting_list_place_is_not(session, world, make):
    member, other = world["member"], make.member("ole", location=world["loc"])
    full = make_session(session, world["b"].offer, location=world["loc"], capacity=1,
                        starts_in=WED_10 - NOW + timedelta(days=14), now=NOW)
    clashing = make_session(session, make_offer(session, kind="webinar", title="Webinar: Sådan søger du jobbet",
                                                topic="apply_job"),
                            location=world["loc"], starts_in=WED_10 - NOW + timedelta(days=14), now=NOW)
    make.commit()
    offers.register(session, other, full.id, actor="cli", now=NOW)
    waiting = offers.register(session, member, full.id, actor="cli", now=NOW)
    assert waiting.status == "waitlisted"
    # On the waiting list at 10:00, the member may still take a seat elsewhere at 10:00 ...
    assert offers.register(session, member, clashing.id, actor="cli", now=NOW).status == "registered"
    session.commit()
    # ... and when the waiting list offers a seat there, taking it is refused, naming the other session.
    cancelled = session.scalar(select(OfferRegistration).where(OfferRegistration.member_id == other.id))
    offers.cancel_registration(session, cancelled, actor="cli", now=NOW, reason="Medlemmet er syg")
    session.commit()
    session.refresh(waiting)
    assert waiting.status == "offered"
    with pytest.raises(Clash) as refused:
        waitlist.accept_offered_seat(session, waiting, actor=member.user, now=NOW)
    session.rollback()
    assert "Sådan søger du jobbet" in refused.value.message


def test_a_caseworker_is_told_and_may_override_with_a_reason_which_is_audited(session, world):
    member, cw = world["member"], world["cw"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(Clash) as refused:
        booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=WED_10, type="cv",
                              channel="in_person", actor=cw.user, now=NOW)
    session.rollback()
    assert "Medlemmet er optaget" in refused.value.message and "begrundelse" in refused.value.message
    booking = booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=WED_10, type="cv",
                                    channel="in_person", actor=cw.user, now=NOW,
                                    override_reason="Webinaret er optaget; medlemmet ser det bagefter")
    session.commit()
    assert booking.id
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "clash.override"))
    assert entry.member_id == member.id and entry.reason.startswith("Webinaret er optaget")
    assert entry.detail["other"] == "session"


def test_two_conversations_still_cannot_overlap_even_for_staff(session, world, make):
    member, cw = world["member"], world["cw"]
    other_cw = make.caseworker("anders", location=world["loc"])
    hours(session, other_cw)
    make.commit()
    booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=WED_10 - timedelta(days=1),
                          type="cv", channel="in_person", actor=cw.user, now=NOW)
    session.commit()
    with pytest.raises(Conflict):
        booking_svc.book_slot(session, member=member, caseworker_id=other_cw.id,
                              starts_at=WED_10 - timedelta(days=1), type="followup_phone", channel="phone",
                              actor=cw.user, now=NOW, override_reason="prøver")
    session.rollback()
    assert _count(session, Booking) == 1


# --- through the pages and the API ---------------------------------------------------------------------------

def test_the_member_page_and_the_api_both_refuse_the_clash(client, auth, session, world):
    member = world["member"]
    auth.login("mette")
    page = f"/tilbud/{world['a'].offer_id}"
    first = auth.post(f"/tilbud/hold/{world['a'].id}/tilmeld", page=page)
    assert first.status_code == 302
    second = auth.post(f"/tilbud/hold/{world['b'].id}/tilmeld", page=f"/tilbud/{world['b'].offer_id}")
    html = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Du er optaget på det tidspunkt" in html and "Webinar: Sådan finder du dit nye job" in html
    assert _registered(session, member.id) == 1

    token = client.post("/api/v1/auth/token", json={"username": "mette", "password": "demo-adgangskode"})
    if token.status_code != 200:
        from tests.factories import PASSWORD

        token = client.post("/api/v1/auth/token", json={"username": "mette", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    api = client.post(f"/api/v1/sessions/{world['b'].id}/registration", headers=headers, json={})
    assert api.status_code == 409 and api.get_json()["code"] == "clash"
    assert "Webinar" in api.get_json()["detail"]
    booked = client.post("/api/v1/me/bookings", headers=headers, json={
        "type": "followup_phone", "caseworker_id": world["cw"].id, "starts_at": WED_10.isoformat(),
        "channel": "phone"})
    assert booked.status_code == 409 and booked.get_json()["code"] == "clash"
    assert _registered(session, member.id) == 1 and _count(session, Booking) == 0


def test_the_caseworker_page_names_the_clash_and_books_with_a_reason(client, auth, session, world):
    from portal.blueprints.booking import start_param

    member = world["member"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    auth.login("birgitte")
    form = {"medlem": member.member_number, "type": "cv", "start": start_param(WED_10)}
    refused = auth.post("/kalender/ny", form, page="/kalender/ny")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Medlemmet er optaget" in html and "Webinar: Sådan finder du dit nye job" in html
    assert 'name="override_reason"' in html and _count(session, Booking) == 0

    booked = auth.post("/kalender/ny", {**form, "override_reason": "Medlemmet ser webinaret som optagelse"},
                       page="/kalender/ny")
    assert booked.status_code == 302
    assert _count(session, Booking) == 1
    assert _count(session, AuditEntry, AuditEntry.action == "clash.override") == 1


def test_the_caseworkers_time_list_marks_the_times_the_member_is_at_a_session(client, auth, session, world):
    """The member's own list leaves them out; the caseworker's showed them like any other time, and only a click
    said the member was busy."""
    member = world["member"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    auth.login("birgitte")
    html = client.get(f"/kalender/ny?medlem={member.member_number}&type=cv&fra=2027-03-24").get_data(as_text=True)
    busy = re.findall(r'<button type="submit" class="slot member-busy"[^>]*aria-label="([^"]*)"', html)
    free = re.findall(r'<button type="submit" class="slot"[^>]*aria-label="([^"]*)"', html)
    assert busy and free and 'id="busy-hint"' in html
    assert all("Medlemmet er optaget på det tidspunkt" in label for label in busy)
    assert any("onsdag 24. marts kl. 10:00" in label for label in busy)  # the webinar's time (WED_10)
    assert not any("Medlemmet er optaget" in label for label in free)
    assert not any("onsdag 24. marts kl. 10:00" in label for label in free)


@pytest.mark.parametrize(("reason", "said"), [("x" * 501, "højst være 500 tegn"),
                                               ("Medlemmet\u202eflytter", "usynlige styretegn"),
                                               ("x", "mindst 5 tegn"),
                                               ("   ", "Skriv en begrundelse for at booke alligevel.")])
def test_a_refused_reason_to_book_anyway_asks_again_at_the_clash(client, auth, session, world, reason, said):
    """The reason was refused in the error summary only, with the clash form gone: the caseworker had to find the
    time again to be asked for a reason again."""
    from portal.blueprints.booking import start_param

    member = world["member"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    auth.login("birgitte")
    form = {"medlem": member.member_number, "type": "cv", "start": start_param(WED_10), "override_reason": reason,
            "fra": "2027-03-24", "clash_form": "1"}
    refused = auth.post("/kalender/ny", form, page="/kalender/ny")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Medlemmet er optaget" in html and "Webinar: Sådan finder du dit nye job" in html
    assert 'id="override_reason-error"' in html and said in html
    assert 'href="#override_reason"' in html  # the summary's link reaches the field
    assert 'aria-describedby="override_reason-error override-hint"' in html
    assert f'name="start" value="{start_param(WED_10)}"' in html
    assert 'name="fra" value="2027-03-24"' in html  # the week searched stays the week shown
    assert _count(session, Booking) == 0 and _count(session, AuditEntry, AuditEntry.action == "clash.override") == 0

    booked = auth.post("/kalender/ny", {**form, "override_reason": "Medlemmet ser webinaret som optagelse"},
                       page="/kalender/ny")
    assert booked.status_code == 302 and _count(session, Booking) == 1


def test_the_caseworker_moving_a_conversation_onto_a_session_is_told_and_may_move_with_a_reason(
        client, auth, session, world):
    """The move form said 'gå videre med en begrundelse' but had no field for one: a dead end."""
    member, cw = world["member"], world["cw"]
    booking = booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=WED_10 - timedelta(days=1),
                                    type="followup_phone", channel="phone", actor=cw.user, now=NOW)
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    auth.login("birgitte")
    page = f"/kalender/samtale/{booking.id}"
    form = {"action": "move", "day": "2027-03-24", "time": "10:00", "reason": "Jeg er på kursus tirsdag"}
    refused = auth.post(page, form, page=page)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Medlemmet er optaget" in html and "Webinar: Sådan finder du dit nye job" in html
    assert 'name="override_reason"' in html and 'href="#move-override_reason"' in html
    session.refresh(booking)
    assert booking.starts_at == WED_10 - timedelta(days=1)

    moved = auth.post(page, {**form, "override_reason": "Medlemmet ser webinaret som optagelse"}, page=page)
    assert moved.status_code == 302
    session.refresh(booking)
    assert booking.starts_at == WED_10
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "clash.override"))
    assert entry.member_id == member.id and entry.reason == "Medlemmet ser webinaret som optagelse"


def test_assigning_a_clashing_session_needs_the_caseworkers_reason(session, world):
    member, cw = world["member"], world["cw"]
    offers.register(session, member, world["a"].id, actor="cli", now=NOW)
    session.commit()
    with pytest.raises(Clash) as refused:
        offers.assign_right_and_duty(session, member, world["b"].id, actor=cw.user, now=NOW)
    session.rollback()
    assert refused.value.field == "override_reason"
    reg = offers.assign_right_and_duty(session, member, world["b"].id, actor=cw.user, now=NOW,
                                       override_reason="Temamødet er vigtigere; webinaret ses bagefter")
    session.commit()
    assert reg.status == "registered" and reg.right_and_duty
    assert _count(session, AuditEntry, AuditEntry.action == "clash.override") == 1
