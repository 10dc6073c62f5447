"""The chatbot on the web, the member's side: /opsagt landing page, the widget (also on Min side), the no-JS form,
the Rasa-compatible REST endpoints and polling. The caseworkers' handoff inbox is in chat_staff.py, on this blueprint.

Sender ids are issued here, signed, and carry where the chat came from (flyer location, or the logged-in member);
an unsigned sender id the database does not know is refused.
"""
from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from portal.auth.decorators import public
from portal.errors import problem
from portal.extensions import csrf, db, limiter
from portal.i18n import current_language
from portal.models import Member
from portal.models.chat import ChatConversation
from portal.models.statuses import ChatState
from portal.query_args import db_int
from portal.services.chat import chat as chat_service
from portal.services.chat import chat_states, chat_transcript
from portal.services.errors import ValidationFailed
from portal.timeutil import utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("chat", __name__)

SESSION_KEYS = {"flyer": "chat_sender", "minside": "chat_sender_member"}
POLL_SEEN_WRITE_SECONDS = 15
WEBHOOK_LIMIT = "30 per minute"
WEBHOOK_IP_LIMIT = "240 per minute"


# ---- sender ids -----------------------------------------------------------------------------------------------

def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="chat-sender")


def issue_sender(source: str, *, location_id: int | None = None, member_id: int | None = None) -> str:
    claims = {"r": secrets.token_urlsafe(12), "s": source}
    if location_id:
        claims["l"] = location_id
    if member_id:
        claims["m"] = member_id
    return _signer().dumps(claims)


def sender_claims(sender_id) -> dict | None:
    if not isinstance(sender_id, str) or not sender_id or len(sender_id) > 200:
        return None
    try:
        claims = _signer().loads(sender_id)
    except BadSignature:
        return None
    return claims if isinstance(claims, dict) else None


def _current_member() -> Member | None:
    user = current_user._get_current_object()  # once: each read through the proxy looks the user up again
    if getattr(user, "is_authenticated", False) and user.role == "member":
        return user.member
    return None


def _language() -> str:
    return current_language()  # "da" or "en": what get_locale says, read where Flask-Babel keeps it


def conversation_for(sender_id, *, create: bool) -> ChatConversation | None:
    """The sender's conversation if the sender is known or validly signed (and the member's own); else None."""
    conversation = chat_service.conversation_for_sender(db.session, sender_id)
    claims = sender_claims(sender_id)
    if conversation is None and claims is None:
        return None
    member_id = conversation.member_id if conversation is not None and conversation.source == "minside" else (
        claims or {}).get("m")
    if member_id:
        member = _current_member()
        if member is None or member.id != member_id:
            return None  # a Min side chat is only ever the logged-in member's own
    if conversation is None and create:
        member = _current_member() if member_id else None
        conversation = chat_service.open_conversation(
            db.session, sender_id=sender_id, source=claims.get("s", "rest") if claims.get("s") in (
                "flyer", "minside") else "rest",
            now=utcnow(), language=_language(), location_id=claims.get("l"), member=member)
    return conversation


def widget_sender(kind: str) -> str | None:
    """The sender id kept in the browser session for the flyer chat or the member's Min side chat."""
    key = SESSION_KEYS[kind]
    sender = session.get(key)
    member = _current_member()
    if kind == "minside" and member is None:
        return None
    if kind == "minside":  # her chat follows her, not the browser session (another device, a new login)
        continuing, consented = chat_service.member_chat(db.session, member)
        g.member_chat = (member.id, continuing, consented)  # for widget_context: not looked up twice a page
        if continuing is not None:
            if sender != continuing.sender_id:  # assigned only when it changes: else every page re-signs and
                session[key] = continuing.sender_id  # re-sends the session cookie
            return continuing.sender_id
    claims = sender_claims(sender) if sender else None
    if claims is not None and (kind == "flyer" or claims.get("m") == member.id):
        return sender
    sender = issue_sender(kind, member_id=member.id if member else None,
                          location_id=session.get("chat_location_id") if kind == "flyer" else None)
    session[key] = sender
    return sender


