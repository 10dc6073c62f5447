"""The profile form saves what was changed in it, not the whole form as it stood when opened.

A tester opened "Din profil" in two tabs, saved a new job goal in one and a new phone number in the other: both
said "Dine oplysninger er gemt", and the job goal was gone.
"""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.usefixtures("clock")


def form_of(html: str) -> dict:
    """Every named field of the profile form as the browser would send it unchanged."""
    form = dict(re.findall(r'<input type="(?:hidden|email|tel)"[^>]* name="([a-z_-]+)" value="([^"]*)"', html))
    form.update(re.findall(r'<input type="(?:hidden|email|tel)" id="[a-z_]+" name="([a-z_-]+)" value="([^"]*)"',
                           html))
    form["job_goal"] = re.search(r'<textarea id="job_goal" name="job_goal"[^>]*>([^<]*)</textarea>', html).group(1)
    for name in ("trade_inside_foa", "preferred_channel", "language"):
        checked = re.search(rf'name="{name}" value="([a-z_]+)" checked', html)
        form[name] = checked.group(1) if checked else ""
    form.pop("csrf_token", None)
    return form


@pytest.fixture
def mette(make):
    member = make.member("mette-tabs", first_name="Mette", job_goal="SOSU-hjælper", phone="+4520304050",
                         preferred_channel="phone")
    make.commit()
    return member


def test_two_tabs_each_keep_what_the_other_saved(client, auth, session, mette):
    auth.login("mette-tabs")
    tab_a = form_of(client.get("/min-side/profil").get_data(as_text=True))
    tab_b = form_of(client.get("/min-side/profil").get_data(as_text=True))
    assert tab_a["seen-job_goal"] == "SOSU-hjælper" and tab_a["job_goal"] == "SOSU-hjælper"
    assert auth.post("/min-side/profil", {**tab_b, "job_goal": "Sygehjælper på plejehjem"},
                     page="/min-side/profil").status_code == 302
    assert auth.post("/min-side/profil", {**tab_a, "phone": "40 50 60 70"},
                     page="/min-side/profil").status_code == 302
    session.refresh(mette)
    assert (mette.job_goal, mette.phone) == ("Sygehjælper på plejehjem", "+4540506070")


def test_the_same_field_changed_in_both_tabs_is_refused_naming_what_it_is_now(client, auth, session, mette):
    auth.login("mette-tabs")
    tab_a = form_of(client.get("/min-side/profil").get_data(as_text=True))
    tab_b = form_of(client.get("/min-side/profil").get_data(as_text=True))
    auth.post("/min-side/profil", {**tab_b, "job_goal": "Sygehjælper"}, page="/min-side/profil")
    refused = auth.post("/min-side/profil", {**tab_a, "job_goal": "Pædagogmedhjælper"}, page="/min-side/profil")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Feltet er ændret et andet sted, mens du skrev: det er nu «Sygehjælper»." in html
    session.refresh(mette)
    assert mette.job_goal == "Sygehjælper"
    # The page shown again keeps what she typed and has now seen the other tab's value: sending it again saves it.
    again = form_of(html)
    assert again["job_goal"] == "Pædagogmedhjælper" and again["seen-job_goal"] == "Sygehjælper"
    assert auth.post("/min-side/profil", again, page="/min-side/profil").status_code == 302
    session.refresh(mette)
    assert mette.job_goal == "Pædagogmedhjælper"
