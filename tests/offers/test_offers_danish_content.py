"""Text stored in Danish (an offer's title and description, what a caseworker wrote to the member) is marked
lang="da" on pages in English, so a screen reader reads it with Danish pronunciation (WCAG 3.1.2); a Danish page
needs no mark, and a member's own words are not claimed to be Danish."""
from __future__ import annotations

from portal.services.minside import plan
from portal.timeutil import utcnow
from tests.offers.test_offers_pages import _setup


def test_an_offers_title_and_description_are_marked_danish_on_the_english_page(client, auth, make, session):
    odense, _cw, offer, _s = _setup(session, make)
    offer.description = "Vi øver jobsamtalen sammen."
    make.member("mette", location=odense, target_group="1")
    make.commit()
    auth.login("mette")
    english = client.get(f"/tilbud/{offer.id}?lang=en").get_data(as_text=True)
    assert '<h1 lang="da">Temamøde: Jobsøgning</h1>' in english
    assert '<p class="lead" lang="da">Vi øver jobsamtalen sammen.</p>' in english
    assert '<h2 lang="da"><a href=' in client.get("/tilbud").get_data(as_text=True)  # the catalogue too
    danish = client.get(f"/tilbud/{offer.id}?lang=da").get_data(as_text=True)
    assert "<h1>Temamøde: Jobsøgning</h1>" in danish and 'lang="da">Temamøde' not in danish


def test_a_plan_item_the_caseworker_wrote_is_marked_danish_the_members_own_is_not(client, auth, make, session):
    cw = make.caseworker("sb-odense")
    mette = make.member("mette", caseworker=cw)
    make.commit()
    now = utcnow()
    plan.propose_item(session, mette, kind="agreement", title="Søg tre job om ugen", actor=cw.user, now=now)
    plan.propose_item(session, mette, kind="agreement", title="Apply for jobs in Aarhus", actor=mette.user, now=now)
    session.commit()
    auth.login("mette")
    page = client.get("/min-side/plan?lang=en").get_data(as_text=True)
    assert 'lang="da">Søg tre job om ugen</h3>' in page
    assert 'lang="da">Apply for jobs in Aarhus' not in page and ">Apply for jobs in Aarhus</h3>" in page
