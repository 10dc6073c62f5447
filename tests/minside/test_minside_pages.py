"""Min side pages through the test client, as a member sees them."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Consent, Member, Notification
from portal.models.plan import PlanItem, PreparationAnswer
from portal.services.minside import consent as consent_svc
from portal.services.minside import plan, preparation
from portal.timeutil import local_today, utcnow

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def people(make):
    cw = make.caseworker("sagsb", display_name="Birgitte Holm")
    mette = make.member("mette", caseworker=cw, first_name="Mette", weeks_unemployed=5, target_group="2a")
    ole = make.member("ole", caseworker=cw, first_name="Ole")
    make.commit()
    return cw, mette, ole


def page(client, path):
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


# ---- access -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/min-side", "/min-side/profil", "/min-side/plan", "/min-side/mine-data",
                                  "/min-side/forberedelse", "/min-side/mine-data/download"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/min-side", "/min-side/plan", "/min-side/mine-data"])
def test_staff_cannot_open_min_side(client, auth, people, path):
    auth.login("sagsb")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/min-side", "/min-side/profil", "/min-side/plan", "/min-side/mine-data",
                                  "/min-side/forberedelse"])
def test_every_page_works_for_a_member_with_landmarks(client, auth, people, path):
    auth.login("mette")
    status, html = page(client, path)
    assert status == 200
    assert '<main id="indhold"' in html and "<h1>" in html
    assert "<script>" not in html  # no inline script (CSP)


# ---- home -------------------------------------------------------------------------------------------------------

def test_home_shows_greeting_caseworker_and_the_contact_course(client, auth, people):
    auth.login("mette")
    _, html = page(client, "/min-side")
    assert "Hej Mette" in html
    assert "Birgitte Holm" in html and "Odense" in html
    assert "Dit kontaktforløb" in html and "CV-samtale" in html and "Rådighedssamtale" in html
    assert "Dit næste skridt:" in html
    assert "Fokussamtale" in html or "fokussamtale" in html  # group 2 sees the focus conversations


def test_unbooked_steps_say_they_must_be_booked_not_planned(client, auth, people):
    auth.login("mette")
    _, html = page(client, "/min-side")
    timeline = html[html.index('class="timeline course"'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert "Planlagt" not in timeline  # read as "already arranged": a member could miss a statutory deadline
    assert "Skal bookes" in timeline and "Book senest" in timeline
    assert timeline.count("Dit næste skridt") == 1  # the next step is said in words, not an unexplained arrow
    assert "←" not in html


def test_home_links_the_next_step_to_booking_when_booking_exists(app, client, auth, people):
    auth.login("mette")
    _, html = page(client, "/min-side")
    if "booking.member_slots" in app.view_functions:
        assert "type=cv" in html or "type=contact_course" in html
    else:
        assert "Book " not in html


def test_target_group_is_shown_respectfully(client, auth, people):
    auth.login("mette")
    _, html = page(client, "/min-side")
    lowered = html.lower()
    for word in ("langtidsledig", "risiko", "sandsynlig", "%"):
        assert word not in lowered, word
    assert "ekstra forløb" in lowered


def test_dismissed_member_sees_offers_not_deadlines(client, auth, make):
    make.member("lars", status="opsagt", target_group=None, first_name="Lars")
    make.commit()
    auth.login("lars")
    _, html = page(client, "/min-side")
    assert "Hej Lars" in html
    assert "Dit kontaktforløb" not in html and "Senest" not in html
    assert "opsigelsesperiode" in html and "FOA JobMatch" in html and "tryghedspuljen" in html


def test_a_dismissed_member_with_the_conversation_booked_is_offered_it_not_a_second(client, auth, make, session):
    import uuid

    from portal.models import Booking

    member = make.member("lars", status="opsagt", target_group=None, first_name="Lars")
    caseworker = make.caseworker("hanne", location=member.location)
    make.commit()
    auth.login("lars")
    _, html = page(client, "/min-side")
    assert "Book en samtale om, hvordan du kommer videre" in html and "Se eller flyt samtalen" not in html
    starts = (utcnow() + timedelta(days=4)).replace(second=0, microsecond=0)
    booking = Booking(uid=f"b-{uuid.uuid4().hex}", member_id=member.id, caseworker_id=caseworker.id,
                      location_id=member.location_id, type="dismissed_first", channel="phone", starts_at=starts,
                      ends_at=starts + timedelta(minutes=45), created_at=utcnow(), updated_at=utcnow())
    session.add(booking)
    session.commit()
    _, html = page(client, "/min-side")
    assert "Book en samtale om, hvordan du kommer videre" not in html
    assert "Se eller flyt samtalen" in html and f'href="/samtaler/mine/{booking.id}"' in html


def test_sick_member_has_the_course_paused(client, auth, make):
    make.member("sygen", status="sygemeldt")
    make.commit()
    auth.login("sygen")
    _, html = page(client, "/min-side")
    assert "ingen frister hos os, mens du er sygemeldt" in html and "Dit næste skridt" not in html


def test_overdue_step_is_said_in_words(client, auth, make):
    make.member("sen", first_unemployment_day=local_today() - timedelta(days=30))
    make.commit()
    auth.login("sen")
    _, html = page(client, "/min-side")
    assert "Fristen er passeret" in html


def test_home_shows_plan_summary_and_notifications_and_marks_read(client, auth, people, session):
    cw, mette, _ = people
    plan.propose_item(session, mette, kind="job_search", title="Søg 3 job om ugen", actor=cw.user, now=utcnow())
    session.commit()
    auth.login("mette")
    _, html = page(client, "/min-side")
    assert "Søg 3 job om ugen" in html
    assert "Din sagsbehandler har tilføjet et punkt til din plan" in html and "1 ny<" in html
    response = auth.post("/min-side/notifikationer/laest", page="/min-side")
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == mette.user_id, Notification.read_at.is_(None))) == 0


def test_chat_widget_is_included_when_present(client, auth, people):
    import os

    auth.login("mette")
    _, html = page(client, "/min-side")
    if os.path.exists("templates/chat/_widget.html"):
        assert "chat" in html.lower()


# ---- profile ----------------------------------------------------------------------------------------------------

def profile_form(**overrides):
    form = {"email": "mette@eksempel.dk", "phone": "20 30 40 50", "job_goal": "SOSU-hjælper",
            "trade_inside_foa": "ja", "preferred_channel": "phone", "language": "da"}
    form.update(overrides)
    return form


def test_profile_saves_and_audits(client, auth, people, session):
    _, mette, _ = people
    auth.login("mette")
    response = auth.post("/min-side/profil", profile_form())
    assert response.status_code == 302
    session.refresh(mette)
    assert mette.phone == "+4520304050" and mette.preferred_channel == "phone" and mette.job_goal == "SOSU-hjælper"
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "profile.update", AuditEntry.member_id == mette.id)) == 1
    _, html = page(client, "/min-side/profil")
    assert "Dine oplysninger er gemt." in html


@pytest.mark.parametrize(("field", "value", "text"), [
    ("job_goal", "SOSU\u202ehjælper", "Jobmålet indeholder usynlige styretegn"),
    ("job_goal", "SOSU\x1b[2J", "Jobmålet indeholder usynlige styretegn"),
    ("phone", "-20304050", "gyldigt dansk nummer"),  # was saved as +4520304050 without a word
])
def test_profile_refuses_control_characters_and_a_phone_it_would_have_to_change(client, auth, people, session,
                                                                                field, value, text):
    _, mette, _ = people
    before = (mette.phone, mette.job_goal)
    auth.login("mette")
    response = auth.post("/min-side/profil", profile_form(**{field: value}))
    assert response.status_code == 422 and text in response.get_data(as_text=True)
    session.refresh(mette)
    assert (mette.phone, mette.job_goal) == before


def test_profile_errors_keep_values_and_change_nothing(client, auth, people, session):
    _, mette, _ = people
    before = mette.phone
    auth.login("mette")
    response = auth.post("/min-side/profil", profile_form(phone="1234", email="ikke en mail", job_goal="Nyt mål"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Der er et problem" in html and 'href="#phone"' in html and 'href="#email"' in html
    assert 'value="1234"' in html and "Nyt mål" in html  # entered values kept
    assert 'aria-invalid="true"' in html
    session.refresh(mette)
    assert mette.phone == before and mette.job_goal != "Nyt mål"


# ---- Min plan ---------------------------------------------------------------------------------------------------

def test_member_proposes_an_activity(client, auth, people, session):
    _, mette, _ = people
    auth.login("mette")
    due = (local_today() + timedelta(days=14)).isoformat()
    response = auth.post("/min-side/plan", {"kind": "education", "title": "Kursus i demens", "description": "",
                                             "due_date": due})
    assert response.status_code == 302
    item = session.scalar(select(PlanItem))
    assert item.status == "proposed" and item.member_id == mette.id and item.due_date.isoformat() == due
    _, html = page(client, "/min-side/plan")
    assert "Kursus i demens" in html and "Afventer din sagsbehandler" in html
    assert "Træk forslaget tilbage" in html


@pytest.mark.parametrize("written", ["%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%-d/%-m/%Y"])
def test_a_due_date_is_read_as_the_message_asks_for_it(client, auth, people, session, written):
    # The page asked for dd-mm-åååå and then refused 15-01-2027
    auth.login("mette")
    due = local_today() + timedelta(days=40)
    response = auth.post("/min-side/plan", {"kind": "education", "title": "Kursus", "due_date": due.strftime(written)})
    assert response.status_code == 302
    assert session.scalar(select(PlanItem)).due_date == due


@pytest.mark.parametrize("form,message", [
    ({"kind": "", "title": "X"}, "Vælg en type aktivitet."),
    ({"kind": "other", "title": ""}, "Skriv titel."),
    ({"kind": "other", "title": "Gammelt", "due_date": "2020-01-01"}, "Fristen kan ikke ligge i fortiden."),
    ({"kind": "other", "title": "Dato", "due_date": "31-02-2026"}, "Datoen 31-02-2026 findes ikke i kalenderen."),
    ({"kind": "other", "title": "Dato", "due_date": "i morgen"}, "Skriv datoen som dd-mm-åååå, fx 15-01-2027, "),
])
def test_bad_proposals_show_errors_and_keep_values(client, auth, people, session, form, message):
    auth.login("mette")
    response = auth.post("/min-side/plan", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    if form["title"]:
        assert f'value="{form["title"]}"' in html
    assert session.scalar(select(func.count()).select_from(PlanItem)) == 0


def test_member_marks_done_and_comments(client, auth, people, session):
    cw, mette, _ = people
    item = plan.propose_item(session, mette, kind="job_search", title="Søg job", actor=cw.user, now=utcnow(),
                             right_and_duty=True)
    session.commit()
    auth.login("mette")
    _, html = page(client, "/min-side/plan")
    assert "Ret og pligt" in html and "Markér som udført" in html
    response = auth.post(f"/min-side/plan/{item.id}/status", {"status": "done", "version": "1"}, page="/min-side/plan")
    assert response.status_code == 302
    auth.post(f"/min-side/plan/{item.id}/kommentar", {"comment": "Har søgt 4 job"}, page="/min-side/plan")
    session.refresh(item)
    assert item.status == "done"
    _, html = page(client, "/min-side/plan")
    assert "Har søgt 4 job" in html and "Fortryd udført" in html and "Historik (3)" in html
    # The same button again from an older tab (its version is stale): back to the item as it is, and why; it
    # used to be a bare "Konflikt … 409" page whose only link went to the front page.
    stale = auth.post(f"/min-side/plan/{item.id}/status", {"status": "done", "version": "1"}, page="/min-side/plan")
    assert stale.status_code == 302 and stale.headers["Location"].endswith(f"/min-side/plan#punkt-{item.id}")
    assert "ændret i mellemtiden" in client.get("/min-side/plan").get_data(as_text=True)


def test_empty_comment_is_refused_on_the_page(client, auth, people, session):
    cw, mette, _ = people
    item = plan.propose_item(session, mette, kind="job_search", title="Søg job", actor=cw.user, now=utcnow())
    session.commit()
    auth.login("mette")
    response = auth.post(f"/min-side/plan/{item.id}/kommentar", {"comment": "   "}, page="/min-side/plan")
    assert response.status_code == 422 and "Skriv kommentar." in response.get_data(as_text=True)
    # The form posts to its item's anchor: the refusal opens at the item, not 2,500 px above it on a phone.
    assert f'action="/min-side/plan/{item.id}/kommentar#punkt-{item.id}"' in response.get_data(as_text=True)


def test_member_cannot_cancel_agreed_item_via_form(client, auth, people, session):
    cw, mette, _ = people
    item = plan.propose_item(session, mette, kind="job_search", title="Søg job", actor=cw.user, now=utcnow())
    session.commit()
    auth.login("mette")
    response = auth.post(f"/min-side/plan/{item.id}/status", {"status": "cancelled", "version": str(item.version)},
                         page="/min-side/plan")
    assert response.status_code == 403
    session.refresh(item)
    assert item.status == "active"


@pytest.mark.parametrize("version", [None, "", "abc", "²", "①", "99999999999999999999"])  # "²" was a 500
def test_a_plan_form_without_its_version_is_refused_not_applied_blind(client, auth, people, session, version):
    cw, mette, _ = people
    item = plan.propose_item(session, mette, kind="job_search", title="Søg job", actor=cw.user, now=utcnow())
    session.commit()
    auth.login("mette")
    form = {"status": "done"} if version is None else {"status": "done", "version": version}
    response = auth.post(f"/min-side/plan/{item.id}/status", form, page="/min-side/plan")
    assert response.status_code == 302
    assert "Siden er forældet" in client.get(response.headers["Location"]).get_data(as_text=True)
    session.refresh(item)
    assert item.status == "active"


def test_other_members_plan_item_is_404_on_every_form(client, auth, people, session):
    cw, mette, _ = people
    item = plan.propose_item(session, mette, kind="job_search", title="Mettes punkt", actor=cw.user, now=utcnow())
    session.commit()
    auth.login("ole")
    for path, form in ((f"/min-side/plan/{item.id}/status", {"status": "done"}),
                       (f"/min-side/plan/{item.id}/kommentar", {"comment": "hej"})):
        assert auth.post(path, form, page="/min-side/plan").status_code == 404
    _, html = page(client, "/min-side/plan")
    assert "Mettes punkt" not in html
    session.refresh(item)
    assert item.status == "active" and len(item.events) == 1


# ---- preparation ------------------------------------------------------------------------------------------------

def test_member_answers_q2_and_q10(client, auth, people, session):
    _, mette, _ = people
    auth.login("mette")
    _, html = page(client, "/min-side/forberedelse")
    assert "Hvorfor spørger vi?" in html and "Hvor hurtigt tror du, at du får et arbejde?" in html
    response = auth.post("/min-side/forberedelse", {"q2": "within_6_months", "q10": "ja",
                                                    "barriers": ["it_skills", "language"]})
    assert response.status_code == 302
    answer = session.scalar(select(PreparationAnswer))
    assert answer.q2 == "within_6_months" and answer.q10_barriers == ["it_skills", "language"]
    assert answer.answered_by == "member" and answer.answered_by_user_id == mette.user_id
    _, html = page(client, "/min-side/forberedelse")
    assert "Du svarede senest" in html


def test_no_answer_to_q10_with_ticks_is_stored_as_no(client, auth, people, session):
    auth.login("mette")
    auth.post("/min-side/forberedelse", {"q2": "dont_know", "q10": "nej", "barriers": ["economic"]})
    answer = session.scalar(select(PreparationAnswer))
    assert answer.q10_has_barriers is False and answer.q10_barriers == []


def test_yes_without_ticks_is_an_error_and_keeps_the_answers(client, auth, people, session):
    auth.login("mette")
    response = auth.post("/min-side/forberedelse", {"q2": "within_3_months", "q10": "ja"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Sæt mindst ét kryds" in html
    assert 'value="within_3_months" checked' in html
    assert session.scalar(select(func.count()).select_from(PreparationAnswer)) == 0


# ---- my data ----------------------------------------------------------------------------------------------------

def test_my_data_shows_consents_and_withdrawal_records_the_effect(client, auth, people, session):
    _, mette, _ = people
    c = consent_svc.give_consent(session, purpose="jobmatch_cv", text_shown="Må vi lægge dit CV i FOA JobMatch?",
                                 source="caseworker", actor="cli", now=utcnow(), member_id=mette.id)
    session.commit()
    auth.login("mette")
    _, html = page(client, "/min-side/mine-data")
    assert "Dit CV må ligge i FOA JobMatch" in html and "Træk samtykket tilbage" in html
    response = auth.post(f"/min-side/mine-data/samtykke/{c.id}/tilbagekald", page="/min-side/mine-data")
    assert response.status_code == 302
    session.refresh(c)
    assert c.withdrawn_at is not None and "taget ud af FOA JobMatch" in c.withdrawal_effect
    _, html = page(client, "/min-side/mine-data")
    assert "Trukket tilbage" in html and "taget ud af FOA JobMatch" in html


def test_cannot_withdraw_another_members_consent(client, auth, people, session):
    _, mette, _ = people
    c = consent_svc.give_consent(session, purpose="jobmatch_cv", text_shown="CV?", source="caseworker",
                                 actor="cli", now=utcnow(), member_id=mette.id)
    session.commit()
    auth.login("ole")
    assert auth.post(f"/min-side/mine-data/samtykke/{c.id}/tilbagekald", page="/min-side/mine-data").status_code \
        == 404
    assert session.get(Consent, c.id).withdrawn_at is None


def test_who_opened_my_file_shows_staff_with_reason(client, auth, people, session):
    cw, mette, _ = people
    preparation.latest_answers(session, mette, actor=cw.user, reason="Forberedelse af CV-samtale", now=utcnow())
    session.commit()
    auth.login("mette")
    _, html = page(client, "/min-side/mine-data")
    assert "Hvem har åbnet min sag?" in html
    assert "Birgitte Holm" in html and "Forberedelse af CV-samtale" in html
    assert "Så dine svar på spørgsmål 2 og 10" in html


def test_download_my_data_as_json(client, auth, people, session):
    cw, mette, ole = people
    plan.propose_item(session, mette, kind="other", title="Mit punkt", actor=cw.user, now=utcnow())
    plan.propose_item(session, ole, kind="other", title="Oles punkt", actor=cw.user, now=utcnow())
    session.commit()
    auth.login("mette")
    response = client.get("/min-side/mine-data/download")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["member"]["member_number"] == mette.member_number
    assert [i["title"] for i in data["records"]["plan_item"]] == ["Mit punkt"]
    assert "Oles punkt" not in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "my_data.export", AuditEntry.member_id == mette.id)) >= 1


def test_member_without_member_record_gets_404(client, auth, make):
    make.user("loose", role="member")
    make.commit()
    auth.login("loose")
    assert client.get("/min-side").status_code == 404


def test_english_page(client, auth, people, session):
    auth.login("mette")
    response = client.get("/min-side?lang=en")
    assert response.status_code == 200 and '<html lang="en">' in response.get_data(as_text=True)


def test_the_language_switch_and_the_profiles_language_are_one_setting(client, auth, people, session):
    """The profile's "Sprog på Min side og i breve" said English after the header had switched to Danish (walk-through,
    5 December): the switch now changes the member's language as the profile would, audited."""
    _, mette, _ = people
    auth.login("mette")
    client.get("/min-side?lang=en")
    session.expire_all()
    assert session.get(Member, mette.id).language == "en"
    assert 'value="en" checked' in client.get("/min-side/profil").get_data(as_text=True)
    client.get("/min-side?lang=da")
    session.expire_all()
    assert session.get(Member, mette.id).language == "da"
    changes = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "profile.update",
                                                              AuditEntry.member_id == mette.id)).all()
    assert [c["language"] for c in changes] == [["da", "en"], ["en", "da"]]
    client.get("/min-side?lang=da")  # no change, nothing written
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "profile.update")) == 2


