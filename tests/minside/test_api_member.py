"""The member API: tokens, /me, the contact course, Min plan, problem+json errors and cross-member access.

Every response here is also validated against /api/openapi.json by the suite's hook (tests/openapi_check.py).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Booking
from portal.models.plan import PlanItem, PlanItemEvent
from portal.services.minside import plan
from portal.timeutil import local_today, utcnow
from tests import openapi_check
from tests.factories import PASSWORD

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def people(make):
    cw = make.caseworker("sagsb", display_name="Birgitte Holm")
    mette = make.member("mette", caseworker=cw, weeks_unemployed=3, target_group="2a")
    ole = make.member("ole", caseworker=cw)
    make.commit()
    return cw, mette, ole


def token(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_openapi_document_is_valid_and_lists_the_member_routes(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/openapi.json").get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    for path in ("/api/v1/me", "/api/v1/me/contact-course", "/api/v1/me/plan", "/api/v1/me/plan/{id}"):
        assert path in doc["paths"]
    assert set(doc["paths"]["/api/v1/me"]) >= {"get", "patch"}


def test_get_me(client, people):
    _, mette, _ = people
    response = client.get("/api/v1/me", headers=token(client, "mette"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["member_number"] == mette.member_number
    assert body["caseworker"] == {"name": "Birgitte Holm", "location": "Odense"}
    assert body["weeks_unemployed"] == 3


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}])
def test_without_a_valid_token_401_problem(client, people, headers):
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "adgangsnøgle" in response.get_json()["detail"]


def test_staff_token_gets_403_on_member_routes(client, people):
    response = client.get("/api/v1/me", headers=token(client, "sagsb"))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_patch_me_changes_and_audits(client, people, session):
    _, mette, _ = people
    response = client.patch("/api/v1/me", headers=token(client, "mette"),
                            json={"phone": "20 30 40 50", "preferred_channel": "video"})
    assert response.status_code == 200
    assert response.get_json()["phone"] == "+4520304050"
    assert response.get_json()["preferred_channel"] == "video"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "profile.update"))
    assert entry.member_id == mette.id and entry.detail["preferred_channel"] == ["in_person", "video"]


@pytest.mark.parametrize("body,field", [
    ({"phone": "12"}, "phone"),
    ({"email": "nope"}, "email"),
    ({"language": "sv"}, "language"),
    ({"member_number": "999"}, "member_number"),
    ({"phone": "20304050", "email": "nope"}, "email"),  # one bad field: nothing is saved
    ({"job_goal": "SOSU\u202eassistent"}, "job_goal"),  # a right-to-left override was stored
    ({"job_goal": "SOSU\x07"}, "job_goal"),
    ({"phone": "-20304050"}, "phone"),  # was saved as +4520304050 without a word
])
def test_patch_me_bad_input_is_422_in_danish_and_changes_nothing(client, people, session, body, field):
    _, mette, _ = people
    before = mette.phone
    response = client.patch("/api/v1/me", headers=token(client, "mette"), json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json" and field in problem["errors"]
    session.refresh(mette)
    assert mette.phone == before


def test_non_json_body_is_a_problem(client, people):
    response = client.patch("/api/v1/me", headers=token(client, "mette"), data="phone=1",
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert "JSON" in response.get_json()["detail"]


def test_contact_course(client, people, session, make):
    cw, mette, _ = people
    now = utcnow()
    start = datetime.combine(local_today() - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    session.add(Booking(uid="t-cv", member_id=mette.id, caseworker_id=cw.id, location_id=mette.location_id,
                        type="cv", channel="in_person", starts_at=start + timedelta(hours=9),
                        ends_at=start + timedelta(hours=10), status="held", created_at=now, updated_at=now))
    make.commit()
    body = client.get("/api/v1/me/contact-course", headers=token(client, "mette")).get_json()
    steps = {s["key"]: s for s in body["steps"]}
    assert body["has_statutory_course"] is True
    assert steps["cv"]["status"] == "held" and steps["cv"]["title"] == "CV-samtale"
    assert steps["focus_1"]["status"] in ("planned", "overdue")  # group 2a has the right to focus conversations
    assert body["next_step"] == "contact_course_1"


def test_dismissed_member_has_no_statutory_course(client, make):
    make.member("lars", status="opsagt", target_group=None)
    make.commit()
    body = client.get("/api/v1/me/contact-course", headers=token(client, "lars")).get_json()
    assert body == {"has_statutory_course": False, "first_unemployment_day": None, "weeks_unemployed": None,
                    "next_step": None, "steps": []}


def test_propose_plan_item_and_list(client, people, session):
    headers = token(client, "mette")
    due = (local_today() + timedelta(days=10)).isoformat()
    response = client.post("/api/v1/me/plan", headers=headers,
                           json={"kind": "education", "title": "Kursus i forflytning", "due_date": due})
    assert response.status_code == 201
    item = response.get_json()
    assert item["status"] == "proposed" and item["proposed_by"] == "member" and item["due_date"] == due
    assert [h["kind"] for h in item["history"]] == ["proposed"]
    listed = client.get("/api/v1/me/plan", headers=headers).get_json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]


@pytest.mark.parametrize("body,status,field", [
    ({"kind": "other"}, 422, "title"),
    ({"kind": "party", "title": "X"}, 422, "kind"),
    ({"kind": "other", "title": "X", "due_date": "2020-01-01"}, 422, "due_date"),
    ({"kind": "other", "title": "X", "due_date": "i morgen"}, 422, "due_date"),
    ({"kind": "other", "title": "X", "colour": "red"}, 422, "colour"),
    ({"kind": "other", "title": "X", "right_and_duty": True}, 403, None),
])
def test_bad_proposals_are_refused_and_nothing_is_written(client, people, session, body, status, field):
    response = client.post("/api/v1/me/plan", headers=token(client, "mette"), json=body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json" and response.get_json()["detail"]
    if field:
        assert field in response.get_json()["errors"]
    assert session.scalar(select(func.count()).select_from(PlanItem)) == 0


def _caseworker_item(session, cw, member, title="Søg 3 job om ugen"):
    item = plan.propose_item(session, member, kind="job_search", title=title, description=None,
                             due_date=date.today() + timedelta(days=7), right_and_duty=True, actor=cw.user,
                             now=utcnow())
    session.commit()
    return item


def test_member_marks_item_done_with_comment(client, people, session):
    cw, mette, _ = people
    item = _caseworker_item(session, cw, mette)
    response = client.patch(f"/api/v1/me/plan/{item.id}", headers=token(client, "mette"),
                            json={"status": "done", "comment": "Søgt 3 job", "version": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "done" and body["version"] == 3
    assert [(h["kind"], h["by"]) for h in body["history"]] == [("proposed", "caseworker"), ("status", "member"),
                                                              ("comment", "member")]


def test_stale_version_is_409_and_nothing_changes(client, people, session):
    cw, mette, _ = people
    item = _caseworker_item(session, cw, mette)
    headers = token(client, "mette")
    assert client.patch(f"/api/v1/me/plan/{item.id}", headers=headers, json={"comment": "Første"}).status_code == 200
    response = client.patch(f"/api/v1/me/plan/{item.id}", headers=headers, json={"status": "done", "version": 1})
    assert response.status_code == 409
    session.refresh(item)
    assert item.status == "active"


def test_comment_failure_rolls_back_the_status_change(client, people, session):
    cw, mette, _ = people
    item = _caseworker_item(session, cw, mette)
    response = client.patch(f"/api/v1/me/plan/{item.id}", headers=token(client, "mette"),
                            json={"status": "done", "comment": "x" * 2001})
    assert response.status_code == 422
    session.refresh(item)
    assert item.status == "active"
    assert session.scalar(select(func.count()).select_from(PlanItemEvent)) == 1


def test_member_cannot_cancel_an_agreed_item(client, people, session):
    cw, mette, _ = people
    item = _caseworker_item(session, cw, mette)
    response = client.patch(f"/api/v1/me/plan/{item.id}", headers=token(client, "mette"), json={"status": "cancelled"})
    assert response.status_code == 403
    assert "sagsbehandler" in response.get_json()["detail"]


# ---- cross-member access: always 404, never 403, and nothing changes ---------------------------------------------

def test_another_members_plan_item_is_404(client, people, session):
    cw, mette, _ = people
    item = _caseworker_item(session, cw, mette)
    headers = token(client, "ole")
    for body in ({"status": "done"}, {"comment": "hej"}, {}):
        response = client.patch(f"/api/v1/me/plan/{item.id}", headers=headers, json=body)
        assert response.status_code == 404, body
        assert response.mimetype == "application/problem+json"
    assert client.patch("/api/v1/me/plan/999999", headers=headers, json={"status": "done"}).status_code == 404
    session.refresh(item)
    assert item.status == "active" and len(item.events) == 1
    assert client.get("/api/v1/me/plan", headers=headers).get_json() == {"items": []}


def test_no_route_takes_a_member_id(client, people):
    _, mette, _ = people
    headers = token(client, "ole")
    for path in (f"/api/v1/members/{mette.id}", f"/api/v1/me/{mette.id}", f"/api/v1/me/plan?member_id={mette.id}"):
        response = client.get(path, headers=headers)
        if response.status_code == 200:
            assert mette.member_number not in response.get_data(as_text=True)
        else:
            assert response.status_code in (404, 405)


def test_token_dies_at_logout(client, people, auth):
    headers = token(client, "mette")
    auth.login("mette")
    auth.logout()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_openapi_hook_catches_an_undocumented_field(app, client, people, monkeypatch):
    from portal.blueprints.api import member as api_member

    original = api_member.me_json
    monkeypatch.setattr(api_member, "me_json", lambda m, today: {**original(m, today), "secret": 1})
    with pytest.raises(AssertionError, match="does not match the OpenAPI schema"):
        client.get("/api/v1/me", headers=token(client, "mette"))
    with openapi_check.unchecked():
        assert client.get("/api/v1/me", headers=token(client, "mette")).status_code == 200
