"""What the caseworker's conversation screen (samtalebillede) shows, read from the owning areas' services in a
fixed, small number of statements (issue 19).

The first statement (`_first_read`) reads the member's current answers, score and CV together and asks which of
the screen's lists hold rows: most members have nothing in most of them (no handoffs, visitations, objections, FVU
feedback …), and only those with rows are read, each by its area's service.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from portal.database import Read, prepared
from portal.models import Member
from portal.models.casework import ConversationSummary, HeldConversation, JobcenterReferral, JobReferral
from portal.models.chat import Handoff
from portal.models.fvu_feedback import FvuFeedback
from portal.models.jobcentre import JobcentreMessage
from portal.models.jobmatch import JobmatchCv
from portal.models.offers import OfferRegistration
from portal.models.plan import PlanItem, PreparationAnswer
from portal.models.profiling import GroupDecision, GroupObjection, ProfilingAssessment
from portal.read_ahead import read_ahead
from portal.services.access import StaffScope
from portal.services.casework.conversation_record import suggested_offers
from portal.services.minside.preparation import newest_answer_id
from portal.services.profiling import ASSESSMENT_MODEL_LABEL, latest_assessment_id
from portal.timeutil import to_local


@dataclass(frozen=True)
class _Read:
    """The member's current Q2/Q10 answers, newest score and JobMatch CV (each None if there is none), and which
    of the member's lists hold rows: one statement."""

    answers: PreparationAnswer | None
    assessment: ProfilingAssessment | None
    cv: JobmatchCv | None
    decisions: bool
    objections: bool
    plan_items: bool
    jobcentre_messages: bool
    conversations: bool
    registrations: bool
    fvu_feedback: bool
    handoffs: bool
    job_referrals: bool
    visitations: bool


def _member_has(model, *conditions):
    return exists().where(model.member_id == Member.id, *conditions)


@prepared
def _first_read():
    # Which rows are current is the owning areas' rule (newest_answer_id, latest_assessment_id); a member has at
    # most one CV.
    return (select(PreparationAnswer, ProfilingAssessment, JobmatchCv,
                   _member_has(GroupDecision),
                   _member_has(GroupObjection, GroupObjection.answered_at.is_(None)),  # open_objections' rows
                   _member_has(PlanItem), _member_has(JobcentreMessage), _member_has(HeldConversation),
                   _member_has(OfferRegistration), _member_has(FvuFeedback), _member_has(Handoff),
                   _member_has(JobReferral), _member_has(JobcenterReferral))
            .select_from(Member)
            .outerjoin(PreparationAnswer, PreparationAnswer.id == newest_answer_id(Member.id))
            .outerjoin(ProfilingAssessment, ProfilingAssessment.id == latest_assessment_id(Member.id))
            .outerjoin(JobmatchCv, JobmatchCv.member_id == Member.id)
            .options(ASSESSMENT_MODEL_LABEL)
            .where(Member.id == bindparam("member_id")))


def screen_data(session: Session, scope: StaffScope, member: Member, *, now: datetime, show_q10: bool,
                purpose: str) -> dict:
    """Everything the conversation screen shows, from the owning areas' services (a fixed number of queries).

    The Q10 answers (GDPR art. 9) are only shown, with the actor and reason audited by the Min side area's
    `preparation.record_read` (also when there are none), when the caseworker asks to see them; without that only
    Q2 and "answered or not" are used. The CV shown is audited by `jobmatch_cv.record_staff_read`.
    """
    # Reads only: the audit entries of this opening are written together, at the next flush, not one at a time
    # before the next read.
    with session.no_autoflush:
        return _screen_data(session, scope, member, now=now, show_q10=show_q10, purpose=purpose)


def _screen_data(session: Session, scope: StaffScope, member: Member, *, now: datetime, show_q10: bool,
                 purpose: str) -> dict:
    read = _Read(*session.execute(_first_read(), {"member_id": member.id}).one())
    with read_ahead(session, lambda: _lists_read(member, read, now)):  # on PostgreSQL: one round trip for these
        return _the_rest(session, scope, member, read, now=now, show_q10=show_q10, purpose=purpose)


def _lists_read(member: Member, read: _Read, now: datetime) -> list[Read]:
    """The lists the screen will read below (the ones the first read found rows in): columns-only ones, and the
    ones it loads as objects (bookings, job centre messages, plan, group decisions and objections) or reads
    through Core (the open job orders), none of which depends on another's answer."""
    from portal.services.booking import booking
    from portal.services.casework import jobmatch
    from portal.services.jobcentre import jobcentre
    from portal.services.minside import member_profiling, plan
    from portal.services.offers import offers
    from portal.services.profiling import group_decision_history_read

    reads = [list_read for has_rows, list_read in (
        (read.conversations, _conversations_read(member)),
        (read.registrations, offers.member_registration_lines_read(member)),
        (read.handoffs, _handoffs_read(member)),
        (read.job_referrals, jobmatch.member_referrals_read(member)),
        (True, booking.member_bookings_read(member, now=now, with_staff_and_place=False)),
        (read.jobcentre_messages, jobcentre.messages_for_member_read(member)),
        (read.plan_items, plan.items_read(member, with_history=False)),
        (read.decisions, group_decision_history_read(member)),
        (read.objections, member_profiling.open_objections_read(member))) if has_rows]
    orders = jobmatch.open_orders_read(member, today=to_local(now).date())
    return reads if orders is None else [*reads, orders]