def test_member_row_unchanged_by_page_views(client, auth, people, session):
    _, mette, _ = people
    before = session.get(Member, mette.id).updated_at
    auth.login("mette")
    for path in ("/min-side", "/min-side/plan", "/min-side/mine-data"):
        client.get(path)
    assert session.get(Member, mette.id).updated_at == before


def test_due_today_is_allowed_on_the_page(client, auth, people, session):
    auth.login("mette")
    response = auth.post("/min-side/plan", {"kind": "other", "title": "I dag", "due_date": date.today().isoformat()})
    assert response.status_code in (302, 422)  # 422 only across midnight in Copenhagen vs. UTC


@pytest.mark.parametrize("field,value", [("preferred_channel", "fax"), ("language", "de"),
                                         ("trade_inside_foa", "måske"), ("email", "x@"), ("phone", "12")])
def test_every_error_summary_link_points_at_a_field(client, auth, people, field, value):
    auth.login("mette")
    response = auth.post("/min-side/profil", profile_form(**{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'href="#{field}"' in html and f'id="{field}"' in html


def test_held_seat_can_be_taken_with_one_click_from_min_side(app, session, auth, client, clock):
    """A freed seat held for the member shows "Tag pladsen" on Min side, and the click takes it."""
    from sqlalchemy import select

    from portal.models import Member, User
    from portal.models.offers import OfferRegistration
    from tests.demo_copy import seed_demo_at_shared_moment

    seed_demo_at_shared_moment(session, clock, members=60, seed=5, password="demo-adgangskode")
    medlem = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "medlem"))
    held = session.scalar(select(OfferRegistration).where(OfferRegistration.member_id == medlem.id,
                                                          OfferRegistration.status == "offered"))
    assert held is not None, "the demo gives medlem a held seat"
    auth.login("medlem", "demo-adgangskode")
    page = client.get("/min-side").get_data(as_text=True)
    assert "Tag pladsen" in page
    from portal.i18n import format_local_datetime

    with app.test_request_context():
        until = format_local_datetime(held.held_until, "d. MMM y 'kl.' HH:mm")
    assert f"Svar senest {until}, ellers går pladsen videre." in page  # the answer has a deadline: say it
    response = auth.post(f"/tilbud/tilmelding/{held.id}/tag-plads", {"next": "/min-side"}, page="/min-side")
    assert response.status_code == 302 and response.headers["Location"].endswith("/min-side")
    session.expire_all()
    assert session.get(OfferRegistration, held.id).status == "registered"


def test_every_table_mine_data_can_list_has_a_danish_name(app):
    """Mine data lists the member's rows by table; one without a name showed as `chat_handoff` (walk-through,
    5 December). Every table with a member_id (what the export reads) has one, and no name is for a table gone."""
    from portal.blueprints.minside import TABLE_LABELS
    from portal.extensions import db

    exported = {t.name for t in db.metadata.sorted_tables if "member_id" in t.c and t.name != "member"}
    assert exported - set(TABLE_LABELS) == set()
    assert set(TABLE_LABELS) - set(db.metadata.tables) == set()


def test_every_message_and_every_unread_one_is_reachable_from_min_side(client, auth, people, session):
    """Min side said "7 nye" and showed 5, with no way to the other two (walk-through, 5 December)."""
    _, mette, _ = people
    start = utcnow()
    for i in range(8):
        session.add(Notification(user_id=mette.user_id, text=f"Besked nummer {i}", created_at=start + timedelta(
            minutes=i), read_at=start if i in (6, 7) else None))  # the two newest are read
    session.commit()
    auth.login("mette")
    home = client.get("/min-side").get_data(as_text=True)
    assert "6 nye" in home and home.count("Besked nummer") == 5
    assert '<a href="/min-side/beskeder">Se alle dine beskeder</a> (3 ulæste mere)' in home
    page = client.get("/min-side/beskeder").get_data(as_text=True)
    assert all(f"Besked nummer {i}" in page for i in range(8)) and "6 nye" in page
    response = auth.post("/min-side/notifikationer/laest", {"fra": "beskeder"}, page="/min-side/beskeder")
    assert response.headers["Location"].endswith("/min-side/beskeder")
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == mette.user_id, Notification.read_at.is_(None))) == 0
    assert "Se alle dine beskeder" in client.get("/min-side").get_data(as_text=True)  # five or more: the way on


