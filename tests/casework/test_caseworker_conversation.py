"""The conversation screen, registering a conversation, the summary (page, PDF, Min side, job centre), access."""
from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Booking, OutboxMessage
from portal.models.casework import ConversationSummary, HeldConversation, JobcenterReferral, SummaryDispatch
from portal.models.plan import PlanItem
from portal.timeutil import local_today, utcnow
from tests.casework.test_caseworker_caseload import book

TODAY = local_today()

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def cw(make):
    return make.caseworker("sb-odense", display_name="Birgitte Holm")


@pytest.fixture
def mette(make, cw):
    return make.member("mette", caseworker=cw, first_name="Mette", last_name="Jensen", target_group="2a",
                       weeks_unemployed=5, job_goal="Social- og sundhedshjælper i hjemmeplejen")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def screen(client, member, query=""):
    return client.get(f"/sagsbehandler/medlem/{member.member_number}{query}")


def test_opening_the_screen_is_audited_and_the_member_sees_who(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    response = screen(client, mette)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for heading in ("Kontaktforløb", "Profilering", "Spørgsmål 2 og 10", "CV og jobmål", "Forslag til tilbud",
                    "Matchende jobordrer", "Min plan", "Visitation til jobcentret", "Historik"):
        assert heading in html
    assert "Mette Jensen" in html and "5 uger ledig" in html
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "member.file_opened"))
    assert entry.member_id == mette.id and "egen sagsbehandler" in entry.reason
    auth.logout()
    auth.login("mette")
    page = client.get("/min-side/adgang").get_data(as_text=True)
    assert "Birgitte Holm" in page and "Åbnede din sag" in page


def test_another_locations_member_is_not_found(client, auth, make, cw):
    aarhus = make.location("Århus", "Midtjylland", 56.16, 10.20)
    stranger = make.member(location=aarhus)
    make.commit()
    auth.login("sb-odense")
    assert screen(client, stranger).status_code == 404
    assert screen(client, type("M", (), {"member_number": "9999999"})).status_code == 404


def test_q10_answers_hidden_until_asked_for_and_the_view_is_audited(client, auth, make, session, cw, mette):
    from portal.services.minside import preparation

    preparation.record_answers(session, mette, q2="more_than_6_months", q10_has_barriers=True,
                               q10_barriers=["mental_health", "reading_spelling"], actor=cw.user, now=utcnow())
    make.commit()
    auth.login("sb-odense")
    html = screen(client, mette).get_data(as_text=True)
    assert "Mere end 6 måneder" in html
    assert "Psykisk helbred" not in html.split("Registrér svar")[0]  # not shown before asking
    assert "FVU-test" not in html  # Q10-derived suggestions wait too
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "preparation.view")) == 0
    html = screen(client, mette, "?vis=q10&formaal=samtale").get_data(as_text=True)
    shown = html.split("Registrér svar")[0]
    assert "Psykisk helbred" in shown and "Læse- og stavevanskeligheder" in shown
    assert "FVU-test" in html
    view = session.scalar(select(AuditEntry).where(AuditEntry.action == "preparation.view"))
    assert view.member_id == mette.id and view.actor_user_id == cw.user_id and view.reason == "Samtale med medlemmet"


def test_the_answer_form_starts_from_the_answers_on_record_q10_only_once_shown(client, auth, make, session, cw, mette):
    from portal.services.minside import preparation

    preparation.record_answers(session, mette, q2="within_6_months", q10_has_barriers=True,
                               q10_barriers=["physical_health", "reading_spelling"], actor=cw.user, now=utcnow())
    make.commit()
    auth.login("sb-odense")
    form = screen(client, mette).get_data(as_text=True).split("Registrér svar")[1]
    assert 'value="within_6_months" selected' in form and "Svarene på spørgsmål 10 er ikke vist" in form
    assert " checked" not in form  # question 10 unread: nothing of it in the form either
    form = screen(client, mette, "?vis=q10&formaal=samtale").get_data(as_text=True).split("Registrér svar")[1]
    assert 'value="within_6_months" selected' in form and 'value="ja" checked' in form
    assert 'value="physical_health" checked' in form and 'value="reading_spelling" checked' in form
    assert 'value="it_skills" checked' not in form and "er ikke vist" not in form


