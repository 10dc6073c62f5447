"""Min side: the member's home, profile, Min plan, preparation questions 2 and 10, and My data (GDPR).

Views are thin: parse the form, call a service, render. Form views catch ValidationFailed and re-render the form
with the entered values and an error summary (status 422).
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal import form_once_web
from portal.auth.decorators import role_required
from portal.database import Read
from portal.db_connections import transaction_wrote
from portal.errors import page_errors
from portal.extensions import db
from portal.i18n import current_language
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Consent, Member
from portal.models.plan import PLAN_KINDS, Q2_ANSWERS, Q10_BARRIERS
from portal.models.statuses import StepStatus
from portal.read_ahead import read_ahead
from portal.services import form_once
from portal.services.booking import booking as booking_service
from portal.services.booking import contact_course
from portal.services.booking.conversation_types import TYPES
from portal.services.casework import jobmatch_cv
from portal.services.errors import Conflict, NotFound, ValidationFailed
from portal.services.form_values import parse_date
from portal.services.messaging import notifications
from portal.services.messaging.retention import OUTBOX_DAYS
from portal.services.minside import consent as consent_svc
from portal.services.minside import (
    home_cache,
    home_cards,
    member_profiling,
    member_situation,
    my_data,
    offer_overview,
    plan,
    preparation,
    profile,
)
from portal.services.offers import registration_state
from portal.timeutil import local_to_utc, local_today, to_local, utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("minside", __name__, url_prefix="/min-side")

# The conversation types' names, from their one definition (portal.services.booking.conversation_types).
BOOKING_TYPE_LABELS = {code: ctype.label for code, ctype in TYPES.items()}
# Danish names of the tables shown on My data (others fall back to the table's own name).
GROUP_LABELS = {"1": _l("Målgruppe 1"), "2a": _l("Målgruppe 2a"), "2b": _l("Målgruppe 2b")}
TABLE_LABELS = {
    "plan_item": _l("Min plan"), "plan_item_event": _l("Historik i Min plan"),
    "preparation_answer": _l("Svar på spørgsmål 2 og 10"), "booking": _l("Samtaler"), "consent": _l("Samtykker"),
    "audit_entry": _l("Log over handlinger og opslag om dig"), "outbox_message": _l("E-mails og sms'er til dig"),
    "offer_registration": _l("Tilmeldinger til tilbud"), "benefit_period": _l("Perioder med dagpenge"),
    "benefit_week": _l("Uger med dagpenge"), "job_referral": _l("Henvisninger til job (FOA JobMatch)"),
    "member_next_step": _l("Din næste lovpligtige samtale (beregnet)"),
    "member_register_facts": _l("Registeroplysninger brugt i profilafklaringen"),
    "profiling_assessment": _l("Profilafklaring"), "profiling_group_decision": _l("Beslutninger om dit forløb"),
    "held_conversation": _l("Afholdte samtaler"), "conversation_summary": _l("Samtalereferater"),
    "placement": _l("Job"), "satisfaction_survey": _l("Tilfredshedsundersøgelser"),
    "survey_answer": _l("Dine svar på tilfredshedsundersøgelser"), "chat_conversation": _l("Chatsamtaler"),
    "chat_handoff": _l("Overdragelser fra chatten til en medarbejder"),
    "jobcentre_message": _l("Sendt til dit jobcenter"),
    "profiling_group_objection": _l("Din uenighed om målgruppen"),
    "jobmatch_cv": _l("Dit CV i FOA JobMatch"), "job_agent_hit": _l("Job, jobagenten har sendt dig"),
    "job_start": _l("Job og perioder i arbejde"), "sent_notice": _l("Påmindelser til din sagsbehandler om dig"),
    "jobcenter_referral": _l("Visitationer til jobcentret"), "fvu_feedback": _l("Tilbagemeldinger om dine FVU-kurser"),
    "fvu_feedback_link": _l("Links til tilbagemeldinger om FVU-kurser"),
    "outbox_attachment": _l("Vedhæftede filer i e-mails til dig"), "chat_message": _l("Beskeder i dine chatsamtaler"),
    "conversation_agreement": _l("Aftaler fra dine samtaler"),
    "summary_dispatch": _l("Udsendelser af dine samtalereferater"),
    "dfdg_outbound": _l("Beskeder sendt om dig til jobcentret (Digital Forvaltning)"),
}


def init_app(app) -> None:
    from portal.i18n import LANGUAGE_CHOSEN

    app.extensions["minside_home_cache"] = home_cache.PageCache(app.config["MINSIDE_CACHE_ENTRIES"],
                                                                app.config["MINSIDE_CACHE_SECONDS"])

    if _member_language_follows not in LANGUAGE_CHOSEN:
        LANGUAGE_CHOSEN.append(_member_language_follows)


def _member_language_follows(user, language: str) -> None:
    """A member has one language for Min side and letters (the profile's "Sprog på Min side og i breve"): the switch
    in the header changes it as the profile form would (audited), so the two never disagree."""
    member = user.member if user.role == "member" else None
    if member is not None and member.language != language:
        profile.update_profile(db.session, member, {"language": language}, user, utcnow())


@bp.context_processor
def _labels():
    return {
        "KIND_LABELS": plan.KIND_LABELS, "PLAN_STATUS_LABELS": plan.STATUS_LABELS,
        "CHANNEL_LABELS": profile.CHANNEL_LABELS, "LANGUAGE_LABELS": profile.LANGUAGE_LABELS,
        "Q2_LABELS": preparation.Q2_LABELS, "Q10_LABELS": preparation.Q10_LABELS,
        "PURPOSE_LABELS": consent_svc.PURPOSE_LABELS, "BOOKING_TYPE_LABELS": BOOKING_TYPE_LABELS,
        "TABLE_LABELS": TABLE_LABELS, "to_local": to_local, "registration_state": registration_state.describe,
        "GROUP_LABELS": GROUP_LABELS,
    }


def _member() -> Member:
    member = current_user.member
    if member is None:
        abort(404)
    return member


# -- home ----------------------------------------------------------------------------------------------------------

@bp.route("")
@role_required("member")
def home():
    member = _member()
    today, now = local_today(), utcnow()
    cache: home_cache.PageCache = current_app.extensions["minside_home_cache"]
    key = None
    # A message to show once (after an action) is shown by a page made now; a page kept holds none.
    if cache.enabled and "_flashes" not in session:
        # read before the page's data: a page is never kept under versions newer than it
        key = home_cache.page_key(db.session, member.id, day=today, language=current_language(),
                                  csrf_token=_session_csrf_token(), address=request.script_root + request.full_path)
        page = cache.get(key, now)
        if page is not None:
            return page
    main_html, until = _home_main(member, today, now, cache.max_seconds)
    page = render_template("minside/home.html", main_html=main_html)
    if key is not None and not transaction_wrote(db.session()):  # what it read may yet be rolled back
        cache.put(key, page, until, now)
    return page


def _session_csrf_token() -> str:
    """The session's CSRF secret, made now if it has none (the page's forms carry a token signed from it)."""
    generate_csrf()
    return session[current_app.config["WTF_CSRF_FIELD_NAME"]]


def _home_main(member: Member, today: date, now, max_seconds: float):
    """Min side's middle as HTML, and until when it shows what a page made later would (home_cache.valid_until)."""
    with read_ahead(db.session, lambda: _home_reads(member, now)):  # on PostgreSQL one round trip for the six
        active = booking_service.member_active_booking_lines(db.session, member)
        steps = contact_course.course_for(db.session, member, today, bookings=active)
        bookings = booking_service.upcoming_booked(active, now, limit=5)
        items = plan.card_items(db.session, member)
        notes, unread = notifications.recent_and_unread(db.session, current_user.id, NOTIFICATIONS_SHOWN_ON_HOME)
        cards = home_cards.for_member(db.session, member)
        registrations, offers = _registrations(member, now), _offers(member, now)
    html = Markup(render_template(  # nosec B704: an autoescaping template's output, put into home.html as it is
        "minside/_home_main.html", member=member, steps=[s for s in steps if s.status != StepStatus.NOT_REQUIRED],
        next_step=contact_course.member_next_step(steps), weeks=contact_course.weeks_unemployed(member, today),
        appointments=_appointments(bookings, registrations), open_items=plan.for_home(items),
        first_conversation=next((b for b in booking_service.upcoming_booked(active, now, limit=len(active))
                                 if b.type == "dismissed_first"), None),
        plan_counts=plan.summary(items),
        notes=notes, unread=unread,
        cards=cards, offers=offers, today=today,
        group_view=cards.group, offer_overview=offer_overview.for_member(member),
        mark_o=jobmatch_cv.has_mark_o(member),
        notice_over=member_situation.notice_period_over(member, today),
        duty_applies=member_situation.right_and_duty_applies(member),
    ))
    midnight = local_to_utc(datetime.combine(today + timedelta(days=1), time()))
    return html, home_cache.valid_until(now, midnight=midnight, bookings=active, registrations=registrations,
                                        offers=offers, max_seconds=max_seconds)


