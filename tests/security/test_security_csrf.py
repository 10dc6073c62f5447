"""CSRF: every state-changing HTML route refuses a request without the token (400) for a user who may use it."""
from __future__ import annotations

from tests.security.test_security_authz_matrix import MATRIX, _param_values, _url, _world, route_keys

EXEMPT_PREFIXES = ("/api/", "/webhooks/", "/model/")  # bearer-token API and Rasa-compatible JSON endpoints
LOGIN_FOR = {"member": "member", "caseworker": "caseworker", "steering": "steering", "admin": "admin"}


def _role_for(spec) -> str | None:
    if spec == "any":
        return "member"
    if spec == "public":
        return "anonymous"
    for role in ("member", "caseworker", "admin", "steering", "jobcenter"):
        if role in spec:
            return role
    return None


def test_every_state_changing_form_needs_the_csrf_token(app, session):
    world = _world(session)
    values = _param_values(session, world["medlem"])
    clients = {}
    failures = []
    for key, rule in sorted(route_keys(app).items()):
        method, path = key.split(" ", 1)
        if method == "GET" or path.startswith(EXEMPT_PREFIXES):
            continue
        role = _role_for(MATRIX[key])
        if role not in clients:
            client = app.test_client()
            if role != "anonymous":
                app.config["WTF_CSRF_ENABLED"] = False
                client.post("/login", data={"login": world["users"][role].username,
                                            "password": "demo-adgangskode"})
                app.config["WTF_CSRF_ENABLED"] = True
            clients[role] = client
        response = clients[role].open(_url(rule, values), method=method, data={"x": "1"})
        if response.status_code != 400:
            failures.append(f"{key} as {role}: {response.status_code} without a CSRF token (expected 400)")
    assert not failures, "\n".join(failures)
