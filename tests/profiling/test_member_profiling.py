"""Profiling on Min side: the member sees the target group and main factors a caseworker confirmed (never the
probability, nothing before the CV conversation) and can disagree; the caseworker sees it and answers with a new
group decision, which the member then sees."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Booking, Notification
from portal.models.profiling import GroupDecision, GroupObjection
from portal.profiling.variables import factor_text
from portal.services import profiling
from portal.timeutil import utcnow
from tests.profiling_helpers import add_assessment

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def world(make, session):
    odense = make.location("Odense")
    cw = make.caseworker("sb-odense", location=odense, display_name="Birgitte Holm")
    mette = make.member("mette", caseworker=cw, location=odense, first_name="Mette", last_name="Jensen",
                        target_group=None, weeks_unemployed=5)
    now = utcnow()
    add_assessment(session, mette, probability=0.73, now=now, factors=[
        {"text": factor_text("work_experience_years", 25.0, above_reference=True), "contribution": -0.4},
        {"text": factor_text("q2", "more_than_6_months", above_reference=True), "contribution": 0.6},
        {"text": factor_text("children_at_home", 1.0, above_reference=True), "contribution": 0.2}])
    make.commit()
    profiling.override_group(session, mette, group="2a", comment="Du får to fokussamtaler om job i hjemmeplejen.",
                             actor=cw.user, now=now)
    session.commit()
    return {"cw": cw, "mette": mette, "now": now}


def _hold_cv_conversation(session, world):
    mette, cw, now = world["mette"], world["cw"], world["now"]
    starts = now - timedelta(days=2)
    session.add(Booking(uid="cv-1@test", member_id=mette.id, caseworker_id=cw.id, location_id=cw.location_id,
                        type="cv", channel="in_person", starts_at=starts, ends_at=starts + timedelta(hours=1),
                        status="held", sequence=0, created_at=starts, updated_at=starts))
    session.commit()


def _page(client, path="/min-side/maalgruppe") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_nothing_is_shown_before_the_cv_conversation_even_with_a_decision(client, auth, session, world):
    auth.login("mette")
    page = _page(client)
    assert "Ved din CV-samtale" in page and "Målgruppe 2a" not in page and "fokussamtaler om job" not in page
    assert "Din målgruppe" not in _page(client, "/min-side").split("<main", 1)[1].split("Tilbud til dig")[0]
    assert auth.post("/min-side/maalgruppe/uenig", {"text": "Uenig"}).status_code == 404
    assert session.scalar(select(func.count()).select_from(GroupObjection)) == 0


def test_after_the_cv_conversation_the_member_sees_group_factors_and_reason_never_the_probability(
        client, auth, session, world):
    _hold_cv_conversation(session, world)
    auth.login("mette")
    page = _page(client)
    assert "Målgruppe 2a" in page and "Du får to fokussamtaler om job i hjemmeplejen." in page
    assert "Fastsat af Birgitte Holm" in page
    helps = page.split("Det taler for, at du snart finder job")[1].split("</ul>")[0]
    support = page.split("Det taler for, at ekstra støtte kan hjælpe dig")[1].split("</ul>")[0]
    assert "erhvervserfaring" in helps and "børn" in support.lower() and "6 måneder" in support
    # The page's text and attributes, without the form tokens (random letters and digits that may hold "73") and the
    # static files' content versions (hex digits, portal/static_assets.py); 73 as a number of its own (not in the
    # factory's "Bruger 2738").
    shown = re.sub(r'name="csrf_token" value="[^"]*"|\?v=[0-9a-f]{16}"', "", page)
    assert not re.search(r"(?<![0-9A-Za-z])73(?![0-9A-Za-z])", shown), "the probability (73 %) is on the page"
    assert "risiko" not in page.lower() and "sandsynlighed" not in page.lower()
    home = _page(client, "/min-side")
    assert "Se hvorfor, og hvad du kan gøre, hvis du er uenig" in home
    english = _page(client, "/min-side/maalgruppe?lang=en")
    assert "Target group 2a" in english and "work experience" in english


@pytest.mark.parametrize("text,message,status", [
    ("   ", "Skriv, hvad du er uenig i.", 422),
    ("x" * 1001, "Skriv højst 1000 tegn (du skrev 1001).", 422),
])
def test_a_bad_objection_is_refused_with_a_message_and_nothing_is_written(client, auth, session, world, text,
                                                                          message, status):
    _hold_cv_conversation(session, world)
    auth.login("mette")
    response = auth.post("/min-side/maalgruppe/uenig", {"text": text})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(GroupObjection)) == 0


def test_disagree_the_caseworker_is_told_answers_with_a_decision_and_the_member_sees_the_answer(
        client, auth, session, world):
    _hold_cv_conversation(session, world)
    mette, cw = world["mette"], world["cw"]
    auth.login("mette")
    response = auth.post("/min-side/maalgruppe/uenig", {"text": "Jeg har 25 års erfaring og klarer mig selv."})
    assert response.status_code == 302
    objection = session.scalar(select(GroupObjection))
    assert objection.text.startswith("Jeg har 25 års") and objection.answered_at is None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "profiling.group_objection")) is not None
    note = session.scalar(select(Notification).where(Notification.user_id == cw.user_id))
    assert "Mette Jensen er uenig i sin målgruppe" in note.text
    page = _page(client)
    assert "Din sagsbehandler ser på det og svarer dig her" in page and "Send til min sagsbehandler" not in page
    assert "Målgruppe 2a</strong> · du har skrevet, at du er uenig" in _page(client, "/min-side")  # the card
    again = auth.post("/min-side/maalgruppe/uenig", {"text": "En gang til"})
    assert again.status_code == 409 and "allerede skrevet" in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(GroupObjection)) == 1
    auth.logout()

    auth.login("sb-odense")
    staff_page = _page(client, f"/sagsbehandler/medlem/{mette.member_number}")
    assert "Medlemmet er uenig i målgruppen" in staff_page and "25 års erfaring" in staff_page
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/maalgruppe",
                         {"group": "1", "comment": "Du har ret: vi flytter dig til målgruppe 1."})
    assert response.status_code == 302
    session.expire_all()
    objection = session.scalar(select(GroupObjection))
    answer = session.scalar(select(GroupDecision).order_by(GroupDecision.id.desc()))
    assert objection.answered_by_decision_id == answer.id and objection.answered_at is not None
    assert "Medlemmet er uenig" not in _page(client, f"/sagsbehandler/medlem/{mette.member_number}")
    auth.logout()

    auth.login("mette")
    assert session.scalar(select(Notification).where(Notification.user_id == mette.user_id,
                                                     Notification.link == "/min-side/maalgruppe")) is not None
    page = _page(client)
    assert "Målgruppe 1" in page and "Du har ret: vi flytter dig til målgruppe 1." in page
    assert "Svar fra din sagsbehandler" in page and "Send til min sagsbehandler" in page  # may disagree again
    home = _page(client, "/min-side")
    assert "<strong>Målgruppe 1</strong>" in home and "du har skrevet, at du er uenig" not in home


def test_a_refused_objection_has_the_error_summary_and_the_field_names_its_error(client, auth, session, world):
    from tests.form_errors import error_link_problems

    _hold_cv_conversation(session, world)
    auth.login("mette")
    html = auth.post("/min-side/maalgruppe/uenig", {"text": ""}).get_data(as_text=True)
    # the summary takes the focus as on every other member form (static/js/app.js), and links to the box
    assert '<div class="error-summary" role="alert" tabindex="-1"' in html and 'href="#objection"' in html
    assert 'aria-invalid="true" aria-describedby="objection-error objection-hint"' in html
    assert error_link_problems(html) == []
