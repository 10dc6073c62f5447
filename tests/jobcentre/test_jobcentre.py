"""The job centre in the loop (issue 16): home municipalities, Min plan approval by the member's job centre, the
job centre's inbox and what it may see, the routing of summaries and visitations, escalation."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Member, Notification, User
from portal.models.jobcentre import JobcentreMessage, JobcentreStaff
from portal.models.plan import PlanItem
from portal.services.access import staff_scope
from portal.services.casework import referral
from portal.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.services.jobcentre import jobcentre, jobcentre_answers, jobcentre_stats, municipalities
from portal.services.minside import plan

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def people(make):
    cw = make.caseworker("sagsb", display_name="Birgitte Holm")
    member = make.member("mette", caseworker=cw, first_unemployment_day=date(2026, 1, 7))  # Odense → 461
    odense_jc = make.jobcentre_user(461, "jc-odense", display_name="Hanne Lund")
    aarhus_jc = make.jobcentre_user(751, "jc-aarhus", display_name="Jens Aarhus")
    make.commit()
    return cw, member, odense_jc, aarhus_jc


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def internship(session, member, cw, now=NOW):
    return plan.propose_item(session, member, kind="company_internship", title="Virksomhedspraktik på plejecenter",
                             description="4 uger", due_date=TODAY + timedelta(days=20), actor=cw.user, now=now)


# ---- the municipalities ------------------------------------------------------------------------------------------

def test_the_data_file_holds_the_98_municipalities_with_their_official_codes():
    all_ = municipalities.all_municipalities()
    assert len(all_) == 98
    assert all_[101].name == "København" and all_[860].name == "Hjørring" and all_[461].name == "Odense"
    assert 411 not in all_  # Christiansø is not a municipality
    regions = {}
    for m in all_.values():
        regions[m.region] = regions.get(m.region, 0) + 1
    assert regions == {"Hovedstaden": 29, "Sjælland": 17, "Syddanmark": 22, "Midtjylland": 19, "Nordjylland": 11}
    assert all(m.jobcentre.startswith("Jobcenter ") for m in all_.values())
    assert "Danmarks Statistik" in municipalities.DATA_FILE.read_text(encoding="utf-8").splitlines()[1]


def test_every_service_location_lies_in_a_known_municipality_and_has_neighbours():
    from portal.demo.locations import LOCATIONS

    for name, _region, lat, lon, _fvu in LOCATIONS:
        around = municipalities.around_location(name, lat, lon)
        assert around[0] == (municipalities.LOCATION_MUNICIPALITY[name], 8), name
        assert all(municipalities.get(code) for code, _w in around)
    odense = dict(municipalities.around_location("Odense", 55.40, 10.39))
    assert {461, 440, 480} <= set(odense)  # Odense, Kerteminde, Nordfyns


# ---- Min plan approval -------------------------------------------------------------------------------------------

def test_an_internship_awaits_the_members_job_centre_which_is_told(session, people):
    cw, member, odense_jc, _ = people
    item = internship(session, member, cw)
    assert item.status == "awaiting_jc"
    [message] = session.scalars(select(JobcentreMessage)).all()
    assert (message.kind, message.jobcentre_code, message.status, message.plan_item_id) == (
        "plan_approval", 461, "sent", item.id)
    assert "Virksomhedspraktik på plejecenter" in message.body_text and member.member_number in message.body_text
    # the job centre's user is told (embedded adapter); the member sees who acts next
    assert count(session, Notification, Notification.user_id == odense_jc.id) == 1
    assert plan.next_actor(item) == "Jobcenter Odense"
    assert [e.kind for e in item.events] == ["proposed", "jc_request"]


def test_kinds_not_needing_approval_are_agreed_at_once_and_the_list_is_configuration(app, session, people):
    cw, member, *_ = people
    job_search = plan.propose_item(session, member, kind="job_search", title="Søg 3 job", actor=cw.user, now=NOW)
    assert job_search.status == "active"
    app.config["JOBCENTRE_APPROVAL_KINDS"] = ("wage_subsidy",)
    assert internship(session, member, cw).status == "active"
    wage = plan.propose_item(session, member, kind="wage_subsidy", title="Løntilskud", actor=cw.user, now=NOW)
    assert wage.status == "awaiting_jc"
    assert count(session, JobcentreMessage) == 1


def test_a_members_proposal_goes_to_the_job_centre_once_the_caseworker_accepts(session, people):
    cw, member, *_ = people
    item = plan.propose_item(session, member, kind="education_long", title="SOSU-assistentuddannelsen",
                             actor=member.user, now=NOW)
    assert item.status == "proposed" and count(session, JobcentreMessage) == 0
    plan.accept_item(session, item, cw.user, NOW + timedelta(hours=1))
    assert item.status == "awaiting_jc" and count(session, JobcentreMessage) == 1


def test_nobody_can_mark_an_unapproved_item_done(session, people):
    cw, member, *_ = people
    item = internship(session, member, cw)
    for actor in (member.user, cw.user):
        for status in ("done", "active"):
            with pytest.raises(NotAllowed, match="afventer jobcentrets godkendelse"):
                plan.set_status(session, item, status, actor, NOW)
    assert item.status == "awaiting_jc"


def test_the_job_centre_approves_and_member_and_caseworker_see_it(session, people):
    cw, member, odense_jc, _ = people
    item = internship(session, member, cw)
    message = session.scalar(select(JobcentreMessage))
    scope = jobcentre.jobcentre_scope(session, odense_jc)
    later = NOW + timedelta(days=2)
    jobcentre_answers.decide_plan_item(session, scope, message.id, approve=True, reason=None, now=later)
    assert item.status == "active" and item.jobcentre_decision == "approved" and item.jobcentre_decided_at == later
    assert (message.status, message.decision, message.decided_by_user_id) == ("answered", "approved", odense_jc.id)
    assert plan.next_actor(item) == "Dig"
    texts = set(session.scalars(select(Notification.text).where(Notification.user_id.in_((member.user_id,
                                                                                            cw.user_id)))))
    assert "Jobcentret har godkendt: Virksomhedspraktik på plejecenter" in texts
    # now the member can do it and mark it done
    plan.set_status(session, item, "done", member.user, later)
    assert item.status == "done"
    assert jobcentre_stats.approval_counts(session) == {"asked": 1, "approved": 1, "rejected": 0, "open": 0,
                                                  "withdrawn": 0, "median_wait_hours": 48.0}


def test_rejecting_needs_a_reason_the_member_sees(session, people):
    cw, member, odense_jc, _ = people
    item = internship(session, member, cw)
    message = session.scalar(select(JobcentreMessage))
    scope = jobcentre.jobcentre_scope(session, odense_jc)
    with pytest.raises(ValidationFailed, match="begrundelse"):
        jobcentre_answers.decide_plan_item(session, scope, message.id, approve=False, reason="  ", now=NOW)
    with pytest.raises(ValidationFailed, match="styretegn"):
        jobcentre_answers.decide_plan_item(session, scope, message.id, approve=False,
                                           reason="Ingen \u202erotnem", now=NOW)
    assert item.status == "awaiting_jc" and message.status == "sent"
    jobcentre_answers.decide_plan_item(session, scope, message.id, approve=False,
                               reason="Praktikstedet har ikke en mentor", now=NOW)
    assert item.status == "rejected" and item.jobcentre_decision == "rejected"
    assert item.events[-1].kind == "jc_rejected" and item.events[-1].text == "Praktikstedet har ikke en mentor"


def test_approving_twice_is_refused_with_nothing_changed(session, people):
    cw, member, odense_jc, _ = people
    item = internship(session, member, cw)
    message = session.scalar(select(JobcentreMessage))
    scope = jobcentre.jobcentre_scope(session, odense_jc)
    jobcentre_answers.decide_plan_item(session, scope, message.id, approve=True, reason=None, now=NOW)
    version, events = item.version, len(item.events)
    with pytest.raises(Conflict, match="allerede godkendt af jobcentret"):
        jobcentre_answers.decide_plan_item(session, scope, message.id, approve=True, reason=None, now=NOW)
    with pytest.raises(Conflict):
        jobcentre_answers.decide_plan_item(session, scope, message.id, approve=False, reason="For sent", now=NOW)
    assert (item.status, item.version, len(item.events), message.decision) == ("active", version, events, "approved")


def test_approving_an_item_the_a_kasse_withdrew_meanwhile_is_refused(session, people):
    cw, member, odense_jc, _ = people
    item = internship(session, member, cw)
    message = session.scalar(select(JobcentreMessage))
    plan.set_status(session, item, "cancelled", cw.user, NOW + timedelta(hours=1))
    assert message.status == "withdrawn"
    scope = jobcentre.jobcentre_scope(session, odense_jc)
    with pytest.raises(Conflict, match="trukket aktiviteten .* tilbage"):
        jobcentre_answers.decide_plan_item(session, scope, message.id, approve=True, reason=None, now=NOW + timedelta(hours=2))
    assert item.status == "cancelled" and item.jobcentre_decision is None
    # taken up again: the job centre is asked again, in a new request
    plan.set_status(session, item, "active", cw.user, NOW + timedelta(hours=3))
    assert item.status == "awaiting_jc"
    assert count(session, JobcentreMessage, JobcentreMessage.status == "sent") == 1


def test_a_member_without_a_home_municipality_cannot_reach_a_job_centre(session, make, people):
    cw, *_ = people
    nomad = make.member("nomad", caseworker=cw, municipality_code=None)
    item = internship(session, nomad, cw)
    assert item.status == "awaiting_jc" and count(session, JobcentreMessage) == 0
    assert "Bopælskommunen er ukendt" in item.events[-1].text
    assert referral.jobcenter_address(session, nomad) == "jobcenter:ukendt"


# ---- who sees what -----------------------------------------------------------------------------------------------

def test_a_job_centre_sees_only_its_own_citizens_and_every_read_is_audited(session, people):
    cw, member, odense_jc, aarhus_jc = people
    internship(session, member, cw)
    message = session.scalar(select(JobcentreMessage))
    aarhus = jobcentre.jobcentre_scope(session, aarhus_jc)
    assert jobcentre.inbox(session, aarhus, now=NOW) == []
    with pytest.raises(NotFound):
        jobcentre.open_message(session, aarhus, message.id, NOW)
    with pytest.raises(NotFound):
        jobcentre.citizen(session, aarhus, member.member_number, NOW)
    with pytest.raises(NotFound):
        jobcentre_answers.decide_plan_item(session, aarhus, message.id, approve=True, reason=None, now=NOW)
    odense = jobcentre.jobcentre_scope(session, odense_jc)
    assert [m.id for m in jobcentre.inbox(session, odense, now=NOW)] == [message.id]
    jobcentre.open_message(session, odense, message.id, NOW)
    assert message.status == "read" and message.read_at == NOW
    jobcentre.citizen(session, odense, member.member_number, NOW)
    opened = session.scalars(select(AuditEntry).where(AuditEntry.action == "member.file_opened",
                                                      AuditEntry.member_id == member.id)).all()
    assert [e.actor_user_id for e in opened] == [odense_jc.id, odense_jc.id]
    assert opened[0].detail["access"] == "medlemmets jobcenter"
    assert count(session, AuditEntry, AuditEntry.action == "jobcentre.inbox_viewed") == 2


def test_the_job_centre_sees_only_what_the_trial_shares(client, auth, session, people):
    """The citizen page: Min plan's agreed and awaiting items and what was sent — not the caseworker's internal
    notes, the member's own unaccepted proposals, nor the profiling (Q10 answers, risk)."""
    cw, member, *_ = people
    internship(session, member, cw)
    plan.propose_item(session, member, kind="education", title="Mit eget hemmelige forslag", actor=member.user, now=NOW)
    session.commit()
    auth.login("sagsb")
    auth.post(f"/sagsbehandler/medlem/{member.member_number}/samtale",
              {"type": "followup_phone", "channel": "phone", "outcome": "held",
               "notes": "Intern: virker presset økonomisk."})
    from portal.models.casework import HeldConversation

    assert session.scalar(select(HeldConversation.notes)) == "Intern: virker presset økonomisk."
    auth.logout()
    auth.login("jc-odense")
    page = client.get(f"/jobcenter/borger/{member.member_number}").get_data(as_text=True)
    assert "Virksomhedspraktik på plejecenter" in page and "Afventer jobcentret" in page
    for private in ("Intern: virker presset", "Mit eget hemmelige forslag", "Profilering", "langvarig", "Q10"):
        assert private not in page, private


