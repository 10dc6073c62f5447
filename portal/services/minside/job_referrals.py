"""The jobs a member was referred to through FOA JobMatch, as she sees them on Min side (her JobMatch page), and
what she is told when a referral moves on.

A caseworker refers her to an employer's job order (portal.services.casework.jobmatch); the employer contacts
her. Before, the member got one line when she was referred and never heard of it again: not when the employer
asked her to an interview, chose someone else or the referral was withdrawn. Here she sees each referral with
where it stands, in words, and gets a message (in her language, linking here) whenever it changes. The
caseworker's note on a referral is written for colleagues and the employer's contact details are for FOA: neither
is shown to her.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from portal.database import prepared
from portal.i18n import N_, format_local_date, gettext
from portal.i18n import lazy_gettext as _l
from portal.models import Member
from portal.models.casework import JobOrder, JobReferral, Placement
from portal.models.statuses import ReferralStatus
from portal.services.messaging import notifications
from portal.services.messaging.notifications import in_reader_language

# Where it stands, said to the member (the caseworker's list says "Henvist", "Til samtale" … in its own words).
STATUS_LABELS = {
    ReferralStatus.REFERRED: _l("Henvist"),
    ReferralStatus.INTERVIEW: _l("Til samtale"),
    ReferralStatus.HIRED: _l("Ansat"),
    ReferralStatus.REJECTED: _l("Ikke valgt"),
    ReferralStatus.WITHDRAWN: _l("Trukket tilbage"),
}
STATUS_TONES = {ReferralStatus.INTERVIEW: "ok", ReferralStatus.HIRED: "ok"}  # others: the text's own colour
STATUS_TEXTS = {
    ReferralStatus.REFERRED: _l("Arbejdsgiveren har fået dit CV og kontakter dig, hvis de vil tale med dig."),
    ReferralStatus.INTERVIEW: _l("Arbejdsgiveren vil gerne tale med dig og aftaler tiden med dig."),
    ReferralStatus.HIRED: _l("Du har fået jobbet. Tillykke!"),
    ReferralStatus.REJECTED: _l("Arbejdsgiveren har valgt en anden til jobbet."),
    ReferralStatus.WITHDRAWN: _l("Vi har trukket henvisningen tilbage. Kontakt din sagsbehandler, hvis du vil vide "
                                 "hvorfor."),
}
# The message she gets when a referral moves on (Danish source strings, written in her language when sent).
CHANGE_MESSAGES = {
    ReferralStatus.INTERVIEW: N_("Arbejdsgiveren vil gerne tale med dig om jobbet %(title)s hos %(employer)s. De "
                                 "kontakter dig om tiden."),
    ReferralStatus.REJECTED: N_("Arbejdsgiveren har valgt en anden til jobbet %(title)s hos %(employer)s. Vi "
                                "henviser dig gerne til andre job."),
    ReferralStatus.WITHDRAWN: N_("Din henvisning til jobbet %(title)s hos %(employer)s er trukket tilbage. Kontakt din "
                                 "sagsbehandler, hvis du vil vide hvorfor."),
}
HIRED_MESSAGE = N_("Du har fået jobbet %(title)s hos %(employer)s: %(kind)s med start %(start)s. Tillykke!")
EMPLOYMENT_KINDS = {True: N_("fast stilling"), False: N_("midlertidig stilling")}
REFERRED_MESSAGE = N_("Vi har henvist dig til et job: %(title)s hos %(employer)s. Arbejdsgiveren kontakter dig, hvis "
                      "de vil tale med dig.")
ANCHOR = "henvisninger"
LINK = f"/min-side/jobmatch-cv#{ANCHOR}"  # where her messages about a referral point (a list on that page)


@dataclass(frozen=True)
class MemberReferral:
    title: str
    employer: str
    place: str | None
    hours_per_week: int | None
    employment: str
    deadline: date
    status: str
    referred_at: datetime
    changed_at: datetime
    start_date: date | None = None  # hired: the first day, and whether the job is permanent
    permanent: bool | None = None

    @property
    def kind(self) -> str:
        return gettext(EMPLOYMENT_KINDS[self.permanent]) if self.permanent is not None else ""

    @property
    def label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.status, "")

    @property
    def text(self) -> str:
        return str(STATUS_TEXTS.get(self.status, ""))

    @property
    def changed(self) -> bool:
        return self.changed_at > self.referred_at


def for_member(session: Session, member: Member) -> list[MemberReferral]:
    """Her referrals, the newest first (one statement: the referral with its job order, the order's place and the
    placement of a hire)."""
    referrals = session.scalars(_referrals_with_order(), {"member_id": member.id})
    return [MemberReferral(
        title=r.job_order.title, employer=r.job_order.employer,
        place=r.job_order.location.name if r.job_order.location is not None else None,
        hours_per_week=r.job_order.hours_per_week, employment=r.job_order.employment, deadline=r.job_order.deadline,
        status=r.status, referred_at=r.referred_at, changed_at=r.updated_at,
        start_date=r.placement.start_date if r.placement is not None else None,
        permanent=r.placement.permanent if r.placement is not None else None) for r in referrals]


@prepared
def _referrals_with_order():
    return (select(JobReferral).options(joinedload(JobReferral.job_order).joinedload(JobOrder.location),
                                        joinedload(JobReferral.placement))
            .where(JobReferral.member_id == bindparam("member_id"))
            .order_by(JobReferral.referred_at.desc(), JobReferral.id.desc()))


def tell_referred(session: Session, referral: JobReferral, *, now: datetime) -> None:
    """The member hears from us first that an employer may call (none for a member without a login)."""
    _tell(session, referral, REFERRED_MESSAGE, now)


def tell_changed(session: Session, referral: JobReferral, *, now: datetime) -> None:
    """The member is told that the referral moved on (to its status now)."""
    message = CHANGE_MESSAGES.get(referral.status)
    if message is not None:
        _tell(session, referral, message, now)


def tell_hired(session: Session, referral: JobReferral, placement: Placement, *, now: datetime) -> None:
    """The member is told she got the job, with its first day and whether it is permanent (as the caseworker
    registered the hire)."""
    _tell(session, referral, HIRED_MESSAGE, now, kind=in_reader_language(EMPLOYMENT_KINDS[placement.permanent]),
          start=LazyString(format_local_date, placement.start_date, "d. MMMM y"))


def _tell(session: Session, referral: JobReferral, message: str, now: datetime, **more) -> None:
    member = referral.member
    if member.user_id is None:
        return
    order = referral.job_order
    notifications.notify_in_language(session, member.user, message, link=LINK, now=now,
                                     title=order.title, employer=order.employer, **more)