def test_coming_appointments_are_in_date_order_conversations_and_offers_together(client, auth, people, session):
    """Conversations came first, then offers, so 16 December stood above 9 December (walk-through, 5 December)."""
    from portal.services.offers import offers as offers_svc
    from tests.offers_helpers import make_offer, make_session
    from tests.scheduling_support import booking

    cw, mette, _ = people
    now = utcnow()
    booking(session, mette, cw, starts_at=now + timedelta(days=11), type="contact_course")
    webinar = make_offer(session, title="Webinar: Din næste ansøgning")
    soon = make_session(session, webinar, starts_in=timedelta(days=4), now=now)
    later = make_session(session, webinar, starts_in=timedelta(days=18), now=now)
    theme = make_offer(session, title="Temamøde om løn")
    last = make_session(session, theme, starts_in=timedelta(days=20), now=now)
    for offer_session in (soon, last):
        offers_svc.register(session, session.get(Member, mette.id), offer_session.id, actor="cli", now=now)
    assert later.id  # a session she is not on: not listed
    session.commit()
    auth.login("mette")
    html = client.get("/min-side").get_data(as_text=True)
    section = html[html.index("Dine kommende aftaler"):html.index('aria-labelledby="h-plan"')]
    order = [section.index(t) for t in ("Webinar: Din næste ansøgning", "Kontaktforløbssamtale", "Temamøde om løn")]
    assert order == sorted(order), section


