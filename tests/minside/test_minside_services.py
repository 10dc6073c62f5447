"""Min side services without HTTP: plan, preparation answers, consents, profile, my data."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import AuditEntry, Consent, Notification
from portal.models.plan import PlanItem, PlanItemEvent, PreparationAnswer
from portal.services.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from portal.services.minside import consent as consent_svc
from portal.services.minside import my_data, plan, preparation, profile

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
# The data here is written around a fixed moment: the clock is frozen there too (tests/clock.py).
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def people(make):
    cw = make.caseworker("sagsb")
    member = make.member("mette", caseworker=cw, first_unemployment_day=date(2026, 1, 7))
    other = make.member("ole", caseworker=cw)
    make.commit()
    return cw, member, other


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


# ---- Min plan ---------------------------------------------------------------------------------------------------

def test_caseworker_proposal_is_active_and_notifies_the_member(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="job_search", title="Søg 3 job om ugen", description=None,
                             due_date=TODAY + timedelta(days=14), right_and_duty=True, actor=cw.user, now=NOW)
    assert item.status == "active" and item.proposed_by == "caseworker" and item.right_and_duty
    assert [e.kind for e in item.events] == ["proposed"]
    assert count(session, Notification, Notification.user_id == member.user_id) == 1
    assert count(session, AuditEntry, AuditEntry.action == "plan.propose", AuditEntry.member_id == member.id) == 1


def test_member_proposal_waits_for_the_caseworker(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="education", title="Kursus i demens", description="AMU",
                             due_date=None, right_and_duty=False, actor=member.user, now=NOW)
    assert item.status == "proposed" and item.proposed_by == "member"
    assert count(session, Notification, Notification.user_id == cw.user_id) == 1
    with pytest.raises(NotAllowed):
        plan.accept_item(session, item, member.user, NOW)
    plan.accept_item(session, item, cw.user, NOW + timedelta(hours=1))
    assert item.status == "active" and item.decided_by_user_id == cw.user_id
    with pytest.raises(Conflict):
        plan.reject_item(session, item, cw.user, NOW)
    assert [e.kind for e in item.events] == ["proposed", "accepted"]


def test_rejection_keeps_the_reason_in_history(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="other", title="Rejse", actor=member.user, now=NOW)
    plan.reject_item(session, item, cw.user, NOW, reason="Passer ikke med rådighed")
    assert item.status == "rejected"
    assert item.events[-1].text == "Passer ikke med rådighed" and item.events[-1].to_status == "rejected"


def test_member_cannot_make_right_and_duty(session, people):
    _, member, _ = people
    with pytest.raises(NotAllowed):
        plan.propose_item(session, member, kind="other", title="X", right_and_duty=True, actor=member.user, now=NOW)
    assert count(session, PlanItem) == 0


@pytest.mark.parametrize("fields,field", [
    ({"kind": "holiday", "title": "X"}, "kind"),
    ({"kind": "other", "title": "   "}, "title"),
    ({"kind": "other", "title": "x" * 201}, "title"),
    ({"kind": "other", "title": "X", "due_date": TODAY - timedelta(days=1)}, "due_date"),
    ({"kind": "other", "title": "X", "description": "y" * 4001}, "description"),
    ({"kind": "other", "title": "\x00"}, "title"),  # SQLite's length() stops at NUL: the CHECK would fail
    ({"kind": "other", "title": "Søg\x00job"}, "title"),
    ({"kind": "other", "title": "X", "description": "linje\x07"}, "description"),
])
def test_bad_items_are_refused_and_nothing_is_written(session, people, fields, field):
    cw, member, _ = people
    with pytest.raises(ValidationFailed) as err:
        plan.propose_item(session, member, actor=cw.user, now=NOW, **fields)
    assert field in err.value.errors
    assert count(session, PlanItem) == 0


def test_line_breaks_and_tabs_in_a_description_are_kept(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="other", title="Kursus", description="Dag 1\n\tDag 2",
                             actor=cw.user, now=NOW)
    assert item.description == "Dag 1\n\tDag 2"


def test_due_date_today_is_allowed(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="other", title="I dag", due_date=TODAY, actor=cw.user, now=NOW)
    assert item.due_date == TODAY


def test_member_marks_done_comments_and_history_is_kept(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="job_search", title="Søg job", actor=cw.user, now=NOW)
    plan.set_status(session, item, "done", member.user, NOW + timedelta(days=1))
    plan.add_comment(session, item, "Har søgt 4 stillinger", member.user, NOW + timedelta(days=1))
    plan.set_status(session, item, "active", member.user, NOW + timedelta(days=2))  # undo
    kinds = [(e.kind, e.from_status, e.to_status) for e in item.events]
    assert kinds == [("proposed", None, "active"), ("status", "active", "done"), ("comment", None, None),
                     ("status", "done", "active")]
    assert item.version == 4
    assert count(session, PlanItemEvent) == 4


def test_member_cannot_cancel_an_agreed_item(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="job_search", title="Søg job", actor=cw.user, now=NOW)
    with pytest.raises(NotAllowed):
        plan.set_status(session, item, "cancelled", member.user, NOW)
    plan.set_status(session, item, "cancelled", cw.user, NOW)
    assert item.status == "cancelled"


def test_stale_version_is_a_conflict(session, people):
    cw, member, _ = people
    item = plan.propose_item(session, member, kind="job_search", title="Søg job", actor=cw.user, now=NOW)
    plan.set_status(session, item, "done", member.user, NOW, expected_version=1)
    with pytest.raises(Conflict):
        plan.set_status(session, item, "active", member.user, NOW, expected_version=1)
    assert item.status == "done"


def test_another_members_item_is_not_found(session, people):
    cw, member, other = people
    item = plan.propose_item(session, member, kind="job_search", title="Søg job", actor=cw.user, now=NOW)
    with pytest.raises(NotFound):
        plan.set_status(session, item, "done", other.user, NOW)
    with pytest.raises(NotFound):
        plan.add_comment(session, item, "hej", other.user, NOW)
    with pytest.raises(NotFound):
        plan.get_item(session, item.id, member=other)
    with pytest.raises(NotFound):
        plan.propose_item(session, member, kind="other", title="X", actor=other.user, now=NOW)


def test_list_items_and_draft_plan(session, people):
    cw, member, _ = people
    assert not plan.has_draft_plan(session, member)
    late = plan.propose_item(session, member, kind="other", title="Senere", due_date=TODAY + timedelta(days=30),
                             actor=cw.user, now=NOW)
    soon = plan.propose_item(session, member, kind="other", title="Snart", due_date=TODAY + timedelta(days=3),
                             actor=cw.user, now=NOW)
    mine = plan.propose_item(session, member, kind="other", title="Mit forslag", actor=member.user, now=NOW)
    assert [i.id for i in plan.list_items(session, member)] == [mine.id, soon.id, late.id]
    assert plan.has_draft_plan(session, member)


# ---- preparation answers ---------------------------------------------------------------------------------------

def test_member_answers_q2_and_q10_and_history_is_kept(session, people):
    cw, member, _ = people
    preparation.record_answers(session, member, q2="within_3_months", q10_has_barriers=False, q10_barriers=[],
                               actor=member.user, now=NOW)
    later = preparation.record_answers(session, member, q2="dont_know", q10_has_barriers=True,
                                       q10_barriers=["it_skills", "physical_health", "it_skills"],
                                       actor=cw.user, now=NOW + timedelta(days=1))
    latest = preparation.latest_answers(session, member)
    assert latest.id == later.id and latest.answered_by == "caseworker" and latest.answered_by_user_id == cw.user_id
    assert latest.q10_barriers == ["physical_health", "it_skills"]  # ordered, no duplicates
    assert count(session, PreparationAnswer) == 2
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "preparation.answer").limit(1))
    assert "physical_health" not in str(entry.detail)  # the audit log never repeats special-category answers


@pytest.mark.parametrize("q2,has,barriers,field", [
    ("soon", False, [], "q2"),
    ("dont_know", None, [], "q10_has_barriers"),
    ("dont_know", True, [], "q10_barriers"),
    ("dont_know", False, ["economic"], "q10_barriers"),
    ("dont_know", True, ["aliens"], "q10_barriers"),
])
def test_bad_preparation_answers_are_refused(session, people, q2, has, barriers, field):
    _, member, _ = people
    with pytest.raises(ValidationFailed) as err:
        preparation.record_answers(session, member, q2=q2, q10_has_barriers=has, q10_barriers=barriers,
                                   actor=member.user, now=NOW)
    assert field in err.value.errors
    assert count(session, PreparationAnswer) == 0


def test_staff_read_of_answers_is_audited_with_reason(session, people):
    cw, member, _ = people
    preparation.latest_answers(session, member, actor=cw.user, reason="CV-samtale", now=NOW)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "preparation.view"))
    assert entry.reason == "CV-samtale" and entry.actor_user_id == cw.user_id


# ---- consents ---------------------------------------------------------------------------------------------------

def test_consent_given_and_withdrawn_with_effect(session, people):
    _, member, other = people
    c = consent_svc.give_consent(session, purpose="jobmatch_cv", text_shown="Må vi lægge dit CV i JobMatch?",
                                 source="min_side", actor=member.user, now=NOW, member_id=member.id)
    assert [x.id for x in consent_svc.active_consents(session, member.id)] == [c.id]
    with pytest.raises(NotFound):
        consent_svc.withdraw_consent(session, c, actor=other.user, now=NOW)
    consent_svc.withdraw_consent(session, c, actor=member.user, now=NOW + timedelta(hours=1))
    assert c.withdrawn_at is not None and "JobMatch" in c.withdrawal_effect
    assert consent_svc.active_consents(session, member.id) == []
    assert count(session, Consent) == 1  # never deleted
    with pytest.raises(Conflict):
        consent_svc.withdraw_consent(session, c, actor=member.user, now=NOW)


def test_consent_for_a_chat_sender_without_member(session):
    c = consent_svc.give_consent(session, purpose="chat_contact", text_shown="Må vi gemme samtalen?",
                                 source="chatbot", actor="chatbot", now=NOW, subject_ref="sender-abc")
    assert c.member_id is None and c.subject_ref == "sender-abc"
    with pytest.raises(ValidationFailed):
        consent_svc.give_consent(session, purpose="chat_contact", text_shown="x", source="chatbot", actor="chatbot",
                                 now=NOW)


def test_withdrawal_handlers_of_other_areas_run(session, people):
    _, member, _ = people
    called = []

    def stop_chat(session_, consent, actor, now):
        called.append(consent.id)
        return "Samtalen er slettet."

    consent_svc.WITHDRAWAL_HANDLERS["chat_contact"].append(stop_chat)
    try:
        c = consent_svc.give_consent(session, purpose="chat_contact", text_shown="Må vi gemme samtalen?",
                                     source="chatbot", actor="chatbot", now=NOW, member_id=member.id)
        consent_svc.withdraw_consent(session, c, actor=member.user, now=NOW)
    finally:
        consent_svc.WITHDRAWAL_HANDLERS["chat_contact"].remove(stop_chat)
    assert called == [c.id] and c.withdrawal_effect.endswith("Samtalen er slettet.")


# ---- profile ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,stored", [
    ("20 30 40 50", "+4520304050"), ("+45 20304050", "+4520304050"), ("0045 2030 4050", "+4520304050"),
    ("", None),
])
def test_danish_phone_numbers_are_normalised(session, people, raw, stored):
    _, member, _ = people
    profile.update_profile(session, member, {"phone": raw}, member.user, NOW)
    assert member.phone == stored


@pytest.mark.parametrize("changes,field", [
    ({"phone": "123"}, "phone"),
    ({"phone": "+46 70 123 45 67"}, "phone"),  # Swedish
    ({"email": "ikke-en-adresse"}, "email"),
    ({"email": ""}, "email"),
    ({"preferred_channel": "fax"}, "preferred_channel"),
    ({"language": "de"}, "language"),
    ({"trade_inside_foa": "måske"}, "trade_inside_foa"),
    ({"member_number": "1"}, "member_number"),
])
def test_bad_profile_changes_change_nothing(session, people, changes, field):
    _, member, _ = people
    before = (member.phone, member.email, member.preferred_channel)
    with pytest.raises(ValidationFailed) as err:
        profile.update_profile(session, member, {**changes, "job_goal": "Nyt mål"}, member.user, NOW)
    assert field in err.value.errors
    assert (member.phone, member.email, member.preferred_channel) == before and member.job_goal != "Nyt mål"


def test_profile_change_is_audited_old_to_new(session, people):
    _, member, _ = people
    old_email = member.email
    diff = profile.update_profile(session, member, {"email": "Ny@Eksempel.dk", "language": "en"}, member.user, NOW)
    assert diff["email"] == [old_email, "Ny@eksempel.dk"]
    assert member.user.locale == "en"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "profile.update"))
    assert entry.detail["email"] == [old_email, "Ny@eksempel.dk"]


# ---- my data ----------------------------------------------------------------------------------------------------

def test_export_contains_my_records_only(session, people):
    cw, member, other = people
    plan.propose_item(session, member, kind="other", title="Mit punkt", actor=cw.user, now=NOW)
    plan.propose_item(session, other, kind="other", title="Andens punkt", actor=cw.user, now=NOW)
    data = my_data.export(session, member, actor=member.user, now=NOW)
    assert data["member"]["member_number"] == member.member_number
    assert [r["title"] for r in data["records"]["plan_item"]] == ["Mit punkt"]
    assert "password_hash" not in str(data)


def test_export_holds_what_belongs_to_my_records_too(session, people):
    # The plan's history with the member's own comments had no member_id, and was left out of the download.
    cw, member, other = people
    mine = plan.propose_item(session, member, kind="other", title="Mit punkt", actor=cw.user, now=NOW)
    plan.add_comment(session, mine, "Kan vi flytte fristen?", member.user, NOW)
    theirs = plan.propose_item(session, other, kind="other", title="Andens punkt", actor=cw.user, now=NOW)
    plan.add_comment(session, theirs, "Andens kommentar", other.user, NOW)
    session.flush()
    data = my_data.export(session, member, actor=member.user, now=NOW)
    events = data["records"]["plan_item_event"]
    assert "Kan vi flytte fristen?" in [e["text"] for e in events]
    assert "Andens kommentar" not in str(data) and {e["item_id"] for e in events} == {mine.id}


def test_a_staff_look_reads_as_a_look_not_a_change(session, people, make):
    from portal.services import audit

    cw, member, _ = people
    for action in ("member.file_opened", "jobmatch.cv_viewed", "caseload.viewed", "booking.member_lookup"):
        audit.record(session, cw.user, action, member_id=member.id, now=NOW)
    session.flush()
    assert {row["what"] for row in my_data.staff_access(session, member)} == {"Så dine oplysninger"}


def test_staff_access_lists_staff_reads_with_reason_not_my_own(session, people):
    cw, member, _ = people
    preparation.latest_answers(session, member, actor=cw.user, reason="Forberedelse af CV-samtale", now=NOW)
    profile.update_profile(session, member, {"job_goal": "Hjemmepleje"}, member.user, NOW)
    rows = my_data.staff_access(session, member)
    assert len(rows) == 1
    assert rows[0]["who"] == cw.user.display_name and rows[0]["reason"] == "Forberedelse af CV-samtale"
