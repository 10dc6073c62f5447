"""FOA JobMatch: job orders, ranked matches with reasons, referrals, placements and the KPI."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models.casework import JobOrder, JobReferral, Placement
from portal.services.access import staff_scope
from portal.services.casework import jobmatch
from portal.services.errors import Conflict, ValidationFailed
from portal.timeutil import local_today, utcnow

TODAY = local_today()

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def places(make):
    return {
        "odense": make.location(),
        "svendborg": make.location("Svendborg", "Syddanmark", 55.06, 10.61),
        "aalborg": make.location("Aalborg", "Nordjylland", 57.05, 9.92),
        "valby": make.location("Valby", "Hovedstaden", 55.66, 12.52),
    }


@pytest.fixture
def cw(make, places):
    return make.caseworker("sb-odense", location=places["odense"])


def order(session, places, **kw) -> JobOrder:
    now = utcnow()
    values = {"employer": "Odense Kommune, Hjemmeplejen Øst", "title": "Social- og sundhedshjælper, dag",
                  "trade": "Social- og sundhedshjælper", "location_id": places["odense"].id, "hours_per_week": 32,
                  "employment": "permanent", "deadline": TODAY + timedelta(days=14), "contact_name": "Hanne Lund",
                  "status": "open", "created_at": now, "updated_at": now}
    values.update(kw)
    job = JobOrder(**values)
    session.add(job)
    session.flush()
    return job


def test_create_job_order_with_bad_input_shows_danish_errors_and_creates_nothing(client, auth, make, session, cw):
    make.commit()
    auth.login("sb-odense")
    response = auth.post("/sagsbehandler/jobordrer/ny", {
        "employer": "", "title": "SOSU-hjælper", "trade": "Social- og sundhedshjælper", "location_id": "",
        "hours_per_week": "80", "employment": "", "deadline": (TODAY - timedelta(days=1)).isoformat(),
        "contact_name": "Hanne", "contact_email": "kim@", "contact_phone": "abc", "disco_code": "53a"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in ("Skriv arbejdsgiver.", "Vælg arbejdsstedets nærmeste betjeningssted.",
                 "mellem 1 og 48", "Vælg fast eller midlertidig", "før i dag", "gyldig e-mailadresse", "cifre",
                 "Skriv et telefonnummer"):
        assert text in html
    assert 'value="SOSU-hjælper"' in html
    assert session.scalar(select(func.count()).select_from(JobOrder)) == 0


@pytest.mark.parametrize("hours", ["²", "①", "99999"])
def test_hours_per_week_that_are_not_ascii_digits_are_refused_not_a_500(client, auth, make, session, cw, places, hours):
    make.commit()
    auth.login("sb-odense")
    response = auth.post("/sagsbehandler/jobordrer/ny", {
        "employer": "Plejecenter Åkanden", "title": "SOSU-assistent", "trade": "Social- og sundhedsassistent",
        "location_id": str(places["odense"].id), "hours_per_week": hours, "employment": "temporary",
        "deadline": (TODAY + timedelta(days=10)).isoformat(), "contact_name": "Per", "disco_code": "²"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "mellem 1 og 48" in html and "DISCO-koden består kun af cifre" in html
    assert session.scalar(select(func.count()).select_from(JobOrder)) == 0


def valid_form(places, **fields) -> dict:
    """A job order form a caseworker could send as it is, with `fields` changed."""
    return {"employer": "Plejecenter Åkanden", "title": "SOSU-assistent", "trade": "Social- og sundhedsassistent",
            "location_id": str(places["odense"].id), "employment": "temporary",
            "deadline": (TODAY + timedelta(days=10)).isoformat(), "contact_name": "Per", **fields}


@pytest.mark.parametrize(("field", "length", "limit"), [
    ("employer", 161, 160), ("title", 200, 160), ("trade", 81, 80), ("contact_name", 161, 160),
    ("contact_phone", 21, 20), ("description", 4001, 4000)])
def test_a_text_longer_than_its_field_is_refused_at_the_field_not_cut(client, auth, make, session, cw, places,
                                                                      field, length, limit):
    """A caseworker's text is kept whole or refused with the limit (issue 18): the order is never stored cut."""
    make.commit()
    auth.login("sb-odense")
    form = valid_form(places, contact_phone="66123456", description="Dagvagt.")
    form[field] = ("4" if field == "contact_phone" else "æ") * length
    response = auth.post("/sagsbehandler/jobordrer/ny", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html
    label = {"employer": "Arbejdsgiver", "title": "Stillingsbetegnelse", "trade": "Fag", "contact_name": "Kontaktperson",
             "contact_phone": "Kontaktens telefon", "description": "Beskrivelse"}[field]
    danish = {4000: "4.000", 4001: "4.001"}
    said = f"{label}: Skriv højst {danish.get(limit, limit)} tegn (du skrev {danish.get(length, length)})."
    assert html.count(said) == 2  # in the summary above the form and at the field
    assert session.scalar(select(func.count()).select_from(JobOrder)) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("disco_code", "123456789", "DISCO-koden består kun af cifre"),
    ("hours_per_week", "1" * 5000, "mellem 1 og 48"),
    ("deadline", (TODAY + timedelta(days=10)).isoformat() + "x", "Skriv ansøgningsfristen som en dato"),
    ("title", "SOSU\u202eassistent", "usynlige styretegn")])
