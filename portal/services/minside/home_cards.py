"""What two of Min side's cards need to know, read in one statement (issue 19): whether the member has answered the
CV conversation's preparation questions (the card asking her to is shown until she has), and whether she has a
JobMatch CV and its job agent is on. Neither card shows the answers or the CV themselves, so neither is loaded:
the answers may hold special-category data (Q10's barriers), and the CV's lists are JSON to parse."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from portal.database import prepared
from portal.models import Member
from portal.models.jobmatch import JobmatchCv
from portal.models.plan import PreparationAnswer


@dataclass(frozen=True, slots=True)
class HomeCards:
    answered_preparation: bool
    cv_job_agent: bool | None  # None: no CV yet


@prepared
def _cards():
    member_id = bindparam("member_id")
    return select(exists().where(PreparationAnswer.member_id == member_id),
                  select(JobmatchCv.job_agent).where(JobmatchCv.member_id == member_id).scalar_subquery())


def for_member(session: Session, member: Member) -> HomeCards:
    answered, job_agent = session.execute(_cards(), {"member_id": member.id}).one()
    return HomeCards(answered_preparation=bool(answered),
                     cv_job_agent=None if job_agent is None else bool(job_agent))
