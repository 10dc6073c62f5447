"""A member sees the jobs she was referred to (her JobMatch page) and is told, in her language, when one moves on."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.i18n import format_local_date
from portal.models import Notification
from portal.models.casework import JobOrder, JobReferral
from portal.timeutil import local_today, utcnow

TODAY = local_today()

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def odense(make):
    return make.location()


@pytest.fixture
def cw(make, odense):
    return make.caseworker("sb-odense", location=odense)


def _order(session, odense, **kw) -> JobOrder:
    now = utcnow()
    values = {"employer": "Odense Kommune, Hjemmeplejen Øst", "title": "Social- og sundhedshjælper, dag",
              "trade": "Social- og sundhedshjælper", "location_id": odense.id, "hours_per_week": 32,
              "employment": "permanent", "deadline": TODAY + timedelta(days=14), "contact_name": "Hanne Lund",
              "contact_phone": "+4566131372", "contact_email": "hanne.lund@odense.dk", "status": "open",
              "created_at": now, "updated_at": now}
    values.update(kw)
    job = JobOrder(**values)
    session.add(job)
    session.flush()
    return job


def _notes(session, member) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == member.user_id)
                                .order_by(Notification.id)))


def _refer(auth, job, member, note: str = "") -> JobReferral:
    page = f"/sagsbehandler/jobordrer/{job.id}"
    response = auth.post(f"{page}/henvis", {"member_number": member.member_number, "note": note}, page=page)
    assert response.status_code == 302
    return response


def test_the_member_follows_her_referral_from_referred_to_interview_to_hired(client, auth, make, session, cw, odense):
    mette = make.member("mette", trade="Social- og sundhedshjælper", location=odense, caseworker=cw)
    job = _order(session, odense)
    make.commit()
    auth.login("sb-odense")
    _refer(auth, job, mette, note="Ikke til nattevagter pga. ryggen")
    referral = session.scalar(select(JobReferral))
    auth.post(f"/sagsbehandler/henvisning/{referral.id}", {"action": "interview"},
              page=f"/sagsbehandler/jobordrer/{job.id}")
    texts = [(n.text, n.link) for n in _notes(session, mette)]
    link = "/min-side/jobmatch-cv#henvisninger"
    assert texts == [
        (("Vi har henvist dig til et job: Social- og sundhedshjælper, dag hos Odense Kommune, Hjemmeplejen Øst. "
         "Arbejdsgiveren kontakter dig, hvis de vil tale med dig."), link),
        (("Arbejdsgiveren vil gerne tale med dig om jobbet Social- og sundhedshjælper, dag hos Odense Kommune, "
         "Hjemmeplejen Øst. De kontakter dig om tiden."), link)]

    auth.logout()
    auth.login("mette")
    html = client.get("/min-side/jobmatch-cv").get_data(as_text=True)
    section = html.split('id="henvisninger"', 1)[1].split("</section>", 1)[0]
    assert "Social- og sundhedshjælper, dag" in section and "Odense Kommune, Hjemmeplejen Øst" in section
    assert "Til samtale" in section and "Arbejdsgiveren vil gerne tale med dig" in section
    assert "32 timer om ugen" in section and "Odense" in section
    # the caseworker's note is for colleagues, the employer's contact details for FOA
    for private in ("nattevagter", "Hanne Lund", "66131372", "hanne.lund@odense.dk"):
        assert private not in html
    # Min side's messages link to it, and following one marks it read
    notes = _notes(session, mette)
    home = client.get("/min-side").get_data(as_text=True)
    assert f'href="/beskeder/{notes[-1].id}"' in home and "2 nye" in home
    opened = client.get(f"/beskeder/{notes[-1].id}")
    assert opened.status_code == 302 and opened.headers["Location"] == "/min-side/jobmatch-cv#henvisninger"
    session.refresh(notes[-1])
    assert notes[-1].read_at is not None and notes[0].read_at is None
    assert "1 ny" in client.get("/min-side").get_data(as_text=True)

    auth.logout()
    auth.login("sb-odense")
    start = TODAY + timedelta(days=7)
    auth.post(f"/sagsbehandler/henvisning/{referral.id}",
              {"action": "hired", "permanent": "fast", "start_date": start.isoformat()},
              page=f"/sagsbehandler/jobordrer/{job.id}")
    first_day = format_local_date(start, "d. MMMM y", "da")
    assert _notes(session, mette)[-1].text == ("Du har fået jobbet Social- og sundhedshjælper, dag hos Odense "
                                               f"Kommune, Hjemmeplejen Øst: fast stilling med start {first_day}. "
                                               "Tillykke!")
    auth.logout()
    auth.login("mette")
    section = client.get("/min-side/jobmatch-cv").get_data(as_text=True).split('id="henvisninger"', 1)[1]
    assert "Ansat" in section and "Du har fået jobbet. Tillykke!" in section
    assert f"Fast stilling med start {first_day}." in section


def _mette_referred(auth, make, session, cw, odense, locale: str = "da"):
    """mette, referred by her caseworker (signed in as sb-odense) to the day job in home care: (mette, job, referral)."""
    mette = make.member("mette", trade="Social- og sundhedshjælper", location=odense, caseworker=cw)
    mette.user.locale = locale
    job = _order(session, odense)
    make.commit()
    auth.login("sb-odense")
    _refer(auth, job, mette)
    return mette, job, session.scalar(select(JobReferral))


def _move(auth, job, referral, action: str):
    return auth.post(f"/sagsbehandler/henvisning/{referral.id}", {"action": action},
                     page=f"/sagsbehandler/jobordrer/{job.id}")


@pytest.mark.parametrize("action,told,shown", [
    ("rejected", "Arbejdsgiveren har valgt en anden til jobbet", "Ikke valgt"),
    ("withdrawn", "Din henvisning til jobbet", "Trukket tilbage"),
])
def test_a_referral_that_ends_without_a_job_is_said_too(client, auth, make, session, cw, odense, action, told,
                                                          shown):
    mette, job, referral = _mette_referred(auth, make, session, cw, odense)
    _move(auth, job, referral, action)
    notes = _notes(session, mette)
    assert len(notes) == 2 and notes[-1].text.startswith(told)
    auth.logout()
    auth.login("mette")
    section = client.get("/min-side/jobmatch-cv").get_data(as_text=True).split('id="henvisninger"', 1)[1]
    assert shown in section


def test_an_english_reader_is_told_in_english(client, auth, make, session, cw, odense):
    mette, job, referral = _mette_referred(auth, make, session, cw, odense, locale="en")
    _move(auth, job, referral, "interview")
    assert _notes(session, mette)[-1].text == ("The employer would like to talk to you about the job Social- og "
                                               "sundhedshjælper, dag at Odense Kommune, Hjemmeplejen Øst. They will "
                                               "contact you about the time.")
    auth.logout()
    auth.login("mette")
    html = client.get("/min-side/jobmatch-cv?lang=en").get_data(as_text=True)
    assert "Jobs we have referred you to" in html and "Til samtale" not in html


def test_a_refused_status_change_tells_the_member_nothing(client, auth, make, session, cw, odense):
    mette, job, referral = _mette_referred(auth, make, session, cw, odense)
    _move(auth, job, referral, "rejected")
    again = _move(auth, job, referral, "interview")
    assert again.status_code == 409
    assert len(_notes(session, mette)) == 2  # referred, rejected: nothing for the refused change


def test_she_sees_only_her_own_referrals_and_none_is_no_section(client, auth, make, session, cw, odense):
    mette = make.member("mette", trade="Social- og sundhedshjælper", location=odense, caseworker=cw)
    make.member("lise", trade="Social- og sundhedshjælper", location=odense, caseworker=cw)
    job = _order(session, odense, title="Nattevagt på Plejecenter Åkanden")
    make.commit()
    auth.login("sb-odense")
    _refer(auth, job, mette)
    auth.logout()
    auth.login("lise")
    html = client.get("/min-side/jobmatch-cv").get_data(as_text=True)
    assert "Nattevagt på Plejecenter Åkanden" not in html and 'id="henvisninger"' not in html
    # nor can she open (and so mark read) mette's message about it
    note = _notes(session, mette)[0]
    assert client.get(f"/beskeder/{note.id}").status_code == 404
    session.refresh(note)
    assert note.read_at is None
