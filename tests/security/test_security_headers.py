"""The security headers (portal/security.py, added as the response starts) are exactly what setting them one by one
on each response gave, and every response gets them."""
from __future__ import annotations

import pytest
from flask import Response

from portal.security import CSP, with_security_headers


def _one_by_one(response: Response, production: bool) -> Response:
    """The headers as the portal set them before issue 19, one call each."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if production:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _responses() -> list[Response]:
    own = Response("<p>", mimetype="text/html")
    own.headers["Cache-Control"] = "private, no-store"
    own.headers["Content-Security-Policy"] = "default-src 'none'"
    framed = Response("x", mimetype="text/plain")
    framed.headers.add("x-frame-options", "SAMEORIGIN")
    framed.headers.add("X-Frame-Options", "ALLOW-FROM x")
    return [Response("<p>", mimetype="text/html"), Response("{}", mimetype="application/json"),
            Response("x", mimetype="text/plain"), own, framed]


@pytest.mark.parametrize("production", [False, True])
def test_headers_match_setting_them_one_by_one(production):
    for ours, reference in zip(_responses(), _responses(), strict=True):
        got = with_security_headers(ours.headers.to_wsgi_list(), production)
        expected = _one_by_one(reference, production).headers.to_wsgi_list()
        assert sorted(got) == sorted(expected)  # the same headers, each as often (their order means nothing)


def test_a_page_gets_every_header_once(client):
    response = client.get("/login")
    names = [name for name, _ in response.headers.to_wsgi_list()]
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                 "Permissions-Policy", "Cache-Control", "X-Request-ID"):
        assert names.count(name) == 1, name
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/findes-ikke", "/static/css/app.css", "/healthz"])
def test_every_kind_of_response_gets_them(client, app, path):
    app.config["PRODUCTION"] = True
    response = client.get(path)
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                 "Permissions-Policy", "Strict-Transport-Security"):
        assert [n for n, _ in response.headers.to_wsgi_list()].count(name) == 1, (path, name)
