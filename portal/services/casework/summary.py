"""The conversation summary (samtalereferat): built from a held conversation, reviewed, then handed to the member
on Min side and sent to the job centre (an outbox row on the "jobcenter" channel with the PDF attached).

The content is frozen as JSON when the summary is made, so the member, the job centre and a later reprint all see
the same document. It is written in Danish (the official language of the case: the job centre gets the Danish
document) with an English rendering made at the same time under content["translations"]["en"], which a member or
caseworker using the English UI sees. It is worded for the member: the profiling conclusion never says
"long-term unemployed" (DOMAIN.md "Profiling": members should not be told early, bluntly, that they will probably
become long-term unemployed).
"""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.i18n import N_, format_local_date, format_local_datetime
from portal.i18n import gettext as _
from portal.models import Member, User
from portal.models.casework import ConversationSummary, HeldConversation, SummaryDispatch
from portal.models.statuses import MemberStatus, PlanStatus, SummaryStatus
from portal.services import audit
from portal.services.access import StaffScope, require_edit
from portal.services.booking.contact_course import course_for, next_step
from portal.services.booking.conversation_types import CHANNEL_NAMES, TYPES
from portal.services.casework.summary_pdf import render_summary_pdf
from portal.services.errors import Conflict, NotFound
from portal.services.messaging import notifications, outbox
from portal.timeutil import to_local, utcnow

LANGUAGES = ("da", "en")  # the document's own language first
# The profiling conclusion, worded for the member (group → text). Group 2 is about extra support, not risk.
CONCLUSIONS = {
    "1": N_("Vi vurderer, at du har gode muligheder for at finde job inden for dit fag. Vi hjælper dig med "
            "sparring på din jobsøgning og med jobmatch gennem FOA JobMatch."),
    "2a": N_("Vi vil gerne give dig ekstra støtte til at finde dit næste job inden for dit fag. Du har ret til to "
             "fokussamtaler, og du kan deltage i vores webinarer og temamøder om jobsøgning."),
    "2b": N_("Vi vil gerne give dig ekstra støtte, også hvis dit næste job skal findes uden for dit nuværende fag. "
             "Du har ret til to fokussamtaler, og webinaret \"Kan jeg blive i mit fag – eller skal jeg prøve noget "
             "nyt?\" er et godt sted at begynde."),
}
NO_CONCLUSION = N_("Vi har ikke afsluttet vurderingen af, hvilken støtte du har brug for. Den kommer ved næste "
                   "samtale.")


def long_date(day: date) -> str:
    """'3. december 2026' / '3 December 2026' in the current language (Danish outside a request)."""
    return format_local_date(day, "d. MMMM y")


def long_datetime(moment: datetime) -> str:
    """'3. december 2026 kl. 10.00' / '3 December 2026 at 10:00', Copenhagen time."""
    return format_local_datetime(moment, "d. MMMM y 'kl.' HH:mm")


def build_content(session: Session, conversation: HeldConversation, *, today: date) -> dict:
    """The summary's content in Danish, with the English rendering under "translations" (the HTML page and the
    PDF show the one in the reader's language; the job centre gets the Danish one)."""
    renderings = {}
    for language in LANGUAGES:
        with force_locale(language):
            renderings[language] = _content(session, conversation, today=today)
    content = renderings.pop(LANGUAGES[0])
    content["translations"] = renderings
    return content


