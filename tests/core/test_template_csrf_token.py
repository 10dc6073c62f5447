"""`csrf_token()` in templates (portal.security._template_csrf_token): Flask-WTF's own token for the request, read
from where Flask-WTF keeps it after the first call, for every form on a page, and accepted when posted."""
from __future__ import annotations

import re

from flask import g, render_template_string, session
from flask_wtf.csrf import generate_csrf, validate_csrf

TOKENS = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_templates_get_flask_wtf_s_token_whether_asked_first_or_again(app):
    with app.test_request_context("/"):
        first, again = render_template_string("{{ csrf_token() }}|{{ csrf_token() }}").split("|")
        assert first == again == g.csrf_token == generate_csrf()
        assert "csrf_token" in session  # the first call went through Flask-WTF, which keeps the raw token there
        validate_csrf(first)  # raises if the token were not the session's


def test_a_token_made_before_the_page_is_the_one_the_page_shows(app):
    with app.test_request_context("/"):
        made = generate_csrf()  # a view asked first (a form object, a JSON answer)
        assert render_template_string("{{ csrf_token() }}") == made


def test_the_context_processor_hands_out_the_same_token(app):
    """Flask-WTF also puts csrf_token into every template's context (a context processor, which wins over the
    global): it hands out the portal's version too, so no form on a page goes the slow way."""
    with app.test_request_context("/"):
        context = {}
        app.update_template_context(context)
        assert context["csrf_token"] is app.jinja_env.globals["csrf_token"]
        assert context["csrf_token"]() == generate_csrf()


def test_every_form_on_min_side_carries_the_token_and_a_post_with_it_is_accepted(client, auth, make):
    member = make.member()
    make.commit()
    auth.login(member.user.username)
    html = client.get("/min-side").get_data(as_text=True)
    tokens = TOKENS.findall(html)
    assert len(tokens) >= 2 and len(set(tokens)) == 1  # the logout form, the chat widget, ...
    response = client.post("/logout", data={"csrf_token": tokens[0]})
    assert response.status_code in (302, 303)
    assert client.get("/min-side").status_code in (302, 303)  # signed out: the token was accepted
