"""A refused form on the caseworker's screens is said where a screen reader looks: the error summary takes the
focus (tabindex="-1", as every other form's), and the field is marked invalid with its error named in its one
aria-describedby, beside its hint (a second aria-describedby is ignored by browsers, so the error went unread)."""
from __future__ import annotations

import re

import pytest

from tests.casework.test_caseworker_conversation import cw, mette  # noqa: F401 (fixtures)
from tests.form_errors import error_link_problems

pytestmark = pytest.mark.usefixtures("clock")
SUMMARY = '<div class="error-summary" role="alert" tabindex="-1"'


def describedby(html: str, field_id: str) -> str:
    tag = re.search(rf'<(?:input|textarea|select|fieldset)\b[^>]*\bid="{field_id}"[^>]*>', html).group(0)
    assert tag.count("aria-describedby=") == 1, tag
    assert 'aria-invalid="true"' in tag, tag
    return re.search(r'aria-describedby="([^"]*)"', tag).group(1)


@pytest.mark.parametrize("action,body,field_id,message", [
    ("maalgruppe", {"group": "1", "comment": "   "}, "group-comment", "Skriv en begrundelse"),
    ("svar", {"q2": "", "q10_has_barriers": "nej"}, "q2", "spørgsmål 2"),
    ("plan", {"kind": "agreement", "title": ""}, "plan-title", "Titel"),
    ("plan", {"kind": "agreement", "title": "Søg job", "due_date": "i morgen"}, "plan-due", "fristen"),
    ("visitation", {"reason": "kort"}, "visitation_reason", "mindst 10 tegn"),
])
def test_a_refused_inline_form_has_the_summary_and_its_field_names_the_error(client, auth, make, mette,  # noqa: F811
                                                                             action, body, field_id, message):
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    response = auth.post(f"{page}/{action}", body, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert SUMMARY in html and f'href="#{field_id}"' in html
    assert f"{field_id}-error" in describedby(html, field_id).split()
    assert error_link_problems(html) == []


def test_a_group_comment_refused_keeps_its_hint_beside_the_error(client, auth, make, mette):  # noqa: F811
    make.commit()
    auth.login("sb-odense")
    page = f"/sagsbehandler/medlem/{mette.member_number}"
    html = auth.post(f"{page}/maalgruppe", {"group": "1", "comment": ""}, page=page).get_data(as_text=True)
    assert describedby(html, "group-comment").split() == ["group-comment-error", "group-comment-hint"]


@pytest.mark.parametrize("field_id,hint", [("member_summary", "summary-hint"), ("notes", "notes-hint")])
def test_a_too_long_text_in_the_record_form_is_named_with_its_hint(client, auth, make, mette,  # noqa: F811
                                                                   field_id, hint):
    make.commit()
    auth.login("sb-odense")
    response = auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale",
                         {"type": "followup_phone", "outcome": "held", field_id: "x" * 10_123})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert describedby(html, field_id).split() == [f"{field_id}-error", hint]
    assert error_link_problems(html) == []
