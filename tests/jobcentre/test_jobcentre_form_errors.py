"""The job centre's answer forms refused (a rejection without a reason, a time outside the deadline): the error
summary takes the focus as on every other form (tabindex="-1"), and the field is marked invalid with its error
linked, instead of a bare alert the focus never reached."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models.jobcentre import JobcentreMessage
from portal.services.access import staff_scope
from portal.services.casework import referral
from tests.form_errors import error_link_problems
from tests.jobcentre.test_jobcentre import NOW, TODAY, internship, people  # noqa: F401 (the fixture)

pytestmark = pytest.mark.clock(NOW)
SUMMARY = '<div class="error-summary" role="alert" tabindex="-1"'


def _field(html: str, field_id: str) -> str:
    return re.search(rf'<(?:textarea|input)\b[^>]*\bid="{field_id}"[^>]*>', html).group(0)


def _refused(auth, path: str, body: dict, field_id: str) -> str:
    response = auth.post(path, body, page=path.rsplit("/", 1)[0])
    html = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert SUMMARY in html and f'href="#{field_id}"' in html
    field = _field(html, field_id)
    assert 'aria-invalid="true"' in field and f'aria-describedby="{field_id}-error"' in field
    assert f'<p class="field-error" id="{field_id}-error">' in html
    assert error_link_problems(html) == []
    return html


def test_rejecting_a_plan_item_without_a_reason_marks_the_reason(client, auth, session, people):  # noqa: F811
    cw, member, _odense_jc, _ = people
    internship(session, member, cw)
    session.commit()
    message = session.scalar(select(JobcentreMessage))
    auth.login("jc-odense")
    html = _refused(auth, f"/jobcenter/sag/{message.id}/svar", {"decision": "reject", "reason": ""}, "reason")
    assert "Skriv en begrundelse" in html


def test_refusing_a_visitation_without_a_reason_marks_its_reason(client, auth, session, people):  # noqa: F811
    cw, member, _odense_jc, _ = people
    referral.refer_to_jobcenter(session, staff_scope(session, cw.user), member, reason="Komplekse helbredsproblemer",
                                referred_on=None, today=TODAY, now=NOW)
    session.commit()
    message = session.scalar(select(JobcentreMessage).where(JobcentreMessage.kind == "visitation"))
    auth.login("jc-odense")
    _refused(auth, f"/jobcenter/sag/{message.id}/visitation", {"decision": "reject", "reason": " "},
             "visitation-reason")


def test_answering_an_item_answered_meanwhile_says_so_not_that_the_reason_is_too_long(
        client, auth, session, people):  # noqa: F811
    cw, member, _odense_jc, _ = people
    internship(session, member, cw)
    session.commit()
    message = session.scalar(select(JobcentreMessage))
    auth.login("jc-odense")
    path = f"/jobcenter/sag/{message.id}/svar"
    assert auth.post(path, {"decision": "approve"}, page=f"/jobcenter/sag/{message.id}").status_code == 302
    again = auth.post(path, {"decision": "reject", "reason": "x" * 6000}, page=f"/jobcenter/sag/{message.id}")
    html = again.get_data(as_text=True)
    assert again.status_code == 409 and "allerede godkendt" in html  # the form is gone: nothing to point at
    assert error_link_problems(html) == []
