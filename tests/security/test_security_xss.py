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
    for role, path, response in _html_pages(app, world, values, public=False):
        if response.status_code != 200:
            continue
        body = response.get_data(as_text=True)
        seen += body.count("&lt;script&gt;")
        if "<script>alert" in body or "onerror=alert" in body.replace("onerror=alert(1)&gt;", ""):
            failures.append(f"{path} as {role}: the probe is rendered as markup")
    assert seen > 10, "the probe should be visible (escaped) on many pages"
    assert not failures, "\n".join(failures)


def _html_pages(app, world, values, *, public: bool, query: str = ""):
    """(role, path, response) for every HTML page each of the world's users may open (public pages too if
    `public`), each fetched once with `query` appended."""
    for role, user in world["users"].items():
        client = app.test_client()
        client.post("/login", data={"login": user.username, "password": "demo-adgangskode"})
        for key, rule in sorted(route_keys(app).items()):
            method, path = key.split(" ", 1)
            spec = MATRIX[key]
            if method != "GET" or NOT_HTML.search(path) or (spec == "public" and not public):
                continue
            if spec not in ("any", "public") and {"other_member": "member",
                                                  "other_caseworker": "caseworker"}.get(role, role) not in spec:
                continue
            response = client.get(_url(rule, values) + query)
            if response.mimetype == "text/html":
                yield role, path, response


SHORT_PROBE = '"><i id=rx>'  # short: some pages quote what was typed only in part (20 characters)


def _query_names() -> list[str]:
    """Every query or form argument name the portal reads by name (`args.get("fra")`, `source.get("type")` …)."""
    from pathlib import Path

    names = set()
    for source in Path("portal").rglob("*.py"):
        names.update(re.findall(r"""(?:args|source|form|values)\.get(?:list)?\(\s*["']([a-z_]+)["']""",
                                source.read_text(encoding="utf-8")))
    return sorted(names | {"til"})  # read through the steering filters' parse_day(name)


def test_markup_in_the_query_string_is_shown_as_text_on_every_page(app, session):
    # The steering filters once quoted an invalid date back through the template's `_()`, which trusted it as
    # markup: /styring?fra=<script>… put the typed markup on the page.
    world = _world(session)
    values = _param_values(session, world["medlem"])
    names = _query_names()
    assert {"fra", "til", "sted", "type", "medlem"} <= set(names)
    query = "&".join(f"{name}={SHORT_PROBE}" for name in names)
    failures, pages = [], 0
    for role, path, response in _html_pages(app, world, values, public=True, query="?" + query):
        pages += 1
        if "<i id=rx>" in response.get_data(as_text=True):
            failures.append(f"{path} as {role}: the query string is rendered as markup")
    assert pages > 50
    assert not failures, "\n".join(failures)


def test_template_gettext_never_trusts_its_text_as_markup(app):
    from flask import render_template_string

    with app.test_request_context("/"):
        shown = render_template_string("{{ _(text) }}|{{ _('Datoen «%(value)s» er ugyldig.', value=text) }}",
                                       text="<b>x</b>")
    assert shown == "&lt;b&gt;x&lt;/b&gt;|Datoen «&lt;b&gt;x&lt;/b&gt;» er ugyldig."