def widget_context(kind: str = "minside") -> dict | None:
    """What templates/chat/_widget.html needs; None when the chat cannot be shown (e.g. not a member)."""
    sender = widget_sender(kind)
    if sender is None:
        return None
    member = _current_member() if kind == "minside" else None
    looked_up = g.get("member_chat") if member is not None else None
    if looked_up is not None and looked_up[0] == member.id:
        # widget_sender read her chat and consent just now: her own chat, or none (then the session's sender has
        # none either: a Min side chat always names its member)
        conversation, consent = looked_up[1], looked_up[2] or bool(looked_up[1] and looked_up[1].consent_given)
    else:
        conversation = conversation_for(sender, create=False)  # never a chat that is not the signed-in member's
        consent = chat_service.chat_consent_now(db.session, conversation, member)
    messages = chat_transcript.messages_after(db.session, conversation) if conversation is not None else []
    status = chat_states.status(db.session, conversation) if conversation is not None else None
    return {"sender": sender, "kind": kind, "messages": messages,
            "state": conversation.state if conversation is not None else "bot", "status": status,
            "consent": consent,
            "buttons": chat_states.quick_replies(db.session, conversation, messages[-1] if messages else None,
                                                 _language(), member_status=_member_status(kind), state=status)}


def _member_status(kind: str) -> str | None:
    member = _current_member() if kind == "minside" else None
    return str(member.status) if member is not None else None


def init_app(app) -> None:
    app.jinja_env.globals["chat_widget"] = widget_context
    chat_service.init_app(app)


def chatbot_agent():
    from chatbot.runtime import get_agent

    return get_agent()


# ---- landing page and the no-JavaScript conversation ----------------------------------------------------------

@bp.route("/opsagt")
@public
def landing():
    from portal.services.chat.flyer import read_campaign_token

    token = request.args.get("k")
    location = None
    if token:
        location, _campaign = read_campaign_token(db.session, current_app.config["SECRET_KEY"], token)
        if location is not None and session.get("chat_location_id") != location.id:
            session["chat_location_id"] = location.id
            session.pop(SESSION_KEYS["flyer"], None)  # a new flyer starts a new chat for that department
    elif session.get("chat_location_id"):
        from portal.models import ServiceLocation

        location = db.session.get(ServiceLocation, session["chat_location_id"])
    widget = widget_context("flyer")
    return render_template("chat/landing.html", location=location, widget=widget, bad_token=bool(token) and
                           location is None, token=token)


@bp.route("/chat/samtale", methods=["GET", "POST"])
@public
def conversation_page():
    """The chat without JavaScript: the transcript as a page and a form that posts and re-renders."""
    kind = request.values.get("kanal", "flyer")
    if kind not in SESSION_KEYS:
        abort(404)
    if kind == "minside" and _current_member() is None:
        return redirect(url_for("auth.login", next=request.full_path))
    errors = {}
    if request.method == "POST":
        sender = widget_sender(kind)
        text = request.form.get("payload") or request.form.get("message", "")
        try:
            with unit_of_work():
                conversation = conversation_for(sender, create=True)
                chat_service.handle_user_message(db.session, conversation, text, now=utcnow(),
                                                 agent=chatbot_agent(), widget_language=_language())
            return redirect(url_for("chat.conversation_page", kanal=kind, _anchor="seneste"))
        except ValidationFailed as err:
            errors = {f"chat-message-{kind}": err.message}
    widget = widget_context(kind)
    status = 422 if errors else 200
    return render_template("chat/conversation.html", widget=widget, errors=errors, kind=kind,
                           entered=request.form.get("message", "")), status


# ---- Rasa-compatible REST -------------------------------------------------------------------------------------

