"""Schemathesis against /api/openapi.json with a logged-in member: no 500s, responses conform to the schema.

Property-based: schemathesis generates requests (valid and invalid) for every operation in the document and runs its
checks (not a server error, status code and content type documented, response body matches its schema).
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import create_app
from portal.blueprints.api.auth import issue_token
from portal.demo import seed_demo
from portal.extensions import db
from portal.models import User

_state: dict = {}


def _app(tmp_path_factory):
    if "app" not in _state:
        path = tmp_path_factory.mktemp("schemathesis") / "api.sqlite3"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "st",
                          "RATELIMIT_ENABLED": False, "DEMO_PASSWORD": "demo-adgangskode"})
        with app.app_context():
            db.create_all()
            seed_demo(db.session, members=60, seed=3, password="demo-adgangskode")
            user = db.session.query(User).filter_by(username="medlem").one()
            _state["token"] = issue_token(user)
            db.session.remove()
        _state["app"] = app
    return _state["app"]


def _operations():
    """(label, operation) for every operation in the served document (loaded once, at collection)."""
    import tempfile
    from pathlib import Path

    class _Factory:
        def mktemp(self, name):
            return Path(tempfile.mkdtemp(prefix=name))

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _app(_Factory()))
    return [(op.ok().label, op.ok()) for op in schema.get_all_operations()]


OPERATIONS = _operations()


@pytest.mark.parametrize("operation", [op for _, op in OPERATIONS], ids=[label for label, _ in OPERATIONS])
def test_api_operation_conforms_to_its_openapi_document(operation):
    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {_state['token']}"},
            checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                    response_schema_conformance],
        )

    check()
