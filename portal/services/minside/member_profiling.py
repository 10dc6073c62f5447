"""The member's own view of their profiling on Min side, and their way to disagree.

The application (Bilag 7, model 3): "Medlemmernes profilering og aftalte aktiviteter vil blive udstillet på
medlemmets Min side". What the member sees is what a caseworker has confirmed: the target group of the latest
group decision, the main factors of the assessment that decision was made on (in plain words, the reader's
language) and the caseworker's reason. Never the probability (DOMAIN.md: members should not be told early and
bluntly that they will probably become long-term unemployed), and nothing before the CV conversation has been held.

A member who disagrees writes why; the objection stays open until the caseworker makes a new group decision
(keeping or changing the group, with a reason the member sees), which answers it (profiling.override_group).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import Session, joinedload

from portal.database import Read, prepared
from portal.i18n import N_
from portal.models import Booking, Member
from portal.models.casework import HeldConversation
from portal.models.profiling import GroupDecision, GroupObjection
from portal.models.statuses import BookingStatus
from portal.services import audit
from portal.services.actors import Actor
from portal.services.errors import Conflict, NotFound, ValidationFailed
from portal.services.messaging import notifications
from portal.services.minside_i18n import _
from portal.services.profiling import Factor
from portal.services.text_limits import one_line_breaks, refuse_control_characters

OBJECTION_MAX = 1000
MAX_FACTORS = 3  # per side: what a member can take in, the caseworker sees more


@dataclass
class MemberGroupView:
    decision: GroupDecision
    helps: list[Factor]  # lower the risk of long unemployment: what speaks for finding a job soon
    support: list[Factor]  # raise it: why extra support can help
    open_objection: GroupObjection | None
    answered: list[GroupObjection]  # the member's earlier objections and the decisions that answered them

    @property
    def group(self) -> str:
        return self.decision.decided_group


def _cv_conversation_held(member_id):
    return or_(
        exists().where(HeldConversation.member_id == member_id, HeldConversation.type == "cv"),
        exists().where(Booking.member_id == member_id, Booking.type == "cv", Booking.status == BookingStatus.HELD),
    )


@prepared
def _latest_decision_after_cv():
    # One statement for the held CV conversation, the latest decision and its assessment (issue 19: it was three);
    # no row before the CV conversation is the same None as no decision.
    member_id = bindparam("member_id")
    return (select(GroupDecision).options(joinedload(GroupDecision.assessment))
            .where(GroupDecision.member_id == member_id, _cv_conversation_held(member_id))
            .order_by(GroupDecision.decided_at.desc(), GroupDecision.id.desc()).limit(1))


@prepared
def _objections_newest_first():
    return (select(GroupObjection).where(GroupObjection.member_id == bindparam("member_id"))
            .order_by(GroupObjection.created_at.desc(), GroupObjection.id.desc()))


def group_view(session: Session, member: Member) -> MemberGroupView | None:
    """What Min side shows, or None before the CV conversation or before any caseworker's decision."""
    decision = session.scalar(_latest_decision_after_cv(), {"member_id": member.id})
    if decision is None:
        return None
    factors = [Factor(f["text"], f["contribution"]) for f in (decision.assessment.factors if decision.assessment
                                                              else [])]
    helps = sorted((f for f in factors if f.contribution < 0), key=lambda f: f.contribution)[:MAX_FACTORS]
    support = sorted((f for f in factors if f.contribution > 0), key=lambda f: -f.contribution)[:MAX_FACTORS]
    objections = list(session.scalars(_objections_newest_first(), {"member_id": member.id}))
    open_objection = next((o for o in objections if o.answered_at is None), None)
    return MemberGroupView(decision=decision, helps=helps, support=support, open_objection=open_objection,
                           answered=[o for o in objections if o.answered_at is not None])


@dataclass(frozen=True)
class MemberGroupCard:
    """The Min side card: `group_view`'s group and whether one of the member's objections is still open."""
    group: str
    open_objection: bool


def group_card_columns(member_id) -> tuple:
    """What Min side's group card shows, as two columns for a statement about the member (`member_id` a value or a
    bind parameter): the group of `group_view`'s decision (None exactly when `group_view` is None) and whether she
    has an objection not answered yet. portal.services.minside.home_cards reads them with her other small cards;
    `group_card` makes the card of them."""
    latest = (select(GroupDecision.decided_group)
              .where(GroupDecision.member_id == member_id, _cv_conversation_held(member_id))
              .order_by(GroupDecision.decided_at.desc(), GroupDecision.id.desc()).limit(1).scalar_subquery())
    open_objection = exists().where(GroupObjection.member_id == member_id, GroupObjection.answered_at.is_(None))
    return latest, open_objection


def group_card(group: str | None, open_objection) -> MemberGroupCard | None:
    return None if group is None else MemberGroupCard(group=group, open_objection=bool(open_objection))


def object_to_group(session: Session, member: Member, text: str, *, actor: Actor, now: datetime) -> GroupObjection:
    """The member disagrees with their group or its reasons: kept, the caseworker told. One open at a time."""
    view = group_view(session, member)
    if view is None:
        raise NotFound(_("Du har ikke fået en målgruppe endnu. Den fastsættes ved din CV-samtale."))
    text = one_line_breaks(text or "").strip()
    if not text:
        raise ValidationFailed(_("Skriv, hvad du er uenig i."), field="text")
    refuse_control_characters(text, field="text")
    if len(text) > OBJECTION_MAX:
        raise ValidationFailed(_("Skriv højst %(n)d tegn (du skrev %(m)d).", n=OBJECTION_MAX, m=len(text)),
                               field="text")
    if view.open_objection is not None:
        raise Conflict(_("Du har allerede skrevet, at du er uenig. Din sagsbehandler ser på det og svarer her."))
    objection = GroupObjection(member_id=member.id, decision_id=view.decision.id, text=text, created_at=now)
    session.add(objection)
    session.flush()
    audit.record(session, actor, "profiling.group_objection", member_id=member.id, target=objection, now=now)
    if member.caseworker is not None and member.caseworker.user_id is not None:
        notifications.notify_in_language(  # the caseworker's language, not the member's who wrote
            session, member.caseworker.user, N_("%(name)s er uenig i sin målgruppe og har skrevet hvorfor."),
            name=member.full_name, link=f"/sagsbehandler/medlem/{member.member_number}#profilering", now=now)
    return objection


def open_objections(session: Session, member: Member) -> list[GroupObjection]:
    """For the caseworker's screen: what the member has written and not had an answer to."""
    return list(session.scalars(_open_objections_oldest_first(), {"member_id": member.id}))


def open_objections_read(member: Member) -> Read:
    """`open_objections`' statement, for portal.read_ahead."""
    return Read(_open_objections_oldest_first(), {"member_id": member.id}, executed=True)


@prepared
def _open_objections_oldest_first():
    return (select(GroupObjection).where(GroupObjection.member_id == bindparam("member_id"),
                                         GroupObjection.answered_at.is_(None))
            .order_by(GroupObjection.created_at))
