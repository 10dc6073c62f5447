"""The admin's audit log (issue 20: the search is one service operation, and looking is audited)."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import AuditEntry
from portal.services import audit
from portal.services.actors import SystemActor


def test_the_log_is_searched_by_member_and_staff_and_the_look_is_audited(session, make, clock):
    admin = make.user("admin1", role="admin")
    cw = make.caseworker("birgitte")
    mette, ole = make.member("mette", caseworker=cw), make.member("ole", caseworker=cw)
    make.commit()
    audit.record(session, cw.user, "member.file_opened", member_id=mette.id, now=clock.now)
    audit.record(session, cw.user, "member.file_opened", member_id=ole.id, now=clock.now)
    audit.record(session, admin, "outbox.view", now=clock.now)
    lines, more = audit.search_log(session, admin, member_number=mette.member_number, now=clock.now)
    assert [(line.entry.action, line.entry.member_id) for line in lines] == [("member.file_opened", mette.id)]
    assert not more
    lines, _ = audit.search_log(session, admin, staff_username="birgitte", now=clock.now)
    assert {line.entry.member_id for line in lines} == {mette.id, ole.id}
    lines, _ = audit.search_log(session, admin, member_number="99999999", now=clock.now)
    assert lines == []
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


def test_the_staff_search_ignores_the_case_of_the_username(session, make, clock):
    admin = make.user("admin1", role="admin")
    jc = make.jobcentre_user(username="jobcenter")
    make.commit()
    audit.record(session, jc, "jobcentre.inbox_viewed", now=clock.now)
    for typed in ("JOBCENTER", "Jobcenter", "jobcenter"):
        lines, _ = audit.search_log(session, admin, staff_username=typed, now=clock.now)
        assert [line.entry.action for line in lines] == ["jobcentre.inbox_viewed"], typed


def test_each_line_carries_the_member_number_and_name_read_in_one_statement(session, make, clock):
    from portal.extensions import db
    from tests.scheduling_support import statements

    admin = make.user("admin1", role="admin")
    cw = make.caseworker("birgitte")
    members = [make.member(caseworker=cw) for _ in range(4)]
    make.commit()
    for member in members:
        audit.record(session, cw.user, "member.file_opened", member_id=member.id, now=clock.now)
    audit.record(session, admin, "outbox.view", now=clock.now)
    session.commit()
    session.expire_all()

    with statements(db.engine) as sent:
        lines, _ = audit.search_log(session, admin, now=clock.now)
        shown = [(line.member_number, line.member_name, line.entry.actor.display_name) for line in lines]

    assert shown[0] == (None, None, admin.display_name)
    assert shown[1:] == [(m.member_number, m.full_name, cw.user.display_name) for m in reversed(members)]
    assert len([s for s in sent if s.lstrip().upper().startswith("SELECT")]) == 1  # no query per row


def test_the_page_shows_member_numbers_and_danish_actions_with_their_codes(client, auth, make, session, clock):
    make.user("root", role="admin")
    cw = make.caseworker("birgitte")
    mette = make.member(caseworker=cw, member_number="1000001", first_name="Mette", last_name="Hansen")
    make.commit()
    audit.record(session, cw.user, "member.file_opened", member_id=mette.id, now=clock.now)
    audit.record(session, cw.user, "something.new", member_id=mette.id, now=clock.now)
    audit.record(session, SystemActor.SCHEDULER, "booking.reminder_sent", member_id=mette.id, now=clock.now)
    session.commit()
    auth.login("root")

    html = client.get("/admin/audit?medlem=1000001").get_data(as_text=True)

    assert "1000001" in html and "Mette Hansen" in html
    assert f"<td>{mette.id}</td>" not in html  # not the database id
    assert "Åbnede medlemmets sag" in html and "<code>member.file_opened</code>" in html
    assert "<code>something.new</code>" in html  # an unknown code is shown as it is
    assert "Planlæggeren (automatisk job)" in html and ">scheduler<" not in html  # who, in words


def test_every_system_actor_is_named_in_words(app):
    assert set(audit.SYSTEM_ACTOR_LABELS) == {str(a) for a in SystemActor} | {"anonymous"}


def test_an_unknown_action_is_shown_as_its_code(app):
    with app.test_request_context():
        assert audit.action_label("member.file_opened") == "Åbnede medlemmets sag"
        assert audit.action_label("job.dispatch_outbox") == "Planlagt job kørt"
        assert audit.action_label("no.such_action") == "no.such_action"