def _home_reads(member: Member, now) -> list[Read]:
    """Min side's reads, each the one its service runs below (portal.read_ahead sends them together)."""
    from portal.services.offers.offers import joinable_offer_titles_read, upcoming_registration_lines_read

    return [booking_service.active_booking_lines_read(member), plan.card_items_read(member),
            notifications.recent_and_unread_read(member.user_id, NOTIFICATIONS_SHOWN_ON_HOME),
            home_cards.cards_read(member), upcoming_registration_lines_read(member, now),
            joinable_offer_titles_read(member, now=now, limit=HOME_OFFERS)]


# -- the member's target group (profiling as a caseworker confirmed it) -----------------------------------------

@bp.route("/maalgruppe", methods=["GET"], endpoint="group")
@role_required("member")
def group_page():
    return _group_page(_member())


def _group_page(member: Member, *, errors: dict | None = None, text: str = "", status: int = 200):
    from portal.services.casework.summary import CONCLUSIONS

    view = member_profiling.group_view(db.session, member)
    return render_template("minside/group.html", member=member, view=view, errors=errors or {}, text=text,
                           conclusions=CONCLUSIONS, max_len=member_profiling.OBJECTION_MAX), status


@bp.route("/maalgruppe/uenig", methods=["POST"], endpoint="group_objection")
@role_required("member")
def group_objection():
    member = _member()
    text = request.form.get("text", "")
    try:
        with unit_of_work():
            member_profiling.object_to_group(db.session, member, text, actor=current_user, now=utcnow())
    except (ValidationFailed, Conflict) as exc:
        return _group_page(member, errors=page_errors(exc, {"text": "objection"}), text=text,
                           status=422 if isinstance(exc, ValidationFailed) else 409)
    flash(_("Tak. Din sagsbehandler har fået besked og svarer dig her på siden."), "success")
    return redirect(url_for("minside.group"))


