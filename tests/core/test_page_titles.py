"""Page titles say which page this is: an error page says it is an error, and the staff's offer list is not
titled like the members' catalogue (WCAG 2.4.2)."""
from __future__ import annotations

import re


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1).strip()


def test_an_error_page_says_error_and_which(client, auth, make):
    assert title(client.get("/findes-ikke").get_data(as_text=True)) == "Fejl 404: Siden findes ikke · FOA A-kasse"
    make.member("mette")
    make.commit()
    auth.login("mette")
    refused = client.get("/personale/tilbud")
    assert refused.status_code == 403
    assert title(refused.get_data(as_text=True)) == "Fejl 403: Ingen adgang · FOA A-kasse"


def test_the_staff_offer_list_is_not_titled_like_the_members_catalogue(client, auth, make):
    make.caseworker("sb")
    make.member("mette")
    make.commit()
    auth.login("sb")
    staff = title(client.get("/personale/tilbud").get_data(as_text=True))
    auth.logout()
    auth.login("mette")
    members = title(client.get("/tilbud").get_data(as_text=True))
    assert members == "Tilbud · FOA A-kasse" and staff == "Tilbud og hold (personale) · FOA A-kasse"