def test_codes_numbers_and_dates_are_checked_whole_not_cut_to_fit(client, auth, make, session, cw, places,
                                                                  field, value, message):
    make.commit()
    auth.login("sb-odense")
    form = valid_form(places, **{field: value})
    response = auth.post("/sagsbehandler/jobordrer/ny", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(JobOrder)) == 0


def test_a_referral_note_over_1000_characters_is_refused_not_cut(app, make, session, cw, places):
    member = make.member(location=places["odense"], caseworker=cw)
    job = order(session, places)
    make.commit()
    scope = staff_scope(session, cw.user)
    with pytest.raises(ValidationFailed, match=r"Note: Skriv højst 1\.000 tegn \(du skrev 1\.001\)"):
        jobmatch.refer_member(session, scope, job, member, note="n" * 1001, today=TODAY)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JobReferral)) == 0
    referral = jobmatch.refer_member(session, scope, job, member, note="n" * 1000, today=TODAY)
    assert referral.note == "n" * 1000


def test_create_job_order_then_see_it_listed(client, auth, make, session, cw, places):
    make.commit()
    auth.login("sb-odense")
    response = auth.post("/sagsbehandler/jobordrer/ny", {
        "employer": "Plejecenter Åkanden", "title": "Social- og sundhedsassistent, aften",
        "trade": "Social- og sundhedsassistent", "location_id": str(places["odense"].id), "hours_per_week": "30",
        "employment": "temporary", "deadline": (TODAY + timedelta(days=10)).isoformat(),
        "contact_name": "Per Æbelø", "contact_email": "per@aakanden.dk", "contact_phone": "+46 8 123 456 78"})
    assert response.status_code == 302
    job = session.scalar(select(JobOrder))
    assert job.employer == "Plejecenter Åkanden" and job.employment == "temporary" and job.status == "open"
    listing = client.get("/sagsbehandler/jobordrer").get_data(as_text=True)
    assert "Plejecenter Åkanden" in listing and "Midlertidig" in listing


def test_matches_are_ranked_with_reasons(app, make, session, cw, places):
    near_same_trade = make.member(first_name="Anna", last_name="Nær", location=places["odense"],
                                  trade="Social- og sundhedshjælper", job_goal="SOSU-hjælper", target_group="1")
    commuter = make.member(first_name="Bent", last_name="Pendler", location=places["svendborg"],
                           trade="Social- og sundhedshjælper", target_group="2a")
    goal_only = make.member(first_name="Carla", last_name="Jobmaal", location=places["odense"],
                            trade="Køkkenassistent", job_goal="Gerne sundhedshjælper i hjemmeplejen")
    dismissed = make.member(first_name="Dorte", last_name="Opsagt", location=places["odense"], status="opsagt",
                            trade="Social- og sundhedshjælper", target_group=None)
    make.member(first_name="Erik", last_name="Langtvaek", location=places["aalborg"],
                trade="Social- og sundhedshjælper")  # > 120 km
    make.member(first_name="Finn", last_name="Ijob", location=places["odense"], status="i_job",
                trade="Social- og sundhedshjælper")
    make.member(first_name="Gurli", last_name="Andetfag", location=places["odense"], trade="Buschauffør",
                job_goal="Buschauffør")
    central = make.caseworker("central", location=places["valby"], central_unit=True)
    job = order(session, places)
    make.commit()
    ranked = jobmatch.matching_members(session, staff_scope(session, central.user), job, today=TODAY)
    names = [m.last_name for m, _ in ranked]
    assert names[0] == "Nær"
    assert set(names) == {"Nær", "Pendler", "Jobmaal", "Opsagt"}
    reasons = {m.last_name: match.reasons for m, match in ranked}
    assert "Samme fag: Social- og sundhedshjælper" in reasons["Nær"]
    assert any(r.startswith("Pendlerafstand") for r in reasons["Pendler"])
    assert any(r.startswith("Jobmålet passer") for r in reasons["Jobmaal"])
    assert any(r.startswith("Opsagt (O)") for r in reasons["Opsagt"])  # matchable before unemployment
    assert near_same_trade.id and commuter.id and goal_only.id and dismissed.id
    # A caseworker only gets candidates they may see: the Odense caseworker does not see Svendborg's member.
    local = jobmatch.matching_members(session, staff_scope(session, cw.user), job, today=TODAY)
    assert "Pendler" not in [m.last_name for m, _ in local]


