"""templates/chat/_widget.html as another page includes it (Min side): no context needed, only for members."""
from __future__ import annotations

from flask import render_template_string
from flask_login import login_user

from tests.chat.test_chat_support import flyer_sender, say

INCLUDE = '{% include "chat/_widget.html" %}'


def test_include_shows_the_members_own_chat(app, make):
    member = make.member("mette", status="opsagt")
    make.commit()
    with app.test_request_context("/minside"):
        login_user(member.user)
        html = render_template_string(INCLUDE)
    assert 'class="chat-widget"' in html and 'data-kind="minside"' in html
    assert 'aria-live="polite"' in html and 'for="chat-message-minside"' in html
    assert "js/chat.js" in html and "css/chat.css" in html
    assert "<script>" not in html.replace('<script src=', '')  # no inline script (CSP)


def test_include_renders_nothing_for_staff_or_anonymous(app, make):
    caseworker = make.caseworker("hanne")
    make.commit()
    with app.test_request_context("/"):
        assert render_template_string(INCLUDE).strip() == ""
        login_user(caseworker.user)
        assert render_template_string(INCLUDE).strip() == ""


def test_min_side_no_js_page_needs_a_login(client):
    response = client.get("/chat/samtale?kanal=minside")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def visible_intro(html: str) -> str:
    """The widget's introduction as shown: the versions static/js/chat.js keeps hidden left out."""
    import re

    intro = re.search(r'<p class="chat-intro muted">(.*?)</p>', html, re.DOTALL).group(1)
    return re.sub(r"<span[^>]*\shidden>.*?</span>", "", intro, flags=re.DOTALL)


def test_the_widgets_introduction_follows_who_answers_and_what_is_kept(client):
    """It said "a chatbot … we keep nothing before you consent" also to someone who had consented and was talking
    to a person (walk-through, 5 December)."""
    sender = flyer_sender(client)
    first = visible_intro(client.get("/opsagt").get_data(as_text=True))
    assert "Du skriver med en chatbot" in first and "Vi gemmer intet om dig, før du har givet samtykke." in first
    say(client, sender, "kan jeg tale med et menneske?")
    say(client, sender, "Ja, jeg giver samtykke")
    handed = visible_intro(client.get("/opsagt").get_data(as_text=True))
    assert "sendt videre til en medarbejder i FOA A-kasse" in handed and "Du skriver med en chatbot" not in handed
    assert "Du har givet samtykke til, at vi gemmer samtalen." in handed and "Vi gemmer intet om dig" not in handed