def test_only_jobcentre_users_bound_to_a_job_centre_get_a_scope(session, make, people):
    cw, *_ = people
    with pytest.raises(NotAllowed):
        jobcentre.jobcentre_scope(session, cw.user)
    loose = make.user("loose-jc", role="jobcenter")
    with pytest.raises(NotAllowed, match="ikke knyttet til et jobcenter"):
        jobcentre.jobcentre_scope(session, loose)
    with pytest.raises(ValidationFailed):
        jobcentre.create_staff(session, loose, 999)


# ---- routing: the member's home municipality, not the a-kasse's location ----------------------------------------

def test_job_centre_messages_go_to_the_home_municipality_not_the_service_location(session, make, people):
    cw, *_ = people
    commuter = make.member("pendler", caseworker=cw, municipality_code=480)  # served in Odense, lives in Nordfyns
    assert referral.jobcenter_address(session, commuter) == "jobcenter:Nordfyns"
    scope = staff_scope(session, cw.user)
    visitation = referral.refer_to_jobcenter(session, scope, commuter, reason="Komplekse helbredsproblemer",
                                             referred_on=None, today=TODAY, now=NOW)
    message = session.scalar(select(JobcentreMessage).where(JobcentreMessage.referral_id == visitation.id))
    assert (message.kind, message.jobcentre_code) == ("visitation", 480)


