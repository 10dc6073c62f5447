"""Preparation-form questions 2 and 10 (Jobnet's DFDG model, DOMAIN.md "Profiling").

The member may answer here, or the caseworker records the answers at the CV conversation. Q10 is special-category
personal data (GDPR art. 9: health, abuse, social circumstances): each answer is a new row with who answered and
when, every write and every staff read is audited, and the detail of the audit entry never repeats the answers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from portal.database import prepared
from portal.models import Member, User
from portal.models.plan import Q2_ANSWERS, Q10_BARRIERS, PreparationAnswer
from portal.services import audit
from portal.services.actors import Actor
from portal.services.errors import NotFound, ValidationFailed
from portal.services.minside_i18n import _, _l

Q2_TEXT = _l("Hvor hurtigt tror du, at du får et arbejde?")
Q10_TEXT = _l("Er der noget, der gør det svært for dig at få et arbejde?")
# English keys in code and data, Danish labels (the form's own wording) here and only here.
Q2_LABELS = {
    "has_job": _l("Jeg har fået nyt job"),
    "within_3_months": _l("Inden for 3 måneder"),
    "within_6_months": _l("Inden for 6 måneder"),
    "more_than_6_months": _l("Mere end 6 måneder"),
    "leave_or_retirement": _l("Jeg forventer at gå på barsel, efterløn eller pension"),
    "dont_know": _l("Ved ikke"),
}
Q10_LABELS = {
    "physical_health": _l("Fysisk helbred"),
    "mental_health": _l("Psykisk helbred"),
    "personal_social": _l("Personlige eller sociale forhold"),
    "economic": _l("Økonomiske forhold"),
    "substance_abuse": _l("Misbrug af alkohol eller stoffer"),
    "reading_spelling": _l("Læse- og stavevanskeligheder"),
    "it_skills": _l("Manglende IT-færdigheder"),
    "language": _l("Sprogvanskeligheder"),
    "other": _l("Andet"),
}
assert set(Q2_LABELS) == set(Q2_ANSWERS) and set(Q10_LABELS) == set(Q10_BARRIERS)


def _answered_by(member: Member, actor: Actor) -> str:
    if isinstance(actor, User) and actor.role == "member":
        if member.user_id != actor.id:
            raise NotFound(_("Medlemmet findes ikke."))
        return "member"
    return "caseworker"


def validate_answers(q2, q10_has_barriers, q10_barriers) -> tuple[str, bool, list[str]]:
    errors = {}
    if q2 not in Q2_ANSWERS:
        errors["q2"] = _("Vælg et svar på spørgsmål 2.")
    if not isinstance(q10_has_barriers, bool):
        errors["q10_has_barriers"] = _("Svar ja eller nej på spørgsmål 10.")
    barriers = list(q10_barriers or [])
    if any(b not in Q10_BARRIERS for b in barriers):
        errors["q10_barriers"] = _("Vælg kun blandt de viste svar på spørgsmål 10.")
    elif q10_has_barriers is True and not barriers:
        errors["q10_barriers"] = _("Du har svaret ja til spørgsmål 10. Sæt mindst ét kryds, eller svar nej.")
    elif q10_has_barriers is False and barriers:
        errors["q10_barriers"] = _("Du har svaret nej til spørgsmål 10, men sat kryds. Fjern krydserne, eller svar ja.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    ordered = [b for b in Q10_BARRIERS if b in set(barriers)]  # stable order, no duplicates
    return q2, q10_has_barriers, ordered


def record_answers(session: Session, member: Member, *, q2: str, q10_has_barriers: bool,
                   q10_barriers: list[str] | None, actor: Actor, now: datetime) -> PreparationAnswer:
    """Store a new answer (older answers are kept as history). Raises ValidationFailed on bad input."""
    answered_by = _answered_by(member, actor)
    q2, has_barriers, barriers = validate_answers(q2, q10_has_barriers, q10_barriers)
    answer = PreparationAnswer(member_id=member.id, q2=q2, q10_has_barriers=has_barriers, q10_barriers=barriers,
                               answered_by=answered_by,
                               answered_by_user_id=actor.id if isinstance(actor, User) else None, answered_at=now)
    session.add(answer)
    session.flush()
    # Special-category data: the audit entry says that it was answered, never what.
    audit.record(session, actor, "preparation.answer", member_id=member.id, target=answer, now=now,
                 detail={"answered_by": answered_by, "special_category": True})
    return answer


def _newest_first(answer):
    return answer.answered_at.desc(), answer.id.desc()


@prepared
def _newest_answer():
    return (select(PreparationAnswer).where(PreparationAnswer.member_id == bindparam("member_id"))
            .order_by(*_newest_first(PreparationAnswer)).limit(1))


def newest_answer_id(member_id):
    """The id of a member's current answers as a scalar subquery (`member_id` a column or bind parameter), for a
    statement that reads them with other rows (the conversation screen); `latest_answers` reads the same row."""
    answer = aliased(PreparationAnswer)
    return (select(answer.id).where(answer.member_id == member_id).order_by(*_newest_first(answer)).limit(1)
            .scalar_subquery())


def latest_answers(session: Session, member: Member, *, actor: Actor | None = None, reason: str | None = None,
                   now: datetime | None = None) -> PreparationAnswer | None:
    """The member's current answers (the newest row), or None. A staff `actor` is audited as a read with `reason`."""
    answer = session.scalar(_newest_answer(), {"member_id": member.id})
    record_read(session, member, answer, actor=actor, reason=reason, now=now)
    return answer


def record_read(session: Session, member: Member, answer: PreparationAnswer | None, *, actor: Actor | None,
                reason: str | None, now: datetime | None) -> None:
    """Audit a staff `actor`'s read of the member's current answers (`answer`, None if there are none) with
    `reason`; the member's own read is not audited. `latest_answers` calls it, or a caller that read the row
    itself (`newest_answer_id`)."""
    if actor is not None and not (isinstance(actor, User) and actor.role == "member"):
        audit.record(session, actor, "preparation.view", member_id=member.id, target=answer, reason=reason, now=now,
                     detail={"special_category": True})


def answer_history(session: Session, member: Member) -> list[PreparationAnswer]:
    return list(session.scalars(select(PreparationAnswer).where(PreparationAnswer.member_id == member.id)
                                .order_by(PreparationAnswer.answered_at.desc(), PreparationAnswer.id.desc())))
