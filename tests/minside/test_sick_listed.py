"""Sick-listed members (issue 15): the round-table conversation with the member and the job centre, booked by a
caseworker (the job centre invited through the exchange), never by the member, only for sick-listed members and
members who came from sickness benefit; and the demo login 'sygemeldt' with her Min side and caseworker's screen."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.models import Booking, Member, OutboxMessage, User
from portal.models.jobcentre import JobcentreMessage
from portal.services.booking import booking as booking_svc
from portal.services.booking.conversation_types import TYPES
from portal.services.errors import NotAllowed, ValidationFailed
from tests.booking_helpers import NOW, hours, utc

WED_10 = utc(2027, 3, 24, 9, 0)  # Wednesday 24 March 2027, 10:00 in Copenhagen


@pytest.fixture
def world(make, session):
    loc = make.location("Odense", lat=55.40, lon=10.39)
    cw = make.caseworker("birgitte", location=loc, display_name="Birgitte Holm")
    hours(session, cw)
    sick = make.member("susanne", location=loc, caseworker=cw, status="sygemeldt", target_group=None)
    dismissed = make.member("lars", location=loc, caseworker=cw, status="opsagt", target_group=None)
    make.jobcentre_user(461, "jc-odense", display_name="Hanne Lund")
    make.commit()
    return {"cw": cw, "sick": sick, "dismissed": dismissed}


@pytest.mark.clock(NOW)
def test_a_caseworker_books_a_round_table_with_the_member_and_the_job_centre(session, world):
    sick, cw = world["sick"], world["cw"]
    booking = booking_svc.book_slot(session, member=sick, caseworker_id=cw.id, starts_at=WED_10, type="round_table",
                                    channel="in_person", actor=cw.user, now=NOW)
    session.commit()
    assert booking.with_jobcenter and booking.ends_at - booking.starts_at == timedelta(minutes=60)
    # The job centre gets the invitation with its calendar file; a round table is not a joint-conversation
    # proposal for it to accept or move in the exchange.
    to_jobcentre = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "jobcenter",
                                                              OutboxMessage.member_id == sick.id))
    assert to_jobcentre.body_text.startswith("Rundbordssamtale med jobcentret for medlem")
    assert to_jobcentre.attachments and to_jobcentre.attachments[0].filename == "samtale.ics"
    assert session.scalar(select(JobcentreMessage).where(JobcentreMessage.booking_id == booking.id)) is None


@pytest.mark.clock(NOW)
def test_the_member_cannot_book_it_and_it_is_not_for_other_members(session, world):
    sick, dismissed, cw = world["sick"], world["dismissed"], world["cw"]
    with pytest.raises(NotAllowed) as refused:
        booking_svc.book_slot(session, member=sick, caseworker_id=cw.id, starts_at=WED_10, type="round_table",
                              channel="in_person", actor=sick.user, now=NOW)
    assert "Rundbordssamtalen bookes af din sagsbehandler" in refused.value.message
    session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        booking_svc.book_slot(session, member=dismissed, caseworker_id=cw.id, starts_at=WED_10, type="round_table",
                              channel="in_person", actor=cw.user, now=NOW)
    assert "for sygemeldte medlemmer" in refused.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    assert not TYPES["round_table"].member_bookable


@pytest.mark.clock(NOW)
def test_the_staff_form_says_so_before_any_time_is_chosen(client, auth, session, world):
    auth.login("birgitte")
    page = client.get(f"/kalender/ny?medlem={world['dismissed'].member_number}&type=round_table")
    assert "for sygemeldte medlemmer" in page.get_data(as_text=True)
    page = client.get(f"/kalender/ny?medlem={world['sick'].member_number}&type=round_table").get_data(as_text=True)
    assert "Rundbordssamtalen holdes med medlemmets jobcenter" in page


@pytest.mark.clock(NOW)
def test_the_notice_period_conversation_is_for_dismissed_members_only_staff_too(client, auth, make, session, world):
    # A caseworker could book "Samtale om, hvordan du kommer videre" for an unemployed or sick-listed member,
    # which is the dismissed members' own conversation (the member rule said so; the staff form did not).
    unemployed = make.member("ulla", location=world["sick"].location, caseworker=world["cw"], status="ledig",
                             target_group="1")
    make.commit()
    for member in (unemployed, world["sick"]):
        with pytest.raises(ValidationFailed) as refused:
            booking_svc.book_slot(session, member=member, caseworker_id=world["cw"].id, starts_at=WED_10,
                                  type="dismissed_first", channel="phone", actor=world["cw"].user, now=NOW)
        assert "for medlemmer i opsigelsesperioden" in refused.value.message
        session.rollback()
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    booked = booking_svc.book_slot(session, member=world["dismissed"], caseworker_id=world["cw"].id,
                                   starts_at=WED_10, type="dismissed_first", channel="phone", actor=world["cw"].user,
                                   now=NOW)
    session.commit()
    assert booked.type == "dismissed_first"
    auth.login("birgitte")
    page = client.get(f"/kalender/ny?medlem={unemployed.member_number}&type=dismissed_first").get_data(as_text=True)
    assert "for medlemmer i opsigelsesperioden" in page and 'class="slot"' not in page


@pytest.mark.slow
def test_the_demo_sick_listed_member_on_min_side_and_on_her_caseworkers_screen(app, session, client, auth, clock):
    seed_demo(session, members=400, seed=3, now=clock.now, password="demo-adgangskode")
    session.commit()
    member = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "sygemeldt"))
    assert member.status == "sygemeldt" and member.caseworker.user.username == "sagsbehandler"
    round_table = session.scalar(select(Booking).where(Booking.member_id == member.id, Booking.type == "round_table"))
    assert round_table is not None and round_table.status == "booked" and round_table.starts_at > clock.now

    assert auth.login("sygemeldt", "demo-adgangskode").status_code == 302
    home = client.get("/min-side").get_data(as_text=True)
    assert "Mens du er sygemeldt" in home and "Rundbordssamtale med jobcentret" in home
    assert "Tilmeldt" in home  # her webinar
    assert "Dit næste skridt" not in home and "senest" not in home.split("Mens du er sygemeldt")[1].split("</section>")[0]
    mine = client.get("/samtaler/mine").get_data(as_text=True)
    assert "Rundbordssamtale med jobcentret" in mine
    auth.logout()

    assert auth.login("sagsbehandler", "demo-adgangskode").status_code == 302
    staff = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Rundbordssamtale booket" in staff and "Sygemeldt:" in staff


@pytest.mark.parametrize("status, group", [("sygemeldt", None), ("opsagt", None), ("ledig", "1"), ("ledig", "2a")])
def test_min_side_promises_only_conversations_the_member_can_book(session, make, status, group):
    # "Tilbud til dig" once promised a sick-listed member the notice-period conversation, which /samtaler refused.
    from portal.services.minside import offer_overview

    member = make.member(f"m-{status}-{group}", status=status, target_group=group)
    make.commit()
    promised = offer_overview.for_member(member).items
    bookable = {t.code for t in booking_svc.member_bookable_types(session, member)}
    if offer_overview.CONVERSATION in promised:
        assert "dismissed_first" in bookable
    if offer_overview.SICK_CONVERSATION in promised:
        assert {"followup_phone", "followup_video"} <= bookable
    if offer_overview.FOCUS in promised:
        assert "focus" in bookable
    assert status != "sygemeldt" or offer_overview.SICK_CONVERSATION in promised