def test_the_plan_card_shows_the_members_own_tasks_first_and_what_waits_on_others_says_so(client, auth, people,
                                                                                         session):
    """The card showed three items waiting on others and left out the member's own agreed task, and an item awaiting
    the job centre had no badge (walk-through, 5 December)."""
    from portal.models.plan import PlanItem

    _cw, mette, _ = people
    now = utcnow()

    def item(title, status, due_days=None):
        session.add(PlanItem(member_id=mette.id, kind="job_search", title=title, status=status, version=1,
                             due_date=local_today() + timedelta(days=due_days) if due_days else None,
                             proposed_by="caseworker", created_at=now, updated_at=now))

    item("Praktik hos Bakkegården", "awaiting_jc", 20)
    item("Kursus i demens", "proposed", 10)
    item("Nyt forslag", "proposed", 12)
    item("FVU-læsning hos AOF", "active", 30)
    item("Søg tre job", "active", 5)
    session.commit()
    auth.login("mette")
    html = client.get("/min-side").get_data(as_text=True)
    card = html[html.index('id="h-plan"'):html.index("Se hele din plan")]
    order = [card.index(t) for t in ("Søg tre job", "FVU-læsning hos AOF", "Praktik hos Bakkegården",
                                     "Kursus i demens")]
    assert order == sorted(order), card
    assert "Nyt forslag" not in card  # four at most; the plan page has them all
    assert "Afventer jobcentret" in card