def test_a_summary_reaches_the_members_job_centre_and_the_caseworker_sees_it_read(client, auth, session, people):
    """Through the exchange, not only as an e-mail waiting for PORTAL_JOBCENTER_MAIL: the job centre has it in
    its inbox, the caseworker sees it sent and then read; read, it leaves the open list (nothing to answer)."""
    from portal.models.casework import ConversationSummary

    _cw, member, _odense_jc, _aarhus_jc = people
    auth.login("sagsb")
    auth.post(f"/sagsbehandler/medlem/{member.member_number}/samtale",
              {"type": "followup_phone", "channel": "phone", "outcome": "held"})
    summary = session.scalar(select(ConversationSummary))
    auth.post(f"/sagsbehandler/referat/{summary.id}/send", page=f"/sagsbehandler/referat/{summary.id}")
    message = session.scalar(select(JobcentreMessage).where(JobcentreMessage.kind == "summary"))
    assert (message.jobcentre_code, message.summary_id, message.status) == (461, summary.id, "sent")
    page = client.get(f"/sagsbehandler/referat/{summary.id}").get_data(as_text=True)
    assert "Jobcenter Odense: <strong>Sendt til jobcentret</strong>" in page
    auth.logout()
    auth.login("jc-aarhus")
    assert member.full_name not in client.get("/jobcenter/").get_data(as_text=True)
    auth.logout()
    auth.login("jc-odense")
    def cases(path):  # the inbox's list of cases (the notes above it name the summary too)
        page = client.get(path).get_data(as_text=True)
        return page.split('class="chat-tabs"', 1)[1].split('id="h-upcoming"', 1)[0]

    assert message.subject in cases("/jobcenter/")
    assert client.get(f"/jobcenter/sag/{message.id}").status_code == 200
    assert message.subject not in cases("/jobcenter/") and "Ingen åbne sager" in cases("/jobcenter/")
    assert message.subject in cases("/jobcenter/?vis=alle")
    auth.logout()
    auth.login("sagsb")
    page = client.get(f"/sagsbehandler/referat/{summary.id}").get_data(as_text=True)
    assert "Jobcenter Odense: <strong>Læst af jobcentret</strong> 2. mar. 2026" in page
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert f"· {message.subject} · <strong>Læst af jobcentret</strong>" in screen and "Samtalereferat: Samtalereferat" not in screen


