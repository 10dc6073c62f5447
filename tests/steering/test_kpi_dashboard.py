"""The steering dashboard over HTTP: roles, filters, bad input, the charts and the CSV/JSON exports."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from portal.models import AuditEntry
from tests.steering.test_kpi_measures import fixture  # noqa: F401  (the hand-made fixture)

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
