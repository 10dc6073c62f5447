"""Every form page with errors tells a screen-reader user which field is wrong (WCAG 1.3.1, 3.3.1, 4.1.2).

For each role the test logs in on a seeded demo, finds every form by crawling (the form fuzzing leg's discovery,
tests/form_fuzz.py), posts it twice, once with the visible fields empty and once with the text fields far too
long (the CSRF token and hidden fields valid), and checks every page that comes back with errors with
tests/form_errors.py: each invalid field names its error in its one aria-describedby, each error is named by a
field, the summary can take the focus and the fields it links to are marked invalid.
"""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.form_errors import error_link_problems
from tests.form_fuzz import TEXT_TYPES, Form, discover_forms
from tests.security.test_security_authz_matrix import _world
from tests.security.test_security_form_fuzz import ROLES, SHARED, SKIPPED, _login, _start_urls

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # as the fuzzing leg: the demo is seeded around it
pytestmark = [
    pytest.mark.clock(NOW),
    pytest.mark.slow,
    pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the pages are the same on PostgreSQL"),
]
TOO_LONG = "x" * 6000  # past every maxlength on a text field, under the request size limit


def _body(form: Form, fill: str) -> str:
    pairs = []
    for f in form.fields.values():
        if f.name == "csrf_token" or f.kind == "hidden":
            pairs += [(f.name, v) for v in f.values[:1]]
        elif f.kind in ("submit", "button") and f.values:
            pairs.append((f.name, f.values[0]))
        elif f.kind in ("text", "textarea", "search", None) and fill:
            pairs.append((f.name, fill))
        elif f.kind in TEXT_TYPES:
            pairs.append((f.name, ""))
    return "&".join(f"{quote(name)}={quote(value)}" for name, value in pairs)


@pytest.mark.parametrize("role", ROLES)
def test_every_refused_form_links_its_errors_to_its_fields(app, session, role):
    world = _world(session)
    client = _login(app, world, role)
    forms, _pages = discover_forms(app, client, role, _start_urls(app, session, world, role))
    problems, pages_with_errors = [], 0
    for pattern, form in sorted(forms.items()):
        if pattern in SKIPPED or (pattern in SHARED and role not in ("anonymous", "member")):
            continue
        for fill in ("", TOO_LONG):
            response = client.post(form.action, data=_body(form, fill),
                                   content_type="application/x-www-form-urlencoded")
            if response.mimetype != "text/html" or not (200 <= response.status_code < 500):
                continue
            html = response.get_data(as_text=True)
            if "field-error" not in html and "error-summary" not in html and 'aria-invalid="true"' not in html:
                continue
            pages_with_errors += 1
            what = f"{role} POST {pattern} ({'too long' if fill else 'empty'}, {response.status_code})"
            problems += [f"{what}: {problem}" for problem in error_link_problems(html)]
    assert pages_with_errors or role == "steering", f"no form refused anything as {role}: the test saw nothing"
    assert not problems, f"{len(problems)} problems as {role}:\n" + "\n".join(sorted(set(problems)))


def test_the_check_finds_an_error_hidden_behind_a_hint_and_a_summary_that_cannot_take_the_focus():
    # as templates/caseworker/record.html and the caseworker's inline forms wrote them
    hidden = ('<textarea id="notes" aria-describedby="notes-hint" aria-invalid="true" '
              'aria-describedby="notes-error"></textarea><p class="hint" id="notes-hint">Kun internt.</p>'
              '<p class="field-error" id="notes-error">For lang.</p>')
    assert any("aria-describedby 2 times" in p for p in error_link_problems(hidden))
    unfocusable = '<div class="error-summary" role="alert"><p>Skriv titel.</p></div><input id="plan-title">'
    assert any("tabindex" in p for p in error_link_problems(unfocusable))
    unmarked = ('<div class="error-summary" role="alert" tabindex="-1"><a href="#reason">Skriv en begrundelse.</a>'
                '</div><textarea id="reason"></textarea>')
    assert error_link_problems(unmarked) == ["the error summary links to #reason, which is not marked aria-invalid"]
    good = ('<div class="error-summary" role="alert" tabindex="-1"><a href="#reason">Skriv en begrundelse.</a></div>'
            '<p class="field-error" id="reason-error">Skriv en begrundelse.</p>'
            '<textarea id="reason" aria-invalid="true" aria-describedby="reason-error"></textarea>')
    assert error_link_problems(good) == []
