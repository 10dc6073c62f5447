"""What the caseworker sees when a member's situation changes: a notice period over while the register still says
opsagt (the caseload's "Bemærk" and the conversation screen), mark O only while dismissed, overdue plan deadlines."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.models import Member
from portal.services.casework import jobmatch_cv
from portal.services.minside import plan
from tests.booking_helpers import NOW

pytestmark = pytest.mark.clock(NOW)  # Monday 22 March 2027, 09:00 in Copenhagen
TODAY = NOW.date()


@pytest.fixture
def cw(make):
    return make.caseworker("sb-odense", display_name="Birgitte Holm")


def _row(html: str, name: str) -> str:
    return next(r for r in re.findall(r"<tr class=\"[^\"]*\">(.*?)</tr>", html, re.DOTALL) if name in r)


def test_the_caseload_flags_a_dismissed_member_whose_notice_period_is_over(client, auth, make, cw):
    make.member(caseworker=cw, status="opsagt", target_group=None, first_name="Lise", last_name="Udløbet",
                notice_end_date=TODAY - timedelta(days=3))
    make.member(caseworker=cw, status="opsagt", target_group=None, first_name="Lars", last_name="Opsagt",
                notice_end_date=TODAY + timedelta(days=30))
    make.commit()
    auth.login("sb-odense")
    html = client.get("/sagsbehandler/").get_data(as_text=True)
    assert "Opsigelsen sluttede 19. mar. – stadig opsagt" in _row(html, "Udløbet, Lise")
    assert "Opsigelsen sluttede" not in _row(html, "Opsagt, Lars")


def test_the_conversation_screen_says_the_notice_period_ended_not_that_she_leaves(client, auth, make, cw):
    over = make.member(caseworker=cw, status="opsagt", target_group=None, notice_end_date=TODAY - timedelta(days=3))
    running = make.member(caseworker=cw, status="opsagt", target_group=None, notice_end_date=TODAY + timedelta(days=9))
    make.commit()
    auth.login("sb-odense")
    html = client.get(f"/sagsbehandler/medlem/{over.member_number}").get_data(as_text=True)
    assert "Opsigelsesperioden sluttede 19. marts 2027" in html and "Fratræder" not in html
    assert "Afklar, om medlemmet er ledigt eller i nyt job" in html
    html = client.get(f"/sagsbehandler/medlem/{running.member_number}").get_data(as_text=True)
    assert "Fratræder" in html and "31. marts 2027" in html and "Opsigelsesperioden sluttede" not in html


def test_the_conversation_screen_shows_mark_o_only_while_the_member_is_dismissed(client, auth, make, session, cw):
    member = make.member(caseworker=cw, status="opsagt", target_group=None)
    jobmatch_cv.save_cv(session, member, jobmatch_cv.CvInput(job_goals="Social- og sundhedshjælper"), actor=cw.user,
                        now=NOW)
    session.commit()
    auth.login("sb-odense")
    path = f"/sagsbehandler/medlem/{member.member_number}"
    assert "<strong>mærke O</strong>" in client.get(path).get_data(as_text=True)
    session.execute(update(Member).where(Member.id == member.id).values(status="i_job"))  # the register's bulk SQL
    session.commit()
    assert "<strong>mærke O</strong>" not in client.get(path).get_data(as_text=True)


def test_the_conversation_screen_marks_an_overdue_plan_deadline(client, auth, make, session, cw):
    member = make.member(caseworker=cw)
    late = plan.propose_item(session, member, kind="job_search", title="Søg tre job", due_date=TODAY + timedelta(days=1),
                             actor=cw.user, now=NOW)
    plan.propose_item(session, member, kind="education", title="Kursus i forflytning",
                      due_date=TODAY + timedelta(days=20), actor=cw.user, now=NOW)
    late.due_date = TODAY - timedelta(days=2)
    session.commit()
    auth.login("sb-odense")
    html = client.get(f"/sagsbehandler/medlem/{member.member_number}").get_data(as_text=True)
    section = html[html.index('id="plan-h"'):]
    section = section[:section.index("</section>")]
    late_item = section[section.index("Søg tre job"):]
    late_item = late_item[:late_item.index("</li>")]
    assert "frist 20. mar. 2027" in late_item and "overskredet" in late_item
    assert section.count("overskredet") == 1
