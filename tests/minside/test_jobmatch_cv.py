"""A member's JobMatch CV: saving it (all or nothing), mark O, the matching by the CV, the job agent and its job,
the Min side pages and the caseworker's audited view."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Member, OutboxMessage
from portal.models.casework import JobOrder
from portal.models.jobmatch import JobAgentHit, JobmatchCv
from portal.services.casework import jobmatch, jobmatch_cv
from portal.services.casework.job_agent import run_job_agent
from portal.services.errors import Conflict, ValidationFailed
from scheduling.jobs import run_job

pytestmark = pytest.mark.usefixtures("clock")


def cv_input(**kw) -> jobmatch_cv.CvInput:
    values = {"job_goals": "Social- og sundhedsassistent i hjemmeplejen",
              "experience": [{"title": "SOSU-assistent", "employer": "Odense Kommune", "years": "6"}],
              "education": "Social- og sundhedsassistent, 2016", "certificates": ["sosu_assistant_autorisation"],
              "driving_licence": True, "hours_wanted": "full", "hours_per_week": "", "municipalities": ["461"],
              "radius_km": "", "visible_to_employers": True}
    values.update(kw)
    return jobmatch_cv.CvInput(**values)


def new_order(session, location, now, **kw) -> JobOrder:
    values = {"employer": "Odense Kommune, Hjemmeplejen Øst", "title": "Social- og sundhedsassistent, dag",
              "trade": "Social- og sundhedsassistent", "location_id": location.id, "hours_per_week": 37,
              "employment": "permanent", "deadline": (now + timedelta(days=14)).date(), "contact_name": "Hanne Lund",
              "description": "Autorisation som social- og sundhedsassistent er et krav.", "status": "open",
              "created_at": now, "updated_at": now}
    values.update(kw)
    order = JobOrder(**values)
    session.add(order)
    session.flush()
    return order


@pytest.fixture
def odense(make):
    return make.location()


@pytest.fixture
def aalborg(make):
    return make.location("Aalborg", "Nordjylland", 57.05, 9.92)


# ---------------------------------------------------------------- the CV
def test_saving_a_cv_stores_every_field_and_audits(session, make, clock):
    member = make.member(trade="Social- og sundhedsassistent")
    cv = jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    assert cv.job_goals.startswith("Social- og sundhedsassistent")
    assert cv.experience == [{"title": "SOSU-assistent", "employer": "Odense Kommune", "years": 6}]
    assert cv.certificates == ["sosu_assistant_autorisation"] and cv.driving_licence
    assert cv.municipalities == [461] and cv.hours_wanted == "full" and cv.visible_to_employers
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.member_id == member.id)) == "jobmatch.cv_created"


def test_dismissed_member_gets_mark_o_when_saving_the_cv(session, make, clock):
    member = make.member(status="opsagt", mark_o=False)
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    assert member.mark_o is True and jobmatch_cv.has_mark_o(member)
    unemployed = make.member()
    jobmatch_cv.save_cv(session, unemployed, cv_input(), actor=unemployed.user, now=clock.now)
    assert unemployed.mark_o is False


@pytest.mark.parametrize("changes, field, text", [
    ({"job_goals": "  "}, "job_goals", "Skriv jobmål."),
    ({"job_goals": "x" * 501}, "job_goals", "højst være 500 tegn"),
    ({"job_goals": "SOSU\x07hjælper"}, "job_goals", "usynlige styretegn"),
    ({"education": "y" * 1001}, "education", "højst være 1000 tegn"),
    ({"experience": [{"title": "", "employer": "Plejehjem", "years": "2"}]}, "experience_0_title",
     "Skriv stillingen"),
    ({"experience": [{"title": "Hjælper", "employer": "", "years": "to"}]}, "experience_0_years", "mellem 0 og 50"),
    ({"experience": [{"title": "Hjælper\x1b", "employer": "", "years": ""}]}, "experience_0_title", "styretegn"),
    ({"experience": [{"title": f"Job {i}", "employer": "", "years": ""} for i in range(9)]}, "experience",
     "højst skrive 8 erfaringer"),
    ({"certificates": ["pilot"]}, "certificates", "Vælg beviser fra listen."),
    ({"hours_wanted": "lots"}, "hours_wanted", "Vælg fuld tid, deltid"),
    ({"hours_per_week": "60"}, "hours_per_week", "mellem 1 og 48"),
    ({"municipalities": ["999"]}, "municipalities", "Vælg kommuner fra listen."),
    ({"municipalities": ["abc"]}, "municipalities", "Vælg kommuner fra listen."),
    ({"municipalities": [str(c) for c in (101, 147, 151, 153, 155, 157, 159, 161, 163, 165, 167)]},
     "municipalities", "højst 10 kommuner"),
    ({"radius_km": "0"}, "radius_km", "mellem 1 og 200"),
    ({"radius_km": "-5"}, "radius_km", "mellem 1 og 200"),
    ({"radius_km": "9" * 100_000}, "radius_km", "mellem 1 og 200"),
    ({"hours_per_week": "²"}, "hours_per_week", "mellem 1 og 48"),
])
def test_bad_input_gives_a_danish_message_and_saves_nothing(session, make, clock, changes, field, text):
    member = make.member()
    with pytest.raises(ValidationFailed) as err:
        jobmatch_cv.save_cv(session, member, cv_input(**changes), actor=member.user, now=clock.now)
    assert text in err.value.errors[field]
    assert session.scalar(select(func.count()).select_from(JobmatchCv)) == 0


def test_bad_update_leaves_the_saved_cv_as_it_was(session, make, clock):
    member = make.member()
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    with pytest.raises(ValidationFailed):
        jobmatch_cv.save_cv(session, member, cv_input(job_goals="Ny", radius_km="900"), actor=member.user,
                            now=clock.now)
    assert jobmatch_cv.get_cv(session, member).job_goals.startswith("Social- og sundhedsassistent")


# ---------------------------------------------------------------- matching by the CV
def test_matching_uses_the_cv_goals_area_hours_and_authorisation(session, make, clock, odense, aalborg):
    member = make.member(trade="Køkkenassistent", job_goal="kok", location=odense)
    assistant = new_order(session, odense, clock.now)
    assert jobmatch.matching_orders(session, member, today=clock.today) == []  # the profile: a cook
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    [(found, match)] = jobmatch.matching_orders(session, member, today=clock.today)
    assert found.id == assistant.id
    assert "I det område, medlemmet søger job i" in match.reasons
    assert "Har autorisation som social- og sundhedsassistent" in match.reasons
    new_order(session, aalborg, clock.now)  # outside the chosen municipality
    new_order(session, odense, clock.now, hours_per_week=15)  # part time; the CV wants full time
    assert [o.id for o, _m in jobmatch.matching_orders(session, member, today=clock.today)] == [assistant.id]


def test_an_order_asking_for_authorisation_does_not_match_a_cv_without_it(session, make, clock, odense):
    member = make.member(location=odense)
    jobmatch_cv.save_cv(session, member, cv_input(certificates=[]), actor=member.user, now=clock.now)
    new_order(session, odense, clock.now)
    assert jobmatch.matching_orders(session, member, today=clock.today) == []


def test_radius_from_home_municipality_reaches_a_neighbour_and_not_further(session, make, clock, odense, aalborg):
    svendborg = make.location("Svendborg", "Syddanmark", 55.06, 10.61)
    member = make.member(location=odense)  # lives in Odense (461)
    jobmatch_cv.save_cv(session, member, cv_input(municipalities=[], radius_km="50"), actor=member.user,
                        now=clock.now)
    near = new_order(session, svendborg, clock.now)
    new_order(session, aalborg, clock.now)
    assert [o.id for o, _m in jobmatch.matching_orders(session, member, today=clock.today)] == [near.id]


def test_caseworkers_order_screen_finds_the_member_by_cv_goals(session, make, clock, odense):
    from portal.services.access import staff_scope

    cw = make.caseworker("sb-cv", location=odense)
    member = make.member(trade="Rengøringsassistent", job_goal=None, location=odense)
    order = new_order(session, odense, clock.now)
    scope = staff_scope(session, cw.user)
    assert jobmatch.matching_members(session, scope, order, today=clock.today) == []
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    assert [m.id for m, _match in jobmatch.matching_members(session, scope, order, today=clock.today)] == [member.id]


# ---------------------------------------------------------------- the job agent
def test_job_agent_needs_a_cv(session, make, clock):
    member = make.member()
    with pytest.raises(Conflict):
        jobmatch_cv.set_job_agent(session, member, True, actor=member.user, now=clock.now)


def test_job_agent_mails_new_matching_orders_once(session, make, clock, odense):
    member = make.member(location=odense, first_name="Karin")
    old = new_order(session, odense, clock.now - timedelta(days=1))
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    jobmatch_cv.set_job_agent(session, member, True, actor=member.user, now=clock.now)
    assert run_job_agent(session, now=clock.now + timedelta(minutes=1))["enqueued"] == 0  # `old` is not news
    fresh = new_order(session, odense, clock.now + timedelta(minutes=5), employer="Plejecenter Bøgely")
    later = clock.now + timedelta(minutes=30)
    assert run_job_agent(session, now=later) == {"members": 1, "orders": 1, "enqueued": 1, "no_email": 0}
    assert run_job_agent(session, now=later) == {"members": 0, "orders": 0, "enqueued": 0, "no_email": 0}
    assert run_job_agent(session, now=later + timedelta(hours=1))["enqueued"] == 0  # never the same order twice
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "job_agent")).all()
    assert mail.to_address == member.email and mail.status == "pending"
    assert "Hej Karin" in mail.body_text and "Plejecenter Bøgely" in mail.body_text
    assert old.employer not in mail.body_text
    assert "/min-side/jobmatch-cv" in mail.body_text
    assert session.scalar(select(JobAgentHit.job_order_id)) == fresh.id


def test_switching_the_agent_off_stops_it_at_once(session, make, clock, odense):
    member = make.member(location=odense)
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    jobmatch_cv.set_job_agent(session, member, True, actor=member.user, now=clock.now)
    new_order(session, odense, clock.now + timedelta(minutes=5))
    jobmatch_cv.set_job_agent(session, member, False, actor=member.user, now=clock.now + timedelta(minutes=6))
    assert run_job_agent(session, now=clock.now + timedelta(minutes=30))["enqueued"] == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_english_member_gets_the_job_agent_mail_in_english(session, make, clock, odense):
    member = make.member(location=odense, language="en")
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    jobmatch_cv.set_job_agent(session, member, True, actor=member.user, now=clock.now)
    new_order(session, odense, clock.now + timedelta(minutes=5))
    run_job_agent(session, now=clock.now + timedelta(minutes=10))
    mail = session.scalars(select(OutboxMessage)).one()
    assert mail.subject.startswith("Job agent: 1 new job") and "Application deadline" in mail.body_text


def test_scheduler_job_runs_the_agent_and_logs(app, session, make, clock, odense):
    member = make.member(location=odense)
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    jobmatch_cv.set_job_agent(session, member, True, actor=member.user, now=clock.now)
    new_order(session, odense, clock.now + timedelta(minutes=1))
    make.commit()
    run = run_job("job_agent", app=app, now=clock.now + timedelta(minutes=2), holder="test")
    assert run.status == "ok" and run.summary["enqueued"] == 1
    again = run_job("job_agent", app=app, now=clock.now + timedelta(minutes=3), holder="test")
    assert again.status == "ok" and again.summary["enqueued"] == 0


# ---------------------------------------------------------------- pages
FORM = {"job_goals": "Social- og sundhedsassistent", "exp_title": ["SOSU-assistent", ""],
        "exp_employer": ["Odense Kommune", ""], "exp_years": ["4", ""], "education": "SOSU-assistent 2019",
        "certificates": ["sosu_assistant_autorisation", "foerstehjaelp"], "driving_licence": "1",
        "hours_wanted": "part", "hours_per_week": "30", "municipalities": ["461", "479"], "radius_km": "",
        "visible_to_employers": "1"}


def test_member_fills_the_cv_and_switches_the_agent_on(client, auth, make, session, odense):
    member = make.member("cv-medlem", location=odense)
    make.commit()
    auth.login("cv-medlem")
    home = client.get("/min-side").get_data(as_text=True)
    assert "Lav dit CV til FOA JobMatch" in home
    page = client.get("/min-side/jobmatch-cv")
    assert page.status_code == 200 and "Slå jobagenten til" not in page.get_data(as_text=True)
    response = auth.post("/min-side/jobmatch-cv", FORM, page="/min-side/jobmatch-cv")
    assert response.status_code == 302
    cv = session.scalar(select(JobmatchCv).where(JobmatchCv.member_id == member.id))
    assert cv.hours_per_week == 30 and cv.municipalities == [461, 479] and cv.experience[0]["years"] == 4
    response = auth.post("/min-side/jobmatch-cv/jobagent", {"on": "1"}, page="/min-side/jobmatch-cv")
    assert response.status_code == 302
    session.refresh(cv)
    assert cv.job_agent and cv.job_agent_since is not None
    page = client.get("/min-side/jobmatch-cv").get_data(as_text=True)
    assert "Jobagenten er slået til." in page and "Slå jobagenten fra" in page
    auth.post("/min-side/jobmatch-cv/jobagent", {"on": "0"}, page="/min-side/jobmatch-cv")
    session.refresh(cv)
    assert not cv.job_agent


def test_bad_form_is_shown_again_with_danish_errors_and_nothing_saved(client, auth, make, session, odense):
    make.member("cv-fejl", location=odense)
    make.commit()
    auth.login("cv-fejl")
    response = auth.post("/min-side/jobmatch-cv", {**FORM, "job_goals": "", "hours_per_week": "99",
                                                    "exp_years": ["mange", ""]}, page="/min-side/jobmatch-cv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Skriv jobmål." in html and "mellem 1 og 48" in html and "mellem 0 og 50" in html
    assert 'value="Odense Kommune"' in html  # what was typed is kept
    assert session.scalar(select(func.count()).select_from(JobmatchCv)) == 0


def test_a_form_refused_again_and_again_keeps_its_number_of_experience_rows(client, auth, make, session, odense):
    make.member("cv-igen", location=odense)
    make.commit()
    auth.login("cv-igen")
    shown = client.get("/min-side/jobmatch-cv").get_data(as_text=True).count("<legend>Erfaring ")
    form = {**FORM, "exp_title": ["SOSU-assistent"] + [""] * (shown - 1),
            "exp_employer": ["Odense Kommune"] + [""] * (shown - 1), "exp_years": ["ab"] + [""] * (shown - 1)}
    counts = []
    for _ in range(3):  # each refused form sends back every row it showed, the blank ones included
        html = auth.post("/min-side/jobmatch-cv", form, page="/min-side/jobmatch-cv").get_data(as_text=True)
        assert "mellem 0 og 50" in html and 'value="ab"' in html
        counts.append(html.count("<legend>Erfaring "))
        blank = [""] * (counts[-1] - 1)
        form = {**form, "exp_title": ["SOSU-assistent", *blank], "exp_employer": ["Odense Kommune", *blank],
                "exp_years": ["ab", *blank]}
    assert counts == [3, 3, 3]  # the typed row and two blank ones; it grew by two with every refusal


@pytest.mark.parametrize("codes", [["²"], ["461", "①"], ["99999999999999999999"]])
def test_municipality_codes_that_are_not_numbers_are_refused_not_a_500(client, auth, make, session, odense, codes):
    make.member("cv-kode", location=odense)
    make.commit()
    auth.login("cv-kode")
    response = auth.post("/min-side/jobmatch-cv", {**FORM, "municipalities": codes}, page="/min-side/jobmatch-cv")
    assert response.status_code == 422 and "Vælg kommuner fra listen." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(JobmatchCv)) == 0


def test_agent_without_cv_is_refused_with_a_reason(client, auth, make, session, odense):
    make.member("cv-uden", location=odense)
    make.commit()
    auth.login("cv-uden")
    response = auth.post("/min-side/jobmatch-cv/jobagent", {"on": "1"}, page="/min-side/jobmatch-cv")
    assert response.status_code == 409 and "Udfyld dit CV først" in response.get_data(as_text=True)


def test_dismissed_member_sees_mark_o_explained(client, auth, make, session, odense, clock):
    member = make.member("cv-opsagt", status="opsagt", location=odense)
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    make.commit()
    auth.login("cv-opsagt")
    html = client.get("/min-side/jobmatch-cv").get_data(as_text=True)
    assert "Dit CV har mærket O (opsagt)" in html and "opsigelsesperiode" in html
    assert "Mærke O (opsagt)" in client.get("/min-side").get_data(as_text=True)
    english = client.get("/min-side/jobmatch-cv", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_caseworker_sees_the_cv_on_the_member_screen_and_the_read_is_audited(client, auth, make, session, odense,
                                                                             clock):
    cw = make.caseworker("sb-cvlæser", location=odense)
    member = make.member(location=odense, caseworker=cw)
    jobmatch_cv.save_cv(session, member, cv_input(), actor=member.user, now=clock.now)
    make.commit()
    auth.login("sb-cvlæser")
    html = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Medlemmets CV i FOA JobMatch" in html and "Social- og sundhedsassistent med autorisation" in html
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "jobmatch.cv_viewed", AuditEntry.member_id == member.id,
        AuditEntry.actor_user_id == cw.user_id)) == 1


# ---------------------------------------------------------------- demo
def test_demo_member_has_a_cv_with_the_agent_on_and_the_dismissed_one_mark_o(app, session, clock):
    from portal.demo import seed_demo
    from portal.models import User

    summary = seed_demo(session, members=80, seed=5, now=clock.now, password="demo-adgangskode",
                        areas=["casework", "jobmatch_cv"])
    cvs = {u: session.scalar(select(JobmatchCv).join(Member, Member.id == JobmatchCv.member_id)
                             .join(User, User.id == Member.user_id).where(User.username == u))
           for u in ("medlem", "opsagt")}
    assert cvs["medlem"].job_agent and cvs["medlem"].municipalities[0] == 461
    assert not cvs["opsagt"].job_agent and jobmatch_cv.has_mark_o(cvs["opsagt"].member)
    assert summary["job_agent_mails"] == 1
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "job_agent")).one()
    assert mail.status == "sent" and mail.to_address == "medlem@eksempel.dk"
    assert "Social- og sundhedshjælper" in mail.body_text


def test_chatbot_cv_request_gives_consent_mark_o_and_a_task_once(session, make, clock, odense):
    from portal.models import Consent, Notification

    cw = make.caseworker("sb-chat-cv", location=odense)
    member = make.member(status="opsagt", mark_o=False, caseworker=cw, location=odense)
    told = jobmatch_cv.request_cv_via_chat(session, member, text_shown="Må vi lægge dit CV i FOA JobMatch?",
                                           now=clock.now)
    jobmatch_cv.request_cv_via_chat(session, member, text_shown="Må vi lægge dit CV i FOA JobMatch?", now=clock.now)
    assert told == [cw.user_id] and member.mark_o
    assert session.scalar(select(func.count()).select_from(Consent).where(Consent.member_id == member.id)) == 1
    assert "Opret CV i FOA JobMatch" in session.scalars(select(Notification.text)).first()


def test_chatbot_action_asks_for_the_cv_through_the_service(app, client, auth, make, session):
    import re

    from portal.models import Consent, Notification
    from tests.chat.test_chat_support import say, texts

    cw = make.caseworker("sb-chat-action")
    member = make.member("chat-opsagt", status="opsagt", mark_o=False, caseworker=cw)
    make.commit()
    auth.login("chat-opsagt")
    page = client.get("/chat/samtale?kanal=minside").get_data(as_text=True)
    sender = re.search(r'data-sender="([^"]+)"', page).group(1)
    say(client, sender, '/job_matching{"jobmatch_cv":"yes"}')
    replies = say(client, sender, "/give_consent")
    assert "Vi opretter dit CV i FOA JobMatch med mærke O" in texts(replies)
    session.expire_all()
    assert session.get(Member, member.id).mark_o
    assert set(session.scalars(select(Consent.purpose).where(Consent.member_id == member.id))) == {
        "chat_contact", "jobmatch_cv"}
    assert session.scalar(select(Notification.text).where(Notification.user_id == cw.user_id)).startswith(
        "Opret CV i FOA JobMatch")


def test_radius_without_a_home_municipality_counts_from_the_service_location(session, make, clock, odense, aalborg):
    member = make.member(location=odense, municipality_code=None)
    jobmatch_cv.save_cv(session, member, cv_input(municipalities=[], radius_km="20"), actor=member.user,
                        now=clock.now)
    here = new_order(session, odense, clock.now)
    new_order(session, aalborg, clock.now)
    assert [o.id for o, _m in jobmatch.matching_orders(session, member, today=clock.today)] == [here.id]