def _the_rest(session: Session, scope: StaffScope, member: Member, read: _Read, *, now: datetime, show_q10: bool,
              purpose: str) -> dict:
    from portal.services.booking import booking
    from portal.services.booking.contact_course import course_for, next_step, weeks_unemployed
    from portal.services.casework import jobmatch, jobmatch_cv, referral
    from portal.services.jobcentre import jobcentre
    from portal.services.minside import member_profiling, plan, preparation
    from portal.services.offers import fvu_feedback, offers
    from portal.services.profiling import group_decision_history, to_assessment

    today = to_local(now).date()
    bookings = booking.member_bookings(session, member, now=now, with_staff_and_place=False)
    steps = course_for(session, member, today, bookings=bookings)
    sent_to_jobcentre = jobcentre.messages_for_member(session, member) if read.jobcentre_messages else []
    answers = read.answers
    if show_q10:  # audited whether or not there are answers
        preparation.record_read(session, member, answers, actor=scope.user, reason=purpose[:200], now=now)
    barriers = list(answers.q10_barriers or []) if (answers is not None and show_q10) else []
    assessment = to_assessment(read.assessment) if read.assessment is not None else None
    group = member.target_group or (assessment.proposed_group if assessment is not None else None)
    location = member.location
    cv = read.cv
    jobmatch_cv.record_staff_read(session, scope.user, member, cv, now=now)
    plan_items = plan.list_items(session, member, with_history=False) if read.plan_items else []
    return {
        "today": today,
        "steps": steps,
        "next_step": next_step(steps),
        "weeks": weeks_unemployed(member, today),
        "assessment": assessment,
        "decisions": list(group_decision_history(session, member)) if read.decisions else [],
        "group_objections": member_profiling.open_objections(session, member) if read.objections else [],
        "answers": answers,
        "show_q10": show_q10 and answers is not None,
        "suggestions": suggested_offers(member, group=group, barriers=barriers,
                                        group_proposed=not member.target_group and group is not None,
                                        q2=answers.q2 if answers is not None else None,
                                        fvu_city=bool(location and location.fvu_city)),
        "suggestions_partial": answers is not None and answers.q10_has_barriers and not show_q10,
        "job_matches": jobmatch.matching_orders(session, member, today=today, cv=cv),
        "jobmatch_cv": cv,
        "plan_items": plan_items,
        "jobcentre_rejections": plan.jobcentre_rejection_reasons(session, plan_items),
        "jobcentre_sent": sent_to_jobcentre,
        "jobcentre_requests": jobcentre.requests_by_plan_item(sent_to_jobcentre),
        "conversations": member_conversations(session, member) if read.conversations else [],
        "bookings": bookings,
        "registrations": offers.member_registration_lines(session, member) if read.registrations else [],
        "fvu_feedback": fvu_feedback.latest_for_member(session, member) if read.fvu_feedback else None,
        "handoffs": _handoffs(session, member) if read.handoffs else [],
        "job_referrals": jobmatch.member_referrals(session, member) if read.job_referrals else [],
        "visitations": referral.member_referrals(session, member) if read.visitations else [],
    }


def member_conversations(session: Session, member: Member) -> list:
    """The member's registered conversations, newest first, as rows of what the screen shows (columns only, on the
    session's connection: `read_lines`; the screen reads without autoflush anyway): held_at, type,
    channel, outcome, notes and their summary's summary_id and summary_status (None without one); not their
    agreements (those are in the plan)."""
    return _conversations_read(member).lines(session)


def _conversations_read(member: Member) -> Read:
    return Read(_conversations_of_member(), {"member_id": member.id})


@prepared
def _conversations_of_member():
    return (select(HeldConversation.held_at, HeldConversation.type, HeldConversation.channel,
                   HeldConversation.outcome, HeldConversation.notes, ConversationSummary.id.label("summary_id"),
                   ConversationSummary.status.label("summary_status"))
            .outerjoin(ConversationSummary, ConversationSummary.conversation_id == HeldConversation.id)
            .where(HeldConversation.member_id == bindparam("member_id"))
            .order_by(HeldConversation.held_at.desc()))


def _handoffs(session: Session, member: Member) -> list:
    """The member's latest 20 handoffs from the chatbot as (created_at, status) rows."""
    return _handoffs_read(member).lines(session)


def _handoffs_read(member: Member) -> Read:
    return Read(_handoffs_of_member(), {"member_id": member.id})


@prepared
def _handoffs_of_member():
    return (select(Handoff.created_at, Handoff.status).where(Handoff.member_id == bindparam("member_id"))
            .order_by(Handoff.created_at.desc()).limit(20))