# ---- escalation --------------------------------------------------------------------------------------------------

def test_a_job_centre_that_does_not_answer_for_a_week_is_escalated_to_the_caseworker_once(session, people):
    cw, member, *_ = people
    internship(session, member, cw)
    assert jobcentre.escalate_unanswered(session, NOW + timedelta(days=6)) == 0
    assert jobcentre.escalate_unanswered(session, NOW + timedelta(days=7, minutes=1)) == 1
    assert jobcentre.escalate_unanswered(session, NOW + timedelta(days=9)) == 0
    [note] = session.scalars(select(Notification).where(Notification.user_id == cw.user_id,
                                                        Notification.text.contains("har ikke svaret"))).all()
    assert "Jobcenter Odense har ikke svaret i 7 dage" in note.text and member.full_name in note.text


def test_the_caseload_says_which_members_wait_for_their_job_centre(client, auth, session, people):
    cw, member, odense_jc, _ = people
    internship(session, member, cw)
    session.commit()
    auth.login("sagsb")
    caseload = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "Afventer jobcentret (1)" in caseload and "Jobcentret har ikke svaret" not in caseload
    jobcentre.escalate_unanswered(session, NOW + timedelta(days=8))
    session.commit()
    caseload = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "Jobcentret har ikke svaret på 1 anmodning" in caseload
    message = session.scalar(select(JobcentreMessage))
    jobcentre_answers.decide_plan_item(session, jobcentre.jobcentre_scope(session, odense_jc), message.id, approve=True,
                               reason=None, now=NOW + timedelta(days=9))
    session.commit()
    caseload = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "Afventer jobcentret" not in caseload and "Jobcentret har ikke svaret" not in caseload


