"""A NUL character anywhere in a request is a 400 with the reason and changes nothing, on both databases.

PostgreSQL refuses NUL in text, so before portal/request_text.py these were 500s in its leg (and SQLite stored the
NUL). Runs in both legs of `make test`.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry
from portal.models.chat import ChatConversation
from portal.models.plan import PlanItem
from portal.request_text import contains_nul
from tests.minside.test_api_member import token

pytestmark = pytest.mark.usefixtures("clock")

REASON = "usynligt nul-tegn"


@pytest.fixture
def people(make):
    cw = make.caseworker("sb-odense", display_name="Birgitte Holm")
    mette = make.member("mette", caseworker=cw, target_group="2a")
    make.commit()
    return cw, mette


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


PROFILE = {"email": "mette@eksempel.dk", "phone": "20 30 40 50", "job_goal": "SOSU-hjælper",
           "trade_inside_foa": "ja", "preferred_channel": "phone", "language": "da"}


@pytest.mark.parametrize("field,value", [("job_goal", "SOSU\x00hjælper"), ("email", "\x00"),
                                         ("language", "da\x00"), ("job_goal\x00", "x")])
def test_a_form_with_nul_gets_a_danish_page_and_nothing_is_saved(client, auth, people, session, field, value):
    _, mette = people
    auth.login("mette")
    before = (mette.email, mette.phone, mette.job_goal)

    response = auth.post("/min-side/profil", {**PROFILE, field: value})

    assert response.status_code == 400
    assert response.mimetype == "text/html" and REASON in response.get_data(as_text=True)
    session.refresh(mette)
    assert (mette.email, mette.phone, mette.job_goal) == before
    assert _count(session, AuditEntry, AuditEntry.action == "profile.update") == 0
    assert auth.post("/min-side/profil", PROFILE).status_code == 302  # the same form without it saves


def test_a_caseworker_plan_item_with_nul_is_refused(client, auth, people, session):
    _, mette = people
    auth.login("sb-odense")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    response = auth.post(f"{page}/plan", {"kind": "agreement", "title": "Søg\x00job"}, page=page)
    assert response.status_code == 400 and REASON in response.get_data(as_text=True)
    assert _count(session, PlanItem) == 0


@pytest.mark.parametrize("url", ["/sagsbehandler/jobordrer?q=%00", "/sagsbehandler/jobordrer?status=open&q%00=1",
                                 "/sagsbehandler/medlem/%00", "/sagsbehandler/medlem/12%0034"])
def test_nul_in_the_address_is_a_400_not_a_database_error(client, auth, people, url):
    auth.login("sb-odense")
    response = client.get(url)
    assert response.status_code == 400 and REASON in response.get_data(as_text=True)


def test_the_api_answers_problem_json_and_writes_nothing(client, people, session):
    headers = token(client, "mette")
    response = client.post("/api/v1/me/plan", json={"kind": "other", "title": "Kursus\u0000"}, headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json" and REASON in response.get_json()["detail"]
    assert _count(session, PlanItem) == 0


@pytest.mark.parametrize("body", [{"sender": "web-abc", "message": "hej\u0000"},
                                  {"sender": "web-\u0000", "message": "hej"},
                                  {"sender": "web-abc", "message": "hej", "metadata": {"x\u0000": [1, "y"]}}])
def test_the_chat_webhook_refuses_nul_before_a_conversation_starts(client, session, body):
    response = client.post("/webhooks/rest/webhook", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and REASON in response.get_json()["detail"]
    assert _count(session, ChatConversation) == 0


def test_an_escaped_backslash_u0000_is_ordinary_text(client):
    body = json.dumps({"text": "skriv \\u0000 i feltet"})  # the six characters \u0000, not a NUL
    assert "\x00" not in json.loads(body)["text"]
    response = client.post("/model/parse", data=body, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize("value,found", [("a\x00", True), ({"k": ["x", {"\x00": 1}]}, True), ([1, None, 2.5], False),
                                         ({"a": "b"}, False), ("", False), (None, False)])
def test_contains_nul_looks_through_keys_and_nesting(value, found):
    assert contains_nul(value) is found