def test_caseworker_records_q2_and_q10_answers(client, auth, make, session, cw, mette):
    from portal.models.plan import PreparationAnswer

    make.commit()
    auth.login("sb-odense")
    path = f"/sagsbehandler/medlem/{mette.member_number}/svar"
    response = auth.post(path, {"q2": "within_3_months", "q10_has_barriers": "ja",
                                "q10_barriers": ["it_skills"]}, page=f"/sagsbehandler/medlem/{mette.member_number}")
    assert response.status_code == 302
    answer = session.scalar(select(PreparationAnswer))
    assert answer.q2 == "within_3_months" and answer.q10_barriers == ["it_skills"]
    assert answer.answered_by == "caseworker"


def test_suggested_offers_follow_group_and_answers(make):
    from portal.services.casework.conversation_record import suggested_offers

    member = make.member(target_group="2b", trade_inside_foa=False)
    keys = [s.key for s in suggested_offers(member, group="2b", barriers=["reading_spelling"])]
    assert {"fvu_test", "focus", "webinar_job", "webinar_change", "jobmatch"} <= set(keys)
    one = make.member(target_group="1")
    keys = [s.key for s in suggested_offers(one, group="1", barriers=[])]
    assert "focus" not in keys and "fvu_test" not in keys and "webinar_change" not in keys
    assert "jobmatch" in keys
    # Focus conversations belong to an unemployed member's contact course: not suggested to a sick-listed member
    # whose profile points to group 2 (the webinars are).
    sick = make.member(status="sygemeldt", target_group=None)
    keys = [s.key for s in suggested_offers(sick, group="2a", barriers=[])]
    assert "focus" not in keys and "webinar_job" in keys
    # ... and the reason says the group is the profiling's proposal when none is decided (the screen says "Ikke
    # fastlagt" above it).
    why = {s.key: s.why for s in suggested_offers(sick, group="2a", barriers=[], group_proposed=True)}
    assert why["webinar_job"] == "Ekstra tilbud til målgruppe 2 (som profileringen foreslår; ikke fastlagt endnu)."
    assert {s.key: s.why for s in suggested_offers(member, group="2b", barriers=[])}["webinar_job"] == \
        "Ekstra tilbud til målgruppe 2."


def test_a_members_proposal_reads_as_such_on_the_caseworkers_screen(client, auth, make, session, cw, mette):
    from portal.services.minside import plan

    plan.propose_item(session, mette, kind="education", title="Kursus i demens", actor=mette.user, now=utcnow())
    make.commit()
    auth.login("sb-odense")
    html = screen(client, mette).get_data(as_text=True)
    assert "Medlemmets forslag – afventer sagsbehandleren" in html and "Afventer din sagsbehandler" not in html


def test_group_override_needs_a_comment_and_nothing_changes_without(client, auth, make, session, cw, mette):
    from portal.models.profiling import GroupDecision

    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    refused = auth.post(page + "/maalgruppe", {"group": "1", "comment": "   "}, page=page)
    html = refused.get_data(as_text=True)  # the screen again, the form open with its message and the choice kept
    assert refused.status_code == 422 and "Skriv en begrundelse" in html
    assert '<details class="inline-form" open>' in html and '<option value="1" selected>' in html
    session.refresh(mette)
    assert mette.target_group == "2a" and count(session, GroupDecision) == 0
    auth.post(page + "/maalgruppe", {"group": "1", "comment": "Har job på hånden, kun sparring"}, page=page)
    session.refresh(mette)
    assert mette.target_group == "1" and count(session, GroupDecision) == 1


