"""Stored XSS: markup typed into any free-text field that staff or members later see is shown as text everywhere.

The probe is written into every such column of a seeded database (names, plan items and comments, chat messages,
conversation notes and agreements, job orders, offers, overrides, booking notes, referrals), then every HTML page of
every role is rendered and must not contain the probe unescaped.
"""
from __future__ import annotations

import re

from sqlalchemy import update

from tests.security.test_security_authz_matrix import MATRIX, _param_values, _url, _world, route_keys

PROBE = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
NOT_HTML = re.compile(r"(\.ics|\.pdf|\.csv|\.json|/download|^/api/|^/healthz|^/webhooks|^/model/)")

# (module, model, columns): every free-text column a person types and someone else later sees.
FREE_TEXT = [
    ("portal.models.members", "Member", ["first_name", "last_name", "job_goal", "trade"]),
    ("portal.models.users", "User", ["display_name"]),
    ("portal.models.plan", "PlanItem", ["title", "description"]),
    ("portal.models.plan", "PlanItemEvent", ["text"]),
    ("portal.models.booking", "Booking", ["cancel_reason", "member_note"]),
    ("portal.models.casework", "HeldConversation", ["notes", "member_summary", "qualitative_assessment",
                                                    "group_comment"]),
    ("portal.models.casework", "ConversationAgreement", ["text"]),
    ("portal.models.casework", "JobcenterReferral", ["reason", "status_note"]),
    ("portal.models.casework", "JobOrder", ["employer", "title", "contact_name", "description"]),
    ("portal.models.casework", "JobReferral", ["note"]),
    ("portal.models.chat", "ChatMessage", ["text"]),
    ("portal.models.chat", "Handoff", ["outcome_note"]),
    ("portal.models.offers", "Offer", ["title", "description"]),
    ("portal.models.offers", "OfferSession", ["venue", "cancel_reason"]),
    ("portal.models.offers", "OfferRegistration", ["cancel_reason", "completion_note"]),
    ("portal.models.profiling", "GroupDecision", ["comment"]),
    ("portal.models.messaging", "Notification", ["text"]),
    ("portal.models.audit", "AuditEntry", ["reason"]),
]


def _poison(session) -> int:
    import importlib

    written = 0
    for module_name, model_name, columns in FREE_TEXT:
        model = getattr(importlib.import_module(module_name), model_name, None)
        if model is None:
            continue
        values = {c: PROBE for c in columns if hasattr(model, c)}
        written += session.execute(update(model).values(**values)).rowcount or 0
    session.commit()
    return written


def test_markup_in_free_text_is_shown_as_text_on_every_page(app, session):
    app.config["WTF_CSRF_ENABLED"] = False
    world = _world(session)
    values = _param_values(session, world["medlem"])
    assert _poison(session) > 100
    failures, seen = [], 0
    for role, user in world["users"].items():
        client = app.test_client()
        client.post("/login", data={"login": user.username, "password": "demo-adgangskode"})
        for key, rule in sorted(route_keys(app).items()):
            method, path = key.split(" ", 1)
            spec = MATRIX[key]
            if method != "GET" or NOT_HTML.search(path) or spec == "public":
                continue
            if spec != "any" and {"other_member": "member", "other_caseworker": "caseworker"}.get(role, role) \
                    not in spec:
                continue
            response = client.get(_url(rule, values))
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            body = response.get_data(as_text=True)
            seen += body.count("&lt;script&gt;")
            if "<script>alert" in body or "onerror=alert" in body.replace("onerror=alert(1)&gt;", ""):
                failures.append(f"{path} as {role}: the probe is rendered as markup")
    assert seen > 10, "the probe should be visible (escaped) on many pages"
    assert not failures, "\n".join(failures)
