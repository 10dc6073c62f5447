"""Absolute links for e-mails, built from PORTAL_BASE_URL outside any request."""
from __future__ import annotations

from flask import current_app, url_for
from werkzeug.routing import BuildError


def external_url(endpoint: str, fallback: str = "/", **values) -> str:
    """`url_for(endpoint, _external=True)` against BASE_URL; `fallback` path if the endpoint is not installed."""
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        try:
            return url_for(endpoint, _external=True, **values)
        except BuildError:
            return base + fallback


def internal_path(endpoint: str, fallback: str = "/", **values) -> str:
    """A site-relative path for in-app notification links; `fallback` if the endpoint is not installed."""
    with current_app.test_request_context("/"):
        try:
            return url_for(endpoint, **values)
        except BuildError:
            return fallback