def _appointments(bookings: list, registrations: list) -> list[tuple[str, object]]:
    """Min side's "coming appointments": conversations and offers in one list by start time ("booking" or
    "registration", the row)."""
    rows = [("booking", b, b.starts_at) for b in bookings] + [("registration", r, r.starts_at) for r in registrations]
    return [(kind, row) for kind, row, _starts in sorted(rows, key=lambda item: item[2])]


# The caseworker invites to the joint conversation; the member books the others.
def _registrations(member: Member, now) -> list:
    """Event/offer registrations (the offers area), as rows (offers.upcoming_registration_lines)."""
    from portal.services.offers.offers import upcoming_registration_lines

    return upcoming_registration_lines(db.session, member, now)


HOME_OFFERS = 4  # offers she can sign up for, on Min side


def _offers(member: Member, now) -> list:
    from portal.services.offers.offers import joinable_offer_titles

    return joinable_offer_titles(db.session, member, now=now, limit=HOME_OFFERS)


# Min side shows the newest few; the page of all of them shows this many, newest first.
NOTIFICATIONS_SHOWN_ON_HOME, NOTIFICATIONS_PAGE = 5, 200


@bp.route("/beskeder")
@role_required("member")
def notifications_page():
    notes, unread = notifications.recent_and_unread(db.session, current_user.id, NOTIFICATIONS_PAGE)
    return render_template("minside/notifications.html", member=_member(), notes=notes, unread=unread,
                           limit=NOTIFICATIONS_PAGE)


