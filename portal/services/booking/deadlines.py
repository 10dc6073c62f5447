"""Contact-course deadlines: the joint-conversation invitation at 9 weeks, caseworker alerts 3 working days before
a statutory step is due and when it is overdue, and the Min plan draft reminder in week 12.

The due dates and step statuses come from portal.services.booking.contact_course (the one place for those rules);
this module only decides whom to tell and makes sure nobody is told twice (SentNotice / outbox keys).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.i18n import N_
from portal.models import Booking, Caseworker, Member
from portal.models.booking import ACTIVE_BOOKING_STATUSES
from portal.models.scheduling import SentNotice
from portal.models.statuses import MemberStatus, StepStatus
from portal.services.booking.contact_course import statutory_steps, weeks_unemployed
from portal.services.danish_calendar import add_working_days
from portal.services.links import external_url, internal_path
from portal.services.messaging import notifications, outbox
from portal.services.messaging.email_render import render_email

ALERT_WORKING_DAYS = 3  # the issue: alert 3 working days before a statutory step is due
JOINT_INVITATION_WEEK = 9  # DOMAIN.md: job centre and member are invited after 9 weeks, so 13 weeks is on time
PLAN_DRAFT_WEEK = 12  # the 100 % target: a draft Min plan for everyone still unemployed after 13 weeks
OVERDUE_ALERT_DAYS = 14  # alert about steps that became overdue in the last two weeks
COURSE_WEEKS = 15  # the last step is due in week 13; overdue alerts for two more weeks
CHUNK = 500
MEMBER_FILE_ENDPOINT = "caseworker.member"  # the caseworker workspace's member page


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # soon / overdue / plan_draft
    member: Member
    step_title: str
    due_date: date | None


def members_in_course(session: Session, today: date, *, chunk: int = CHUNK):
    """Unemployed members within the statutory course window, with their active bookings, in chunks."""
    earliest = today - timedelta(weeks=COURSE_WEEKS)
    last_id = 0
    while True:
        members = list(session.scalars(
            select(Member)
            .options(joinedload(Member.caseworker).joinedload(Caseworker.user))
            .where(Member.status == MemberStatus.LEDIG, Member.first_unemployment_day >= earliest,
                   Member.first_unemployment_day <= today, Member.id > last_id)
            .order_by(Member.id).limit(chunk)
        ).unique())
        if not members:
            return
        last_id = members[-1].id
        bookings = defaultdict(list)
        for booking in session.scalars(select(Booking).where(
                Booking.member_id.in_([m.id for m in members]), Booking.status.in_(ACTIVE_BOOKING_STATUSES))):
            bookings[booking.member_id].append(booking)
        yield [(m, bookings[m.id]) for m in members]


def alerts_for(member: Member, steps, today: date, *, has_draft_plan=None) -> list[Alert]:
    """What the caseworker should hear about this member today (before de-duplication)."""
    alerts = []
    for step in steps:
        if step.status == StepStatus.OVERDUE:
            if (today - step.due_date).days > OVERDUE_ALERT_DAYS:
                continue  # long overdue: on the caseload page already; no alert flood on first deployment
            alerts.append(Alert(f"deadline:{member.id}:{step.key}:{step.due_date}:overdue", "overdue", member,
                                step.title, step.due_date))
        elif step.status == StepStatus.PLANNED and today >= add_working_days(step.due_date, -ALERT_WORKING_DAYS):
            alerts.append(Alert(f"deadline:{member.id}:{step.key}:{step.due_date}:soon", "soon", member,
                                step.title, step.due_date))
    if weeks_unemployed(member, today) == PLAN_DRAFT_WEEK - 1 and has_draft_plan is not None \
            and not has_draft_plan(member):
        alerts.append(Alert(f"plan-draft:{member.id}:{member.first_unemployment_day}", "plan_draft", member,
                            N_("Udkast til Min plan"), member.first_unemployment_day + timedelta(weeks=13)))
    return alerts


def _claim_notice(session: Session, key: str, kind: str, member_id: int | None, now: datetime) -> bool:
    """Record that a notice is given; False if it was given before (by an earlier run or a parallel one)."""
    if session.scalar(select(SentNotice.id).where(SentNotice.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(SentNotice(key=key, kind=kind, member_id=member_id, created_at=now))
    except IntegrityError:
        return False
    return True


def send_caseworker_alerts(session: Session, *, today: date, now: datetime) -> dict:
    """In-app alerts per step, and one e-mail digest per caseworker per day with the new ones. Commits per chunk."""
    from portal.services.minside.plan import has_draft_plan

    def draft_check(member: Member) -> bool:
        return has_draft_plan(session, member)
    counts = {"members": 0, "soon": 0, "overdue": 0, "plan_draft": 0, "without_caseworker": 0, "digests": 0}
    digest: dict[int, list[Alert]] = defaultdict(list)
    caseworkers: dict[int, Caseworker] = {}
    for batch in members_in_course(session, today):
        for member, bookings in batch:
            counts["members"] += 1
            caseworker = member.contact_caseworker  # a deactivated caseworker's members have nobody to tell
            for alert in alerts_for(member, statutory_steps(member, bookings, today), today,
                                    has_draft_plan=draft_check):
                if caseworker is None:
                    counts["without_caseworker"] += 1
                    continue
                if not _claim_notice(session, alert.key, alert.kind, member.id, now):
                    continue
                counts[alert.kind] += 1
                # the caseworker's user came with the member (members_in_course): no query per alert
                notifications.notify_in_language(session, caseworker.user, _ALERT_TEXTS[alert.kind],
                                                 **_alert_variables(alert), link=_member_link(member), now=now)
                digest[caseworker.id].append(alert)
                caseworkers[caseworker.id] = caseworker
        session.commit()
    digests = [_digest(caseworkers[caseworker_id], alerts, today)
               for caseworker_id, alerts in digest.items() if caseworkers[caseworker_id].user.email]
    outbox.enqueue_many(session, digests, now=now)
    counts["digests"] = len(digests)
    session.commit()
    return counts


def _digest(caseworker: Caseworker, alerts: list[Alert], today: date) -> outbox.NewMessage:
    """One e-mail with the caseworker's new alerts of the day; a second run with other alerts is another e-mail."""
    email = render_email("caseworker_digest", caseworker.user.locale, caseworker=caseworker,
                         alerts=sorted(alerts, key=lambda a: (a.kind != "overdue", a.due_date or today)),
                         link=external_url("caseworker.caseload"), today=today)
    digest_id = hashlib.sha256("|".join(sorted(a.key for a in alerts)).encode()).hexdigest()[:16]
    return outbox.NewMessage(idempotency_key=f"deadline-digest:{caseworker.id}:{today}:{digest_id}",
                             kind="caseworker_digest", to_address=caseworker.user.email, subject=email.subject,
                             body_text=email.text, body_html=email.html)


