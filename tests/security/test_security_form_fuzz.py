"""Property-based fuzzing of every HTML form: no input gives a server error, and a refused form writes nothing.

For each role the test logs in on a seeded demo, finds the forms by crawling (tests/form_fuzz.py: every GET route
the role may open plus the links on those pages; nothing is hand-listed) and posts Hypothesis-drawn bodies to each
form: hostile values in the visible fields, the CSRF token and hidden fields valid most of the time. Every
response must be below 500; when the portal refuses the input (4xx, an error summary or field error on the page,
or a redirect with an error message) the database must be as before, apart from read audit entries and login
bookkeeping (see form_fuzz.READ_OR_LOGIN_AUDIT). Accepted input may write; the next example starts from there.

The number of inputs tried per form is written to tests/.form_fuzz/<role>.txt and shown in the terminal summary.
SQLite only: it watches the database file (PRAGMA data_version), and the PostgreSQL leg does not run this module.
"""
from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import select

from portal.extensions import db as _db
from tests.conftest import TEST_DATABASE_URL
from tests.form_fuzz import DatabaseWatch, Form, describe, discover_forms, form_body, write_report
from tests.security.test_security_authz_matrix import MATRIX, _param_values, _url, _world, route_keys

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday morning; the demo is seeded around it
pytestmark = [
    pytest.mark.clock(NOW),
    pytest.mark.slow,
    pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="watches the SQLite file; the SQLite leg covers the forms"),
]

ROLES = ("anonymous", "member", "caseworker", "steering", "admin", "jobcenter")
# Forms found on the day this was written (per role, after deduplication by action route): fewer means the
# discovery broke (a page moved, a link vanished), not that the portal lost forms.
FLOOR = {"anonymous": 5, "member": 20, "caseworker": 30, "steering": 5, "admin": 19, "jobcenter": 3}
# Inputs per form: the suite's budget; FORM_FUZZ_EXAMPLES=200 for a deeper hunt by hand. A form with few fields a
# person fills has few places for hostile values: 6 inputs plus 5 per such field, up to EXAMPLES (a button with
# only hidden fields gets 6, e.g. taking a handoff; one with three or more fields the full budget).
EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "20"))


def examples_for(form: Form) -> int:
    filled = sum(1 for f in form.fields.values() if f.kind not in ("hidden", "submit", "button"))
    return min(EXAMPLES, 6 + 5 * filled)
# Forms every role sees that do the same for all of them: fuzzed as anonymous and as a member only.
SHARED = {"/sprog/<lang>", "/login/laas-op", "/login/link", "/login", "/chat/samtale"}
# Not fuzzed, and why.
SKIPPED = {"/logout": "ends the session the role's other forms need (tests/core/test_auth.py covers logging out)"}


def _allowed(spec, role: str) -> bool:
    if spec == "public":
        return True
    if role == "anonymous":
        return False
    return spec == "any" or role in spec


def _start_urls(app, session, world, role: str) -> list[str]:
    """Every GET page the role may open, with ids and link tokens taken from the seeded data."""
    from portal.models.offers import OfferRegistration
    from portal.models.scheduling import SatisfactionSurvey
    from portal.services.messaging.surveys import make_token
    from portal.services.offers.waitlist import accept_token

    values = _param_values(session, world["medlem"])
    survey = session.scalar(select(SatisfactionSurvey).where(
        SatisfactionSurvey.answered_at.is_(None), SatisfactionSurvey.expires_at > NOW).limit(1))
    offered = session.scalar(select(OfferRegistration).where(
        OfferRegistration.member_id == world["medlem"].id, OfferRegistration.status == "offered").limit(1))
    tokens = {"/undersoegelse/<token>": make_token(survey, app.config["SECRET_KEY"]) if survey else "x",
              "/tilbud/plads/<token>": accept_token(offered) if offered else "x"}
    urls = _pages_with_more_forms(session, world) if role in ("caseworker", "admin") else []
    for key, rule in sorted(route_keys(app).items()):
        method, path = key.split(" ", 1)
        if method == "GET" and _allowed(MATRIX[key], role):
            urls.append(_url(rule, dict(values, token=tokens.get(path, "ugyldig-token"))))
    return urls