def _content(session: Session, conversation: HeldConversation, *, today: date) -> dict:
    """The content in the current language (build_content sets it with force_locale)."""
    from portal.services.minside import plan

    member: Member = conversation.member
    caseworker = conversation.caseworker
    type_label = _(TYPES[conversation.type].name)
    facts = [
        [_("Medlem"), member.full_name],
        [_("Medlemsnummer"), member.member_number],
        [_("Samtale"), type_label],
        [_("Tidspunkt"), long_datetime(conversation.held_at)],
        [_("Form"), _(CHANNEL_NAMES[conversation.channel])],
        [_("Sagsbehandler"), caseworker.user.display_name if caseworker else "FOA A-kasse"],
    ]
    sections = []
    # "danish_text" / "danish": what in a section the caseworker wrote (in Danish) and the reader's language did
    # not: a page in another language marks it lang="da" (WCAG 3.1.2); the lines themselves stay plain text for
    # the PDF, the e-mail and the job centre. Summaries made before these keys are shown unmarked.
    if conversation.member_summary:
        sections.append({"heading": _("Det talte vi om"), "text": conversation.member_summary, "danish_text": True})
    sections.append({
        "heading": _("Det aftalte vi"),
        "items": [_agreement_line(a) for a in conversation.agreements],
        "danish": [a.text for a in conversation.agreements],
        "empty": _("Vi lavede ingen nye aftaler ved denne samtale."),
    })
    # The plan as it stood that day: the summary is a record, never today's plan under an old date.
    open_items = [i for i in plan.list_items(session, member)
                  if i.status in (PlanStatus.PROPOSED, PlanStatus.AWAITING_JC,
                                  PlanStatus.ACTIVE) and to_local(i.created_at).date() <= today]
    sections.append({
        "heading": _("Din plan lige nu"),
        "items": [_plan_line(i) for i in open_items],
        "danish": [i.title if i.proposed_by != "member" else None for i in open_items],  # hers: any language
        "empty": _("Din plan har ingen åbne punkter."),
    })
    group = conversation.group_decision or member.target_group
    sections.append({"heading": _("Vores vurdering"), "text": _(CONCLUSIONS.get(group or "", NO_CONCLUSION))})
    step = next_step(course_for(session, member, today))
    if step is not None:
        bookable = TYPES[step.conversation_type].member_bookable
        sections.append({"heading": _("Dit næste skridt"),
                         "text": _("%(step)s senest %(date)s.", step=_(step.title), date=long_date(step.due_date))
                         + " " + (_("Du kan booke tiden på Min side.") if bookable
                                  else _("Vi sender dig en indkaldelse."))})
    goes_to_jobcenter = member.status == MemberStatus.LEDIG
    footer = (_("Referatet ligger på Min side under Referater og er også sendt til dit jobcenter.")
              if goes_to_jobcenter else _("Referatet ligger på Min side under Referater."))
    footer += " " + _("Er der noget, der ikke passer, så skriv til din sagsbehandler.")
    return {
        "title": _("Samtalereferat – %(type)s", type=type_label),
        "member_name": member.full_name,
        "member_number": member.member_number,
        "facts": facts,
        "sections": sections,
        "footer": footer,
        "to_jobcenter": goes_to_jobcenter,
    }


def _agreement_line(agreement) -> str:
    line = agreement.text
    if agreement.due_date:
        line += " – " + _("senest %(date)s", date=long_date(agreement.due_date))
    if agreement.right_and_duty:
        line += " " + _("(ret- og pligttilbud: du skal deltage)")
    return line


def _plan_line(item) -> str:
    from portal.services.minside.plan import STATUS_LABELS

    status = _(STATUS_LABELS[item.status]).lower() if item.status in STATUS_LABELS else item.status
    if item.due_date:
        line = _("%(title)s (%(status)s, senest %(date)s)", title=item.title, status=status,
                 date=long_date(item.due_date))
    else:
        line = f"{item.title} ({status})"
    if item.right_and_duty:
        line += " – " + _("ret- og pligttilbud")
    return line


def create_draft(session: Session, conversation: HeldConversation, *, today: date,
                 now: datetime) -> ConversationSummary:
    """Make the summary for a held conversation (a draft until the caseworker sends it)."""
    summary = ConversationSummary(conversation_id=conversation.id, member_id=conversation.member_id,
                                  status=SummaryStatus.DRAFT, content=build_content(session, conversation, today=today),
                                  created_at=now)
    session.add(summary)
    session.flush()
    return summary