def test_dismissed_without_mark_o_is_not_matched(app, make, session, cw, places):
    make.member(last_name="UdenO", status="opsagt", mark_o=False, trade="Social- og sundhedshjælper")
    job = order(session, places)
    make.commit()
    assert jobmatch.matching_members(session, staff_scope(session, cw.user), job, today=TODAY) == []


def test_job_order_page_shows_matches_and_the_member_screen_shows_orders(client, auth, make, session, cw, places):
    member = make.member(first_name="Anna", last_name="Nær", trade="Social- og sundhedshjælper")
    job = order(session, places)
    make.commit()
    auth.login("sb-odense")
    html = client.get(f"/sagsbehandler/jobordrer/{job.id}").get_data(as_text=True)
    assert "Nær" in html and "Samme fag" in html and "point" in html
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Odense Kommune, Hjemmeplejen Øst" in screen and "Henvis til jobbet" in screen


def test_referral_then_placement_feeds_the_kpi(client, auth, make, session, cw, places):
    member = make.member(trade="Social- og sundhedshjælper")
    job = order(session, places)
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/jobordrer/{job.id}"
    assert auth.post(f"{page}/henvis", {"member_number": member.member_number}, page=page).status_code == 302
    referral = session.scalar(select(JobReferral))
    assert referral.status == "referred"
    again = auth.post(f"{page}/henvis", {"member_number": member.member_number}, page=page)
    assert again.status_code == 409 and "allerede henvist" in again.get_data(as_text=True)
    bad = auth.post(f"/sagsbehandler/henvisning/{referral.id}", {"action": "hired", "permanent": ""}, page=page)
    assert bad.status_code == 422 and session.scalar(select(func.count()).select_from(Placement)) == 0
    html = bad.get_data(as_text=True)
    # every error, each at its field, in the hire form shown open again (it reloaded closed, with the first only)
    assert f'href="#perm-{referral.id}"' in html and f'href="#start-{referral.id}"' in html
    assert f'id="perm-{referral.id}-error"' in html and f'id="start-{referral.id}-error"' in html
    assert '<details class="inline-form" open>' in html
    half = auth.post(f"/sagsbehandler/henvisning/{referral.id}",
                     {"action": "hired", "permanent": "midlertidig", "start_date": "2026-13-40"}, page=page)
    html = half.get_data(as_text=True)
    assert half.status_code == 422 and 'value="midlertidig" checked' in html and 'value="2026-13-40"' in html
    assert f'id="perm-{referral.id}-error"' not in html and f'id="start-{referral.id}-error"' in html
    start = TODAY + timedelta(days=7)
    auth.post(f"/sagsbehandler/henvisning/{referral.id}",
              {"action": "hired", "permanent": "fast", "start_date": start.isoformat()}, page=page)
    placement = session.scalar(select(Placement))
    assert placement.permanent and placement.start_date == start
    session.refresh(job)
    assert job.status == "filled"
    kpi = jobmatch.placements_per_year(session)
    assert kpi == [{"year": start.year, "placed": 1, "permanent": 1, "permanent_share": 100.0}]
    assert str(start.year) in client.get("/sagsbehandler/jobordrer").get_data(as_text=True)


def test_referral_to_a_closed_order_is_refused_and_nothing_changes(client, auth, make, session, cw, places):
    member = make.member(trade="Social- og sundhedshjælper")
    closed = order(session, places, status="closed")
    expired = order(session, places, deadline=TODAY - timedelta(days=1))
    make.commit()
    auth.login("sb-odense")
    for job in (closed, expired):
        page = f"/sagsbehandler/jobordrer/{job.id}"
        response = auth.post(f"{page}/henvis", {"member_number": member.member_number}, page=page)
        assert response.status_code == 409 and "lukket" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(JobReferral)) == 0


def test_referring_another_locations_member_is_refused(app, make, session, places):
    odense_specialist = make.caseworker("spec", location=places["odense"], group2_specialist=True)
    svendborg_member = make.member(location=places["svendborg"], target_group="2a",
                                   trade="Social- og sundhedshjælper")
    job = order(session, places)
    make.commit()
    scope = staff_scope(session, odense_specialist.user)
    from portal.services.errors import NotAllowed

    with pytest.raises(NotAllowed, match="andet betjeningssted"):
        jobmatch.refer_member(session, scope, job, svendborg_member, today=TODAY, now=utcnow())
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JobReferral)) == 0