@bp.route("/notifikationer/laest", methods=["POST"])
@role_required("member")
def notifications_read():
    with unit_of_work():
        notifications.mark_all_read(db.session, current_user.id, utcnow())
    if request.form.get("fra") == "beskeder":
        return redirect(url_for("minside.notifications_page"))
    return redirect(url_for("minside.home") + "#beskeder")


# -- profile -------------------------------------------------------------------------------------------------------

def _profile_form_changes(form, prefix: str = "") -> dict:
    changes = {field: form.get(prefix + field, "") for field in ("email", "phone", "job_goal")}
    for field in ("preferred_channel", "language"):
        changes[field] = form.get(prefix + field)
    inside = form.get(prefix + "trade_inside_foa")
    changes["trade_inside_foa"] = {"ja": True, "nej": False}.get(inside, inside)
    return changes


def _profile_seen(form) -> dict | None:
    """What the form showed when it was opened (its `seen-` fields), or None from a form without them."""
    if not any(key.startswith("seen-") for key in form):
        return None
    return {field: value for field, value in _profile_form_changes(form, "seen-").items() if value is not None}


@bp.route("/profil", methods=["GET", "POST"], endpoint="profile")
@role_required("member")
def profile_page():
    member = _member()
    values = {f: getattr(member, f) for f in profile.EDITABLE}
    errors: dict = {}
    if request.method == "POST":
        changes = _profile_form_changes(request.form)
        seen = _profile_seen(request.form)
        try:
            with unit_of_work():
                diff = profile.update_profile(db.session, member, changes, current_user, utcnow(), seen=seen)
        except ValidationFailed as exc:
            errors = exc.errors or {"_": exc.message}
            # What was typed stays; a field not touched here shows what it is now (and the form now has seen it).
            values = {**values, **{k: v for k, v in changes.items() if seen is None or seen.get(k) != v
                                   or k in errors}}
        else:
            flash(_("Dine oplysninger er gemt.") if diff else _("Der var ingen ændringer at gemme."), "success")
            return redirect(url_for("minside.profile"))
    return render_template("minside/profile.html", member=member, values=values, errors=errors), (
        422 if errors else 200)


# -- Min plan ------------------------------------------------------------------------------------------------------

def _plan_page(member: Member, *, errors=None, values=None, item_errors=None, status=200):
    items = plan.list_items(db.session, member)
    return render_template("minside/plan.html", member=member, items=items, errors=errors or {},
                           values=values or {}, item_errors=item_errors or {}, kinds=PLAN_KINDS,
                           today=local_today(), duty_applies=member_situation.right_and_duty_applies(member)), status


@bp.route("/plan", methods=["GET"], endpoint="plan")
@role_required("member")
def plan_page():
    return _plan_page(_member())


@bp.route("/plan", methods=["POST"])
@role_required("member")
def plan_propose():
    member = _member()
    form = request.form
    values = {"kind": form.get("kind", ""), "title": form.get("title", ""), "description": form.get("description", ""),
              "due_date": form.get("due_date", "")}
    try:
        due = _parse_date(values["due_date"])
        with unit_of_work():
            claimed = form_once_web.claim(utcnow())
            plan.propose_item(db.session, member, kind=values["kind"], title=values["title"],
                              description=values["description"], due_date=due, right_and_duty=False,
                              actor=current_user, now=utcnow())
            form_once.made(claimed, url_for("minside.plan"))
    except form_once.AlreadySent as sent:
        return form_once_web.already_sent(sent, url_for("minside.plan"))
    except ValidationFailed as exc:
        return _plan_page(member, errors=exc.errors or {"_": exc.message}, values=values, status=422)
    flash(_("Dit forslag er sendt til din sagsbehandler, som skal godkende det."), "success")
    return redirect(url_for("minside.plan"))


def _parse_date(raw: str) -> date | None:
    return parse_date((raw or "").strip(), None, "due_date")  # 15-01-2027 as well as 2027-01-15