# The in-app alert per kind: Danish source strings, written in the caseworker's language (notify_in_language).
_ALERT_TEXTS = {
    "overdue": N_("Frist overskredet: %(step)s for %(name)s skulle være holdt senest %(day)s."),
    "plan_draft": N_("%(name)s er i uge 12 uden et udkast til Min plan. Lav udkastet før 13 uger."),
    "soon": N_("Frist om få dage: %(step)s for %(name)s senest %(day)s."),
}


def _alert_variables(alert: Alert) -> dict:
    return {"step": notifications.in_reader_language(alert.step_title), "name": alert.member.full_name,
            "day": f"{alert.due_date:%d.%m.%Y}" if alert.due_date else ""}


def _member_link(member: Member) -> str:
    return internal_path(MEMBER_FILE_ENDPOINT, member_number=member.member_number)


# -- the invitation to the joint conversation (member and job centre) ----------------------------------------------

def joint_invitations_due(session: Session, today: date) -> list[tuple[Member, object]]:
    """Members unemployed for 9 weeks or more (the invitation opens on day 64) whose joint conversation is neither
    booked nor held, up to its due date."""
    due = []
    for batch in members_in_course(session, today):
        for member, bookings in batch:
            if weeks_unemployed(member, today) < JOINT_INVITATION_WEEK:
                continue
            steps = {s.key: s for s in statutory_steps(member, bookings, today)}
            invitation, joint = steps.get("joint_invitation"), steps.get("joint")
            if (invitation and joint and invitation.open and joint.open
                    and invitation.opens_on <= today <= joint.due_date):
                due.append((member, joint))
    return due


def send_joint_invitations(session: Session, *, today: date, now: datetime) -> dict:
    counts = {"members": 0, "jobcenter": 0}
    for member, joint in joint_invitations_due(session, today):
        key = f"joint-invitation:{member.id}:{member.first_unemployment_day}"
        if not _claim_notice(session, key, "joint_invitation", member.id, now):
            continue
        caseworker = member.contact_caseworker
        caseworker_name = caseworker.user.display_name if caseworker else ""
        messages = []
        if member.email:
            email = render_email("joint_invitation", member.language, member=member, due_date=joint.due_date,
                                 caseworker_name=caseworker_name, link=external_url("minside.home"))
            messages.append(outbox.NewMessage(
                idempotency_key=key, kind="joint_invitation", to_address=member.email, subject=email.subject,
                body_text=email.text, body_html=email.html, member_id=member.id))
            counts["members"] += 1
        email = render_email("joint_invitation_jobcenter", "da", member=member, due_date=joint.due_date,
                             caseworker=caseworker, caseworker_name=caseworker_name)
        messages.append(outbox.NewMessage(
            idempotency_key=key + ":jobcenter", kind="joint_invitation_jobcenter", channel="jobcenter",
            to_address=_jobcenter_address(session, member), subject=email.subject, body_text=email.text,
            body_html=email.html, member_id=member.id))
        outbox.enqueue_many(session, messages, now=now)
        counts["jobcenter"] += 1
        if caseworker:
            notifications.notify_in_language(
                session, caseworker.user, N_("%(name)s og jobcentret er inviteret til fællessamtale senest %(day)s. "
                                             "Book samtalen."),
                name=member.full_name, day=f"{joint.due_date:%d.%m.%Y}", link=_member_link(member), now=now)
        session.commit()
    return counts


def _jobcenter_address(session: Session, member: Member) -> str:
    from portal.services.casework.referral import jobcenter_address

    return jobcenter_address(session, member)
