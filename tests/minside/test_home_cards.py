"""Min side's preparation and JobMatch cards (portal.services.minside.home_cards): read in one statement, without
loading the answers or the CV, and each card saying what is true now."""
from __future__ import annotations

from datetime import UTC, datetime

from portal.models.jobmatch import JobmatchCv
from portal.services.minside import home_cards
from portal.services.minside.preparation import record_answers

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_the_cards_follow_the_answers_and_the_cv(app, session, make):
    mette = make.member("mette")
    make.commit()
    cards = home_cards.for_member(session, mette)
    assert (cards.answered_preparation, cards.cv_job_agent) == (False, None)
    record_answers(session, mette, q2="within_3_months", q10_has_barriers=False, q10_barriers=None,
                   actor=mette.user, now=NOW)
    cv = JobmatchCv(member_id=mette.id, job_goals="Social- og sundhedshjælper", job_agent=False, created_at=NOW,
                    updated_at=NOW)
    session.add(cv)
    session.commit()
    cards = home_cards.for_member(session, mette)
    assert (cards.answered_preparation, cards.cv_job_agent) == (True, False)
    cv.job_agent = True
    session.commit()
    assert home_cards.for_member(session, mette).cv_job_agent is True


def test_the_contact_card_names_her_caseworker_only_while_they_work_here(app, session, make):
    aarhus = make.location("Aarhus", "Midtjylland", 56.15, 10.21)
    birgitte = make.caseworker("birgitte", location=aarhus)
    odense = make.location()
    mette, ole = make.member("mette", location=odense, caseworker=birgitte), make.member("ole", location=odense)
    make.commit()
    assert home_cards.for_member(session, mette).contact == home_cards.Contact(birgitte.name, "Aarhus")
    assert (home_cards.for_member(session, mette).location_name, home_cards.for_member(session, mette)
            .has_caseworker) == ("Odense", True)
    assert (home_cards.for_member(session, ole).has_caseworker, home_cards.for_member(session, ole).contact) == (
        False, None)
    birgitte.user.active = False  # a leaver: nobody's contact any more (Member.contact_caseworker)
    session.commit()
    cards = home_cards.for_member(session, mette)
    assert (cards.has_caseworker, cards.contact) == (True, None)
    assert mette.contact_caseworker is None


def test_min_side_shows_each_card_as_it_stands(app, client, auth, session, make):
    mette = make.member("mette")
    make.commit()
    auth.login("mette")
    page = client.get("/min-side").get_data(as_text=True)
    assert "Forbered din CV-samtale" in page and "Lav dit CV til FOA JobMatch" in page
    record_answers(session, mette, q2="within_3_months", q10_has_barriers=False, q10_barriers=None,
                   actor=mette.user, now=NOW)
    session.add(JobmatchCv(member_id=mette.id, job_goals="Pædagogmedhjælper", job_agent=False, created_at=NOW,
                           updated_at=NOW))
    session.commit()
    page = client.get("/min-side").get_data(as_text=True)
    assert "Forbered din CV-samtale" not in page and "Lav dit CV til FOA JobMatch" not in page
    assert "Jobagent slået fra" in page and "Se og ret dit CV og din jobagent" in page


def test_min_sides_rows_say_what_the_objects_say(app, session, clock):
    """Min side reads its bookings, registrations, offers, plan items and messages as rows (issue 19): for every
    member of a demo, the rows hold what the services' ORM objects hold, in the same order."""
    from sqlalchemy import select

    from portal.models import Member
    from portal.services.booking import booking
    from portal.services.messaging import notifications
    from portal.services.minside import plan
    from portal.services.offers import offers
    from tests.demo_copy import seed_demo_at_shared_moment

    seed_demo_at_shared_moment(session, clock, members=60, seed=5, password="demo-adgangskode")
    members = session.scalars(select(Member)).all()
    seen = {"bookings": 0, "registrations": 0, "held": 0, "offers": 0, "plan": 0, "notes": 0}
    for member in members:
        objects = booking.member_active_bookings(session, member)
        assert [tuple(row) for row in booking.member_active_booking_lines(session, member)] == [
            (b.id, b.type, b.status, b.starts_at, b.ends_at, b.created_at, b.channel, b.location.name,
             b.caseworker.name) for b in objects]
        registrations = offers.member_registrations(session, member, clock.now)
        assert [tuple(row) for row in offers.upcoming_registration_lines(session, member, clock.now)] == [
            (r.id, r.status, r.right_and_duty, r.held_until, r.offer_session.starts_at, r.offer_session.ends_at,
             r.offer_session.offer.title) for r in registrations]
        joinable = offers.list_offers(session, member=member, now=clock.now, limit=4, joinable=True)
        assert [tuple(row) for row in offers.joinable_offer_titles(session, member, now=clock.now, limit=4)] == [
            (o.id, o.title, min(s.starts_at for s in o.sessions if s.status == "open" and s.starts_at > clock.now))
            for o in joinable]
        items = plan.list_items(session, member, with_history=False)
        rows = plan.card_items(session, member)
        assert sorted(tuple(row) for row in rows) == sorted(
            (i.id, i.title, i.status, i.due_date, i.right_and_duty, i.proposed_by) for i in items)
        assert [i.id for i in plan.for_home(rows)] == [i.id for i in plan.for_home(items)]
        assert plan.summary(rows) == plan.summary(items)
        if member.user_id is not None:
            notes, unread = notifications.recent_and_unread(session, member.user_id, 5)
            assert [(n.id, n.text, n.link, n.read_at, n.created_at) for n in notes] == [
                (n.id, n.text, n.link, n.read_at, n.created_at) for n in notifications.recent(session, member.user_id, 5)]
            assert unread == notifications.unread_count(session, member.user_id)
            seen["notes"] += len(notes)
        seen["plan"] += len(items)
        seen["bookings"] += len(objects)
        seen["registrations"] += len(registrations)
        seen["held"] += sum(r.held_until is not None for r in registrations)
        seen["offers"] += len(joinable)
    assert all(seen.values()), seen  # the demo had some of each to compare