# ---- pages -------------------------------------------------------------------------------------------------------

def test_journey_caseworker_adds_internship_job_centre_approves_member_sees_it(app, client, auth, session, people):
    _cw, member, _odense_jc, _ = people
    auth.login("sagsb")
    response = auth.post(f"/sagsbehandler/medlem/{member.member_number}/plan",
                         {"kind": "company_internship", "title": "Praktik på Plejecenter Solhaven"},
                         page=f"/sagsbehandler/medlem/{member.member_number}")
    assert response.status_code == 302
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Afventer jobcentret" in screen and "Venter på Jobcenter Odense" in screen
    auth.logout()

    auth.login("mette")
    page = client.get("/min-side/plan").get_data(as_text=True)
    assert "Afventer jobcentret" in page and "Jobcenter Odense skal godkende aktiviteten" in page
    assert "Markér som udført" not in page
    auth.logout()

    assert auth.login("jc-odense").headers["Location"].endswith("/jobcenter/")
    inbox = client.get("/jobcenter/").get_data(as_text=True)
    assert "Praktik på Plejecenter Solhaven" in inbox and member.full_name in inbox
    message = session.scalar(select(JobcentreMessage))
    assert client.get(f"/jobcenter/sag/{message.id}").status_code == 200
    done = auth.post(f"/jobcenter/sag/{message.id}/svar", {"decision": "approve"}, page=f"/jobcenter/sag/{message.id}")
    assert done.status_code == 302
    again = auth.post(f"/jobcenter/sag/{message.id}/svar", {"decision": "approve"}, page="/jobcenter/")
    assert again.status_code == 409 and "allerede godkendt af jobcentret" in again.get_data(as_text=True)
    auth.logout()

    auth.login("mette")
    page = client.get("/min-side/plan").get_data(as_text=True)
    assert "Jobcentrets afgørelse" in page and "Godkendt" in page and "Markér som udført" in page
    auth.logout()
    auth.login("sagsb")
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Godkendt af jobcentret" in screen


def test_the_inbox_and_the_notice_name_a_plan_approval_once_with_its_deadline_in_words(client, auth, session,
                                                                                       people):
    cw, member, odense_jc, _ = people
    internship(session, member, cw)  # due 22 March 2026
    session.commit()
    message = session.scalar(select(JobcentreMessage))
    assert message.subject == "Godkendelse i Min plan: Virksomhedspraktik på plejecenter"  # what is sent, as before
    assert "Frist: 22. marts 2026" in message.body_text and "2026-03-22" not in message.body_text
    notice = session.scalar(select(Notification.text).where(Notification.user_id == odense_jc.id))
    assert notice == "Godkendelse i Min plan: Virksomhedspraktik på plejecenter"

    auth.login("jc-odense")
    inbox = client.get("/jobcenter/").get_data(as_text=True)
    citizen = client.get(f"/jobcenter/borger/{member.member_number}").get_data(as_text=True)

    for page in (inbox, citizen):
        assert f">{message.subject}</a>" in page
        assert "Godkendelse af aktivitet i Min plan: Godkendelse i Min plan" not in page