def _json_object() -> dict:
    if not request.is_json:
        raise ValidationFailed("Send JSON med Content-Type: application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed("Forespørgslen er ikke gyldig JSON (et objekt forventes).")
    return data


def _sender_key() -> str:
    data = request.get_json(silent=True) if request.is_json else None
    sender = data.get("sender") if isinstance(data, dict) else None
    if isinstance(sender, str) and sender:
        return "chat-sender:" + sender[:200]
    return "chat-ip:" + (request.remote_addr or "-")


def _remote_key() -> str:
    return "chat-ip:" + (request.remote_addr or "-")


@bp.route("/webhooks/rest/webhook", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(lambda: current_app.config.get("CHAT_RATE_LIMIT", WEBHOOK_LIMIT), key_func=_sender_key)
@limiter.limit(lambda: current_app.config.get("CHAT_IP_RATE_LIMIT", WEBHOOK_IP_LIMIT), key_func=_remote_key)
def rest_webhook():
    """Rasa's REST channel: {"sender", "message"} → [{"recipient_id", "text", "buttons"}]."""
    try:
        data = _json_object()
    except ValidationFailed as err:
        return problem(400, err.message)
    sender, message = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip():
        return problem(400, "Feltet \"sender\" mangler eller er ikke tekst.")
    if not isinstance(message, str):
        return problem(400, "Feltet \"message\" mangler eller er ikke tekst.")
    conversation = conversation_for(sender, create=True)
    if conversation is None:
        return problem(400, "Ukendt afsender. Åbn chatten igen fra siden, så får du en ny samtale.",
                       code="unknown_sender")
    metadata = data.get("metadata")
    widget_language = metadata.get("language") if isinstance(metadata, dict) else None
    try:
        with unit_of_work():
            replies = chat_service.handle_user_message(db.session, conversation, message, now=utcnow(),
                                                       agent=chatbot_agent(), widget_language=widget_language)
    except ValidationFailed as err:
        return problem(422, err.message, code="message_refused")
    return jsonify(replies)


@bp.route("/model/parse", methods=["POST"])
@public
@csrf.exempt
@limiter.limit(lambda: current_app.config.get("CHAT_IP_RATE_LIMIT", WEBHOOK_IP_LIMIT), key_func=_remote_key)
def model_parse():
    """Rasa's /model/parse: {"text"} → {"text", "intent", "intent_ranking", "entities"}."""
    try:
        data = _json_object()
    except ValidationFailed as err:
        return problem(400, err.message)
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return problem(400, "Feltet \"text\" mangler eller er tomt.")
    if len(text) > chat_transcript.MAX_MESSAGE_CHARS:
        return problem(400, f"Teksten er for lang (højst {chat_transcript.MAX_MESSAGE_CHARS} tegn).")
    return jsonify(chatbot_agent().nlu.parse(text))


@bp.route("/chat/beskeder")
@public
def poll():
    """New messages since `after` (the widget polls every few seconds); also marks the member as present."""
    sender = request.args.get("sender", "")
    try:
        after = max(0, db_int(request.args.get("after", "0")))
    except ValueError:
        return problem(400, "Parameteren \"after\" skal være et helt tal.")
    conversation = chat_service.conversation_for_sender(db.session, sender)
    if conversation is None:
        if sender_claims(sender) is None:
            return problem(400, "Ukendt afsender. Åbn chatten igen fra siden.", code="unknown_sender")
        return jsonify(messages=[], state=ChatState.BOT, status=None, buttons=chat_states.quick_replies(
            db.session, None, None, _language()), expects_text=False)
    if conversation_for(sender, create=False) is None:
        return problem(400, "Ukendt afsender. Åbn chatten igen fra siden.", code="unknown_sender")
    now = utcnow()
    if (now - conversation.last_seen_at).total_seconds() > POLL_SEEN_WRITE_SECONDS:
        with unit_of_work():
            chat_transcript.mark_seen(conversation, now)
    messages = chat_transcript.messages_after(db.session, conversation, after)
    status = chat_states.status(db.session, conversation)
    last = messages[-1] if messages else chat_transcript.last_message(db.session, conversation)
    # consent: as the widget's intro says it (the chat's own, or the member's consent record on Min side)
    return jsonify(state=conversation.state, consent=chat_service.chat_consent_now(db.session, conversation),
                   messages=[message_json(m) for m in messages],
                   status={"state": status["state"], "text": status["text"]} if status else None,
                   buttons=chat_states.quick_replies(db.session, conversation, last),
                   expects_text=chat_states.expects_text(conversation))


def message_json(message) -> dict:
    data = {"id": message.id, "sender": message.sender, "text": message.text, "at": message.at.isoformat()}
    if message.buttons:
        data["buttons"] = message.buttons
    if message.sender == "caseworker" and message.author is not None:
        data["author"] = message.author.display_name
    return data