def test_registering_a_followup_makes_plan_items_and_a_draft_summary(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    path = f"/sagsbehandler/medlem/{mette.member_number}/samtale"
    due = (TODAY + timedelta(days=14)).isoformat()
    response = auth.post(path, {
        "type": "followup_phone", "channel": "phone", "outcome": "held",
        "member_summary": "Vi talte om ansøgninger til hjemmeplejen i Odense.",
        "notes": "Intern: virker presset økonomisk.",
        "agreement-1-text": "Søg 3 job i hjemmeplejen", "agreement-1-due": due,
        "agreement-2-text": "Deltag i webinaret om jobsamtaler", "agreement-2-rad": "1",
    })
    assert response.status_code == 302 and "/sagsbehandler/referat/" in response.headers["Location"]
    conversation = session.scalar(select(HeldConversation))
    assert conversation.outcome == "held" and len(conversation.agreements) == 2
    items = session.scalars(select(PlanItem).order_by(PlanItem.id)).all()
    assert [i.title for i in items] == ["Søg 3 job i hjemmeplejen", "Deltag i webinaret om jobsamtaler"]
    assert items[1].right_and_duty and items[0].status == "active"
    summary = session.scalar(select(ConversationSummary))
    assert summary.status == "draft"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Søg 3 job i hjemmeplejen" in html and "ret- og pligttilbud" in html
    assert "Intern: virker presset" not in html  # internal notes never in the summary
    assert "Kladde" in html
    # The member cannot see a draft.
    auth.logout()
    auth.login("mette")
    assert client.get(f"/min-side/referater/{summary.id}").status_code == 404


def test_sending_the_summary_hands_it_to_the_member_and_the_job_centre(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    path = f"/sagsbehandler/medlem/{mette.member_number}/samtale"
    auth.post(path, {"type": "followup_video", "channel": "video", "outcome": "held",
                     "member_summary": "Næste skridt: jobsøgning i ældreplejen.",
                     "agreement-1-text": "Opdatér CV'et på Jobnet"})
    summary = session.scalar(select(ConversationSummary))
    response = auth.post(f"/sagsbehandler/referat/{summary.id}/send", page=f"/sagsbehandler/referat/{summary.id}")
    assert response.status_code == 302
    session.refresh(summary)
    assert summary.status == "sent" and summary.sent_at is not None
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "jobcenter"))
    assert message.kind == "conversation_summary" and message.member_id == mette.id
    assert message.to_address == "jobcenter:Odense"
    assert message.attachments[0].content.startswith(b"%PDF") and message.attachments[0].content_type == \
        "application/pdf"
    assert {d.recipient for d in session.scalars(select(SummaryDispatch))} == {"member", "jobcenter"}
    again = auth.post(f"/sagsbehandler/referat/{summary.id}/send", page=f"/sagsbehandler/referat/{summary.id}")
    assert again.status_code == 409 and count(session, OutboxMessage) == 1
    staff_page = client.get(f"/sagsbehandler/referat/{summary.id}").get_data(as_text=True)
    assert "Venter" in staff_page and "pending" not in staff_page  # the outbox state in words, in Danish
    auth.logout()
    auth.login("mette")
    listing = client.get("/min-side/referater").get_data(as_text=True)
    assert "Samtalereferat – Opfølgning pr. video" in listing
    page = client.get(f"/min-side/referater/{summary.id}").get_data(as_text=True)
    assert "Opdatér CV'et på Jobnet" in page or "Opdatér CV&#39;et på Jobnet" in page
    assert "Vi vil gerne give dig ekstra støtte" in page and "langvarig" not in page
    pdf = client.get(f"/min-side/referater/{summary.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_a_follow_up_by_phone_needs_no_channel_chosen(client, auth, make, session, cw, mette):
    # "Opfølgning pr. telefon" without a booking was refused with "Vælg samtaleform." though its name says how.
    make.commit()
    auth.login("sb-odense")
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale",
                         {"type": "followup_phone", "outcome": "held"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert session.scalar(select(HeldConversation)).channel == "phone"
    refused = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale",
                        {"type": "dismissed_first", "outcome": "held"})  # three ways to hold it: say which
    assert refused.status_code == 422 and "Vælg samtaleform." in refused.get_data(as_text=True)


def test_a_summary_the_browser_accepted_is_counted_as_it_counted_it(client, auth, make, session, cw, mette):
    # A form posts each line break as "\r\n": 600 lines of "Linje" were 4,200 characters to the server, 3,599 to
    # the textarea's maxlength="4000", and refused as too long.
    make.commit()
    auth.login("sb-odense")
    path = f"/sagsbehandler/medlem/{mette.member_number}/samtale"
    response = auth.post(path, {"type": "followup_phone", "outcome": "held", "member_summary": "Linje\r\n" * 600,
                                "notes": "Første\r\nanden"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    conversation = session.scalar(select(HeldConversation))
    assert conversation.member_summary == "\n".join(["Linje"] * 600) and conversation.notes == "Første\nanden"


def test_a_summary_too_long_says_how_long_it_is(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale",
                         {"type": "followup_phone", "outcome": "held", "member_summary": "x" * 4123})
    assert response.status_code == 422
    assert "Referatet er 4.123 tegn; det må højst være 4.000." in response.get_data(as_text=True)
    assert count(session, HeldConversation) == 0


def test_another_member_cannot_read_my_summary(client, auth, make, session, cw, mette):
    make.member("nabo")
    make.commit()
    auth.login("sb-odense")
    auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale",
              {"type": "followup_phone", "channel": "phone", "outcome": "held"})
    summary = session.scalar(select(ConversationSummary))
    auth.post(f"/sagsbehandler/referat/{summary.id}/send", page=f"/sagsbehandler/referat/{summary.id}")
    auth.logout()
    auth.login("nabo")
    assert client.get(f"/min-side/referater/{summary.id}").status_code == 404
    assert client.get(f"/min-side/referater/{summary.id}.pdf").status_code == 404


def test_pdf_has_the_danish_letters_right(app, make, session, cw, mette):
    from portal.services.casework.summary_pdf import render_summary_pdf

    pdf = render_summary_pdf({"title": "Samtalereferat – Rådighedssamtale", "facts": [["Medlem", "Søren Ærø"]],
                              "sections": [{"heading": "Det aftalte vi", "items": ["Søg job på Østerbro"]}],
                              "footer": "Spørgsmål? Skriv til os."})
    path = app.instance_path + "/t.pdf" if False else None  # noqa: F841 - written to tmp below
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        try:
            text = subprocess.run(["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True).stdout
        except FileNotFoundError:
            pytest.skip("pdftotext not installed")
    assert "Rådighedssamtale" in text and "Søren Ærø" in text and "Østerbro" in text


def test_statutory_conversation_without_booking_is_refused_and_nothing_changes(client, auth, make, session, cw,
                                                                               mette):
    make.commit()
    auth.login("sb-odense")
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale",
                         {"type": "cv", "channel": "in_person", "outcome": "held",
                          "agreement-1-text": "Søg job"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Vælg den bookede samtale" in html
    assert 'value="Søg job"' in html  # the entered values are kept
    assert count(session, HeldConversation) == 0 and count(session, PlanItem) == 0


def test_agreement_due_in_the_past_is_refused_and_nothing_changes(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale", {
        "type": "followup_phone", "channel": "phone", "outcome": "held",
        "agreement-1-text": "Søg job", "agreement-1-due": (TODAY - timedelta(days=1)).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Aftale 1: Fristen kan ikke ligge i fortiden." in html
    assert 'aria-invalid="true"' in html and 'href="#agreement-1-due"' in html
    assert count(session, HeldConversation) == 0 and count(session, PlanItem) == 0
    assert count(session, ConversationSummary) == 0


def test_group_decision_in_registration_needs_comment(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale", {
        "type": "followup_phone", "channel": "phone", "outcome": "held", "group_decision": "2b"})
    assert response.status_code == 422 and "begrundelse" in response.get_data(as_text=True)
    session.refresh(mette)
    assert mette.target_group == "2a" and count(session, HeldConversation) == 0


def test_registering_the_booked_cv_conversation_marks_it_held(client, auth, make, session, cw, mette):
    booking = book(session, mette, cw, type="cv", status="booked", days_from_now=-1)
    make.commit()
    auth.login("sb-odense")
    form = auth.client.get(f"/sagsbehandler/medlem/{mette.member_number}/samtale?booking={booking.id}")
    assert "CV-samtale" in form.get_data(as_text=True)
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale", {
        "booking_id": str(booking.id), "channel": "in_person", "outcome": "held",
        "group_decision": "2a", "group_comment": "Enig i profileringen: fysiske skånehensyn"})
    assert response.status_code == 302
    session.refresh(booking)
    assert booking.status == "held"
    conversation = session.scalar(select(HeldConversation))
    assert conversation.type == "cv" and conversation.booking_id == booking.id
    html = screen(client, mette).get_data(as_text=True)
    assert "Holdt" in html
    again = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale", {
        "booking_id": str(booking.id), "channel": "in_person", "outcome": "held"})
    assert again.status_code == 422 and "allerede registreret" in again.get_data(as_text=True)


def test_no_show_makes_no_summary(client, auth, make, session, cw, mette):
    booking = book(session, mette, cw, type="contact_course", status="booked", days_from_now=-2)
    make.commit()
    auth.login("sb-odense")
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale", {
        "booking_id": str(booking.id), "channel": "in_person", "outcome": "no_show"})
    assert response.status_code == 302
    session.refresh(booking)
    assert booking.status == "no_show" and count(session, ConversationSummary) == 0


