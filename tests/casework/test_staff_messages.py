"""Staff's messages: what the areas write to a caseworker (notifications.notify) reaches them.

A chat that ordered a CV in FOA JobMatch told the Odense caseworkers "Opret CV …", a job centre's answer, a member's
plan proposal and a deadline alert told theirs, and no staff page showed any of it.
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.models import Notification
from portal.services.casework import jobmatch_cv


def test_a_cv_ordered_in_the_chat_reaches_the_caseworker_on_every_staff_page(client, auth, make, session, clock):
    cw = make.caseworker("sb-beskeder")
    other = make.caseworker("sb-anden")
    member = make.member("opsagt-cv", status="opsagt", caseworker=cw)
    make.commit()
    jobmatch_cv.request_cv_via_chat(session, member, text_shown="Må vi lægge dit CV i FOA JobMatch?", now=clock.now)
    session.commit()

    auth.login("sb-beskeder")
    caseload = client.get("/sagsbehandler/").get_data(as_text=True)
    assert 'href="/sagsbehandler/beskeder"' in caseload and "Nye beskeder" in caseload
    page = client.get("/sagsbehandler/beskeder").get_data(as_text=True)
    assert f"Opret CV i FOA JobMatch for {member.full_name} ({member.member_number})" in page
    note = session.scalar(select(Notification).where(Notification.user_id == cw.user_id))
    assert f'href="/beskeder/{note.id}"' in page  # its link, through the read mark
    assert "1 ny" in page
    response = auth.post("/sagsbehandler/beskeder/laest", {}, page="/sagsbehandler/beskeder")
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == cw.user_id, Notification.read_at.is_(None))) == 0
    assert "Nye beskeder" not in client.get("/sagsbehandler/").get_data(as_text=True)
    assert client.get(f"/beskeder/{note.id}").headers["Location"] == f"/sagsbehandler/medlem/{member.member_number}#cv"
    auth.logout()

    auth.login("sb-anden")  # a colleague sees only their own
    page = client.get("/sagsbehandler/beskeder").get_data(as_text=True)
    assert "Opret CV" not in page and "Du har ingen beskeder." in page
    assert other.user_id != cw.user_id
