"""The admin's audit log (issue 20: the search is one service operation, and looking is audited)."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import AuditEntry
from portal.services import audit


def test_the_log_is_searched_by_member_and_staff_and_the_look_is_audited(session, make, clock):
    admin = make.user("admin1", role="admin")
    cw = make.caseworker("birgitte")
    mette, ole = make.member("mette", caseworker=cw), make.member("ole", caseworker=cw)
    make.commit()
    audit.record(session, cw.user, "member.file_opened", member_id=mette.id, now=clock.now)
    audit.record(session, cw.user, "member.file_opened", member_id=ole.id, now=clock.now)
    audit.record(session, admin, "outbox.view", now=clock.now)
    entries, more = audit.search_log(session, admin, member_number=mette.member_number, now=clock.now)
    assert [(e.action, e.member_id) for e in entries] == [("member.file_opened", mette.id)] and not more
    entries, _ = audit.search_log(session, admin, staff_username="birgitte", now=clock.now)
    assert {e.member_id for e in entries} == {mette.id, ole.id}
    entries, _ = audit.search_log(session, admin, member_number="99999999", now=clock.now)
    assert entries == []
    looks = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit.view")).all()
    assert len(looks) == 3 and looks[0].member_id == mette.id and looks[0].detail["member_number"] == mette.member_number


def test_the_log_pages(session, make, clock):
    admin = make.user("admin1", role="admin")
    make.commit()
    for i in range(5):
        audit.record(session, admin, f"test.{i}", now=clock.now)
    first, more = audit.search_log(session, admin, staff_username="admin1", page_size=3, now=clock.now)
    assert len(first) == 3 and more
    second, more = audit.search_log(session, admin, staff_username="admin1", page=2, page_size=3, now=clock.now)
    assert len(second) == 3 and not more  # 5 entries and the first look


def test_the_admin_front_page_counts_members_accounts_and_entries(client, auth, make, session):
    from sqlalchemy import func, select

    from portal.models import AuditEntry, Member, User
    from portal.services import audit

    make.user("root", role="admin")
    for i in range(3):
        make.member(f"m{i}")
    make.commit()
    auth.login("root")
    expected = {"members": session.scalar(select(func.count()).select_from(Member)),
                "users": session.scalar(select(func.count()).select_from(User)),
                "audit": session.scalar(select(func.count()).select_from(AuditEntry))}
    assert audit.overview_counts(session) == expected and expected["members"] == 3 and expected["users"] == 4
    html = client.get("/admin/").get_data(as_text=True)
    assert "<dd>3</dd>" in html and "<dd>4</dd>" in html
