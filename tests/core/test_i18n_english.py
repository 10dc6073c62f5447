"""The English UI (?lang=en) shows no Danish that comes from Python code: labels, reasons, dates, error titles.

Stored data (names, places, offer titles, what a caseworker typed) stays Danish; the markers below are texts the
code writes, so each one on an English page is a string that never reached the catalogue or was never translated.
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.models.casework import ConversationSummary, JobOrder
from portal.models.chat import ChatConversation, Handoff
from portal.profiling.variables import factor_text
from portal.timeutil import LOCAL_TZ, local_today, utcnow
from tests.booking_helpers import hours
from tests.casework.test_caseworker_caseload import book
from tests.profiling_helpers import add_assessment

TODAY = local_today()
CATALOGUE = Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"

DANISH_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
DANISH_MONTHS = ("januar", "februar", "marts", "maj", "juni", "juli", "oktober")  # the ones English spells otherwise
# Texts the code writes (not stored data): error titles, match reasons, factor texts, summary body, outcome labels,
# access reasons, job titles, validation messages.
CODE_MARKERS = (
    "Ugyldig", "Siden findes ikke", "Ingen adgang", "Log ind først", " kl. ", "senest",
    "Samme fag", "Jobmålet passer", "Tæt på", "Ledig nu", "Målgruppe 1: jobparat", "Målgruppe 2a: job",
    "erhvervserfaring", "hjemmeboende børn", "forventer mere end 6 måneder",
    "Vores vurdering", "Det aftalte vi", "Dit næste skridt", "Din plan lige nu", "Vi vil gerne give dig",
    "Referatet ligger på", "Medlemsnummer", "Sagsbehandler", "Tidspunkt",
    "Spørgsmål besvaret", "egen sagsbehandler", "Samtale med medlemmet",
    "Send e-mails fra udbakken", "Påmindelser om samtaler", "Sletning efter opbevaringsregler",
    "Skriv arbejdsgiver", "Vælg fast eller midlertidig", "Skriv ansøgningsfristen",
)

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


def visible_text(page: str) -> str:
    """What a reader (or a screen reader) gets: text and aria-labels/titles, without scripts, styles and URLs."""
    page = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", page)
    attributes = " ".join(re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', page))
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes)


def danish_found(page: str) -> list[str]:
    text = visible_text(page)
    found = [m for m in CODE_MARKERS if m in text]
    found += [w for w in DANISH_WEEKDAYS + DANISH_MONTHS if re.search(rf"\b{w}\b", text, re.IGNORECASE)]
    found += re.findall(r"\b\d{1,2}\. (?:jan|feb|mar|apr|maj|may|jun|jul|aug|sep|okt|oct|nov|dec)[a-z]*\b", text,
                        re.IGNORECASE)  # "3. december", "10. Nov": a date written the Danish way
    return found


def english(client, path: str, status: int = 200) -> str:
    response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert response.status_code == status, (path, response.status_code)
    page = response.get_data(as_text=True)
    assert '<html lang="en"' in page or response.mimetype != "text/html", path
    return page


@pytest.fixture
def world(make, session):
    """A caseworker in Odense with hours every day, her member Mette (group 2a) with a booking, a profiling score,
    a matching job order, a resolved chat handoff; a steering user and an admin."""
    odense = make.location("Odense")
    cw = make.caseworker("sb-odense", location=odense, display_name="Birgitte Holm")
    hours(session, cw, weekdays=range(7))
    mette = make.member("mette", caseworker=cw, location=odense, first_name="Mette", last_name="Jensen",
                        target_group="2a", weeks_unemployed=5, trade="Social- og sundhedshjælper",
                        job_goal="Social- og sundhedshjælper i hjemmeplejen")
    make.user("styregruppe", role="steering")
    make.user("admin", role="admin")
    book(session, mette, cw, type="cv", days_from_now=3)
    now = utcnow()
    add_assessment(session, mette, now=now, factors=[
        {"text": factor_text("work_experience_years", 25.0, above_reference=True), "contribution": 0.3},
        {"text": factor_text("q2", "more_than_6_months", above_reference=True), "contribution": 0.2},
        {"text": factor_text("children_at_home", 1.0, above_reference=True), "contribution": -0.2}])
    order = JobOrder(employer="Odense Kommune, Hjemmeplejen Øst", title="Social- og sundhedshjælper, dag",
                     trade="Social- og sundhedshjælper", location_id=odense.id, hours_per_week=32,
                     employment="permanent", deadline=TODAY + timedelta(days=14), contact_name="Hanne Lund",
                     status="open", created_at=now, updated_at=now)
    session.add(order)
    chat = ChatConversation(sender_id="s-1", source="minside", location_id=odense.id, member_id=mette.id,
                            language="da", state="bot", consent_given=True, tracker={}, created_at=now,
                            last_activity_at=now, last_seen_at=now)
    session.add(chat)
    session.flush()
    session.add(Handoff(conversation_id=chat.id, member_id=mette.id, location_id=odense.id, status="resolved",
                        reason="request_human", escalation_level=0, context={}, created_at=now, queued_at=now,
                        claimed_by_id=cw.id, claimed_at=now, resolved_at=now, resolved_by_id=cw.id,
                        outcome="answered"))
    make.commit()
    return {"cw": cw, "mette": mette, "order": order}


def _held_conversation_with_summary(client, auth, session, mette) -> ConversationSummary:
    """The caseworker registers a held follow-up with two agreements and sends the summary (in Danish)."""
    auth.login("sb-odense")
    due = (TODAY + timedelta(days=14)).isoformat()
    auth.post(f"/sagsbehandler/medlem/{mette.member_number}/samtale", {
        "type": "followup_phone", "channel": "phone", "outcome": "held",
        "member_summary": "Vi talte om ansøgninger.", "agreement-1-text": "Søg 3 job", "agreement-1-due": due,
        "agreement-2-text": "Deltag i webinaret", "agreement-2-rad": "1"})
    summary = session.scalar(select(ConversationSummary))
    auth.post(f"/sagsbehandler/referat/{summary.id}/send", page=f"/sagsbehandler/referat/{summary.id}")
    return summary


def test_member_pages_in_english_have_no_danish_from_code(client, auth, session, world):
    summary = _held_conversation_with_summary(client, auth, session, world["mette"])
    auth.logout()
    auth.login("mette")
    pages = {path: english(client, path) for path in (
        "/min-side", "/min-side/plan", "/samtaler", "/samtaler?type=focus", "/samtaler/mine",
        "/min-side/referater", f"/min-side/referater/{summary.id}", "/min-side/adgang")}
    problems = {path: danish_found(page) for path, page in pages.items() if danish_found(page)}
    assert not problems, problems
    assert "Our assessment" in pages[f"/min-side/referater/{summary.id}"]


def test_the_caseworkers_words_in_an_english_summary_are_marked_danish(client, auth, session, world):
    """The summary in English: its sentences in English, what the caseworker wrote (what we talked about, the
    agreements) kept as written and marked lang="da" inside them (WCAG 3.1.2)."""
    summary = _held_conversation_with_summary(client, auth, session, world["mette"])
    auth.logout()
    auth.login("mette")
    page = english(client, f"/min-side/referater/{summary.id}")
    assert '<p class="pre-line" lang="da">Vi talte om ansøgninger.</p>' in page
    assert re.search(r'<li><span lang="da">Søg 3 job</span> – by [^<]+</li>', page), page
    assert '<li><span lang="da">Deltag i webinaret</span> (right-and-duty offer: you must take part)</li>' in page
    danish = client.get(f"/min-side/referater/{summary.id}?lang=da").get_data(as_text=True)
    assert '<p class="pre-line">Vi talte om ansøgninger.</p>' in danish and 'lang="da">Søg' not in danish


def test_caseworker_pages_in_english_have_no_danish_from_code(client, auth, session, world):
    summary = _held_conversation_with_summary(client, auth, session, world["mette"])
    member_number = world["mette"].member_number
    pages = {path: english(client, path) for path in (
        "/sagsbehandler/", f"/sagsbehandler/medlem/{member_number}", f"/sagsbehandler/referat/{summary.id}",
        f"/sagsbehandler/jobordrer/{world['order'].id}", "/kalender", "/kalender/arbejdstider",
        "/kalender/ny", "/sagsbehandler/overdragelser?vis=resolved", "/sagsbehandler/overdragelser")}
    problems = {path: danish_found(page) for path, page in pages.items() if danish_found(page)}
    assert not problems, problems
    assert "Same trade" in pages[f"/sagsbehandler/jobordrer/{world['order'].id}"]


def test_invalid_job_order_shows_english_validation_messages(client, auth, world):
    auth.login("sb-odense")
    english(client, "/sagsbehandler/jobordrer/ny")
    response = auth.post("/sagsbehandler/jobordrer/ny?lang=en", {"employer": "", "deadline": "i morgen"},
                         page="/sagsbehandler/jobordrer/ny?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and not danish_found(page), danish_found(page)


def test_steering_and_admin_pages_in_english_have_no_danish_from_code(client, auth, world):
    auth.login("styregruppe")
    page = english(client, "/styring?fra=2026-01-01&til=2026-06-30")
    assert not danish_found(page), danish_found(page)
    auth.logout()
    auth.login("admin")
    for path in ("/admin/planlaegning", "/admin/udbakke", "/admin/audit"):
        page = english(client, path)
        assert not danish_found(page), (path, danish_found(page))


def test_error_pages_and_problem_json_in_english(client, auth, world):
    page = english(client, "/findes-ikke", status=404)
    assert "Page not found" in page and not danish_found(page), danish_found(page)
    problem = client.get("/api/v1/me?lang=en")
    assert problem.status_code == 401 and problem.mimetype == "application/problem+json"
    assert not danish_found(problem.get_json()["title"] + " " + problem.get_json()["detail"]), problem.get_json()
    auth.login("mette")
    page = english(client, "/styring", status=403)
    assert not danish_found(page), danish_found(page)
    missing = client.get("/api/v1/findes-ikke?lang=en")
    assert missing.status_code == 404 and missing.get_json()["title"] == "Page not found"


# ---- the translated helpers, in both languages ------------------------------------------------------------------

MOMENT = datetime(2026, 12, 3, 9, 0, tzinfo=LOCAL_TZ)  # Thursday 3 December 2026, 09:00 in Copenhagen


@pytest.mark.parametrize(("lang", "expected"), [
    ("da", "torsdag 3. december 2026 kl. 09:00"), ("en", "Thursday 3 December 2026 at 09:00")])
def test_booking_format_when_in_both_languages(app, lang, expected):
    from portal.services.booking.booking import format_when

    with force_locale(lang):
        assert format_when(MOMENT) == expected


@pytest.mark.parametrize(("lang", "day", "moment"), [
    ("da", "3. december 2026", "3. december 2026 kl. 09:00"), ("en", "3 December 2026", "3 December 2026 at 09:00")])
def test_summary_dates_in_both_languages(app, lang, day, moment):
    from portal.services.casework.summary import long_date, long_datetime

    with force_locale(lang):
        assert long_date(date(2026, 12, 3)) == day
        assert long_datetime(MOMENT) == moment


def test_summary_dates_outside_an_app_are_danish():
    from portal.services.casework.summary import long_date

    assert long_date(date(2027, 1, 6)) == "6. januar 2027"


@pytest.mark.parametrize(("lang", "expected"), [("da", "Lørdag"), ("en", "Saturday")])
def test_weekday_names_in_both_languages(app, lang, expected):
    from flask_babel import gettext

    from portal.services.booking.availability import WEEKDAYS

    with force_locale(lang):
        assert gettext(WEEKDAYS[5]) == expected


@pytest.mark.parametrize(("lang", "fmt", "expected"), [
    ("da", None, "3. dec. 2026 kl. 09:00"), ("en", None, "3 Dec 2026 at 09:00"),
    ("da", "EEEE d. MMMM 'kl.' HH:mm", "torsdag 3. december kl. 09:00"),
    ("en", "EEEE d. MMMM 'kl.' HH:mm", "Thursday 3 December at 09:00"),
    ("en", "d. MMM y", "3 Dec 2026")])
def test_local_dt_filter_in_both_languages(app, lang, fmt, expected):
    local_dt = app.jinja_env.filters["local_dt"]
    with app.test_request_context(f"/?lang={lang}"):
        assert (local_dt(MOMENT) if fmt is None else local_dt(MOMENT, fmt)) == expected


def test_capfirst_keeps_the_rest_of_a_date_as_written(app):
    capfirst = app.jinja_env.filters["capfirst"]
    assert capfirst("thursday 3 December") == "Thursday 3 December"
    assert capfirst("torsdag 3. december") == "Torsdag 3. december"
    assert capfirst("") == ""


@pytest.mark.parametrize(("lang", "expected"), [
    ("da", ["lang erhvervserfaring (25 år)", "meget ledighed de seneste 3 år (50%)", "ikke nyuddannet (dimittend)",
            "hjemmeboende børn", "alder: sjælden kategori"]),
    ("en", ["long work experience (25 years)", "much unemployment in the last 3 years (50%)",
            "recent graduate: no", "children living at home", "age: rare category"])])
def test_factor_texts_translate_when_shown(app, lang, expected):
    from portal.profiling.variables import RARE_LEVEL, translate_factor

    stored = [factor_text("work_experience_years", 25.0, above_reference=True),
              factor_text("benefit_share_3y", 0.5, above_reference=True),
              factor_text("new_graduate", 0.0, above_reference=False),
              factor_text("children_at_home", 1.0, above_reference=True),
              factor_text("age_band", RARE_LEVEL, above_reference=True)]
    with force_locale(lang):
        assert [translate_factor(text) for text in stored] == expected


def test_match_reasons_in_both_languages(app, make, session):
    from portal.services.casework.jobmatch import score_match

    odense = make.location("Odense")
    member = make.member(location=odense, trade="Portør", job_goal="portør på sygehus", target_group="1")
    now = utcnow()
    order = JobOrder(employer="OUH", title="Portør", trade="Portør", location_id=odense.id, employment="permanent",
                     deadline=TODAY + timedelta(days=5), contact_name="X", status="open", created_at=now,
                     updated_at=now)
    for lang, expected in (("da", ["Samme fag: Portør", "Jobmålet passer: portør", "Tæt på: samme område",
                                   "Ledig nu – kan starte med det samme", "Målgruppe 1: jobparat"]),
                           ("en", ["Same trade: Portør", "Job goal fits: portør", "Close by: same area",
                                   "Unemployed now – can start right away", "Target group 1: ready for work"])):
        with force_locale(lang):
            match = score_match(order, member, order_location=odense, member_location=odense, today=TODAY)
            assert [str(r) for r in match.reasons] == expected


@pytest.mark.parametrize(("lang", "title"), [("da", "Siden findes ikke"), ("en", "Page not found")])
def test_problem_titles_in_both_languages(app, lang, title):
    from portal.errors import problem

    with app.test_request_context(f"/api/v1/x?lang={lang}"):
        assert problem(404, "x").get_json()["title"] == title


def test_summary_content_is_made_in_danish_and_english(app, client, auth, session, world):
    summary = _held_conversation_with_summary(client, auth, session, world["mette"])
    content = summary.content
    assert content["title"].startswith("Samtalereferat – ") and "Vores vurdering" in str(content["sections"])
    english_content = content["translations"]["en"]
    assert english_content["title"].startswith("Conversation summary – ")
    assert "Our assessment" in str(english_content["sections"]) and "Vores" not in str(english_content)


def test_english_emails_call_min_side_my_page():
    folder = Path(__file__).resolve().parents[2] / "templates" / "email"
    for path in folder.glob("*.en.*"):
        assert "Min side" not in path.read_text(encoding="utf-8"), path.name


def test_the_english_catalogue_is_complete_and_has_no_fuzzy_entries():
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = [m.id for m in catalogue if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not untranslated, untranslated[:20]
    assert not fuzzy, fuzzy[:20]