@pytest.mark.parametrize(("kind", "subject", "shown"), [
    ("plan_approval", "Godkendelse i Min plan: Praktik", "Godkendelse i Min plan: Praktik"),
    ("summary", "Samtalereferat – medlem 1000001", "Samtalereferat – medlem 1000001"),
    ("visitation", "Visitation til parallelt kontaktforløb – medlem 1000001",
     "Visitation til parallelt kontaktforløb – medlem 1000001"),
    ("joint_invitation", "Bekræftelse: Fællessamtale 3. marts", "Invitation til fællessamtale: Bekræftelse: Fællessamtale 3. marts"),
])
def test_a_list_names_each_kind_of_message_once(app, kind, subject, shown):
    with app.test_request_context():
        assert jobcentre.heading(JobcentreMessage(kind=kind, subject=subject)) == shown


def test_another_job_centres_user_gets_404_on_the_pages(client, auth, session, people):
    cw, member, _, _ = people
    internship(session, member, cw)
    session.commit()
    message = session.scalar(select(JobcentreMessage))
    auth.login("jc-aarhus")
    assert client.get(f"/jobcenter/sag/{message.id}").status_code == 404
    assert client.get(f"/jobcenter/borger/{member.member_number}").status_code == 404
    refused = auth.post(f"/jobcenter/sag/{message.id}/svar", {"decision": "approve"}, page="/jobcenter/")
    assert refused.status_code == 404
    assert member.full_name not in client.get("/jobcenter/").get_data(as_text=True)
    assert session.get(PlanItem, message.plan_item_id).status == "awaiting_jc"
    assert client.get(f"/sagsbehandler/medlem/{member.member_number}").status_code == 403
    assert client.get("/min-side").status_code == 403


def test_demo_seed_spreads_members_over_municipalities_and_has_a_jobcenter_login(session):
    from portal.demo import seed_demo

    summary = seed_demo(session, members=300, seed=3, password="demo-adgangskode")
    medlem = session.scalar(select(Member).where(Member.member_number == "1000001"))
    assert medlem.municipality_code == 461
    user = session.scalar(select(User).where(User.username == "jobcenter"))
    assert user.role == "jobcenter"
    assert session.scalar(select(JobcentreStaff.jobcentre_code).where(JobcentreStaff.user_id == user.id)) == 461
    codes = session.scalars(select(Member.municipality_code)).all()
    assert None not in codes and len(set(codes)) >= 40
    assert all(municipalities.get(c) for c in codes)
    # the job centre's inbox: medlem's internship awaiting approval, among others; agreed activations approved
    assert summary["jobcentre_awaiting"] == 4 and summary["jobcentre_approved_items"] > 0
    waiting = session.scalars(select(JobcentreMessage).where(JobcentreMessage.jobcentre_code == 461,
                                                             JobcentreMessage.status == "sent",
                                                             JobcentreMessage.kind == "plan_approval")).all()
    assert medlem.id in {m.member_id for m in waiting} and len(waiting) == 4
    unapproved = session.scalar(select(func.count()).select_from(PlanItem).where(
        PlanItem.kind.in_(jobcentre.approval_kinds()), PlanItem.status.in_(("active", "done")),
        PlanItem.jobcentre_decision.is_(None)))
    assert unapproved == 0


# ---- operations: the scheduler job and the CLI ------------------------------------------------------------------

def test_the_scheduler_job_escalates_unanswered_requests(app, session, people):
    from scheduling.jobs import run_job

    cw, member, *_ = people
    internship(session, member, cw)
    session.commit()
    run = run_job("jobcentre_escalation", app=app, now=NOW + timedelta(days=8))
    assert run.status == "ok" and run.summary == {"escalated": 1, "joint_reminders": 0}


