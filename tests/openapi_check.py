"""Keeps /api/openapi.json true: every /api/ response the test client receives is checked against it.

Installed on the suite's test client class from tests/conftest.py. For each response under /api/:
- the document itself must be a valid OpenAPI 3.1 document (checked once, openapi-spec-validator);
- the request's path and method must be documented (undocumented paths may only answer with a problem+json 404/405);
- the status code must be documented for the operation (or a `default` response);
- the response's media type must be one the spec lists for that status, and a JSON body must validate against
  its schema (JSON Schema 2020-12 with the document's components for $ref).
A failure raises AssertionError naming the method, path, status and the first schema error.
Use `with unchecked():` around a request that deliberately breaks the contract (e.g. a raw malformed response).
"""
from __future__ import annotations

import contextlib
import json
import re
from functools import lru_cache

from jsonschema import Draft202012Validator

_state = {"enabled": True, "spec_checked": False}
JSON_TYPES = ("application/json", "application/problem+json")


@contextlib.contextmanager
def unchecked():
    """Skip the check for the responses inside the block."""
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = True


def _document() -> dict:
    from portal.blueprints.api.openapi import build_document

    doc = build_document()
    if not _state["spec_checked"]:
        from openapi_spec_validator import validate

        validate(doc)
        _state["spec_checked"] = True
    return doc


@lru_cache(maxsize=1)
def _path_patterns(doc_id: int) -> list[tuple[re.Pattern, str]]:
    doc = _document()
    patterns = []
    for template in doc.get("paths", {}):
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template)) + "$"
        patterns.append((re.compile(regex), template))
    # Literal paths before templated ones, so /me/plan wins over /me/{x}.
    patterns.sort(key=lambda p: p[1].count("{"))
    return patterns


def _find_path(doc: dict, path: str) -> str | None:
    for regex, template in _path_patterns(id(doc)):
        if regex.match(path):
            return template
    return None


def _validator(doc: dict, schema: dict) -> Draft202012Validator:
    """The schema with the document's components beside it, so "#/components/..." refs resolve."""
    return Draft202012Validator({**schema, "components": doc.get("components", {})})


def check_response(method: str, path: str, response) -> None:
    """Raise AssertionError if `response` (a werkzeug test response) does not match the OpenAPI document."""
    doc = _document()
    status = response.status_code
    media_type = (response.mimetype or "").lower()
    where = f"{method} {path} → {status}"
    if path == "/api/openapi.json":
        from openapi_spec_validator import validate

        validate(response.get_json())  # the served document itself must be valid OpenAPI
        return
    template = _find_path(doc, path)
    if template is None:
        assert status in (404, 405) and media_type == "application/problem+json", (
            f"{where}: path not documented in /api/openapi.json")
        _validate_body(doc, {"$ref": "#/components/schemas/Problem"}, response, where)
        return
    operation = doc["paths"][template].get(method.lower())
    if operation is None:
        assert status == 405, f"{where}: method not documented for {template}"
        return
    responses = operation.get("responses", {})
    spec_response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    assert spec_response is not None, f"{where}: status {status} not documented for {method} {template}"
    spec_response = _resolve(doc, spec_response)
    content = spec_response.get("content") or {}
    if not content:
        assert not response.get_data(), f"{where}: body sent, but the spec documents none"
        return
    assert media_type in content, f"{where}: media type {media_type!r} not in the spec ({', '.join(content)})"
    schema = content[media_type].get("schema")
    if schema is not None and media_type in JSON_TYPES:
        _validate_body(doc, schema, response, where)


def _resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _validate_body(doc: dict, schema: dict, response, where: str) -> None:
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError as exc:
        raise AssertionError(f"{where}: body is not JSON ({exc})") from None
    errors = sorted(_validator(doc, schema).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise AssertionError(f"{where}: response does not match the OpenAPI schema at {location}: {first.message}")


def install(client_class) -> None:
    """Wrap `client_class.open` so every /api/ response is checked (idempotent)."""
    if getattr(client_class, "_openapi_checked", False):
        return
    original = client_class.open

    def open(self, *args, **kwargs):
        response = original(self, *args, **kwargs)
        request = getattr(response, "request", None)
        if _state["enabled"] and request is not None and request.path.startswith("/api/"):
            check_response(request.method, request.path, response)
        return response

    client_class.open = open
    client_class._openapi_checked = True