def _pages_with_more_forms(session, world) -> list[str]:
    """Staff pages whose forms show only for some objects (a draft summary, a visitation still open, a member
    chosen for booking): found in the seeded data, as the authorisation matrix finds its ids."""
    from portal.models import Caseworker, Member
    from portal.models.casework import ConversationSummary, JobcenterReferral, JobReferral

    caseworker = session.scalar(select(Caseworker).where(Caseworker.user_id == world["users"]["caseworker"].id))
    at_location = select(Member.id).where(Member.location_id == caseworker.location_id)
    numbers = session.scalars(select(Member.member_number).join(JobcenterReferral).where(
        JobcenterReferral.status.in_(("sent", "accepted")), Member.id.in_(at_location)).limit(1)).all()
    summaries = session.scalars(select(ConversationSummary.id).where(
        ConversationSummary.status == "draft", ConversationSummary.member_id.in_(at_location)).limit(1)).all()
    orders = session.scalars(select(JobReferral.job_order_id).where(
        JobReferral.referred_by_user_id == caseworker.user_id).limit(1)).all()
    return ([f"/kalender/ny?medlem={world['medlem'].member_number}&type=cv"]
            + [f"/sagsbehandler/medlem/{n}" for n in numbers] + [f"/sagsbehandler/referat/{i}" for i in summaries]
            + [f"/sagsbehandler/jobordrer/{i}" for i in orders])


def _login(app, world, role: str):
    client = app.test_client()
    if role != "anonymous":
        app.config["WTF_CSRF_ENABLED"] = False
        response = client.post("/login", data={"login": world["users"][role].username,
                                               "password": "demo-adgangskode"})
        app.config["WTF_CSRF_ENABLED"] = True
        assert response.status_code == 302, f"demo login as {role} failed"
    return client


def _refused(client, response) -> bool:
    """Did the portal say no? A 4xx, a page with an error message, or a redirect carrying an error message."""
    if response.status_code >= 400:
        return True
    if response.is_json or response.mimetype != "text/html":
        return False
    if 300 <= response.status_code < 400:
        with client.session_transaction() as flask_session:  # taken, so messages do not pile up in the cookie
            flashes = flask_session.pop("_flashes", [])
        return any(category == "error" for category, _message in flashes)
    return 'role="alert"' in response.get_data(as_text=True)


def _last_error(caplog) -> str:
    for record in reversed(caplog.records):
        if record.name == "portal.errors" and record.exc_text:
            return "\n    " + record.exc_text.strip().splitlines()[-1]
    return ""


def _fuzz(client, form: Form, watch: DatabaseWatch, caplog) -> tuple[int, dict[int, int], list[str]]:
    """Post drawn bodies to the form; return the examples tried, the statuses seen and the problems found."""
    tried, statuses, problems = 0, {}, []
    state = {"before": watch.fingerprint()}

    @settings(max_examples=examples_for(form), deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: each example changes the shared database
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(drawn=form_body(form))
    def example(drawn):
        nonlocal tried
        body, pairs = drawn
        tried += 1
        caplog.clear()
        try:
            response = client.post(form.action, data=body, content_type="application/x-www-form-urlencoded")
        except Exception as exc:  # noqa: BLE001 - an exception out of the error handlers is a server error too
            problems.append(f"{form.key}: raised {type(exc).__name__}: {exc} for {describe(pairs)}")
            return
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            problems.append(f"{form.key}: {response.status_code} for {describe(pairs)}{_last_error(caplog)}")
        refused = _refused(client, response)
        if watch.changed():
            after = watch.fingerprint()
            written = sorted(t for t in after if after[t] != state["before"][t])
            state["before"] = after
            if refused and written:
                problems.append(f"{form.key}: refused ({response.status_code}) but wrote to {', '.join(written)} "
                                f"for {describe(pairs)}")

    example()
    return tried, statuses, problems


@pytest.mark.parametrize("role", ROLES)
def test_no_form_input_gives_a_server_error_or_a_write_when_refused(app, session, role, caplog):
    started = time.perf_counter()
    world = _world(session)
    start_urls = _start_urls(app, session, world, role)
    client = _login(app, world, role)
    forms, pages = discover_forms(app, client, role, start_urls)
    assert len(forms) >= FLOOR[role], (f"found only {len(forms)} forms as {role} (floor {FLOOR[role]}): "
                                       + ", ".join(sorted(forms)))
    caplog.set_level(logging.ERROR, logger="portal.errors")
    watch = DatabaseWatch(_db.engine.url.database)
    rows, problems, total = [], [], 0
    try:
        for pattern, form in sorted(forms.items()):
            if pattern in SKIPPED or (pattern in SHARED and role not in ("anonymous", "member")):
                why = SKIPPED.get(pattern, "same form as for anonymous/member")
                rows.append(f"{form.key}: skipped ({why})")
                continue
            tried, statuses, found = _fuzz(client, form, watch, caplog)
            total += tried
            problems += found
            seen = " ".join(f"{status}×{n}" for status, n in sorted(statuses.items()))
            rows.append(f"{form.key}: {tried} inputs, {len(form.fields)} fields, statuses {seen}")
    finally:
        watch.close()
    rows.append(f"{role}: {len(forms)} forms on {pages} pages, {total} inputs, {len(problems)} problems, "
                f"{time.perf_counter() - started:.0f} s")
    write_report(role, rows)
    assert not problems, f"{len(problems)} problems as {role}:\n" + "\n".join(problems)
