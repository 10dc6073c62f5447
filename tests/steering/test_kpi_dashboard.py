"""The steering dashboard over HTTP: roles, filters, bad input, the charts and the CSV/JSON exports."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEntry
from tests.steering.test_kpi_measures import fixture, placement  # noqa: F401  (fixture: the hand-made fixture)

QUERY = "?fra=2026-01-01&til=2026-06-30"

# The test's data and the views read one frozen instant (tests/clock.py).
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("portal.blueprints.steering.local_today", lambda: date(2026, 11, 27))


@pytest.fixture
def steering(make, auth):
    make.user("styregruppe", role="steering")
    make.commit()
    auth.login("styregruppe")
    return auth


def test_dashboard_shows_every_criterion_with_target_value_n_and_status(client, steering, fixture):  # noqa: F811
    response = client.get("/styring" + QUERY)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Målgruppe 1 i job efter 13 uger", "Stadig på ydelse efter 13 uger – uden tilbagevenden",
                 "Samlet tilfredshed – nyindplacerede", "Sagsbehandleren kendte mit fag og arbejdsmarked",
                 "Deltaget i det ekstra kontaktforløb", "Har udkast til Min plan med aktiviteter",
                 "Deltaget i samtale i opsigelsesperioden", "Formidlet til job via FOA JobMatch pr. år",
                 "Rettidig CV-samtale (14 dage)", "Samarbejdsaftaler tilbudt alle jobcentre i forsøgskommunerne",
                 "Målgruppe 2 har deltaget i det ekstra kontaktforløb", "Oplever at være kommet tættere på næste job"):
        assert text in html, text
    assert "40,0 %" in html  # still on benefit after 13 weeks (without return): 2 of 5
    assert "Ansøgningen, afsnit 1.1 · gælder målgruppe 1" in html  # where the criterion comes from
    assert "kilde: Jobindsats.dk" in html
    assert "≥ 80 %" in html and "≤ 10 %" in html
    assert "Ikke opfyldt" in html and "Opfyldt" in html and "Måles ikke i portalen" in html
    assert "<details class=\"definition\">" in html  # the definition on expand
    assert "Målgruppe 1" in html and "Målgruppe 2" in html and "Opsagte" in html  # the split


def test_survival_charts_are_accessible_svg_with_baselines_and_a_table(client, steering, fixture):  # noqa: F811
    html = client.get("/styring" + QUERY).get_data(as_text=True)
    assert html.count('<svg class="km-svg"') == 2
    assert 'role="img"' in html and "<title id=\"kurve-without-title\">" in html
    assert "Basislinje 2017: 11,5 %" in html and "Basislinje 2017: 40,8 %" in html
    assert "Uger efter 1. ledighedsdag" in html
    assert "Vis kurven som tabel" in html and "<th scope=\"row\">52</th>" in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]  # no inline script


def test_split_by_placement_and_filter_by_location(client, steering, fixture, make):  # noqa: F811
    html = client.get("/styring" + QUERY + "&opdel=placement").get_data(as_text=True)
    assert "Nyindplacerede" in html and "Genindplacerede" in html
    odense = make.location()
    html = client.get("/styring" + QUERY + f"&sted={odense.id}&opdel=location").get_data(as_text=True)
    assert "Odense" in html


@pytest.mark.parametrize("query,message", [
    ("?fra=31-12-2026", "Datoen «31-12-2026» er ugyldig"),
    ("?fra=2026-06-01&til=2026-01-01", "Slutdatoen skal være samme dag som eller efter startdatoen"),
    ("?sted=abc", "Vælg et betjeningssted fra listen"),
    ("?opdel=' OR 1=1", "Vælg en opdeling fra listen"),
])
def test_bad_filters_give_a_danish_error_summary_and_no_numbers(client, steering, query, message, session):
    response = client.get("/styring" + query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert "i job efter 13 uger" not in html
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "kpi.view")) is None


def test_anonymous_is_sent_to_login(client):
    response = client.get("/styring")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role,status", [("caseworker", 403), ("member", 403), ("admin", 200), ("steering", 200)])
def test_only_steering_and_admin_may_see_it(client, auth, make, role, status):
    if role == "caseworker":
        make.caseworker("bruger")
    elif role == "member":
        make.member("bruger")
    else:
        make.user("bruger", role=role)
    make.commit()
    auth.login("bruger")
    assert client.get("/styring").status_code == status
    assert client.get("/styring/eksport.csv").status_code == status
    assert client.get("/styring/eksport.json").status_code == status


def test_view_and_export_are_audited(client, steering, fixture, session):  # noqa: F811
    client.get("/styring" + QUERY)
    client.get("/styring/eksport.csv" + QUERY)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("kpi.%"))).all()
    assert sorted(actions) == ["kpi.export", "kpi.view"]


def test_csv_export_has_the_same_numbers_as_the_page(client, steering, fixture):  # noqa: F811
    response = client.get("/styring/eksport.csv" + QUERY)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once (it said charset twice)
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_key = {(r["measure"], r["split"]): r for r in rows}
    assert by_key[("in_job_13w", "all")]["value"] == "100.0" and by_key[("in_job_13w", "all")]["n"] == "2"
    assert ("in_job_13w", "group2") not in by_key  # stated for målgruppe 1 only
    assert by_key[("in_job_13w", "all")]["group"] == "Målgruppe 1"
    assert by_key[("came_closer", "all")]["source"] == "FIKS og SurveyXact"
    assert by_key[("extra_course_group2", "all")]["application_section"] == "1.1"
    assert by_key[("survival_without_return", "all")]["value"] == "40.0"
    assert by_key[("satisfaction_overall", "all")]["value"] == "59.3"
    assert by_key[("survival_without_return", "all")]["status_text"] == "Ikke opfyldt"


def test_json_export_and_its_bad_input(client, steering, fixture):  # noqa: F811
    response = client.get("/styring/eksport.json" + QUERY)
    assert response.status_code == 200
    doc = json.loads(response.get_data(as_text=True))
    assert doc["filters"]["from"] == "2026-01-01"
    values = {(m["measure"], m["split"]): m["value"] for m in doc["measures"]}
    assert values[("in_job_26w", "all")] == 100.0 and values[("survival_with_return", "all")] is not None
    assert doc["survival_curves"]["without"]["all"][13]["survival_pct"] == 40.0
    bad = client.get("/styring/eksport.json?til=igår")
    assert bad.status_code == 400
    assert bad.mimetype == "application/problem+json"
    assert "Filtrene kunne ikke bruges" in bad.get_json()["detail"]


# The frozen today is 27 November 2026: a period may lie from 1 January 2000 to 31 December 2031 (five years ahead).
BOUNDS = "skal ligge fra 1. januar 2000 til og med 31. december 2031."


@pytest.mark.parametrize("query,field", [
    ("?fra=9999-12-25&til=9999-12-31", "fra"),  # was a 500: OverflowError in the contact-course deadlines
    ("?fra=0001-01-01&til=0001-12-31", "fra"),  # was a 500: OverflowError turning the period into UTC
    ("?fra=1999-12-31&til=2000-06-30", "fra"),
    ("?fra=2031-06-01&til=2032-01-01", "til"),
])
def test_a_period_far_off_gives_the_danish_error_on_the_page_and_both_exports(client, steering, session, query,
                                                                              field):
    page = client.get("/styring" + query)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    which = "Startdatoen" if field == "fra" else "Slutdatoen"
    assert f"{which} {BOUNDS}" in html and 'class="error-summary"' in html and f'href="#f-{field}"' in html
    assert 'min="2000-01-01" max="2031-12-31"' in html  # the date pickers offer the same range
    assert "i job efter 13 uger" not in html  # nothing computed
    csv_export = client.get("/styring/eksport.csv" + query)
    assert csv_export.status_code == 400 and BOUNDS in csv_export.get_data(as_text=True)
    json_export = client.get("/styring/eksport.json" + query)
    assert json_export.status_code == 400 and json_export.mimetype == "application/problem+json"
    assert json_export.get_json()["errors"][field].endswith(BOUNDS)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action.like("kpi.%"))) is None


def test_the_edges_of_the_allowed_period_are_accepted(client, steering):
    assert client.get("/styring?fra=2000-01-01&til=2000-12-31").status_code == 200
    assert client.get("/styring/eksport.json?fra=2031-01-01&til=2031-12-31").status_code == 200


def _split_row(html: str, title: str) -> str:
    """The breakdown table's row for a criterion (its cells' HTML)."""
    table = html.split('<table class="split-table">')[1].split("</table>")[0]
    return table.split(f'<tr><th scope="row">{title}</th>')[1].split("</tr>")[0]


def test_the_breakdown_does_not_judge_a_group_against_a_target_for_the_whole_trial(client, steering, fixture,  # noqa: F811
                                                                                    session):
    # One day's placements, as a year: A and C (group 1) 2 × 365.25, E (dismissed) 365, all 1,096 ≥ 600.
    for member in (fixture["a"], fixture["c"], fixture["e"]):
        placement(session, member, date(2026, 3, 21), True)
    session.commit()
    query = "?fra=2026-03-21&til=2026-03-21"
    html = client.get("/styring" + query).get_data(as_text=True)
    main = html.split('id="maal-jobmatch_per_year"')[1].split("</tr>")[0]
    assert "1.096 pr. år" in main and "Opfyldt" in main  # the total is judged
    row = _split_row(html, "Formidlet til job via FOA JobMatch pr. år")
    assert row.count(" pr. år</span>") == 2 and "365 pr. år" in row  # each group's number is shown
    assert row.count("Målet gælder hele forsøget") == 2  # the parts are not
    assert "opfyldt" not in row.lower() and "Tæt på" not in row
    records = list(csv.DictReader(io.StringIO(client.get("/styring/eksport.csv" + query)
                                              .get_data(as_text=True).lstrip("\ufeff"))))
    status = {r["split"]: r["status"] for r in records if r["measure"] == "jobmatch_per_year"}
    assert status == {"all": "met", "group1": "total_only", "dismissed": "total_only"}
    # Narrowed to one group, the total is a part of the trial too.
    narrowed = client.get("/styring" + query + "&gruppe=group1").get_data(as_text=True)
    assert "Målet gælder hele forsøget" in narrowed.split('id="maal-jobmatch_per_year"')[1].split("</tr>")[0]


def test_the_breakdown_says_not_relevant_for_other_groups_and_flags_small_numbers(client, steering, fixture):  # noqa: F811
    html = client.get("/styring" + QUERY).get_data(as_text=True)
    row = _split_row(html, "Målgruppe 1 i job efter 13 uger")
    assert "100,0 %" in row and "n=2" in row
    assert "(lille grundlag)" in row  # n=2, as the main table and the export's small_n say
    assert row.count("Ikke relevant: gælder kun målgruppe 1") == 2  # målgruppe 2, opsagte
    assert "Ingen data endnu" not in row
    dismissed = _split_row(html, "Fået job i opsigelsesperioden")
    assert dismissed.count("Ikke relevant: gælder kun opsagte") == 2
    records = csv.DictReader(io.StringIO(client.get("/styring/eksport.csv" + QUERY).get_data(as_text=True)
                                         .lstrip("\ufeff")))
    small = {(r["measure"], r["split"]) for r in records if r["small_n"] == "True" and r["split"] != "all"}
    table = html.split('<table class="split-table">')[1].split("</table>")[0]
    assert table.count("(lille grundlag)") == len(small) > 0