def test_cli_creates_a_jobcentre_user_bound_to_its_job_centre(runner, session):
    result = runner.invoke(args=["users", "create", "--username", "jc-vejle", "--role", "jobcenter", "--name",
                                 "Jobcenter Vejle", "--jobcentre", "630", "--password", "lang-nok-kode"])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "jc-vejle"))
    assert jobcentre.jobcentre_scope(session, user).name == "Jobcenter Vejle"
    refused = runner.invoke(args=["users", "create", "--username", "jc-x", "--role", "jobcenter", "--name", "X",
                                  "--password", "lang-nok-kode"])
    assert refused.exit_code == 2 and "--jobcentre" in refused.output
    assert session.scalar(select(User).where(User.username == "jc-x")) is None


def test_the_steering_dashboard_counts_approvals_asked_given_refused_and_the_waiting_time(client, auth, make,
                                                                                          session, people):
    cw, member, odense_jc, _ = people
    scope = jobcentre.jobcentre_scope(session, odense_jc)
    first, second = internship(session, member, cw), internship(session, member, cw)
    internship(session, member, cw)  # still open
    for item, approve, hours in ((first, True, 24), (second, False, 72)):
        message = jobcentre.open_request_for(session, item)
        jobcentre_answers.decide_plan_item(session, scope, message.id, approve=approve, reason="Mangler mentor",
                                   now=NOW + timedelta(hours=hours))
    make.user("styr", role="steering")
    make.commit()
    counts = jobcentre_stats.cooperation(session)
    assert counts["total"] == {"asked": 3, "approved": 1, "rejected": 1, "open": 1, "withdrawn": 0,
                               "median_wait_hours": 48.0}
    assert [name for name, _c in counts["by_jobcentre"]] == ["Jobcenter Odense"]
    auth.login("styr")
    page = client.get("/styring?fra=2026-01-01&til=2026-12-31").get_data(as_text=True)
    assert "Samarbejdet med jobcentrene" in page and "Jobcenter Odense" in page and "2,0 døgn" in page


def test_the_job_centre_takes_over_or_refuses_a_visitation(session, make, people):
    cw, member, odense_jc, aarhus_jc = people
    scope = staff_scope(session, cw.user)
    odense = jobcentre.jobcentre_scope(session, odense_jc)
    first = referral.refer_to_jobcenter(session, scope, member, reason="Komplekse helbredsproblemer",
                                        referred_on=None, today=TODAY, now=NOW)
    message = session.scalar(select(JobcentreMessage).where(JobcentreMessage.referral_id == first.id))
    with pytest.raises(NotFound):
        jobcentre_answers.answer_visitation(session, jobcentre.jobcentre_scope(session, aarhus_jc), message.id, accept=True,
                                    reason=None, now=NOW)
    with pytest.raises(ValidationFailed):
        jobcentre_answers.answer_visitation(session, odense, message.id, accept=False, reason="", now=NOW)
    jobcentre_answers.answer_visitation(session, odense, message.id, accept=True, reason=None, now=NOW)
    assert first.status == "accepted" and jobcentre.decision_label(message) == "Modtaget af jobcentret"
    with pytest.raises(Conflict, match="allerede besvaret"):
        jobcentre_answers.answer_visitation(session, odense, message.id, accept=False, reason="Fejl", now=NOW)
    assert first.status == "accepted"
    # closed by the a-kasse before the job centre answered: refused, nothing changed
    other = make.member("ole", caseworker=cw)
    second = referral.refer_to_jobcenter(session, scope, other, reason="Misbrugsproblemer og gæld",
                                         referred_on=None, today=TODAY, now=NOW)
    referral.set_status(session, scope, second, "closed", now=NOW)
    late = session.scalar(select(JobcentreMessage).where(JobcentreMessage.referral_id == second.id))
    assert late.status == "withdrawn"  # nothing left for the job centre to answer
    with pytest.raises(Conflict, match="afsluttet visitationen"):
        jobcentre_answers.answer_visitation(session, odense, late.id, accept=True, reason=None, now=NOW)
    assert second.status == "closed" and late.status == "withdrawn" and late.decision is None