def get_summary(session: Session, summary_id: int) -> ConversationSummary:
    summary = session.scalar(select(ConversationSummary).options(
        joinedload(ConversationSummary.conversation), joinedload(ConversationSummary.member))
        .where(ConversationSummary.id == summary_id))
    if summary is None:
        raise NotFound(_("Referatet findes ikke."))
    return summary


def member_summary(session: Session, member: Member, summary_id: int) -> ConversationSummary:
    """A sent summary of this member (the member's own view); anything else is 'not found'."""
    summary = session.get(ConversationSummary, summary_id)
    if summary is None or summary.member_id != member.id or summary.status != SummaryStatus.SENT:
        raise NotFound(_("Referatet findes ikke."))
    return summary


def member_summaries(session: Session, member: Member) -> list[ConversationSummary]:
    return list(session.scalars(select(ConversationSummary).where(
        ConversationSummary.member_id == member.id, ConversationSummary.status == SummaryStatus.SENT)
        .order_by(ConversationSummary.sent_at.desc())))


def pdf_filename(summary: ConversationSummary) -> str:
    day = to_local(summary.sent_at or summary.created_at).date()
    return f"samtalereferat-{summary.content.get('member_number', '')}-{day.isoformat()}.pdf"


def send(session: Session, scope: StaffScope, summary: ConversationSummary, *,
         now: datetime | None = None) -> ConversationSummary:
    """Hand the summary to the member (Min side + notification) and send it to the job centre (outbox)."""
    from portal.services.casework.referral import jobcenter_address

    member = summary.member
    require_edit(scope, member)
    if summary.status == SummaryStatus.SENT:
        raise Conflict(_("Referatet er allerede sendt."))
    now = now or utcnow()
    summary.status = SummaryStatus.SENT
    summary.sent_at = now
    session.add(SummaryDispatch(summary=summary, recipient="member", dispatched_at=now,
                                actor_user_id=scope.user.id))
    if member.user_id:
        notifications.notify_in_language(session, member.user, N_("Du har fået et nyt samtalereferat."),
                                         link=f"/min-side/referater/{summary.id}", now=now)
    if summary.content.get("to_jobcenter"):
        pdf = render_summary_pdf(summary.content, language="da")  # the official Danish document
        message = outbox.enqueue(
            session, idempotency_key=f"summary:{summary.id}:jobcenter", kind="conversation_summary",
            channel="jobcenter", to_address=jobcenter_address(session, member), member_id=member.id,
            subject=f"Samtalereferat – medlem {member.member_number}",
            body_text=_plain_text(summary.content), attachments=[(pdf_filename(summary), "application/pdf", pdf)],
            now=now,
        )
        session.flush()
        session.add(SummaryDispatch(summary=summary, recipient="jobcenter", dispatched_at=now,
                                    outbox_message_id=message.id, actor_user_id=scope.user.id))
        from portal.services.jobcentre import (
            jobcentre,  # the job-centre exchange (issue 16): its inbox or DFDG
        )

        jobcentre.send(session, member, kind="summary", key=f"summary:{summary.id}",
                       subject=f"Samtalereferat – medlem {member.member_number}",
                       body=_plain_text(summary.content), now=now, summary_id=summary.id)
    session.flush()
    audit.record(session, scope.user, "summary.sent", member_id=member.id, target=summary, now=now,
                 detail={"to_jobcenter": bool(summary.content.get("to_jobcenter"))})
    return summary


def _plain_text(content: dict) -> str:
    lines = [content.get("title", ""), ""]
    lines += [f"{label}: {value}" for label, value in content.get("facts", [])]
    for section in content.get("sections", []):
        lines += ["", section["heading"]]
        if section.get("text"):
            lines.append(section["text"])
        items = section.get("items") or []
        lines += [f"- {item}" for item in items] or ([section["empty"]] if section.get("empty") else [])
    return "\n".join(lines) + "\n"


def record_member_read(session: Session, actor: User, summary: ConversationSummary, now: datetime) -> None:
    audit.record(session, actor, "summary.read_by_member", member_id=summary.member_id, target=summary, now=now)