@bp.route("/plan/<int:item_id>/status", methods=["POST"])
@role_required("member")
def plan_status(item_id: int):
    member = _member()
    item = plan.get_item(db.session, item_id, member=member)
    new_status = request.form.get("status", "")
    try:
        with unit_of_work():
            plan.set_status(db.session, item, new_status, current_user, utcnow(),
                            expected_version=plan.form_version(request.form.get("version")))
    except Conflict as exc:  # changed meanwhile (another tab, the caseworker): back to the item as it is now
        flash(exc.message, "error")
        return redirect(url_for("minside.plan") + f"#punkt-{item.id}")
    flash({"done": _("Punktet er markeret som udført."), "active": _("Punktet er sat tilbage til aftalt."),
           "cancelled": _("Dit forslag er trukket tilbage.")}.get(new_status, _("Gemt.")), "success")
    return redirect(url_for("minside.plan") + f"#punkt-{item.id}")


@bp.route("/plan/<int:item_id>/kommentar", methods=["POST"])
@role_required("member")
def plan_comment(item_id: int):
    member = _member()
    item = plan.get_item(db.session, item_id, member=member)
    text = request.form.get("comment", "")
    try:
        with unit_of_work():
            plan.add_comment(db.session, item, text, current_user, utcnow())
    except ValidationFailed as exc:
        return _plan_page(member, item_errors={item.id: {"message": exc.message, "text": text}}, status=422)
    flash(_("Din kommentar er gemt."), "success")
    return redirect(url_for("minside.plan") + f"#punkt-{item.id}")


# -- preparation questions 2 and 10 --------------------------------------------------------------------------------

@bp.route("/forberedelse", methods=["GET", "POST"], endpoint="preparation")
@role_required("member")
def preparation_page():
    member = _member()
    latest = preparation.latest_answers(db.session, member)
    errors: dict = {}
    values = {"q2": latest.q2 if latest else None,
              "q10": None if latest is None else ("ja" if latest.q10_has_barriers else "nej"),
              "barriers": list(latest.q10_barriers) if latest else []}
    if request.method == "POST":
        values = {"q2": request.form.get("q2"), "q10": request.form.get("q10"),
                  "barriers": request.form.getlist("barriers")}
        if values["q10"] == "nej":
            values["barriers"] = []  # the tick boxes are "if yes" (and hidden by minside.js on "no")
        try:
            with unit_of_work():
                preparation.record_answers(
                    db.session, member, q2=values["q2"],
                    q10_has_barriers={"ja": True, "nej": False}.get(values["q10"]),
                    q10_barriers=values["barriers"], actor=current_user, now=utcnow())
        except ValidationFailed as exc:
            errors = exc.errors or {"_": exc.message}
        else:
            flash(_("Tak. Dine svar er gemt, og din sagsbehandler kan se dem til jeres samtale."), "success")
            return redirect(url_for("minside.preparation"))
    return render_template("minside/preparation.html", member=member, latest=latest, values=values, errors=errors,
                           q2_answers=Q2_ANSWERS, q10_barriers=Q10_BARRIERS, Q2_TEXT=preparation.Q2_TEXT,
                           Q10_TEXT=preparation.Q10_TEXT), (422 if errors else 200)


# -- my data (GDPR) ------------------------------------------------------------------------------------------------

@bp.route("/mine-data", endpoint="my_data")
@role_required("member")
def my_data_page():
    member = _member()
    data = my_data.export(db.session, member, actor=current_user, now=utcnow(), record_export=False)
    return render_template(
        "minside/my_data.html", member=member, data=data,
        consents=consent_svc.all_consents(db.session, member.id),
        access=my_data.staff_access(db.session, member),
        answers=preparation.answer_history(db.session, member), outbox_days=OUTBOX_DAYS,
    )


@bp.route("/mine-data/download")
@role_required("member")
def my_data_download():
    member = _member()
    with unit_of_work():
        data = my_data.export(db.session, member, actor=current_user, now=utcnow())
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    filename = f"mine-data-{member.member_number}-{local_today().isoformat()}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/mine-data/samtykke/<int:consent_id>/tilbagekald", methods=["POST"])
@role_required("member")
def withdraw_consent(consent_id: int):
    member = _member()
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.member_id != member.id:
        raise NotFound(_("Samtykket findes ikke."))
    with unit_of_work():
        consent_svc.withdraw_consent(db.session, consent, actor=current_user, now=utcnow())
    flash(_("Dit samtykke er trukket tilbage. %(effect)s", effect=consent.withdrawal_effect), "success")
    return redirect(url_for("minside.my_data") + "#samtykker")

