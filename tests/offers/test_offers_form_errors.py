"""The offers forms refused: a field with a hint names its error and its hint in one aria-describedby (the hint was
written as a second attribute before the error helper's, and browsers keep the first, so the error went unread)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.models.offers import Offer
from portal.timeutil import utcnow
from tests.conftest import csrf_from
from tests.form_errors import error_link_problems
from tests.offers.test_fvu_feedback import GOOD, _course, _send, _token_from_mail


def describedby(html: str, field_id: str) -> list[str]:
    tag = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{field_id}"[^>]*>', html).group(0)
    assert tag.count("aria-describedby=") == 1 and 'aria-invalid="true"' in tag, tag
    return re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()


def test_the_providers_error_is_named_beside_its_hint(client, auth, make, session):
    make.caseworker("sb", location=make.location("Odense"))
    make.commit()
    auth.login("sb")
    bad = auth.post("/personale/tilbud/ny", {"kind": "job_search", "title": "Jobsøgning", "provider": "x" * 200,
                                             "audiences": ["2a"]}, page="/personale/tilbud/ny")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert describedby(html, "provider") == ["provider-error", "provider-hint"]
    assert error_link_problems(html) == []


def test_the_last_course_days_error_is_named_beside_its_hint(client, auth, make, session):
    odense = make.location("Odense")
    make.caseworker("sb", location=odense)
    make.commit()
    auth.login("sb")
    auth.post("/personale/tilbud/ny", {"kind": "fvu_course", "title": "FVU-læsning", "course_hours": "40",
                                       "fvu_subject": "reading", "audiences": ["2a"], "active": "1",
                                       "hold_hours": "24"}, page="/personale/tilbud/ny")
    offer = session.scalar(select(Offer))
    day = (utcnow() + timedelta(days=10)).date()
    form = {"start_date": day.isoformat(), "start_time": "09:00", "end_date": "sidst i juni",
            "end_time": "12:00", "capacity": "12", "location_id": str(odense.id), "venue": "AOF Odense"}
    bad = auth.post(f"/personale/tilbud/{offer.id}/hold/ny", form, page=f"/personale/tilbud/{offer.id}/hold/ny")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert describedby(html, "end_date") == ["end_date-error", "end_date-hint"]
    assert error_link_problems(html) == []


def test_the_fvu_situations_error_is_named_beside_its_hint(client, session, make, clock):
    _course(session, make, now=clock.now)
    _send(session, clock.now)
    session.commit()
    path = f"/fvu-tilbagemelding/{_token_from_mail(session)}"
    token = csrf_from(client.get(path).get_data(as_text=True))
    bad = client.post(path, data={**GOOD, "situation": "", "csrf_token": token})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert describedby(html, "situation") == ["situation-error", "situation-hint"]
    assert error_link_problems(html) == []
