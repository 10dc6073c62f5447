"""The caseworker's handoff page for screen-reader users: the tab's title names the member as the heading does
("Chat #1" said nothing among several tabs), and a refused reply names its error from the reply box."""
from __future__ import annotations

import pytest

from tests.chat.test_chat_handoff import _handed_off, odense  # noqa: F401 (the fixture)
from tests.form_errors import error_link_problems

pytestmark = pytest.mark.usefixtures("clock")


def test_the_title_names_the_member_or_says_the_chat_is_unregistered(app, client, session, make, auth,
                                                                     odense):  # noqa: F811
    location, token = odense
    make.caseworker("hanne", location=location)
    mette = make.member("mette", location=location, first_name="Mette", last_name="Jensen")
    make.commit()
    _sender, handoff = _handed_off(app.test_client(), session, token)
    auth.login("hanne")
    page = client.get(f"/sagsbehandler/overdragelser/{handoff.id}").get_data(as_text=True)
    assert f"<title>Chat uden registrering #{handoff.id} · FOA A-kasse</title>" in page
    handoff.member_id = mette.id
    session.commit()
    page = client.get(f"/sagsbehandler/overdragelser/{handoff.id}").get_data(as_text=True)
    assert f"<title>Chat med Mette Jensen #{handoff.id} · FOA A-kasse</title>" in page


def test_a_refused_reply_names_its_error_from_the_reply_box(app, client, session, make, auth, odense):  # noqa: F811
    location, token = odense
    make.caseworker("hanne", location=location)
    make.commit()
    _sender, handoff = _handed_off(app.test_client(), session, token)
    auth.login("hanne")
    page = f"/sagsbehandler/overdragelser/{handoff.id}"
    auth.post(f"{page}/tag", page="/sagsbehandler/overdragelser")
    html = auth.post(f"{page}/svar", data={"message": "Et langt svar. " * 200}, page=page).get_data(as_text=True)
    assert 'aria-describedby="reply-message-error reply-hint" aria-invalid="true"' in html
    assert '<p class="field-error" id="reply-message-error">' in html
    assert error_link_problems(html) == []
