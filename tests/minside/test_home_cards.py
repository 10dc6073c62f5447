"""Min side's preparation and JobMatch cards (portal.services.minside.home_cards): read in one statement, without
loading the answers or the CV, and each card saying what is true now."""
from __future__ import annotations

from datetime import UTC, datetime

from portal.models.jobmatch import JobmatchCv
from portal.services.minside import home_cards
from portal.services.minside.preparation import record_answers

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_the_cards_follow_the_answers_and_the_cv(app, session, make):
    mette = make.member("mette")
    make.commit()
    assert home_cards.for_member(session, mette) == home_cards.HomeCards(False, None)
    record_answers(session, mette, q2="within_3_months", q10_has_barriers=False, q10_barriers=None,
                   actor=mette.user, now=NOW)
    cv = JobmatchCv(member_id=mette.id, job_goals="Social- og sundhedshjælper", job_agent=False, created_at=NOW,
                    updated_at=NOW)
    session.add(cv)
    session.commit()
    assert home_cards.for_member(session, mette) == home_cards.HomeCards(True, False)
    cv.job_agent = True
    session.commit()
    assert home_cards.for_member(session, mette) == home_cards.HomeCards(True, True)


def test_min_side_shows_each_card_as_it_stands(app, client, auth, session, make):
    mette = make.member("mette")
    make.commit()
    auth.login("mette")
    page = client.get("/min-side").get_data(as_text=True)
    assert "Forbered din CV-samtale" in page and "Lav dit CV til FOA JobMatch" in page
    record_answers(session, mette, q2="within_3_months", q10_has_barriers=False, q10_barriers=None,
                   actor=mette.user, now=NOW)
    session.add(JobmatchCv(member_id=mette.id, job_goals="Pædagogmedhjælper", job_agent=False, created_at=NOW,
                           updated_at=NOW))
    session.commit()
    page = client.get("/min-side").get_data(as_text=True)
    assert "Forbered din CV-samtale" not in page and "Lav dit CV til FOA JobMatch" not in page
    assert "Jobagent slået fra" in page and "Se og ret dit CV og din jobagent" in page
