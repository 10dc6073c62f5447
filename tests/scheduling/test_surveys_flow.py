"""Satisfaction surveys: sent after held conversations, signed single-use expiring link, one answer per conversation."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, OutboxMessage
from portal.models.scheduling import SatisfactionSurvey, SurveyAnswer
from portal.services.messaging import surveys
from portal.services.messaging.email_render import format_day
from portal.timeutil import LOCAL_TZ
from tests.conftest import csrf_from
from tests.scheduling_support import booking

SECRET = "test-secret"  # the app fixture's SECRET_KEY


@pytest.fixture(autouse=True)
def now(clock):
    """Every test here runs on the frozen test clock: the job, the link's expiry check and the data agree, on any
    date (the date leg runs this module at other moments too)."""
    return clock.now


def held(session, make, now, *, group="1", hours_ago=2, **member_kwargs):
    cw = make.caseworker()
    member = make.member(caseworker=cw, target_group=group, **member_kwargs)
    return booking(session, member, cw, starts_at=now - timedelta(hours=hours_ago), status="held")


def survey_link(session, b) -> str:
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"survey:booking:{b.id}"))
    return re.search(r"(/undersoegelse/\S+)", row.body_text).group(1)


def test_survey_is_sent_an_hour_after_a_held_conversation_once(session, make, now):
    done = held(session, make, now, hours_ago=2)
    just_ended = held(session, make, now, hours_ago=1)  # ended 15 minutes ago: not yet
    cw = make.caseworker()
    booking(session, make.member(caseworker=cw), cw, starts_at=now - timedelta(hours=3), status="no_show")
    make.commit()

    assert surveys.send_due_surveys(session, now=now, secret=SECRET) == {"created": 1}
    assert surveys.send_due_surveys(session, now=now + timedelta(minutes=15), secret=SECRET) == {"created": 0}

    [survey] = session.scalars(select(SatisfactionSurvey)).all()
    assert survey.booking_id == done.id and survey.expires_at == surveys.end_of_local_day(surveys.survey_last_day(now))
    assert surveys.send_due_surveys(session, now=now + timedelta(hours=1), secret=SECRET) == {"created": 1}
    assert {s.booking_id for s in session.scalars(select(SatisfactionSurvey))} == {done.id, just_ended.id}
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "survey_invitation"))
    assert "Hvordan gik din samtale" in mail.subject and "/undersoegelse/" in mail.body_text


def test_group_1_gets_two_questions_and_group_2_three(app, session, make, now, client):
    g1, g2 = held(session, make, now, group="1"), held(session, make, now, group="2b")
    make.commit()
    surveys.send_due_surveys(session, now=now, secret=SECRET)

    page1 = client.get(survey_link(session, g1)).get_data(as_text=True)
    page2 = client.get(survey_link(session, g2)).get_data(as_text=True)

    for page in (page1, page2):
        assert "Hvor tilfreds er du alt i alt med samtalen?" in page
        assert "Sagsbehandleren kendte mit fag og mit arbejdsmarked." in page
        assert page.count('type="radio"') in (20, 30)
    assert "Jeg er kommet tættere på mit næste job." not in page1
    assert "Jeg er kommet tættere på mit næste job." in page2


def test_answer_is_stored_with_the_situation_and_the_link_then_says_already_answered(app, session, make, now, client):
    b = held(session, make, now, group="2a", placement="returning")
    make.commit()
    surveys.send_due_surveys(session, now=now, secret=SECRET)
    link = survey_link(session, b)
    token = csrf_from(client.get(link).get_data(as_text=True))

    response = client.post(link, data={"csrf_token": token, "overall": "9", "knew_trade": "10",
                                       "closer_to_job": "7"})

    assert response.status_code == 200 and "Tak for dit svar" in response.get_data(as_text=True)
    [answer] = session.scalars(select(SurveyAnswer)).all()
    assert (answer.overall, answer.knew_trade, answer.closer_to_job) == (9, 10, 7)
    assert (answer.target_group, answer.placement, answer.member_status) == ("2a", "returning", "ledig")
    assert answer.booking_id == b.id and answer.caseworker_id == b.caseworker_id
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "survey.answer")) == 1

    again = client.post(link, data={"csrf_token": token, "overall": "1", "knew_trade": "1", "closer_to_job": "1"})
    assert "allerede svaret" in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SurveyAnswer)) == 1
    assert "allerede svaret" in client.get(link).get_data(as_text=True)


@pytest.mark.parametrize("form, field", [
    ({"overall": "", "knew_trade": "5"}, "overall-1"),
    ({"overall": "11", "knew_trade": "5"}, "overall-1"),
    ({"overall": "5", "knew_trade": "0"}, "knew_trade-1"),
    ({"overall": "5", "knew_trade": "fem"}, "knew_trade-1"),
])
def test_missing_or_out_of_range_ratings_show_an_error_summary_and_store_nothing(app, session, make, client, now,
                                                                                 form, field):
    b = held(session, make, now)
    make.commit()
    surveys.send_due_surveys(session, now=now, secret=SECRET)
    link = survey_link(session, b)
    token = csrf_from(client.get(link).get_data(as_text=True))

    response = client.post(link, data={"csrf_token": token, **form})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Der er et problem" in page and f'href="#{field}"' in page and 'aria-invalid="true"' in page
    assert session.scalar(select(func.count()).select_from(SurveyAnswer)) == 0
    kept = form["overall"]
    if kept in [str(n) for n in range(1, 11)]:
        assert f'value="{kept}" checked' in page  # what the member chose is kept


def test_expired_forged_and_csrf_less_submissions_are_refused(app, session, make, now, client, clock):
    b = held(session, make, now)
    make.commit()
    surveys.send_due_surveys(session, now=now, secret=SECRET)
    link = survey_link(session, b)

    assert client.post(link, data={"overall": "5", "knew_trade": "5"}).status_code == 400  # no CSRF token
    forged = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    response = client.get(forged)
    assert response.status_code == 404 and "Linket virker ikke" in response.get_data(as_text=True)

    survey = session.scalar(select(SatisfactionSurvey))
    clock.move_to(survey.expires_at + timedelta(seconds=1))  # two weeks later: the link has closed
    response = client.get(link)
    assert response.status_code == 410 and "Spørgeskemaet er lukket" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SurveyAnswer)) == 0


def test_token_from_another_secret_or_with_a_stale_nonce_is_invalid(session, make, now):
    b = held(session, make, now)
    make.commit()
    survey = surveys.create_survey(session, b, now=now, secret=SECRET)
    session.commit()
    good = surveys.make_token(survey, SECRET)
    assert surveys.survey_from_token(session, good, SECRET).id == survey.id
    with pytest.raises(surveys.NotFound):
        surveys.survey_from_token(session, surveys.make_token(survey, "other-secret"), SECRET)
    survey.nonce = "0" * 32
    session.commit()
    with pytest.raises(surveys.NotFound):
        surveys.survey_from_token(session, good, SECRET)


def test_score_scale_maps_1_to_0_and_10_to_100():
    assert surveys.score_0_100(1) == 0 and surveys.score_0_100(10) == 100
    assert round(surveys.score_0_100(8.74), 1) == 86.0


def test_the_invitation_names_the_last_day_the_link_works_to_its_end_and_the_exact_number_of_questions(
        app, session, make, now, client):
    group1, group2 = held(session, make, now), held(session, make, now, group="2a")
    make.commit()
    surveys.send_due_surveys(session, now=now, secret=SECRET)
    last_day = surveys.survey_last_day(now)
    by_booking = {s.booking_id: s for s in session.scalars(select(SatisfactionSurvey))}
    mails = {b.id: session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"survey:booking:{b.id}"))
             for b in (group1, group2)}

    assert "2 spørgsmål" in mails[group1.id].body_text and "3 spørgsmål" in mails[group2.id].body_html
    assert "2-3" not in mails[group1.id].body_text + mails[group2.id].body_html
    assert f"til og med {format_day(last_day, 'da')}" in mails[group1.id].body_text
    survey = by_booking[group1.id]
    last_minute = survey.expires_at - timedelta(minutes=1)
    assert last_minute.astimezone(LOCAL_TZ).date() == last_day  # the link still works late that evening
    surveys.check_open(survey, last_minute)
    with pytest.raises(surveys.SurveyExpired):
        surveys.check_open(survey, survey.expires_at)