def test_a_notice_is_written_in_its_readers_language(client, auth, people, session):
    # A member reading Min side in English was told in Danish what the caseworker did to her plan (and vice versa).

    cw, mette, _ = people
    mette.user.locale = "en"
    item = plan.propose_item(session, mette, kind="job_search", title="Søg 3 job", actor=cw.user, now=utcnow())
    plan.add_comment(session, item, "Husk CV'et", mette.user, utcnow())
    session.commit()
    texts = {n.user_id: n.text for n in session.scalars(select(Notification))}
    assert texts[mette.user_id] == "Your caseworker has added an item to your plan: Søg 3 job"
    assert texts[cw.user_id] == f"{mette.full_name} har kommenteret et punkt i sin plan: Søg 3 job"  # cw reads Danish



def test_the_member_is_told_when_the_caseworker_cancels_or_completes_an_item(client, auth, people, session):
    cw, mette, _ = people
    done = plan.propose_item(session, mette, kind="job_search", title="Søg 3 job", actor=cw.user, now=utcnow())
    dropped = plan.propose_item(session, mette, kind="meeting", title="Jobmesse", actor=cw.user, now=utcnow())
    session.commit()
    plan.caseworker_action(session, done, "done", cw.user, utcnow())
    plan.caseworker_action(session, dropped, "cancelled", cw.user, utcnow())
    plan.set_status(session, done, "active", mette.user, utcnow())  # the member's own undo tells nobody
    session.commit()
    texts = [n.text for n in session.scalars(select(Notification).where(Notification.user_id == mette.user_id))]
    assert "Din sagsbehandler har markeret et punkt i din plan som udført: Søg 3 job" in texts
    assert "Din sagsbehandler har annulleret et punkt i din plan: Jobmesse" in texts
    assert len(texts) == 4  # two additions, two changes


def test_my_data_names_every_table_and_says_how_to_ask_for_deletion(client, auth, people, session):
    # The page listed "chat_message (7)" and "outbox_attachment (1)", and said nothing of deletion.
    from portal.blueprints.minside import TABLE_LABELS
    from portal.extensions import db
    from portal.services.minside.my_data import _about_member

    unnamed = [t.name for t in db.metadata.sorted_tables
               if _about_member(t, 1) is not None and t.name not in TABLE_LABELS]
    assert unnamed == []
    auth.login("mette")
    _, html = page(client, "/min-side/mine-data")
    assert "Sletning af dine oplysninger" in html and "senest en måned" in html and "efter 180 dage" in html