def test_editing_another_locations_member_is_refused(client, auth, make, session):
    odense = make.location()
    svendborg = make.location("Svendborg", "Syddanmark", 55.06, 10.61)
    make.caseworker("specialist", location=odense, group2_specialist=True)
    member = make.member(location=svendborg, target_group="2a")
    make.commit()
    auth.login("specialist")
    page = f"/sagsbehandler/medlem/{member.member_number}"
    html = client.get(page).get_data(as_text=True)
    assert "Du kan se sagen, men ikke ændre i den" in html and "Registrér samtale</a>" not in html
    token_page = "/sagsbehandler/"
    response = auth.post(page + "/plan", {"kind": "agreement", "title": "Søg job"}, page=token_page)
    assert response.status_code == 403 and "andet betjeningssted" in response.get_data(as_text=True)
    response = auth.post(page + "/samtale", {"type": "followup_phone", "channel": "phone", "outcome": "held"},
                         page=token_page)
    assert response.status_code == 403
    response = auth.post(page + "/maalgruppe", {"group": "1", "comment": "x" * 20}, page=token_page)
    assert response.status_code == 403
    session.refresh(member)
    assert member.target_group == "2a" and count(session, PlanItem) == 0 and count(session, HeldConversation) == 0


def test_plan_editor_accepts_member_proposal_and_refuses_past_due(client, auth, make, session, cw, mette):
    from portal.services.minside import plan

    item = plan.propose_item(session, mette, kind="education", title="Kursus i demens", actor=mette.user,
                             now=utcnow())
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    html = client.get(page).get_data(as_text=True)
    assert "Kursus i demens" in html and "Godkend forslag" in html
    auth.post(f"{page}/plan/{item.id}", {"action": "accept", "version": str(item.version)}, page=page)
    session.refresh(item)
    assert item.status == "active"
    # A second tab still shows the proposal: its "Afvis" does not overwrite the acceptance.
    stale = auth.post(f"{page}/plan/{item.id}", {"action": "reject", "reason": "Nej", "version": str(item.version - 1)},
                      page=page)
    assert stale.status_code == 302
    assert "ændret i mellemtiden" in client.get(stale.headers["Location"]).get_data(as_text=True)
    session.refresh(item)
    assert item.status == "active"
    past = (TODAY - timedelta(days=3)).isoformat()
    refused = auth.post(f"{page}/plan", {"kind": "job_search", "title": "Søg job", "description": "Tre om ugen",
                                         "due_date": past, "right_and_duty": "1"}, page=page)
    html = refused.get_data(as_text=True)  # what was typed is still there (walk-through, 5 December)
    assert refused.status_code == 422 and "Fristen kan ikke ligge i fortiden" in html
    assert 'value="Søg job"' in html and ">Tre om ugen</textarea>" in html and f'value="{past}"' in html
    assert '<option value="job_search" selected>' in html and 'id="plan-rad" name="right_and_duty" value="1" checked' in html
    assert count(session, PlanItem) == 1


