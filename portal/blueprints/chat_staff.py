"""The chat, the staff's side (on the chat blueprint): the caseworkers' handoff inbox /sagsbehandler/overdragelser,
one handoff with its messages, and claiming, replying, resolving, handing on and back to the chatbot; the staff
badge of waiting handoffs."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from chatbot.runtime.labels import handoff_overview
from portal.auth.decorators import role_required
from portal.blueprints.chat import bp, chatbot_agent, message_json
from portal.errors import problem
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models.statuses import HandoffStatus
from portal.query_args import db_int
from portal.services.chat import chat_transcript
from portal.services.chat import handoff as handoff_service
from portal.services.chat.chat_transcript import MAX_MESSAGE_CHARS
from portal.services.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work


def init_app(app) -> None:
    from portal import staff_badges

    if handoff_service.staff_badge not in staff_badges.PROVIDERS:
        staff_badges.PROVIDERS.append(handoff_service.staff_badge)


TABS = ("waiting", "mine", "resolved")


@bp.route("/sagsbehandler/overdragelser")
@role_required("caseworker", "admin")
def inbox():
    tab = request.args.get("vis", "waiting")
    if tab not in TABS:
        tab = "waiting"
    now = utcnow()
    handoffs = handoff_service.list_handoffs(db.session, current_user, tab, now=now)
    counts = {t: len(handoff_service.list_handoffs(db.session, current_user, t, now=now)) if t != tab
              else len(handoffs) for t in TABS}
    can_claim = handoff_service.caseworker_of(db.session, current_user) is not None  # an admin only reads
    return render_template("chat/inbox.html", tab=tab, handoffs=handoffs, counts=counts, now=now, can_claim=can_claim,
                           outcome_labels=handoff_service.OUTCOME_LABELS,
                           waiting_minutes=handoff_service.waiting_minutes)


@bp.route("/sagsbehandler/overdragelser/<int:handoff_id>")
@role_required("caseworker", "admin")
def handoff_detail(handoff_id: int):
    return _detail_page(handoff_id)


def _detail_page(handoff_id: int, *, unsent: dict | None = None, hand_on_refused: dict | None = None,
                 status: int = 200):
    """The handoff's page; `unsent` ({"text", "error"}) when a reply could not be sent: shown again, not lost;
    `hand_on_refused` ({"error", "note"}) when handing on was refused: the form again with the note."""
    from portal.blueprints.caseworker import MEMBER_STATUS_LABELS
    from portal.services.casework import jobmatch_cv

    now = utcnow()
    with unit_of_work():  # the audited read
        handoff = handoff_service.get_for_staff(db.session, current_user, handoff_id, now=now)
        messages = chat_transcript.messages_after(db.session, handoff.conversation)
        me = handoff_service.caseworker_of(db.session, current_user)
        claimed = handoff.status == HandoffStatus.CLAIMED
        colleagues = handoff_service.colleagues(db.session, current_user) if claimed else []
        handed_on = handoff_service.hand_on_history(db.session, handoff)
    if unsent is not None:  # the reply form is there again (with the text in it) only while the chat is still mine
        unsent["form_open"] = claimed and me is not None and handoff.claimed_by_id == me.id
    return render_template("chat/handoff.html", handoff=handoff, messages=messages, me=me, now=now,
                           handed_on=handed_on, unsent=unsent, hand_on_refused=hand_on_refused,
                           colleagues=colleagues, outcomes=handoff_service.OUTCOME_LABELS,
                           waiting_minutes=handoff_service.waiting_minutes(handoff, now),
                           present=chat_transcript.member_present(handoff.conversation, now),
                           handoff_overview=handoff_overview,
                           member_status_label=lambda code: MEMBER_STATUS_LABELS.get(code, code),
                           has_mark_o=jobmatch_cv.has_mark_o, errors=request.args.get("fejl")), status


@bp.route("/sagsbehandler/overdragelser/<int:handoff_id>/beskeder")
@role_required("caseworker", "admin")
def handoff_messages(handoff_id: int):
    handoff = handoff_service.get_for_staff(db.session, current_user, handoff_id, now=utcnow(), audit_read=False)
    try:
        after = max(0, db_int(request.args.get("after", "0")))
    except ValueError:
        return problem(400, "Parameteren \"after\" skal være et helt tal.")
    messages = chat_transcript.messages_after(db.session, handoff.conversation, after)
    return jsonify(status=handoff.status, messages=[message_json(m) for m in messages])


def _act(handoff_id: int, action, success: str, *, then: str | None = None):
    """Run `action`; back to the chat, or on success to `then` (a chat handed to a colleague is no longer the
    caseworker's to open: back to the inbox)."""
    try:
        with unit_of_work():
            action()
        flash(success, "success")
        if then:
            return redirect(then)
    except DomainError as err:
        flash(err.message, "error")
    return redirect(url_for("chat.handoff_detail", handoff_id=handoff_id))


@bp.route("/sagsbehandler/overdragelser/<int:handoff_id>/tag", methods=["POST"])
@role_required("caseworker", "admin")
def claim(handoff_id: int):
    try:
        with unit_of_work():
            handoff_service.claim(db.session, current_user, handoff_id, now=utcnow())
    except DomainError as err:
        if request.accept_mimetypes.best == "application/json":
            return problem(err.status, err.message)
        flash(err.message, "error")
        return redirect(url_for("chat.inbox"))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(status=HandoffStatus.CLAIMED, id=handoff_id)
    flash(_("Du har taget samtalen. Medlemmet kan se, at du svarer."), "success")
    return redirect(url_for("chat.handoff_detail", handoff_id=handoff_id))


@bp.route("/sagsbehandler/overdragelser/<int:handoff_id>/svar", methods=["POST"])
@role_required("caseworker", "admin")
def reply(handoff_id: int):
    text = request.form.get("message", "")
    result = {}
    try:
        with unit_of_work():
            result["delivered"] = handoff_service.reply(db.session, current_user, handoff_id, text, now=utcnow())[1]
    except NotFound:
        raise  # portal.errors answers it (404)
    except DomainError as err:  # the typed answer is shown again, never thrown away
        # Refused by the chat's state (ended, taken by a colleague, not taken yet), not by the user's role: 409.
        status = 409 if isinstance(err, NotAllowed) else err.status
        return _detail_page(handoff_id, unsent={"text": text[:MAX_MESSAGE_CHARS * 2], "error": err.message},
                            status=status)
    flash(_("Svaret er sendt."), "success")
    response = redirect(url_for("chat.handoff_detail", handoff_id=handoff_id))
    if result.get("delivered") in ("email", "sms"):
        flash(_("Medlemmet har forladt chatten; svaret sendes også som %(via)s.",
                via=_("e-mail") if result["delivered"] == "email" else _("SMS")), "info")
    elif result.get("delivered") == "none":
        flash(_("Medlemmet har forladt chatten, og vi har ingen kontaktoplysninger. Svaret ses, når de vender "
                "tilbage."), "warning")
    return response


@bp.route("/sagsbehandler/overdragelser/<int:handoff_id>/afslut", methods=["POST"])
@role_required("caseworker", "admin")
def resolve(handoff_id: int):
    return _act(handoff_id, lambda: handoff_service.resolve(
        db.session, current_user, handoff_id, outcome=request.form.get("outcome", ""),
        note=request.form.get("note"), now=utcnow()), _("Samtalen er afsluttet."))


@bp.route("/sagsbehandler/overdragelser/<int:handoff_id>/videregiv", methods=["POST"])
@role_required("caseworker", "admin")
def hand_on(handoff_id: int):
    note = request.form.get("note") or ""
    try:
        colleague_id = db_int(request.form.get("colleague_id", ""))
    except ValueError:
        colleague_id = None
    try:
        with unit_of_work():
            if colleague_id is None:
                raise ValidationFailed(_("Vælg en kollega fra listen."), field="colleague_id")
            handoff_service.hand_on(db.session, current_user, handoff_id, colleague_id=colleague_id, note=note,
                                    now=utcnow())
    except ValidationFailed as err:  # the form again, with the note, and what to fix
        return _detail_page(handoff_id, hand_on_refused={"error": err.message, "field": err.field, "note": note},
                            status=422)
    except NotFound:
        raise
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("chat.handoff_detail", handoff_id=handoff_id))
    flash(_("Samtalen er givet videre."), "success")
    return redirect(url_for("chat.inbox"))


@bp.route("/sagsbehandler/overdragelser/<int:handoff_id>/tilbage-til-bot", methods=["POST"])
@role_required("caseworker", "admin")
def hand_back(handoff_id: int):
    return _act(handoff_id, lambda: handoff_service.hand_back_to_bot(
        db.session, current_user, handoff_id, now=utcnow(), agent=chatbot_agent()),
        _("Samtalen er givet tilbage til chatbotten."))
