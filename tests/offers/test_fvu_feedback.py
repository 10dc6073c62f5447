"""FVU course feedback: the service (staff recording, validation, no partial writes), the provider's single-use link
(signed, one use, expiry, tampering), the scheduler job (idempotent), the pages and the caseworker's screen."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from portal.models import AuditEntry, OutboxMessage, User
from portal.models.fvu_feedback import FvuFeedback, FvuFeedbackLink
from portal.models.offers import OfferRegistration
from portal.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.services.offers import fvu_feedback
from scheduling.jobs import JOBS, run_job
from tests.offers_helpers import NOW, make_offer, make_session

SECRET = "test-secret"  # the app fixture's SECRET_KEY
AOF = "fvu@aof.example"
GOOD = {"outcome": "completed", "hours": "57,5", "situation": "Søger job som SSH-hjælper og vil fortsætte på trin 2."}


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _course(session, make, *, now, ended_ago=timedelta(days=1), status="attended", hours=Decimal("57.5")):
    """An FVU course of 60 hours at AOF Odense, started 7 weeks before it ended, and one participant on it."""
    odense = make.location("Odense")
    cw = make.caseworker("sb", location=odense)
    member = make.member("mette", location=odense, caseworker=cw)
    offer = make_offer(session, kind="fvu_course", title="FVU-læsning og skrivning", fvu_subject="reading",
                       course_hours=60, requires_fvu_test=True)
    offer.provider = "AOF"
    ends = now - ended_ago
    offer_session = make_session(session, offer, location=odense, starts_in=ends - timedelta(weeks=7) - now,
                                 hours=7 * 24 * 7, now=now)
    reg = OfferRegistration(session_id=offer_session.id, member_id=member.id, status=status, registered_at=now,
                            attended_hours=hours if status == "attended" else None, right_and_duty=False,
                            waitlisted_at=now if status == "waitlisted" else None,
                            hold_round=0, sequence=0, created_at=now, updated_at=now)
    session.add(reg)
    offer_session.seats_taken = 1
    session.flush()
    return cw, member, offer_session, reg


def _staff(session, cw) -> User:
    return session.get(User, cw.user_id)


# -- the service ----------------------------------------------------------------------------------------------

@pytest.mark.clock(NOW)
def test_staff_records_feedback_with_who_and_when_and_an_audit_line(session, make):
    cw, member, _s, reg = _course(session, make, now=NOW)
    feedback = fvu_feedback.record_by_staff(session, reg, GOOD, actor=_staff(session, cw), now=NOW)
    session.commit()
    assert (feedback.outcome, feedback.hours_attended, feedback.source) == ("completed", Decimal("57.5"), "staff")
    assert feedback.recorded_by_user_id == cw.user_id and feedback.recorded_at == NOW
    assert feedback.member_id == member.id and feedback.link_id is None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "fvu.feedback_recorded"))
    assert entry.member_id == member.id and entry.detail["source"] == "staff"
    assert fvu_feedback.latest_for_member(session, member).id == feedback.id


@pytest.mark.clock(NOW)
@pytest.mark.parametrize(("field", "value", "message"), [
    ("outcome", "", "gennemført, er stoppet undervejs eller fortsætter"),
    ("outcome", "graduated", "gennemført, er stoppet undervejs eller fortsætter"),
    ("hours", "", "som et tal"),
    ("hours", "mange", "som et tal"),
    ("hours", "nan", "som et tal"),
    ("hours", "-1", "mellem 0 og 60"),
    ("hours", "60,5", "mellem 0 og 60"),
    ("situation", "ok", "mindst 5 tegn"),
    ("situation", "x" * 2001, "højst være 2000 tegn"),
])
def test_invalid_feedback_is_refused_with_a_danish_message_and_nothing_written(session, make, field, value,
                                                                               message):
    cw, _member, _s, reg = _course(session, make, now=NOW)
    session.commit()
    with pytest.raises(ValidationFailed) as err:
        fvu_feedback.record_by_staff(session, reg, {**GOOD, field: value}, actor=_staff(session, cw), now=NOW)
    assert message in err.value.errors[field]
    session.rollback()
    assert _count(session, FvuFeedback) == 0
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "fvu.feedback_recorded")) is None


@pytest.mark.clock(NOW)
def test_every_problem_is_reported_at_once(session, make):
    cw, _member, _s, reg = _course(session, make, now=NOW)
    with pytest.raises(ValidationFailed) as err:
        fvu_feedback.record_by_staff(session, reg, {}, actor=_staff(session, cw), now=NOW)
    assert set(err.value.errors) == {"outcome", "hours", "situation"}


@pytest.mark.clock(NOW)
def test_hours_are_capped_by_a_shorter_course(session, make):
    cw, _member, offer_session, reg = _course(session, make, now=NOW)
    offer_session.offer.course_hours = 30
    with pytest.raises(ValidationFailed) as err:
        fvu_feedback.record_by_staff(session, reg, {**GOOD, "hours": "31"}, actor=_staff(session, cw), now=NOW)
    assert "mellem 0 og 30" in err.value.errors["hours"]


@pytest.mark.clock(NOW)
def test_only_staff_and_only_fvu_course_participants_after_the_start(session, make):
    cw, member, offer_session, reg = _course(session, make, now=NOW)
    with pytest.raises(NotAllowed):
        fvu_feedback.record_by_staff(session, reg, GOOD, actor=session.get(User, member.user_id), now=NOW)
    with pytest.raises(Conflict):  # before the course began
        fvu_feedback.record_by_staff(session, reg, GOOD, actor=_staff(session, cw),
                                     now=offer_session.starts_at - timedelta(minutes=1))
    theme = make_session(session, make_offer(session), location=make.location("Odense"), now=NOW,
                         starts_in=-timedelta(days=3))
    other = OfferRegistration(session_id=theme.id, member_id=member.id, status="attended", right_and_duty=False,
                              hold_round=0, sequence=0, created_at=NOW, updated_at=NOW)
    session.add(other)
    session.flush()
    with pytest.raises(Conflict, match="kun for FVU-kurser"):
        fvu_feedback.record_by_staff(session, other, GOOD, actor=_staff(session, cw), now=NOW)
    assert _count(session, FvuFeedback) == 0


@pytest.mark.clock(NOW)
def test_a_correction_is_a_new_row_and_the_latest_counts(session, make):
    cw, member, _s, reg = _course(session, make, now=NOW)
    actor = _staff(session, cw)
    fvu_feedback.record_by_staff(session, reg, GOOD, actor=actor, now=NOW)
    fvu_feedback.record_by_staff(session, reg, {**GOOD, "outcome": "continuing"}, actor=actor,
                                 now=NOW + timedelta(hours=1))
    assert _count(session, FvuFeedback) == 2
    assert fvu_feedback.latest_for_member(session, member).outcome == "continuing"
    assert fvu_feedback.latest_by_registration(session, [reg.id])[reg.id].outcome == "continuing"


# -- the job and the link ---------------------------------------------------------------------------------------

def _send(session, now, to_address=AOF) -> dict:
    return fvu_feedback.send_feedback_requests(session, now=now, secret=SECRET, to_address=to_address)


def _token_from_mail(session) -> str:
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "fvu_feedback_request"))
    return mail.body_text.split("/fvu-tilbagemelding/", 1)[1].split()[0]


@pytest.mark.clock(NOW)
def test_the_job_queues_one_mail_per_participant_once(session, make):
    _cw, member, _s, reg = _course(session, make, now=NOW)
    assert _send(session, NOW) == {"queued": 1, "waiting_for_address": 0}
    session.commit()
    assert _send(session, NOW + timedelta(minutes=30))["queued"] == 0  # never twice
    session.commit()
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "fvu_feedback_request")).all()
    assert len(mails) == 1 and mails[0].to_address == AOF and mails[0].status == "pending"
    assert member.full_name in mails[0].subject and "/fvu-tilbagemelding/" in mails[0].body_text
    link = session.scalar(select(FvuFeedbackLink))
    assert link.registration_id == reg.id and link.expires_at == NOW + fvu_feedback.VALID_FOR
    token = _token_from_mail(session)
    assert link.token_hash != token and token not in link.token_hash  # only the hash of the secret is kept


@pytest.mark.clock(NOW)
def test_the_job_waits_without_an_address_and_skips_running_old_and_other_courses(session, make):
    _cw, _member, offer_session, _reg = _course(session, make, now=NOW)
    assert _send(session, NOW, to_address=None) == {"queued": 0, "waiting_for_address": 1}
    assert _count(session, FvuFeedbackLink) == 0 and _count(session, OutboxMessage) == 0
    running = offer_session.starts_at + timedelta(days=2)
    assert _send(session, running)["queued"] == 0  # still running
    assert _send(session, offer_session.ends_at + fvu_feedback.LOOK_BACK + timedelta(minutes=1))["queued"] == 0
    offer_session.status = "cancelled"
    assert _send(session, NOW)["queued"] == 0


@pytest.mark.clock(NOW)
@pytest.mark.parametrize("status", ["cancelled", "waitlisted"])
def test_the_job_skips_members_who_did_not_take_part(session, make, status):
    _course(session, make, now=NOW, status=status)
    assert _send(session, NOW)["queued"] == 0


@pytest.mark.clock(NOW)
def test_the_registered_job_runs_twice_and_queues_once(app, session, make):
    _course(session, make, now=NOW)
    make.commit()
    app.config["FVU_PROVIDER_EMAIL"] = AOF
    assert "fvu_feedback_requests" in JOBS
    first = run_job("fvu_feedback_requests", app=app, now=NOW)
    second = run_job("fvu_feedback_requests", app=app, now=NOW + timedelta(minutes=30))
    assert (first.status, first.summary["queued"]) == ("ok", 1)
    assert (second.status, second.summary["queued"]) == ("ok", 0)
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind == "fvu_feedback_request")) == 1


@pytest.mark.clock(NOW)
def test_the_provider_records_feedback_once_through_the_link(session, make):
    _cw, member, _s, reg = _course(session, make, now=NOW)
    _send(session, NOW)
    session.commit()
    token = _token_from_mail(session)
    assert fvu_feedback.link_from_token(session, token, secret=SECRET, now=NOW).registration_id == reg.id
    later = NOW + timedelta(days=2)
    feedback = fvu_feedback.record_by_provider(session, token, GOOD, secret=SECRET, now=later)
    session.commit()
    assert (feedback.source, feedback.recorded_by_user_id, feedback.recorded_at) == ("provider", None, later)
    assert session.scalar(select(FvuFeedbackLink)).used_at == later
    with pytest.raises(fvu_feedback.LinkUsed):
        fvu_feedback.record_by_provider(session, token, GOOD, secret=SECRET, now=later)
    assert _count(session, FvuFeedback) == 1
    assert fvu_feedback.latest_for_member(session, member).source == "provider"


@pytest.mark.clock(NOW)
def test_an_expired_link_is_refused_and_nothing_written(session, make):
    _course(session, make, now=NOW)
    _send(session, NOW)
    session.commit()
    token = _token_from_mail(session)
    fvu_feedback.link_from_token(session, token, secret=SECRET, now=NOW + fvu_feedback.VALID_FOR - timedelta(seconds=1))
    with pytest.raises(fvu_feedback.LinkExpired):
        fvu_feedback.record_by_provider(session, token, GOOD, secret=SECRET, now=NOW + fvu_feedback.VALID_FOR)
    assert _count(session, FvuFeedback) == 0 and session.scalar(select(FvuFeedbackLink)).used_at is None


@pytest.mark.clock(NOW)
def test_tampered_forged_and_unknown_tokens_are_refused(session, make):
    _course(session, make, now=NOW)
    _send(session, NOW)
    session.commit()
    token = _token_from_mail(session)
    forged = URLSafeSerializer("another-secret", salt=fvu_feedback.SALT).dumps("x" * 43)
    unknown = URLSafeSerializer(SECRET, salt=fvu_feedback.SALT).dumps("x" * 43)
    wrong_type = URLSafeSerializer(SECRET, salt=fvu_feedback.SALT).dumps([1, 2])
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, unknown, wrong_type, ""):
        with pytest.raises(NotFound):
            fvu_feedback.record_by_provider(session, bad, GOOD, secret=SECRET, now=NOW)
    assert _count(session, FvuFeedback) == 0


@pytest.mark.clock(NOW)
def test_invalid_provider_input_leaves_the_link_unused(session, make):
    _course(session, make, now=NOW)
    _send(session, NOW)
    session.commit()
    token = _token_from_mail(session)
    with pytest.raises(ValidationFailed):
        fvu_feedback.record_by_provider(session, token, {**GOOD, "hours": "61"}, secret=SECRET, now=NOW)
    session.rollback()
    assert session.scalar(select(FvuFeedbackLink)).used_at is None and _count(session, FvuFeedback) == 0
    fvu_feedback.record_by_provider(session, token, GOOD, secret=SECRET, now=NOW)  # the link still works


# -- the pages ----------------------------------------------------------------------------------------------------

def _follow(client, response):
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"])


def test_the_provider_form_records_once_then_says_so(client, session, make, clock):
    _cw, member, _s, _reg = _course(session, make, now=clock.now)
    _send(session, clock.now)
    session.commit()
    path = f"/fvu-tilbagemelding/{_token_from_mail(session)}"
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and member.full_name in html and "FVU-læsning og skrivning" in html
    assert 'value="57,5"' in html  # the hours from the check-in, to confirm
    from tests.conftest import csrf_from

    token = csrf_from(html)
    bad = client.post(path, data={**GOOD, "situation": "", "csrf_token": token})
    assert bad.status_code == 422 and "mindst 5 tegn" in bad.get_data(as_text=True)
    done = client.post(path, data={**GOOD, "csrf_token": token})
    assert done.status_code == 200 and "Tak for tilbagemeldingen" in done.get_data(as_text=True)
    again = client.get(path)
    assert again.status_code == 409 and "allerede sendt" in again.get_data(as_text=True)
    assert _count(session, FvuFeedback) == 1


def test_an_expired_or_broken_link_gets_a_clear_danish_page(client, session, make, clock):
    _course(session, make, now=clock.now)
    _send(session, clock.now)
    session.commit()
    path = f"/fvu-tilbagemelding/{_token_from_mail(session)}"
    broken = client.get("/fvu-tilbagemelding/ugyldig-token")
    assert broken.status_code == 404 and "Linket virker ikke" in broken.get_data(as_text=True)
    clock.advance(fvu_feedback.VALID_FOR)
    expired = client.get(path)
    assert expired.status_code == 410 and "Linket er udløbet" in expired.get_data(as_text=True)


def test_staff_record_feedback_on_the_check_in_list_and_the_caseworker_screen_shows_it(client, auth, session, make,
                                                                                      clock):
    _cw, member, offer_session, reg = _course(session, make, now=clock.now)
    make.commit()
    auth.login("sb")
    page = f"/personale/tilbud/hold/{offer_session.id}"
    listing = client.get(page).get_data(as_text=True)
    assert "Tilbagemelding fra udbyderen" in listing and "Ingen tilbagemelding endnu" in listing
    action = f"/personale/tilbud/tilmelding/{reg.id}/fvu-tilbagemelding"
    bad = auth.post(action, {**GOOD, "outcome": ""}, page=page)
    assert bad.status_code == 422 and f'id="outcome-{reg.id}-error"' in bad.get_data(as_text=True)
    assert _count(session, FvuFeedback) == 0
    done = _follow(client, auth.post(action, {**GOOD, "outcome": "dropped_out"}, page=page))
    html = done.get_data(as_text=True)
    assert "Tilbagemeldingen om" in html and "Stoppet undervejs" in html and "Søger job som SSH-hjælper" in html
    screen = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    assert "Seneste FVU-tilbagemelding" in screen and "Stoppet undervejs" in screen
    assert "Søger job som SSH-hjælper" in screen and "FVU-læsning og skrivning" in screen


def test_a_member_cannot_record_feedback(client, auth, session, make, clock):
    _cw, _member, _s, reg = _course(session, make, now=clock.now)
    make.commit()
    auth.login("mette")
    response = auth.post(f"/personale/tilbud/tilmelding/{reg.id}/fvu-tilbagemelding", GOOD, page="/min-side")
    assert response.status_code == 403 and _count(session, FvuFeedback) == 0



# -- the demo ----------------------------------------------------------------------------------------------------

def test_the_demo_says_up_to_60_hours_and_has_feedback_but_nothing_left_to_send(app, session, clock):
    from portal.demo import seed_demo
    from portal.models.offers import Offer

    seed_demo(session, members=600, seed=5, now=clock.now, password="demo-adgangskode",
              areas=["offers", "fvu_feedback"])
    courses = session.scalars(select(Offer).where(Offer.kind == "fvu_course")).all()
    assert courses and all(o.course_hours == 60 and "Op til 60 timer" in o.description for o in courses)
    sources = dict(session.execute(select(FvuFeedback.source, func.count()).group_by(FvuFeedback.source)).all())
    assert sources.get("provider", 0) >= 2 and sources.get("staff") == 2
    # Every participant of a finished course has had its link: the job finds nothing, and nothing is pending.
    assert fvu_feedback.participants_to_ask(session, now=clock.now) == []
    assert _send(session, clock.now)["queued"] == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status == "pending")) == 0
    for feedback in session.scalars(select(FvuFeedback)):
        assert feedback.recorded_at <= clock.now and 0 <= feedback.hours_attended <= 60


def test_the_provider_form_in_english(client, session, make, clock):
    _course(session, make, now=clock.now)
    _send(session, clock.now)
    session.commit()
    html = client.get(f"/fvu-tilbagemelding/{_token_from_mail(session)}?lang=en").get_data(as_text=True)
    assert "Feedback after an FVU course" in html and "Stopped during the course" in html
    assert "Tilbagemelding efter FVU-kursus" not in html
    expired_page = client.get("/fvu-tilbagemelding/ugyldig?lang=en").get_data(as_text=True)
    assert "The feedback link does not work" in expired_page
