"""Absolute links for e-mails, built from PORTAL_BASE_URL outside any request."""
from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """`url_for(endpoint, _external=True)` against BASE_URL (an unknown endpoint is a BuildError: a bug)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


def internal_path(endpoint: str, **values) -> str:
    """A site-relative path for in-app notification links."""
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)
