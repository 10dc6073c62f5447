"""Administration of the e-mail outbox (/admin/udbakke) and the scheduled jobs (/admin/planlaegning)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models.statuses import JobRunStatus, OutboxStatus
from portal.query_args import db_int
from portal.services.errors import DomainError
from portal.services.messaging import dispatch
from portal.services.messaging.channels.email_smtp import SmtpSettings
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("outbox_admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
# URL value → statuses shown. "problemer" (default): what needs an admin's eye.
FILTERS = {
    "problemer": (OutboxStatus.FAILED, OutboxStatus.DEAD),
    "afventer": (OutboxStatus.PENDING, OutboxStatus.SENDING),
    "opgivet": (OutboxStatus.DEAD,),
    "fejlet": (OutboxStatus.FAILED,),
    "sendt": (OutboxStatus.SENT,),
    "alle": (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DEAD),
}


# The counts jobs return (scheduling/jobs.py), in words.
SUMMARY_LABELS = {
    "sent": _l("sendt"), "failed": _l("fejlet"), "dead": _l("opgivet"), "skipped": _l("sprunget over"),
    "due": _l("forfaldne"), "enqueued": _l("lagt i udbakken"), "already": _l("allerede sendt"),
    "created": _l("oprettet"), "members": _l("medlemmer"), "jobcenter": _l("til jobcentret"),
    "soon": _l("frist snart"), "overdue": _l("overskredet"), "plan_draft": _l("Min plan mangler"),
    "without_caseworker": _l("uden sagsbehandler"), "digests": _l("e-mails til sagsbehandlere"),
    "expired_holds": _l("udløbne reservationer"), "escalated": _l("eskaleret"), "scored": _l("profileret"),
    "chat_transcripts": _l("chatbeskeder slettet"), "outbox_bodies": _l("e-mailtekster slettet"),
    "job_runs": _l("gamle kørsler slettet"), "unanswered_surveys": _l("ubesvarede undersøgelser slettet"), "form_keys": _l("glemte formularnøgler"),
    "refreshed": _l("genberegnet"), "late": _l("ikke sendt, fordi tiden var gået"), "sms": _l("SMS'er"),
    "joint_reminders": _l("påmindelser til jobcentret"), "orders": _l("jobordrer"),
    "no_email": _l("uden e-mailadresse"), "queued": _l("lagt i kø"), "waiting_for_address": _l("venter på en adresse"),
    "periods": _l("perioder"), "as_of": _l("opgjort pr."), "seconds": _l("sekunder"),
}


# What each message is (OutboxMessage.kind), in words: every kind written in portal/ and scheduling/ has one
# (tests/messaging/test_outbox_kind_labels.py finds them in the source). The code stays visible beside it.
KIND_LABELS = {
    "booking_created": _l("Samtale booket"),
    "booking_moved": _l("Samtale flyttet"),
    "booking_cancelled": _l("Samtale aflyst"),
    "booking_reassigned": _l("Samtale givet til en ny sagsbehandler"),
    "booking_created_jobcenter": _l("Samtale booket, til jobcentret"),
    "booking_moved_jobcenter": _l("Samtale flyttet, til jobcentret"),
    "booking_cancelled_jobcenter": _l("Samtale aflyst, til jobcentret"),
    "booking_reassigned_jobcenter": _l("Samtale givet til en ny sagsbehandler, til jobcentret"),
    "booking_reminder": _l("Påmindelse om samtale"),
    "session_reminder": _l("Påmindelse om webinar, temamøde eller kursus"),
    "survey_invitation": _l("Tilfredshedsundersøgelse"),
    "joint_invitation": _l("Invitation til fællessamtale"),
    "joint_invitation_jobcenter": _l("Invitation til fællessamtale, til jobcentret"),
    "conversation_summary": _l("Samtalereferat, til jobcentret"),
    "jobcenter_visitation": _l("Visitation til parallelt kontaktforløb, til jobcentret"),
    "caseworker_digest": _l("Fristvarsler til sagsbehandler"),
    "chat_reply": _l("Svar på en chat"),
    "job_agent": _l("Jobagent: nye jobordrer"),
    "fvu_feedback_request": _l("FVU: link til udbyderens tilbagemelding"),
    "signin_link": _l("Loginlink"),
    "login_unlock": _l("Link til at låse kontoen op"),
    "offers.registered": _l("Tilbud: tilmeldt"),
    "offers.cancelled": _l("Tilbud: afmeldt"),
    "offers.seat_offered": _l("Tilbud: ledig plads fra ventelisten"),
    "offers.hold_expired": _l("Tilbud: reserveret plads udløbet"),
    "offers.seat_not_open": _l("Tilbud: ikke længere åbent for medlemmet, pladsen givet videre"),
    "offers.session_changed": _l("Tilbud: holdet er ændret"),
    "offers.session_cancelled": _l("Tilbud: holdet er aflyst"),
}


def kind_label(kind: str) -> str:
    """What the message is, in the reader's language; an unknown kind is shown as its code."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


