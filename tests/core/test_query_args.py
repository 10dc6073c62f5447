"""Numbers in query strings: one the database cannot hold, or a digit int() refuses, is bad input (a clear answer
or the default), never a 500. Schemathesis found `GET /api/v1/offers?location=59807676581572893340598272`."""
from __future__ import annotations

import pytest

from portal.query_args import DB_MAX, ascii_digits, db_id, db_int
from tests.factories import PASSWORD

HUGE = "59807676581572893340598272"


@pytest.mark.parametrize("raw, expected", [("7", 7), (" 12 ", 12), ("-3", -3), (str(DB_MAX), DB_MAX)])
def test_db_int_reads_whole_numbers_the_database_holds(raw, expected):
    assert db_int(raw) == expected


@pytest.mark.parametrize("raw", [HUGE, str(DB_MAX + 1), "²", "٣", "1.5", "", "1e3", "0x10"])
def test_db_int_refuses_what_the_database_cannot_hold(raw):
    with pytest.raises(ValueError):
        db_int(raw)


@pytest.mark.parametrize("raw, expected", [("7", 7), (" 12 ", 12), (7, 7), (DB_MAX, DB_MAX), (str(DB_MAX), DB_MAX),
                                           ("0", None), (0, None), ("-3", None), (-3, None), (True, None),
                                           (DB_MAX + 1, None), (2**63, None), (10**30, None), (HUGE, None),
                                           ("²", None), ("①", None), ("٣", None), ("", None), (None, None),
                                           ("1.5", None), (1.0, None)])
def test_db_id_reads_a_row_id_or_none(raw, expected):
    assert db_id(raw) == expected


@pytest.mark.parametrize("text, expected", [("0123", True), ("7", True), ("", False), (None, False), ("²", False),
                                            ("①", False), ("٣", False), ("12a", False), ("-1", False), (" 1", False)])
def test_ascii_digits_takes_0_to_9_only(text, expected):
    assert ascii_digits(text) is expected


@pytest.fixture
def people(make):
    odense = make.location("Odense")
    make.caseworker("sb", location=odense)
    make.member("mette", location=odense, target_group="1")
    make.user("adm", role="admin")
    make.user("styr", role="steering")
    make.commit()


@pytest.mark.parametrize("value", [HUGE, "²"])
def test_api_offers_location_out_of_range_is_a_422_problem(client, people, value):
    token = client.post("/api/v1/auth/token", json={"username": "mette", "password": PASSWORD}).get_json()
    response = client.get(f"/api/v1/offers?location={value}",
                          headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.status_code == 422
    assert response.get_json()["errors"] or response.get_json()["detail"]


@pytest.mark.parametrize("user, path", [
    ("sb", f"/sagsbehandler/?sted={HUGE}"),
    ("sb", f"/sagsbehandler/?side={HUGE}"),
    ("adm", f"/admin/audit?side={HUGE}"),
    ("adm", f"/admin/udbakke?side={HUGE}"),
    ("mette", f"/samtaler?type=cv&location={HUGE}"),
    ("styr", f"/styring?sted={HUGE}"),
    ("styr", "/styring?sted=²"),
])
def test_pages_answer_out_of_range_numbers_without_a_500(client, auth, people, user, path):
    auth.login(user)
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("query", [f"location={HUGE}", f"limit={HUGE}", "location=²"])
def test_api_slots_out_of_range_numbers_are_422_problems(client, people, query):
    token = client.post("/api/v1/auth/token", json={"username": "mette", "password": PASSWORD}).get_json()
    response = client.get(f"/api/v1/slots?type=followup_phone&{query}",
                          headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