def test_a_visitation_the_caseworker_settles_is_no_longer_awaited_from_the_job_centre(session, make, people):
    """Closed by the a-kasse, or the job centre's answer registered by the caseworker (given by phone, or through
    DFDG, which has no inbound side): its request is not open any more, so it is neither escalated a week later nor
    counted as awaiting the job centre on the caseload, and the job centre cannot answer it a second time."""
    cw, member, odense_jc, _ = people
    scope = staff_scope(session, cw.user)
    closed = referral.refer_to_jobcenter(session, scope, member, reason="Komplekse helbredsproblemer",
                                         referred_on=None, today=TODAY, now=NOW)
    referral.set_status(session, scope, closed, "closed", now=NOW + timedelta(hours=1))
    other = make.member("ole", caseworker=cw)
    phoned = referral.refer_to_jobcenter(session, scope, other, reason="Misbrugsproblemer og gæld",
                                         referred_on=None, today=TODAY, now=NOW)
    referral.set_status(session, scope, phoned, "accepted", note="Jobcentret ringede", now=NOW + timedelta(hours=2))
    by_referral = {m.referral_id: m for m in session.scalars(select(JobcentreMessage))}
    assert by_referral[closed.id].status == "withdrawn"
    recorded = by_referral[phoned.id]
    assert (recorded.status, recorded.decision, recorded.decision_reason) == ("answered", "approved",
                                                                              "Jobcentret ringede")
    assert jobcentre.decision_label(recorded) == "Modtaget af jobcentret"
    for someone in (member, other):  # nothing waits for the job centre's answer (the caseload's count)
        assert tuple(session.execute(select(*jobcentre.open_request_counts(someone.id))).one()) == (0, 0)
    assert jobcentre.escalate_unanswered(session, NOW + timedelta(days=8)) == 0
    with pytest.raises(Conflict, match="allerede besvaret"):
        jobcentre_answers.answer_visitation(session, jobcentre.jobcentre_scope(session, odense_jc), recorded.id,
                                            accept=False, reason="Ikke vores borger", now=NOW + timedelta(days=1))
    assert phoned.status == "accepted"


def test_two_answers_at_the_same_moment_only_the_first_counts(app, session, make, people):
    """Two job-centre users approve the same request in two sessions: the second finds it answered."""
    from sqlalchemy.orm import Session as OrmSession

    cw, member, odense_jc, _ = people
    colleague = make.jobcentre_user(461, "jc-odense-2")
    internship(session, member, cw)
    session.commit()
    message_id = session.scalar(select(JobcentreMessage.id))
    engine = session.get_bind()
    with OrmSession(engine) as first, OrmSession(engine) as second:
        scope_1 = jobcentre.jobcentre_scope(first, first.get(User, odense_jc.id))
        scope_2 = jobcentre.jobcentre_scope(second, second.get(User, colleague.id))
        jobcentre.get_message(second, scope_2, message_id).plan_item.status  # noqa: B018 - loaded before the race
        jobcentre_answers.decide_plan_item(first, scope_1, message_id, approve=True, reason=None, now=NOW)
        first.commit()
        with pytest.raises(Conflict, match="allerede"):
            jobcentre_answers.decide_plan_item(second, scope_2, message_id, approve=False, reason="For dyrt", now=NOW)
        second.rollback()
    session.expire_all()
    message = session.get(JobcentreMessage, message_id)
    assert (message.decision, message.decided_by_user_id) == ("approved", odense_jc.id)
    assert session.get(PlanItem, message.plan_item_id).status == "active"


def test_a_visitation_note_over_the_limit_is_refused_whole_not_cut(session, make, people):
    cw, member, _odense_jc, _aarhus_jc = people
    scope = staff_scope(session, cw.user)
    item = referral.refer_to_jobcenter(session, scope, member, reason="Komplekse helbredsproblemer",
                                       referred_on=None, today=TODAY, now=NOW)
    with pytest.raises(ValidationFailed, match="højst 1000 tegn"):
        referral.set_status(session, scope, item, "closed", note="v" * 1001, now=NOW)
    assert item.status == "sent" and item.status_note is None
    referral.set_status(session, scope, item, "closed", note="v" * 1000, now=NOW)
    assert item.status == "closed" and item.status_note == "v" * 1000