@bp.route("/udbakke")
@role_required("admin")
def outbox():
    chosen = request.args.get("vis", "problemer")
    if chosen not in FILTERS:
        chosen = "problemer"
    page = max(1, request.args.get("side", 1, type=db_int) or 1)
    settings = SmtpSettings.from_config(current_app.config)
    with unit_of_work():  # the audited look, committed after rendering (the rows stay loaded)
        shown = dispatch.outbox_page(db.session, current_user, statuses=FILTERS[chosen], shown=chosen, page=page,
                                     page_size=PAGE_SIZE, now=utcnow())
        waiting = shown.waiting_by_channel
        html = render_template(
            "outbox_admin/outbox.html", messages=shown.messages, has_more=shown.has_more,
            page=page, chosen=chosen, counts=shown.counts, settings=settings, last_dispatch=shown.last_dispatch,
            sms_waiting=waiting.get("sms", 0) if not current_app.config.get("SMS_GATEWAY_URL") else 0,
            jobcenter_waiting=waiting.get("jobcenter", 0) if not settings.jobcenter_mail else 0,
            now=utcnow(), kind_label=kind_label, error_label=dispatch.error_label,
        )
    return html


@bp.route("/udbakke/<int:message_id>/send-igen", methods=["POST"])
@role_required("admin")
def retry(message_id: int):
    return _act_on_message(dispatch.retry_message, message_id,
                           _("Beskeden sendes igen ved næste afsendelse (inden for et minut)."))


@bp.route("/udbakke/<int:message_id>/stop", methods=["POST"])
@role_required("admin")
def cancel(message_id: int):
    return _act_on_message(dispatch.cancel_message, message_id, _("Beskeden er stoppet og bliver ikke sendt."))


def _act_on_message(action: Callable[..., object], message_id: int, done: str):
    """Retry or stop one message as the admin: commit and say `done`, or say why not; back to the list shown."""
    try:
        with unit_of_work():
            action(db.session, message_id, current_user)
        flash(done, "success")
    except DomainError as err:
        flash(err.message, "error")
    return redirect(url_for(".outbox", vis=request.form.get("vis", "problemer")))


@bp.route("/planlaegning")
@role_required("admin")
def jobs():
    from scheduling.jobs import job_overview
    from scheduling.lease import current_holder

    rows = job_overview(db.session)
    return render_template("outbox_admin/jobs.html", rows=rows, lease=current_holder(db.engine), now=utcnow(),
                           summary_labels=SUMMARY_LABELS)


@bp.route("/planlaegning/<job_id>/koer", methods=["POST"])
@role_required("admin")
def run_now(job_id: str):
    from scheduling.jobs import JOBS, run_for_admin

    if job_id not in JOBS:
        flash(_("Jobbet findes ikke."), "error")
        return redirect(url_for(".jobs"))
    run = run_for_admin(db.session, current_app._get_current_object(), current_user, job_id)
    messages = {JobRunStatus.OK: (_("Jobbet er kørt."), "success"),
                JobRunStatus.UNAVAILABLE: (
                    _("Jobbet kunne ikke køre: en del af portalen, det bruger, er ikke installeret."), "error"),
                JobRunStatus.ERROR: (_("Jobbet fejlede. Se fejlen i listen nedenfor."), "error")}
    text, category = messages.get(run.status, messages[JobRunStatus.ERROR])
    flash(text, category)
    return redirect(url_for(".jobs"))


def _outbox_badge(user):
    if user.role != "admin":
        return None
    from portal.staff_badges import CountedBadge

    return CountedBadge(dispatch.given_up(), _given_up_badge)


def _given_up_badge(dead: int) -> dict | None:
    if not dead:
        return None
    return {"label": _("Udbakke: opgivet"), "count": dead, "url": url_for("outbox_admin.outbox", vis="opgivet")}


def init_app(app: Flask) -> None:
    from portal import staff_badges
    from scheduling import start_in_process

    if _outbox_badge not in staff_badges.PROVIDERS:
        staff_badges.PROVIDERS.append(_outbox_badge)
    start_in_process(app)