def test_closing_an_order_then_refer_is_refused_in_the_service(app, make, session, cw, places):
    member = make.member(trade="Social- og sundhedshjælper")
    job = order(session, places)
    jobmatch.set_job_order_status(session, job, "closed", actor=cw.user, now=utcnow())
    with pytest.raises(Conflict):
        jobmatch.refer_member(session, staff_scope(session, cw.user), job, member, today=TODAY, now=utcnow())


@pytest.mark.parametrize("a,b,expected", [((55.40, 10.39), (55.06, 10.61), 40), ((55.40, 10.39), (57.05, 9.92), 186)])
def test_distance_between_locations(a, b, expected):
    class Loc:
        def __init__(self, i, lat, lon):
            self.id, self.latitude, self.longitude = i, lat, lon

    km = jobmatch.distance_km(Loc(1, *a), Loc(2, *b))
    assert abs(km - expected) < 5


def test_open_orders_list_soonest_deadline_first_and_filled_ones_most_recent_first(app, make, session, places):
    now = utcnow()
    soon = order(session, places, title="Snart", deadline=TODAY + timedelta(days=2))
    later = order(session, places, title="Senere", deadline=TODAY + timedelta(days=20))
    old_fill = order(session, places, title="Besat i 2023", status="filled", deadline=TODAY - timedelta(days=900),
                     updated_at=now - timedelta(days=900))
    new_fill = order(session, places, title="Besat i dag", status="filled", deadline=TODAY - timedelta(days=3),
                     updated_at=now)
    gone = order(session, places, title="Udløb for længe siden", deadline=TODAY - timedelta(days=400))
    just = order(session, places, title="Udløb i går", deadline=TODAY - timedelta(days=1))
    make.commit()

    def titles(status: str) -> list[str]:
        rows, _total = jobmatch.list_job_orders(session, today=TODAY, status=status)
        return [o.title for o, _n in rows]

    assert titles("open") == [soon.title, later.title]
    assert titles("filled") == [new_fill.title, old_fill.title]
    assert titles("expired") == [just.title, gone.title]


def test_a_stale_referral_change_shows_the_order_as_it_is_now_not_a_bare_error_page(client, auth, make, session, cw,
                                                                                     places):
    member = make.member(trade="Social- og sundhedshjælper")
    job = order(session, places, title="Nattevagt, Plejecenter Åkanden")
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/jobordrer/{job.id}"
    auth.post(f"{page}/henvis", {"member_number": member.member_number}, page=page)
    referral = session.scalar(select(JobReferral))
    assert auth.post(f"/sagsbehandler/henvisning/{referral.id}", {"action": "rejected"}, page=page).status_code == 302
    # the same form, still open in a second tab
    stale = auth.post(f"/sagsbehandler/henvisning/{referral.id}", {"action": "withdrawn"}, page=page)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Nattevagt, Plejecenter Åkanden" in html and "Der er et problem" in html
    assert "Henvisningen kan ikke ændres til den status nu." in html and "Ikke valgt" in html
    session.refresh(referral)
    assert referral.status == "rejected"
    # referring her again from the order page: the order's page says she is referred already
    again = auth.post(f"{page}/henvis", {"member_number": member.member_number}, page=page)
    assert again.status_code == 409 and "Nattevagt, Plejecenter Åkanden" in again.get_data(as_text=True)
    # … and from the conversation screen: back there, with the reason said
    screen = f"/sagsbehandler/medlem/{member.member_number}"
    back = auth.post(f"{page}/henvis", {"member_number": member.member_number, "back": "member"}, page=screen)
    assert back.status_code == 302 and back.headers["Location"].endswith(f"{screen}#job")
    assert "allerede henvist" in client.get(screen).get_data(as_text=True)


def test_ending_a_referral_is_one_more_tap_that_says_the_member_is_told(client, auth, make, session, cw, places):
    member = make.member(trade="Social- og sundhedshjælper")
    job = order(session, places)
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/jobordrer/{job.id}"
    auth.post(f"{page}/henvis", {"member_number": member.member_number}, page=page)
    html = client.get(page).get_data(as_text=True)
    ending = html.split('class="inline-form end-referral"', 1)[1].split("</details>", 1)[0]
    assert "Afslut henvisningen" in ending and "Medlemmet får besked med det samme" in ending
    assert 'value="rejected"' in ending and 'value="withdrawn"' in ending