def test_plan_item_title_with_a_control_character_is_refused_with_a_message(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    # (NUL itself is refused for every request before the view: tests/core/test_request_text.py)
    response = auth.post(f"{page}/plan", {"kind": "agreement", "title": "Søg\x07job"}, page=page)
    assert response.status_code == 422
    assert "usynlige styretegn" in response.get_data(as_text=True)
    assert count(session, PlanItem) == 0


def test_visitation_to_the_job_centre(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    refused = auth.post(page + "/visitation", {"reason": "kort"}, page=page)
    assert refused.status_code == 422 and "mindst 10 tegn" in refused.get_data(as_text=True)
    assert ">kort</textarea>" in refused.get_data(as_text=True)
    assert count(session, JobcenterReferral) == 0
    auth.post(page + "/visitation", {"reason": "Komplekse helbredsproblemer og misbrug; behov for "
                                                "tværfaglig indsats."}, page=page)
    referral = session.scalar(select(JobcenterReferral))
    assert referral.status == "sent" and referral.referred_on == TODAY
    message = session.get(OutboxMessage, referral.outbox_message_id)
    assert message.channel == "jobcenter" and message.kind == "jobcenter_visitation"
    assert f"Visiteret den {TODAY.day}. " in message.body_text and TODAY.isoformat() not in message.body_text
    twice = auth.post(page + "/visitation", {"reason": "Endnu en visitation af samme medlem"}, page=page)
    assert twice.status_code == 409 and count(session, JobcenterReferral) == 1
    # "Afvist" is the job centre's refusal: recorded only with its reason, which the screen then shows.
    bare = auth.post(f"/sagsbehandler/visitation/{referral.id}/status", {"status": "rejected", "note": " "}, page=page)
    assert bare.status_code == 302 and "jobcentrets begrundelse" in client.get(page).get_data(as_text=True)
    session.refresh(referral)
    assert referral.status == "sent"
    auth.post(f"/sagsbehandler/visitation/{referral.id}/status", {"status": "accepted"}, page=page)
    session.refresh(referral)
    assert referral.status == "accepted"
    assert "Modtaget af jobcentret" in client.get(page).get_data(as_text=True)


def test_admin_can_read_but_not_change(client, auth, make, session, cw, mette):
    make.user("adm", role="admin")
    make.commit()
    auth.login("adm")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    html = client.get(page).get_data(as_text=True)
    assert "Administratorer kan se sagen" in html
    assert count(session, Booking) == 0


def test_the_summary_says_how_the_booked_conversation_was_held_not_the_preferred_channel(client, auth, make,
                                                                                        session, cw, mette):
    mette.preferred_channel = "in_person"
    booking = book(session, mette, cw, type="contact_course", days_from_now=-1)
    booking.channel = "phone"
    make.commit()
    auth.login("sb-odense")
    path = f"/sagsbehandler/medlem/{mette.member_number}/samtale"
    form = client.get(f"{path}?booking={booking.id}").get_data(as_text=True)
    assert '<option value="phone" selected>' in form and '<option value="in_person" selected>' not in form

    response = auth.post(path, {"booking_id": str(booking.id), "channel": "", "outcome": "held"},
                         page=f"{path}?booking={booking.id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert session.scalar(select(HeldConversation.channel)) == "phone"
    summary = session.scalar(select(ConversationSummary))
    page = client.get(f"/sagsbehandler/referat/{summary.id}").get_data(as_text=True)
    assert "Telefon" in page and "Fremmøde" not in page
    pdf = client.get(f"/sagsbehandler/referat/{summary.id}.pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "Telefon" in text and "Fremmøde" not in text


def test_without_a_booking_the_channel_must_be_chosen(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-odense")
    path = f"/sagsbehandler/medlem/{mette.member_number}/samtale"
    response = auth.post(path, {"type": "dismissed_first", "channel": "", "outcome": "held"})
    assert response.status_code == 422 and "Vælg samtaleform" in response.get_data(as_text=True)
    assert count(session, HeldConversation) == 0


def test_a_summary_shows_the_plan_as_it_stood_that_day_not_today(client, auth, make, session, cw, mette):
    from portal.services.casework import summary as summary_service

    make.commit()
    auth.login("sb-odense")
    auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale",
              {"type": "followup_phone", "channel": "phone", "outcome": "held",
               "agreement-1-text": "Søg tre stillinger i hjemmeplejen"})
    conversation = session.scalar(select(HeldConversation))
    assert count(session, PlanItem) == 1

    def plan_section(today):
        content = summary_service.build_content(session, conversation, today=today)
        return next(s for s in content["sections"] if s["heading"] == "Din plan lige nu")["items"]

    assert any("Søg tre stillinger" in line for line in plan_section(TODAY))
    assert plan_section(TODAY - timedelta(days=1)) == []  # added after that day: not in that day's record


def test_a_visitation_refused_with_the_job_centres_reason_shows_it(client, auth, make, session, cw, mette):
    from portal.services.access import staff_scope
    from portal.services.casework import referral as visitation

    make.commit()
    scope = staff_scope(session, cw.user)
    item = visitation.refer_to_jobcenter(session, scope, mette, reason="Komplekse helbredsproblemer; behov for "
                                         "tværfaglig indsats.", referred_on=TODAY.isoformat(), today=TODAY,
                                         now=utcnow())
    session.commit()
    visitation.set_status(session, scope, item, "rejected", note="Medlemmet er allerede i et forløb hos os")
    session.commit()
    auth.login("sb-odense")
    html = client.get(f"/sagsbehandler/medlem/{mette.member_number}").get_data(as_text=True)
    assert "Afvist af jobcentret" in html and "Medlemmet er allerede i et forløb hos os" in html


def test_the_history_names_a_session_we_cancelled_as_cancelled_not_as_the_members_withdrawal(
        client, auth, make, session, cw, mette):
    from portal.services.offers import offer_editing, offers
    from tests.offers_helpers import make_offer, make_session

    offer = make_offer(session, title="Temamøde: Jobmatch")
    cancelled = make_session(session, offer, starts_in=timedelta(days=8), now=utcnow())
    withdrawn = make_session(session, make_offer(session, title="Webinar: CV"), starts_in=timedelta(days=9),
                             now=utcnow())
    offers.register(session, mette, cancelled.id, actor="cli", now=utcnow())
    own = offers.register(session, mette, withdrawn.id, actor="cli", now=utcnow())
    admin = make.user("admin-x", role="admin")
    offer_editing.cancel_session(session, cancelled, reason="Underviseren er syg", actor=admin, now=utcnow())
    offers.cancel_registration(session, own, actor=mette.user, now=utcnow())
    make.commit()
    auth.login("sb-odense")
    html = screen(client, mette).get_data(as_text=True)
    assert "Temamøde: Jobmatch – Holdet er aflyst" in html and "Temamøde: Jobmatch – Afmeldt" not in html
    assert "Webinar: CV – Afmeldt" in html  # her own withdrawal still reads as hers
