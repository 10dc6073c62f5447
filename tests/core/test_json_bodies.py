"""JSON bodies nested too deeply are a 400 with the reason on every JSON endpoint, never a 500 (RecursionError)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.json_bodies import MAX_DEPTH, nesting_depth
from portal.models.chat import ChatConversation

JSON_ENDPOINTS = ["/webhooks/rest/webhook", "/model/parse", "/api/v1/auth/token", "/api/v1/me/bookings",
                  "/api/v1/me/plan", "/chat/samtale"]


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
                                  "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)])
def test_deeply_nested_json_is_a_400_with_the_reason(app, session, client, path, body):
    response = client.post(path, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert f"højst være indlejret {MAX_DEPTH} niveauer" in response.get_json()["detail"]
    assert session.scalar(select(func.count()).select_from(ChatConversation)) == 0


def test_ordinary_json_with_brackets_in_its_strings_still_works(app, session, client):
    body = {"text": "kan jeg tale med en person? [[[{{{ ]]]}}} " + "[" * 200, "extra": [[[["x"]]]]}
    response = client.post("/model/parse", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["intent"]["name"]


@pytest.mark.parametrize("text,depth", [
    ("{}", 1), ("[[1, [2]], {\"a\": {\"b\": []}}]", 4), ('"[[[[["', 0), ('["\\"[[", [[]]]', 3), ("", 0),
    ("[" * 10_000, MAX_DEPTH + 1),  # stops counting past the limit
])
def test_nesting_depth_counts_brackets_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_a_body_over_the_size_limit_is_a_413_and_nothing_is_read(app, client):
    body = b'{"text": "' + b"a" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    response = client.post("/model/parse", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["detail"]
