"""The authorisation matrix: every route × every role, generated from the app's URL map.

A route missing from MATRIX fails the test, so nobody adds a page without deciding who may open it. Each entry says
who may use the route: "public", "any" (any logged-in user) or the roles. The test then checks, on a seeded
database and for every role (anonymous, member, other member, caseworker, caseworker of another location,
steering, admin, job-centre user of medlem's municipality, job-centre user of another municipality), that the
response is what the entry implies, that another member's object answers 404, that a caseworker of another
location cannot open a member's screen, that a job-centre user of another municipality gets 404 for medlem's case
and citizen page, and that every response carries the security headers.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.blueprints.api.auth import issue_token
from portal.models import Booking, Caseworker, Consent, Member, ServiceLocation, User
from tests.demo_copy import seed_demo_once

MATRIX: dict[str, str | tuple[str, ...]] = {
    "GET /": "public",
    "GET /admin/": ('admin',),
    "GET /admin/audit": ('admin',),
    "GET /admin/planlaegning": ('admin',),
    "POST /admin/planlaegning/<job_id>/koer": ('admin',),
    "GET /admin/udbakke": ('admin',),
    "POST /admin/udbakke/<int:message_id>/send-igen": ('admin',),
    "POST /admin/udbakke/<int:message_id>/stop": ('admin',),
    "GET /api/openapi.json": "public",
    "POST /api/v1/auth/token": "public",
    "GET /api/v1/me": ('member',),
    "PATCH /api/v1/me": ('member',),
    "GET /api/v1/me/bookings": ('member',),
    "POST /api/v1/me/bookings": ('member',),
    "GET /api/v1/me/bookings/<int:booking_id>": ('member',),
    "PATCH /api/v1/me/bookings/<int:booking_id>": ('member',),
    "DELETE /api/v1/me/bookings/<int:booking_id>": ('member',),
    "GET /api/v1/me/bookings/<int:booking_id>.ics": ('member',),
    "GET /api/v1/me/contact-course": ('member',),
    "GET /api/v1/me/offer-registrations": ('member',),
    "GET /api/v1/me/plan": ('member',),
    "POST /api/v1/me/plan": ('member',),
    "PATCH /api/v1/me/plan/<int:item_id>": ('member',),
    "GET /api/v1/offers": ('member', 'caseworker', 'admin'),
    "GET /api/v1/offers/<int:offer_id>/sessions": ('member', 'caseworker', 'admin'),
    "POST /api/v1/sessions/<int:session_id>/registration": ('member',),
    "DELETE /api/v1/sessions/<int:session_id>/registration": ('member',),
    "POST /api/v1/sessions/<int:session_id>/registration/accept": ('member',),
    "GET /api/v1/slots": ('member',),
    "GET /chat/beskeder": "public",
    "GET /chat/samtale": "public",
    "POST /chat/samtale": "public",
    "GET /fvu-tilbagemelding/<token>": "public",
    "POST /fvu-tilbagemelding/<token>": "public",
    "GET /healthz": "public",
    "GET /jobcenter/": ('jobcenter',),
    "GET /jobcenter/borger/<member_number>": ('jobcenter',),
    "GET /jobcenter/sag/<int:case_id>": ('jobcenter',),
    "POST /jobcenter/sag/<int:case_id>/faellessamtale": ('jobcenter',),
    "POST /jobcenter/sag/<int:case_id>/svar": ('jobcenter',),
    "POST /jobcenter/sag/<int:case_id>/visitation": ('jobcenter',),
    "GET /kalender": ('caseworker', 'admin'),
    "GET /kalender/arbejdstider": ('caseworker', 'admin'),
    "POST /kalender/arbejdstider": ('caseworker', 'admin'),
    "GET /kalender/ny": ('caseworker', 'admin'),
    "POST /kalender/ny": ('caseworker', 'admin'),
    "GET /kalender/samtale/<int:booking_id>": ('caseworker', 'admin'),
    "POST /kalender/samtale/<int:booking_id>": ('caseworker', 'admin'),
    "GET /login": "public",
    "POST /login": "public",
    "GET /login/laas-op": "public",
    "POST /login/laas-op": "public",
    "GET /login/laas-op/<token>": "public",
    "GET /login/link": "public",
    "POST /login/link": "public",
    "GET /login/link/<token>": "public",
    "POST /login/link/<token>": "public",
    "POST /logout": "any",
    "GET /min-side": ('member',),
    "GET /min-side/adgang": ('member',),
    "GET /min-side/maalgruppe": ('member',),
    "POST /min-side/maalgruppe/uenig": ('member',),
    "GET /min-side/forberedelse": ('member',),
    "POST /min-side/forberedelse": ('member',),
    "GET /min-side/jobmatch-cv": ('member',),
    "POST /min-side/jobmatch-cv": ('member',),
    "POST /min-side/jobmatch-cv/jobagent": ('member',),
    "GET /min-side/mine-data": ('member',),
    "GET /min-side/mine-data/download": ('member',),
    "POST /min-side/mine-data/samtykke/<int:consent_id>/tilbagekald": ('member',),
    "GET /min-side/beskeder": ('member',),
    "POST /min-side/notifikationer/laest": ('member',),
    "GET /min-side/plan": ('member',),
    "POST /min-side/plan": ('member',),
    "POST /min-side/plan/<int:item_id>/kommentar": ('member',),
    "POST /min-side/plan/<int:item_id>/status": ('member',),
    "GET /min-side/profil": ('member',),
    "POST /min-side/profil": ('member',),
    "GET /min-side/referater": ('member',),
    "GET /min-side/referater/<int:summary_id>": ('member',),
    "GET /min-side/referater/<int:summary_id>.pdf": ('member',),
    "POST /model/parse": "public",
    "GET /opsagt": "public",
    "GET /personale/tilbud": ('caseworker', 'admin'),
    "GET /personale/tilbud/<int:offer_id>": ('caseworker', 'admin'),
    "GET /personale/tilbud/<int:offer_id>/hold/ny": ('caseworker', 'admin'),
    "POST /personale/tilbud/<int:offer_id>/hold/ny": ('caseworker', 'admin'),
    "GET /personale/tilbud/<int:offer_id>/rediger": ('caseworker', 'admin'),
    "POST /personale/tilbud/<int:offer_id>/rediger": ('caseworker', 'admin'),
    "GET /personale/tilbud/hold/<int:session_id>": ('caseworker', 'admin'),
    "POST /personale/tilbud/hold/<int:session_id>/aflys": ('caseworker', 'admin'),
    "GET /personale/tilbud/hold/<int:session_id>/rediger": ('caseworker', 'admin'),
    "POST /personale/tilbud/hold/<int:session_id>/rediger": ('caseworker', 'admin'),
    "POST /personale/tilbud/hold/<int:session_id>/ret-og-pligt": ('caseworker', 'admin'),
    "GET /personale/tilbud/ny": ('caseworker', 'admin'),
    "POST /personale/tilbud/ny": ('caseworker', 'admin'),
    "POST /personale/tilbud/tilmelding/<int:reg_id>/afmeld": ('caseworker', 'admin'),
    "POST /personale/tilbud/tilmelding/<int:reg_id>/fremmoede": ('caseworker', 'admin'),
    "POST /personale/tilbud/tilmelding/<int:reg_id>/fvu-tilbagemelding": ('caseworker', 'admin'),
    "GET /sagsbehandler/": ('caseworker', 'admin'),
    "GET /sagsbehandler/beskeder": ('caseworker', 'admin'),
    "GET /session/aktiv": "any",
    "GET /beskeder/<int:note_id>": "any",
    "POST /sagsbehandler/beskeder/laest": ('caseworker', 'admin'),
    "POST /sagsbehandler/henvisning/<int:referral_id>": ('caseworker',),
    "GET /sagsbehandler/jobordrer": ('caseworker', 'admin'),
    "GET /sagsbehandler/jobordrer/<int:order_id>": ('caseworker', 'admin'),
    "POST /sagsbehandler/jobordrer/<int:order_id>/henvis": ('caseworker',),
    "POST /sagsbehandler/jobordrer/<int:order_id>/status": ('caseworker',),
    "GET /sagsbehandler/jobordrer/ny": ('caseworker',),
    "POST /sagsbehandler/jobordrer/ny": ('caseworker',),
    "GET /sagsbehandler/medlem/<member_number>": ('caseworker', 'admin'),
    "POST /sagsbehandler/medlem/<member_number>/maalgruppe": ('caseworker',),
    "POST /sagsbehandler/medlem/<member_number>/plan": ('caseworker',),
    "POST /sagsbehandler/medlem/<member_number>/plan/<int:item_id>": ('caseworker',),
    "GET /sagsbehandler/medlem/<member_number>/samtale": ('caseworker',),
    "POST /sagsbehandler/medlem/<member_number>/samtale": ('caseworker',),
    "POST /sagsbehandler/medlem/<member_number>/svar": ('caseworker',),
    "POST /sagsbehandler/medlem/<member_number>/visitation": ('caseworker',),
    "GET /sagsbehandler/overdragelser": ('caseworker', 'admin'),
    "GET /sagsbehandler/overdragelser/<int:handoff_id>": ('caseworker', 'admin'),
    "POST /sagsbehandler/overdragelser/<int:handoff_id>/afslut": ('caseworker', 'admin'),
    "GET /sagsbehandler/overdragelser/<int:handoff_id>/beskeder": ('caseworker', 'admin'),
    "POST /sagsbehandler/overdragelser/<int:handoff_id>/svar": ('caseworker', 'admin'),
    "POST /sagsbehandler/overdragelser/<int:handoff_id>/tag": ('caseworker', 'admin'),
    "POST /sagsbehandler/overdragelser/<int:handoff_id>/tilbage-til-bot": ('caseworker', 'admin'),
    "POST /sagsbehandler/overdragelser/<int:handoff_id>/videregiv": ('caseworker', 'admin'),
    "GET /sagsbehandler/referat/<int:summary_id>": ('caseworker', 'admin'),
    "GET /sagsbehandler/referat/<int:summary_id>.pdf": ('caseworker', 'admin'),
    "POST /sagsbehandler/referat/<int:summary_id>/send": ('caseworker',),
    "POST /sagsbehandler/visitation/<int:referral_id>/status": ('caseworker',),
    "GET /samtaler": ('member',),
    "GET /samtaler/bekraeft": ('member',),
    "POST /samtaler/bekraeft": ('member',),
    "GET /samtaler/mine": ('member',),
    "GET /samtaler/mine/<int:booking_id>": ('member',),
    "GET /samtaler/mine/<int:booking_id>.ics": ('member', 'caseworker', 'admin'),
    "GET /samtaler/mine/<int:booking_id>/aflys": ('member',),
    "POST /samtaler/mine/<int:booking_id>/aflys": ('member',),
    "POST /sprog/<lang>": "public",
    "GET /styring": ('steering', 'admin'),
    "GET /styring/eksport.csv": ('steering', 'admin'),
    "GET /styring/eksport.json": ('steering', 'admin'),
    "GET /tilbud": ('member',),
    "GET /tilbud/<int:offer_id>": ('member',),
    "POST /tilbud/hold/<int:session_id>/tilmeld": ('member',),
    "GET /tilbud/mine": ('member',),
    "GET /tilbud/plads/<token>": ('member',),
    "POST /tilbud/plads/<token>": ('member',),
    "GET /tilbud/tilmelding/<int:reg_id>/afmeld": ('member',),
    "POST /tilbud/tilmelding/<int:reg_id>/afmeld": ('member',),
    "POST /tilbud/tilmelding/<int:reg_id>/forlad-venteliste": ('member',),
    "GET /tilbud/tilmelding/<int:reg_id>/kalender.ics": ('member',),
    "POST /tilbud/tilmelding/<int:reg_id>/nej-tak": ('member',),
    "POST /tilbud/tilmelding/<int:reg_id>/tag-plads": ('member',),
    "GET /undersoegelse/<token>": "public",
    "POST /undersoegelse/<token>": "public",
    "POST /webhooks/rest/webhook": "public",
}

ROLES = ["anonymous", "other_member", "other_caseworker", "steering", "admin", "other_jobcenter", "jobcenter",
         "caseworker", "member"]
ROLE_OF = {"member": "member", "other_member": "member", "caseworker": "caseworker",
           "other_caseworker": "caseworker", "steering": "steering", "admin": "admin", "jobcenter": "jobcenter",
           "other_jobcenter": "jobcenter"}
# Routes whose id names an object of the demo member "medlem": another member must get 404 (never 403 or 200).
OWNED_PARAMS = {"booking_id", "item_id", "summary_id", "reg_id", "consent_id", "note_id"}
# The conversation screen and its actions: a caseworker of another location must be refused (403 or 404).
MEMBER_SCREEN = re.compile(r"^/sagsbehandler/medlem/<member_number>")
# The job centre's case and citizen pages: a job-centre user of another municipality must get 404 (issue 16).
JOBCENTRE_SCREEN = re.compile(r"^/jobcenter/(sag|borger)/")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def route_keys(app) -> dict[str, object]:
    keys = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            keys[f"{method} {rule.rule}"] = rule
    return keys


def test_every_route_is_in_the_matrix(app):
    keys = set(route_keys(app))
    missing = sorted(keys - set(MATRIX))
    stale = sorted(set(MATRIX) - keys)
    assert not missing, "routes without an entry in MATRIX:\n" + "\n".join(missing)
    assert not stale, "entries for routes that no longer exist:\n" + "\n".join(stale)


def test_matrix_agrees_with_the_view_decorators(app):
    wrong = []
    for key, rule in route_keys(app).items():
        view = app.view_functions[rule.endpoint]
        declared = "public" if getattr(view, "public", False) else getattr(view, "required_roles", None)
        expected = MATRIX.get(key)
        if expected == "any":
            ok = declared is None and getattr(view, "__wrapped__", None) is not None  # login_required
        else:
            ok = declared == expected or (isinstance(declared, tuple) and tuple(declared) == expected)
        if not ok:
            wrong.append(f"{key}: matrix {expected!r}, view {declared!r}")
    assert not wrong, "\n".join(wrong)


def _world(session):
    """Seed a small demo and return the users and objects the matrix needs."""
    seed_demo_once(session, members=80, seed=5, password="demo-adgangskode")
    user = {u.username: u for u in session.scalars(select(User).where(User.username.in_(
        ["medlem", "opsagt", "sagsbehandler", "styregruppe", "admin", "jobcenter"])))}
    medlem = session.scalar(select(Member).where(Member.user_id == user["medlem"].id))
    odense = session.scalar(select(ServiceLocation).where(ServiceLocation.name == "Odense"))
    other_cw = session.scalar(select(Caseworker).where(
        Caseworker.location_id != odense.id, Caseworker.group2_specialist.is_(False),
        Caseworker.central_unit.is_(False)).limit(1))
    if not session.scalar(select(Consent.id).where(Consent.member_id == medlem.id)):
        from portal.timeutil import utcnow

        session.add(Consent(member_id=medlem.id, purpose="jobmatch_cv", text_shown="Samtykke", source="min_side",
                            given_at=utcnow()))
        session.commit()
    other_jc = _other_jobcentre_user(session)
    return {
        "users": {"member": user["medlem"], "other_member": user["opsagt"], "caseworker": user["sagsbehandler"],
                  "other_caseworker": other_cw.user, "steering": user["styregruppe"], "admin": user["admin"],
                  "jobcenter": user["jobcenter"], "other_jobcenter": other_jc},
        "medlem": medlem,
    }


def _other_jobcentre_user(session) -> User:
    """A job-centre user of Aarhus (751): medlem lives in Odense (461)."""
    from portal.auth.passwords import hash_password
    from portal.services.jobcentre import jobcentre
    from portal.timeutil import utcnow

    user = User(username="jobcenter-aarhus", password_hash=hash_password("demo-adgangskode"), role="jobcenter",
                display_name="Jobcenter Aarhus", locale="da", active=True, failed_logins=0, session_generation=0,
                created_at=utcnow())
    session.add(user)
    session.flush()
    jobcentre.create_staff(session, user, 751)
    session.commit()
    return user


def _first(session, model, **where):
    query = select(model.id)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return session.scalar(query.order_by(model.id).limit(1))


def _param_values(session, medlem) -> dict[str, object]:
    from portal.models import Notification
    from portal.models.casework import ConversationSummary, JobcenterReferral, JobOrder, JobReferral
    from portal.models.chat import Handoff
    from portal.models.jobcentre import JobcentreMessage
    from portal.models.messaging import OutboxMessage
    from portal.models.offers import Offer, OfferRegistration, OfferSession
    from portal.models.plan import PlanItem

    return {
        "booking_id": _first(session, Booking, member_id=medlem.id) or 999999,
        "item_id": _first(session, PlanItem, member_id=medlem.id) or 999999,
        "summary_id": _first(session, ConversationSummary, member_id=medlem.id) or 999999,
        "reg_id": _first(session, OfferRegistration, member_id=medlem.id) or 999999,
        "consent_id": _first(session, Consent, member_id=medlem.id) or 999999,
        "note_id": _first(session, Notification, user_id=medlem.user_id) or 999999,
        "member_number": medlem.member_number,
        "offer_id": _first(session, Offer) or 999999,
        "session_id": _first(session, OfferSession) or 999999,
        "handoff_id": _first(session, Handoff) or 999999,
        "order_id": _first(session, JobOrder) or 999999,
        "referral_id": _first(session, JobReferral) or _first(session, JobcenterReferral) or 999999,
        "message_id": _first(session, OutboxMessage) or 999999,
        "case_id": _first(session, JobcentreMessage, member_id=medlem.id) or 999999,
        "job_id": "booking_reminders",
        "token": "ugyldig-token",
        "lang": "da",
    }


def _url(rule, values) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[a-z]+:)?" + name + r">", str(values[name]), path)
    return path


def _login(app, user):
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"login": user.username, "password": "demo-adgangskode"})
        assert response.status_code == 302, f"demo login {user.username} failed"
    return client


def _expectation_failures(key, role, rule, response) -> list[str]:
    spec = MATRIX[key]
    status = response.status_code
    path = key.split(" ", 1)[1]
    api = path.startswith("/api/")
    problems = [f"{key} as {role}: missing {h}" for h in SECURITY_HEADERS if h not in response.headers]
    if status >= 500 and not (path == "/healthz" and status == 503):  # the test schema is not migrated
        return problems + [f"{key} as {role}: {status} (server error)"]
    if spec == "public":
        if status == 403 or (status == 401 and path not in ("/login", "/api/v1/auth/token")):
            problems.append(f"{key} as {role}: {status} on a public route")
        return problems
    if role == "anonymous":
        if api and status != 401:
            problems.append(f"{key} as anonymous: {status}, expected 401")
        if not api and not (status == 302 and "/login" in response.headers.get("Location", "")):
            problems.append(f"{key} as anonymous: {status}, expected a redirect to /login")
        return problems
    allowed = spec == "any" or ROLE_OF[role] in spec
    if not allowed:
        if status != 403:
            problems.append(f"{key} as {role}: {status}, expected 403")
        return problems
    if role == "other_member" and OWNED_PARAMS & set(rule.arguments):
        if status != 404:
            problems.append(f"{key} as another member: {status}, expected 404")
        return problems
    if role == "other_jobcenter" and JOBCENTRE_SCREEN.match(path):
        if status != 404:
            problems.append(f"{key} as a job-centre user of another municipality: {status}, expected 404")
        return problems
    if role == "other_caseworker" and MEMBER_SCREEN.match(path):
        if status not in (403, 404):
            problems.append(f"{key} as a caseworker of another location: {status}, expected 403/404")
        return problems
    if status in (401, 403):
        problems.append(f"{key} as {role}: {status}, but the role is allowed")
    return problems


@pytest.mark.slow
def test_every_route_answers_every_role_as_the_matrix_says(app, session):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own test; here only authorisation
    world = _world(session)
    values = _param_values(session, world["medlem"])
    clients = {role: _login(app, world["users"].get(role)) for role in ROLES}
    tokens = {role: issue_token(u) for role, u in world["users"].items()}
    failures = []
    for key, rule in sorted(route_keys(app).items(), key=lambda kv: kv[0].split(" ", 1)[1]):
        method = key.split(" ", 1)[0]
        url = _url(rule, values)
        for role in ROLES:
            if key == "POST /logout" and role != "anonymous":
                continue  # would end the role's session for the rest of the loop
            headers = {}
            if url.startswith("/api/") and role != "anonymous":
                headers["Authorization"] = f"Bearer {tokens[role]}"
            kwargs = {"json": {}} if url.startswith(("/api/", "/webhooks/", "/model/")) and method != "GET" else {}
            try:
                response = clients[role].open(url, method=method, headers=headers, **kwargs)
            except AssertionError as exc:  # the suite-wide OpenAPI response check (tests/openapi_check.py)
                failures.append(f"{key} as {role}: {str(exc).splitlines()[0]}")
                continue
            failures += _expectation_failures(key, role, rule, response)
    assert not failures, f"{len(failures)} authorisation problems:\n" + "\n".join(failures)
