"""Create forms are saved once however often the page is sent (portal/services/form_once.py).

A tester sent "Registrér samtale" again with the back button: two held conversations (both counted by the steering
dashboard) and two draft summaries. A member's proposal and a staff member's new offer likewise.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import FormSubmission
from portal.models.casework import ConversationSummary, HeldConversation
from portal.models.offers import Offer
from portal.models.plan import PlanItem
from portal.services import form_once
from portal.timeutil import local_today


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def key_of(html: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', html).group(1)


@pytest.fixture
def cw(make):
    return make.caseworker("sb-once", display_name="Birgitte Holm")


@pytest.fixture
def mette(make, cw):
    return make.member("mette-once", caseworker=cw, target_group="2a")


def test_a_conversation_sent_twice_is_registered_once_and_the_second_send_shows_the_first(
        client, auth, make, session, cw, mette):
    make.commit()
    auth.login("sb-once")
    path = f"/sagsbehandler/medlem/{mette.member_number}/samtale"
    key = key_of(client.get(path).get_data(as_text=True))
    form = {"type": "followup_phone", "outcome": "held", "member_summary": "Vi talte om jobsøgning.",
            "form_key": key}
    first = auth.post(path, form)
    assert first.status_code == 302
    again = auth.post(path, form)  # the back button, and send again
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert count(session, HeldConversation) == 1 and count(session, ConversationSummary) == 1
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Formularen var allerede sendt, så den er kun gemt én gang." in shown
    # A new form (a new key) registers a new conversation.
    fresh = key_of(client.get(path).get_data(as_text=True))
    assert fresh != key
    assert auth.post(path, {**form, "form_key": fresh}).status_code == 302
    assert count(session, HeldConversation) == 2


def test_a_send_refused_for_an_error_keeps_its_key_free_for_the_corrected_form(client, auth, make, session, cw,
                                                                              mette):
    make.commit()
    auth.login("sb-once")
    path = f"/sagsbehandler/medlem/{mette.member_number}/samtale"
    key = key_of(client.get(path).get_data(as_text=True))
    refused = auth.post(path, {"type": "dismissed_first", "outcome": "held", "form_key": key})  # no channel
    assert refused.status_code == 422
    assert key_of(refused.get_data(as_text=True)) == key  # the page shown again carries the same key
    assert count(session, FormSubmission) == 0
    assert auth.post(path, {"type": "followup_phone", "outcome": "held", "form_key": key}).status_code == 302
    assert count(session, HeldConversation) == 1


def test_a_members_proposal_and_a_new_offer_sent_twice_are_saved_once(client, auth, make, session, cw, mette):
    make.commit()
    auth.login("mette-once")
    key = key_of(client.get("/min-side/plan").get_data(as_text=True))
    due = (local_today() + timedelta(days=14)).isoformat()
    form = {"kind": "education", "title": "Kursus i demens", "description": "", "due_date": due, "form_key": key}
    assert auth.post("/min-side/plan", form).status_code == 302
    assert auth.post("/min-side/plan", form, page="/min-side/plan").status_code == 302
    assert count(session, PlanItem) == 1
    auth.logout()

    auth.login("sb-once")
    key = key_of(client.get("/personale/tilbud/ny").get_data(as_text=True))
    form = {"kind": "fvu_course", "title": "FVU-læsning", "course_hours": "40", "fvu_subject": "reading",
            "audiences": ["2a", "2b"], "active": "1", "hold_hours": "24", "form_key": key}
    first = auth.post("/personale/tilbud/ny", form)
    assert first.status_code == 302, first.get_data(as_text=True)[:500]
    again = auth.post("/personale/tilbud/ny", form, page="/personale/tilbud/ny")
    assert again.headers["Location"] == first.headers["Location"]
    assert count(session, Offer) == 1


def test_a_key_is_one_users_and_is_forgotten_after_two_days(session, make, clock):
    first, second = make.caseworker("sb-a"), make.caseworker("sb-b")
    make.commit()
    key = form_once.new_key()
    claimed = form_once.claim(session, key, first.user_id, now=clock.now)
    form_once.made(claimed, "/sagsbehandler/referat/1")
    session.commit()
    with pytest.raises(form_once.AlreadySent) as sent:
        form_once.claim(session, key, first.user_id, now=clock.now)
    assert sent.value.result_url == "/sagsbehandler/referat/1"
    with pytest.raises(form_once.AlreadySent) as sent:  # someone else's key: refused, and nothing of it shown
        form_once.claim(session, key, second.user_id, now=clock.now)
    assert sent.value.result_url is None
    assert form_once.claim(session, "not a key", first.user_id, now=clock.now) is None  # an old form: not guarded
    session.rollback()
    assert form_once.purge(session, now=clock.now + timedelta(days=1)) == 0
    assert form_once.purge(session, now=clock.now + timedelta(days=3)) == 1


def test_an_offer_form_opened_before_a_colleague_saved_is_refused_and_keeps_what_was_typed(client, auth, make,
                                                                                           session):
    # Two staff opened the same offer; the caseworker saved a new description, then the admin's title change put
    # the old description back without a word.
    make.caseworker("sb-once")
    make.commit()
    auth.login("sb-once")
    key = key_of(client.get("/personale/tilbud/ny").get_data(as_text=True))
    created = auth.post("/personale/tilbud/ny", {
        "kind": "fvu_course", "title": "FVU-læsning", "course_hours": "40", "fvu_subject": "reading",
        "audiences": ["2a", "2b"], "active": "1", "hold_hours": "24", "description": "Den gamle tekst.",
        "form_key": key}, page="/personale/tilbud/ny")
    path = created.headers["Location"] + "/rediger"
    tab_a, tab_b = client.get(path).get_data(as_text=True), client.get(path).get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', tab_a).group(1)
    assert seen == re.search(r'name="seen" value="([^"]+)"', tab_b).group(1)
    form = {"kind": "fvu_course", "title": "FVU-læsning", "course_hours": "40", "fvu_subject": "reading",
            "audiences": ["2a", "2b"], "active": "1", "hold_hours": "24"}
    saved = auth.post(path, {**form, "description": "Den nye tekst.", "seen": seen})
    assert saved.status_code == 302
    refused = auth.post(path, {**form, "title": "FVU-læsning for SOSU", "description": "Den gamle tekst.",
                               "seen": seen})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "En kollega har gemt ændringer i tilbuddet" in html
    assert "FVU-læsning for SOSU" in html  # what was typed is still in the form
    offer = session.scalar(select(Offer))
    session.refresh(offer)
    assert (offer.title, offer.description) == ("FVU-læsning", "Den nye tekst.")
    again = re.search(r'name="seen" value="([^"]+)"', html).group(1)
    assert auth.post(path, {**form, "title": "FVU-læsning for SOSU", "description": "Den nye tekst.",
                            "seen": again}).status_code == 302
