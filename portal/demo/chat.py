"""Demo chats: transcripts and waiting / claimed / resolved handoffs for "sagsbehandler" (Odense) and "opsagt"."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext, bulk_insert
from portal.models import Consent, Member
from portal.models.chat import ChatConversation, ChatMessage, Handoff
from portal.models.statuses import ChatState, HandoffStatus, MemberStatus, OutboxStatus

CONSENT_TEXT = ("Før jeg gemmer noget om dig, vil jeg spørge om dit samtykke. Formål: at FOA A-kasse kan hjælpe dig i "
                "opsigelsesperioden, booke samtaler og kontakte dig. Vi gemmer denne samtale og de oplysninger, du "
                "giver. Du kan til enhver tid trække samtykket tilbage. Giver du samtykke?")

# (sender, text, intent) — what the demo transcripts say.
TRYGHED = [
    ("user", "hej", "greet"),
    ("bot", "Hej! Jeg er FOA A-kasses chatbot for dig, der er blevet opsagt. Hvad vil du vide?", None),
    ("user", "hvad er tryghedspuljen", "tryghedspulje"),
    ("bot", ("Er du omfattet af KL/FOA's tryghedspulje, har du ret til op til 20.000 kr. til opkvalificering i din "
             "opsigelsesperiode. Din vejleder hjælper dig med at finde ud af, om du er omfattet."), None),
    ("user", "jeg vil gerne tale med en person om det, jeg er køkkenassistent på et plejecenter", "request_human"),
    ("bot", "Jeg har sendt samtalen videre til FOA A-kasse Odense. En medarbejder svarer dig her i chatten.", None),
    ("system", "Samtalen er sendt videre til en medarbejder.", None),
]
COURSE = [
    ("user", "kan jeg komme på kursus", "nlu_fallback"),
    ("bot", "Jeg er ikke helt sikker på, at jeg forstod dig. Mente du en af disse?", None),
    ("user", "/courses_in_trade", "courses_in_trade"),
    ("bot", "Du kan tage kurser og uddannelse i dit fag, fx 6 ugers jobrettet uddannelse.", None),
    ("user", "jeg vil gerne snakke med en om sporskifte til pædagogmedhjælper", "request_human"),
    ("system", "Samtalen er sendt videre til en medarbejder.", None),
    ("system", "Hanne fra FOA A-kasse har overtaget samtalen.", None),
    ("caseworker", "Hej! Det kan vi sagtens hjælpe med. Jeg ringer dig op i morgen formiddag, passer det?", None),
    ("user", "ja tak, efter kl 10", "affirm"),
]
BOOKED = [
    ("user", "jeg er blevet fyret hvad kan i gøre", "ask_offers"),
    ("bot", "Mens du stadig er i job, kan vi hjælpe dig med: en samtale om, hvordan du kommer videre …", None),
    ("user", "menneske", "request_human"),
    ("system", "Samtalen er sendt videre til en medarbejder.", None),
    ("caseworker", "Jeg har booket en telefonsamtale til dig på tirsdag kl. 9. Du får en bekræftelse på e-mail.", None),
    ("system", "Medarbejderen har afsluttet samtalen. Du kan skrive til chatbotten igen.", None),
]


def seed(session: Session, ctx: SeedContext) -> None:
    odense = ctx.location_ids["Odense"]
    caseworker = ctx.demo_caseworker_id
    caseworker_user = ctx.users.get("sagsbehandler")
    odense_members = list(session.scalars(select(Member.id).where(
        Member.location_id == odense, Member.status == MemberStatus.OPSAGT, Member.id != ctx.dismissed_member_id)
        .order_by(Member.id).limit(2)))
    made = 0
    # 1. The demo dismissed member "opsagt" asked about the tryghedspulje on Min side: waiting in Odense's queue.
    made += _handoff(session, ctx, member_id=ctx.dismissed_member_id, location_id=odense, script=TRYGHED,
                     minutes_ago=12, status=HandoffStatus.WAITING, source="minside")
    # 2. A flyer visitor, claimed by the demo caseworker, who has answered.
    if odense_members:
        made += _handoff(session, ctx, member_id=odense_members[0], location_id=odense, script=COURSE,
                         minutes_ago=95, status=HandoffStatus.CLAIMED, claimed_by=caseworker, author=caseworker_user,
                         source="flyer")
    # 3. Resolved yesterday with a booking.
    if len(odense_members) > 1:
        made += _handoff(session, ctx, member_id=odense_members[1], location_id=odense, script=BOOKED,
                         minutes_ago=26 * 60, status=HandoffStatus.RESOLVED, claimed_by=caseworker,
                         author=caseworker_user, source="flyer", outcome="booked")
    # 4. A few waiting elsewhere (one escalated to the central unit), so the central unit's inbox is not empty.
    for name, minutes, level in (("Aalborg", 40, 0), ("Århus", 190, 2), ("Valby", 5, 0)):
        location_id = ctx.location_ids.get(name)
        member_id = session.scalar(select(Member.id).where(Member.location_id == location_id,
                                                           Member.status == MemberStatus.OPSAGT).limit(1))
        if location_id and member_id:
            made += _handoff(session, ctx, member_id=member_id, location_id=location_id, script=TRYGHED[:5],
                             minutes_ago=minutes, status=HandoffStatus.WAITING, source="flyer", level=level)
    ctx.summary["chat_handoffs"] = made
    _chat_registered_member(session, ctx, odense)


CHAT_MEMBER_EMAIL = "camilla.holm@eksempel.dk"


def _chat_registered_member(session: Session, ctx: SeedContext, location_id: int) -> None:
    """A dismissed member the chatbot registered (issue 15): no password, a member account, and the sign-in link
    the bot sent (marked sent, so the demo leaves nothing pending). Ask for a new link at /login/link with
    CHAT_MEMBER_EMAIL; in development it is in the outbox (/admin/udbakke) and the SMTP sink."""
    from flask import current_app

    from portal.auth.signin_link import ensure_member_account, send_link
    from portal.models import OutboxMessage, ServiceLocation
    from portal.services.chat.chat import _new_member_number
    from portal.services.jobcentre.municipalities import LOCATION_MUNICIPALITY

    now = ctx.now - timedelta(hours=2)
    member = Member(
        member_number=_new_member_number(session), first_name="Camilla", last_name="Holm", email=CHAT_MEMBER_EMAIL,
        phone=None, birth_date=ctx.today.replace(year=ctx.today.year - 41, day=1), gender="other",
        location_id=location_id, status=MemberStatus.OPSAGT, mark_o=True,
        notice_end_date=ctx.today + timedelta(days=75),
        trade_inside_foa=True, placement="new", preferred_channel="in_person", language="da",
        # the chat does not ask for it; in the demo a caseworker has since recorded her home municipality
        municipality_code=LOCATION_MUNICIPALITY.get(session.get(ServiceLocation, location_id).name),
        created_at=now, updated_at=now)
    session.add(member)
    session.flush()
    user = ensure_member_account(session, member, now=now)
    send_link(session, member, user, secret=current_app.config["SECRET_KEY"], now=now)
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.member_id == member.id,
                                                              OutboxMessage.status == OutboxStatus.PENDING)):
        message.status, message.sent_at, message.attempts = OutboxStatus.SENT, now, 1
    ctx.summary["chat_registered_member"] = member.member_number


def _handoff(session: Session, ctx: SeedContext, *, member_id: int, location_id: int, script: list, minutes_ago: int,
             status: str, source: str, claimed_by: int | None = None, author: int | None = None,
             outcome: str | None = None, level: int = 0) -> int:
    started = ctx.now - timedelta(minutes=minutes_ago)
    consent = Consent(member_id=member_id, purpose="chat_contact", text_shown=CONSENT_TEXT, source="chatbot",
                      given_at=started)
    session.add(consent)
    session.flush()
    conversation = ChatConversation(
        sender_id=secrets.token_urlsafe(18), source=source, location_id=location_id, member_id=member_id,
        language="da", consent_given=True,
        state=ChatState.HANDED_OFF if status in (HandoffStatus.WAITING, HandoffStatus.CLAIMED) else ChatState.BOT,
        consent_id=consent.id, tracker={"slots": {"consent": True, "member_known": True}, "events": []},
        created_at=started, last_activity_at=started + timedelta(minutes=3),
        last_seen_at=started + timedelta(minutes=4))
    session.add(conversation)
    session.flush()
    rows = [{"conversation_id": conversation.id, "at": started + timedelta(seconds=20 * i), "sender": sender,
             "text": text, "intent": intent, "author_user_id": author if sender == "caseworker" else None}
            for i, (sender, text, intent) in enumerate(script)]
    session.execute(bulk_insert(ChatMessage), rows)
    handed = started + timedelta(minutes=2)
    context = {"consent": True, "member_id": member_id, "source": source, "language": "da",
               "intents": [{"intent": i, "confidence": 0.9} for s, _, i in script if s == "user" and i],
               "actions_tried": ["action_explain_offer", "action_handoff"]}
    session.add(Handoff(
        conversation_id=conversation.id, member_id=member_id, location_id=location_id, target_caseworker_id=None,
        status=status, reason="request_human", escalation_level=level, context=context, created_at=handed,
        queued_at=handed, claimed_by_id=claimed_by, claimed_at=handed + timedelta(minutes=6) if claimed_by else None,
        resolved_at=handed + timedelta(minutes=30) if status == HandoffStatus.RESOLVED else None,
        resolved_by_id=claimed_by if status == HandoffStatus.RESOLVED else None, outcome=outcome,
        outcome_note="Telefonsamtale booket." if outcome == "booked" else None))
    session.flush()
    return 1
