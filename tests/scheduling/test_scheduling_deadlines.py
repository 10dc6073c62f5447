"""Contact-course deadline jobs with frozen time: joint invitation at 9 weeks, caseworker alerts, Min plan week 12."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import Notification, OutboxMessage
from portal.models.scheduling import SentNotice
from portal.services.booking.deadlines import send_caseworker_alerts, send_joint_invitations
from tests.scheduling_support import NOW, booking, statements

TODAY = date(2026, 11, 26)  # Thursday; NOW is 10:00 Copenhagen on this day
# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


def rows(session, kind):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_joint_invitation_goes_after_9_weeks_to_member_and_job_centre_once(session, make):
    cw = make.caseworker(display_name="Birgitte Holm")
    week9 = make.member(caseworker=cw, first_unemployment_day=TODAY - timedelta(weeks=9))  # day 64: after 9 weeks
    make.member(caseworker=cw, first_unemployment_day=TODAY - timedelta(weeks=9, days=-2))  # day 62 (63 tomorrow)
    booked = make.member(caseworker=cw, first_unemployment_day=TODAY - timedelta(weeks=9))
    booking(session, booked, cw, starts_at=NOW + timedelta(days=10), type="joint")
    make.member(caseworker=cw, status="opsagt", first_unemployment_day=None)  # no statutory course
    make.commit()

    counts = send_joint_invitations(session, today=TODAY, now=NOW)
    again = send_joint_invitations(session, today=TODAY + timedelta(days=1), now=NOW + timedelta(days=1))

    assert counts == {"members": 1, "jobcenter": 1} and again == {"members": 0, "jobcenter": 0}
    [to_member] = rows(session, "joint_invitation")
    [to_jobcenter] = rows(session, "joint_invitation_jobcenter")
    assert to_member.to_address == week9.email and "fællessamtale" in to_member.body_text
    assert to_jobcenter.channel == "jobcenter" and to_jobcenter.to_address == "jobcenter:Odense"
    assert week9.member_number in to_jobcenter.body_text and "Birgitte Holm" in to_jobcenter.body_text
    note = session.scalar(select(Notification).where(Notification.user_id == cw.user_id))
    assert "fællessamtale" in note.text


def test_caseworker_is_alerted_3_working_days_before_and_when_overdue_in_one_digest(session, make):
    cw = make.caseworker()
    due_in_3 = make.member(caseworker=cw, first_unemployment_day=date(2026, 11, 18))  # CV due Tue 1 Dec
    overdue = make.member(caseworker=cw, first_unemployment_day=date(2026, 11, 1))  # CV due Fri 13 Nov
    make.member(caseworker=cw, first_unemployment_day=date(2026, 11, 25))  # due 8 Dec: not yet
    make.member(first_unemployment_day=date(2026, 11, 1))  # no caseworker: nobody to alert
    make.commit()

    counts = send_caseworker_alerts(session, today=TODAY, now=NOW)

    keys = set(session.scalars(select(SentNotice.key)))
    assert f"deadline:{due_in_3.id}:cv:2026-12-01:soon" in keys
    assert f"deadline:{overdue.id}:cv:2026-11-13:overdue" in keys
    assert counts["soon"] == 2 and counts["overdue"] == 2  # CV + contact-course conversation each
    assert counts["without_caseworker"] == 2
    notes = session.scalars(select(Notification.text).where(Notification.user_id == cw.user_id)).all()
    assert len(notes) == 4 and any(t.startswith("Frist overskredet: CV-samtale") for t in notes)
    [digest] = rows(session, "caseworker_digest")
    assert digest.to_address == cw.user.email and "4 frister" in digest.subject
    assert due_in_3.member_number in digest.body_text and "OVERSKREDET" in digest.body_text

    again = send_caseworker_alerts(session, today=TODAY, now=NOW + timedelta(hours=1))
    assert again["soon"] == again["overdue"] == again["digests"] == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 4


def test_alert_3_working_days_before_skips_the_weekend(session, make):
    cw = make.caseworker()
    # Due Tue 1 Dec: 3 working days before is Thu 26 Nov (Fri, Mon, Tue), not Sat 28 Nov.
    make.member(caseworker=cw, first_unemployment_day=date(2026, 11, 18))
    make.commit()
    assert send_caseworker_alerts(session, today=date(2026, 11, 25), now=NOW - timedelta(days=1))["soon"] == 0
    assert send_caseworker_alerts(session, today=TODAY, now=NOW)["soon"] == 2


def test_min_plan_draft_reminder_in_week_12_without_a_draft(session, make):
    cw = make.caseworker()
    week12 = make.member(caseworker=cw, first_unemployment_day=TODAY - timedelta(weeks=11, days=2))
    make.member(caseworker=cw, first_unemployment_day=TODAY - timedelta(weeks=10))
    make.commit()

    counts = send_caseworker_alerts(session, today=TODAY, now=NOW)

    assert counts["plan_draft"] == 1
    # Steps overdue for more than 14 days (day 80: the availability conversation, due day 63) are not alerted on;
    # the invitation to the joint conversation (due day 77) is.
    week12_keys = set(session.scalars(select(SentNotice.key).where(SentNotice.member_id == week12.id,
                                                                   SentNotice.kind == "overdue")))
    assert [k.split(":")[2] for k in week12_keys] == ["joint_invitation"]
    assert session.scalar(select(SentNotice).where(SentNotice.kind == "plan_draft")).member_id == week12.id
    assert "Min plan" in rows(session, "caseworker_digest")[0].body_text


def test_digests_for_many_caseworkers_are_written_in_one_insert_once(session, make, db):
    caseworkers = [make.caseworker() for _ in range(5)]
    for cw in caseworkers:
        make.member(caseworker=cw, first_unemployment_day=date(2026, 11, 1))  # CV overdue
    make.commit()

    with statements(db.engine) as sent:
        counts = send_caseworker_alerts(session, today=TODAY, now=NOW)
    again = send_caseworker_alerts(session, today=TODAY, now=NOW + timedelta(hours=1))

    assert counts["digests"] == 5 and again["digests"] == 0
    assert sorted(d.to_address for d in rows(session, "caseworker_digest")) == sorted(cw.user.email
                                                                                      for cw in caseworkers)
    assert len([s for s in sent if s.startswith("INSERT INTO outbox_message")]) == 1
