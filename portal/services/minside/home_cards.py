"""What Min side's small cards need to know, read in one statement (issue 19):

- her contact in the a-kasse: her caseworker's name and location while that person still works here
  (Member.contact_caseworker's rule), whether she has a caseworker at all, and her own service location;
- whether she has answered the CV conversation's preparation questions (the card asking her to is shown until she
  has);
- whether she has a JobMatch CV, and whether its job agent is on;
- her target group card (portal.services.minside.member_profiling.group_card_columns);
- which conversation her Min side chat continues and whether her chat consent stands, for the chat widget on the
  same page (portal.services.chat.chat.member_chat_columns; kept for it by `remember_member_chat`).

Neither the answers nor the CV are shown on these cards, so neither is loaded: the answers may hold
special-category data (Q10's barriers), and the CV's lists are JSON to parse. Read as rows, the caseworker card no
longer depends on what else the page happened to load (three statements when her bookings did not bring her
caseworker along)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from portal.database import Read, prepared
from portal.models import Caseworker, Member, ServiceLocation, User
from portal.models.jobmatch import JobmatchCv
from portal.models.plan import PreparationAnswer
from portal.services.chat.chat import member_chat_columns, remember_member_chat
from portal.services.minside.member_profiling import MemberGroupCard, group_card, group_card_columns


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    location: str


@dataclass(frozen=True, slots=True)
class HomeCards:
    location_name: str  # her own service location
    has_caseworker: bool  # one is assigned (who may have left: then `contact` is None)
    contact: Contact | None  # her caseworker while they still work here
    answered_preparation: bool
    cv_job_agent: bool | None  # None: no CV yet
    group: MemberGroupCard | None  # her target group once her CV conversation was held (None: no card)


@prepared
def _cards():
    member_id = bindparam("member_id")
    own_place, their_place = aliased(ServiceLocation), aliased(ServiceLocation)
    return (select(own_place.name, Caseworker.id, User.display_name, User.active, their_place.name,
                   exists().where(PreparationAnswer.member_id == member_id),
                   select(JobmatchCv.job_agent).where(JobmatchCv.member_id == member_id).scalar_subquery(),
                   *group_card_columns(member_id), *member_chat_columns(member_id))
            .select_from(Member).join(own_place, own_place.id == Member.location_id)
            .outerjoin(Caseworker, Caseworker.id == Member.caseworker_id)
            .outerjoin(User, User.id == Caseworker.user_id)
            .outerjoin(their_place, their_place.id == Caseworker.location_id)
            .where(Member.id == member_id))


def cards_read(member: Member) -> Read:
    return Read(_cards(), {"member_id": member.id})


def for_member(session: Session, member: Member) -> HomeCards:
    (place, caseworker_id, name, active, their_place, answered, job_agent, group, objection, chat, consented), = (
        cards_read(member).lines(session))
    remember_member_chat(session, member.id, chat, consented)
    return HomeCards(location_name=place, has_caseworker=caseworker_id is not None,
                     contact=Contact(name, their_place) if caseworker_id is not None and active else None,
                     answered_preparation=bool(answered), cv_job_agent=None if job_agent is None else bool(job_agent),
                     group=group_card(group, objection))
