"""Staff notifications are written in their reader's language (the account's `locale`), whoever or whatever caused
them (a member's click, the scheduler, the chatbot, a colleague in another language), and are never cut silently:
a line too long for the column gives way in its variable parts, marked with "…", and the sentence stays whole."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.i18n import N_
from portal.models import Notification, OutboxMessage
from portal.models.jobcentre import JobcentreMessage
from portal.services.access import staff_scope
from portal.services.booking import booking as booking_svc
from portal.services.booking.deadlines import send_caseworker_alerts
from portal.services.casework import referral
from portal.services.chat import chat as chat_service
from portal.services.chat import handoff as handoff_service
from portal.services.jobcentre import jobcentre, jobcentre_answers, joint_conversation
from portal.services.messaging import notifications
from tests.booking_helpers import hours, utc
from tests.scheduling_support import booking, statements

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Copenhagen
TODAY = date(2026, 11, 26)
JOINT_NOW = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # Monday 09:00 in Copenhagen, week 10 of the member below
pytestmark = pytest.mark.clock(NOW)
LANGUAGES = ("en", "da")


def caseworker(make, username, locale, **kwargs):
    cw = make.caseworker(username, **kwargs)
    cw.user.locale = locale
    return cw


def texts_of(session, user_id) -> list[str]:
    return list(session.scalars(select(Notification.text).where(Notification.user_id == user_id)
                                .order_by(Notification.id)))


def only_text(session, user_id) -> str:
    [text] = texts_of(session, user_id)
    return text


# ---- a handoff arriving, the chat ended by the member, a colleague handing a chat over -------------------------

@pytest.mark.parametrize("locale, expected", [
    ("en", "New chat waiting for an answer (Odense)"),
    ("da", "Ny chat venter på svar (Odense)"),
])
def test_a_new_handoff_is_announced_in_the_caseworkers_language(session, make, locale, expected):
    location = make.location("Odense")
    own = caseworker(make, "own", locale, location=location)
    member = make.member(location=location, caseworker=own, status="opsagt")
    conversation = chat_service.open_conversation(session, sender_id="s-new", source="minside", now=NOW,
                                                  member=member)
    conversation.consent_given = True
    handoff_service.request_handoff(session, conversation, reason="request_human", context={}, now=NOW)
    assert only_text(session, own.user_id) == expected


def test_a_handoff_for_the_central_unit_names_it_in_each_readers_language(session, make):
    english = caseworker(make, "central-en", "en", location=make.location("Valby"), central_unit=True)
    danish = caseworker(make, "central-da", "da", location=make.location("Aalborg"), central_unit=True)
    conversation = chat_service.open_conversation(session, sender_id="s-central", source="flyer", now=NOW)
    conversation.consent_given = True
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={}, now=NOW)
    assert handoff.escalation_level == 2  # no location: straight to the central unit
    assert only_text(session, english.user_id) == "New chat waiting for an answer (the central unit)"
    assert only_text(session, danish.user_id) == "Ny chat venter på svar (centralenheden)"

    handoff_service.escalate_overdue_handoffs(session, now=NOW + timedelta(minutes=31), sla_minutes=30)
    assert texts_of(session, english.user_id) == ["New chat waiting for an answer (the central unit)"]  # level 2 stays


def _claimed_by(session, make, holder_locale, colleague_locale, sender_id):
    location = make.location("Odense")
    holder = caseworker(make, "holder", holder_locale, location=location, display_name="Hanne Holm")
    colleague = caseworker(make, "colleague", colleague_locale, location=location)
    conversation = chat_service.open_conversation(session, sender_id=sender_id, source="flyer", now=NOW,
                                                  location_id=location.id)
    conversation.consent_given = True
    handoff = handoff_service.request_handoff(session, conversation, reason="request_human", context={}, now=NOW)
    handoff_service.claim(session, holder.user, handoff.id, now=NOW)
    return holder, colleague, handoff


@pytest.mark.parametrize("locale, expected", [
    ("en", "Hanne Holm has handed you a chat: “Kender reglerne”"),
    ("da", "Hanne Holm har givet dig en chat: »Kender reglerne«"),
])
def test_a_colleague_handing_over_a_chat_is_told_in_their_language(session, make, locale, expected):
    # the one handing over reads the portal in the other language: the colleague's own is what counts
    holder, colleague, handoff = _claimed_by(session, make, "da" if locale == "en" else "en", locale, "s-hand-on")
    handoff_service.hand_on(session, holder.user, handoff.id, colleague_id=colleague.id, note="Kender reglerne",
                            now=NOW)
    assert texts_of(session, colleague.user_id)[-1] == expected


@pytest.mark.parametrize("locale, expected", [
    ("en", "The chat has ended: The member withdrew their consent; the chat has been deleted."),
    ("da", "Chatten er afsluttet: Medlemmet trak samtykket tilbage; samtalen er slettet."),
])
def test_a_chat_the_member_ends_is_reported_with_the_reason_in_the_caseworkers_language(session, make, locale,
                                                                                        expected):
    holder, _colleague, handoff = _claimed_by(session, make, locale, "da", "s-closed")
    handoff_service.close_by_member(session, handoff, why="consent_withdrawn", now=NOW)
    assert texts_of(session, holder.user_id)[-1] == expected


# ---- the scheduler's deadline alerts ---------------------------------------------------------------------------

def test_deadline_alerts_from_the_job_are_in_each_caseworkers_language_without_a_query_per_alert(session, make, db):
    english, danish = caseworker(make, "cw-en", "en"), caseworker(make, "cw-da", "da")
    for cw, name in ((english, "Ellen"), (danish, "Dorthe")):
        make.member(caseworker=cw, first_name=name, last_name="Jensen", first_unemployment_day=date(2026, 11, 1))
    make.commit()

    with statements(db.engine) as sent:
        counts = send_caseworker_alerts(session, today=TODAY, now=NOW)

    assert counts["overdue"] == 4  # CV and contact-course conversation, for each
    assert ("Deadline passed: CV conversation for Ellen Jensen should have been held by 13.11.2026."
            in texts_of(session, english.user_id))
    assert ("Deadline passed: Contact course conversation for Ellen Jensen should have been held by 13.11.2026."
            in texts_of(session, english.user_id))
    assert ("Frist overskredet: CV-samtale for Dorthe Jensen skulle være holdt senest 13.11.2026."
            in texts_of(session, danish.user_id))
    # the caseworkers' users came with their members: none is read on its own to learn its language (the digest
    # e-mails after the chunk's commit are another matter)
    alerting = sent[:max(i for i, s in enumerate(sent) if s.startswith("INSERT INTO notification")) + 1]
    assert not [s for s in alerting if s.startswith("SELECT user_account")]
    # the digest e-mail too: its step names in the reader's language ("CV-samtale" in an English mail before)
    digests = {m.to_address: m for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "caseworker_digest"))}
    english_mail, danish_mail = digests[english.user.email], digests[danish.user.email]
    assert "CV conversation for Ellen Jensen" in english_mail.body_text and "CV-samtale" not in english_mail.body_text
    assert "CV conversation for Ellen Jensen" in english_mail.body_html
    assert "CV-samtale for Dorthe Jensen" in danish_mail.body_text


# ---- the job centre's answers ----------------------------------------------------------------------------------

def _refused_visitation(session, make, locale, *, reason, member_name=("Mette", "Hansen")):
    cw = caseworker(make, "sagsb", locale)
    member = make.member(caseworker=cw, first_name=member_name[0], last_name=member_name[1])  # Odense → 461
    odense_jc = make.jobcentre_user(461, "jc-odense")
    make.commit()
    visitation = referral.refer_to_jobcenter(session, staff_scope(session, cw.user), member,
                                             reason="Komplekse helbredsproblemer", referred_on=None, today=TODAY,
                                             now=NOW)
    message = session.scalar(select(JobcentreMessage).where(JobcentreMessage.referral_id == visitation.id))
    jobcentre_answers.answer_visitation(session, jobcentre.jobcentre_scope(session, odense_jc), message.id,
                                        accept=False, reason=reason, now=NOW)
    return cw


@pytest.mark.parametrize("locale, expected", [
    ("en", "Jobcenter Odense has rejected the referral of Mette Hansen: Borgeren er i et forløb hos os"),
    ("da", "Jobcenter Odense har afvist visitationen af Mette Hansen: Borgeren er i et forløb hos os"),
])
def test_a_job_centre_refusing_a_visitation_is_reported_in_the_caseworkers_language(session, make, locale,
                                                                                   expected):
    cw = _refused_visitation(session, make, locale, reason="Borgeren er i et forløb hos os")
    assert only_text(session, cw.user_id) == expected  # the job centre's own words stay as written


@pytest.mark.clock(JOINT_NOW)
@pytest.mark.parametrize("locale, expected", [
    ("en", "Jobcenter Odense takes part in the joint conversation with Mette Hansen 24.03.2027 at 10:00."),
    ("da", "Jobcenter Odense deltager i fællessamtalen med Mette Hansen 24.03.2027 kl. 10:00."),
])
def test_the_job_centre_accepting_a_joint_conversation_is_reported_with_the_time_the_readers_way(
        session, make, locale, expected):
    location = make.location("Odense")
    cw = caseworker(make, "birgitte", locale, location=location)
    hours(session, cw)
    member = make.member(location=location, caseworker=cw, target_group="2a", first_name="Mette",
                         last_name="Hansen", first_unemployment_day=date(2027, 1, 11))
    odense_jc = make.jobcentre_user(461, "jc-odense")
    make.commit()
    booking_svc.book_slot(session, member=member, caseworker_id=cw.id, starts_at=utc(2027, 3, 24, 9, 0), type="joint",
                          channel="in_person", actor=cw.user, now=JOINT_NOW)
    invitation = session.scalar(select(JobcentreMessage).where(JobcentreMessage.kind == "joint_invitation"))
    joint_conversation.answer(session, jobcentre.jobcentre_scope(session, odense_jc), invitation.id, accept=True,
                              counter_time=None, reason=None, now=JOINT_NOW)
    assert texts_of(session, cw.user_id)[-1] == expected


# ---- a booking the member cancels, seen by the caseworker ------------------------------------------------------

@pytest.mark.parametrize("locale, expected", [
    ("en", "Mette Hansen: CV conversation Thursday 3 December 2026 at 10:00 has been cancelled."),
    ("da", "Mette Hansen: CV-samtale torsdag 3. december 2026 kl. 10:00 er aflyst."),
])
def test_a_booking_the_member_cancels_is_reported_in_the_caseworkers_language(session, make, locale, expected):
    cw = caseworker(make, "birgitte", locale)
    member = make.member(caseworker=cw, first_name="Mette", last_name="Hansen")
    member.user.locale = "da" if locale == "en" else "en"  # the member clicks in the other language
    cancelled = booking(session, member, cw, starts_at=NOW + timedelta(days=7))
    make.commit()
    booking_svc.cancel_booking(session, cancelled, actor=member.user, now=NOW)
    assert only_text(session, cw.user_id) == expected


# ---- never cut silently ----------------------------------------------------------------------------------------

def test_a_very_long_member_name_is_shortened_and_the_sentence_stays_whole(session, make):
    cw = caseworker(make, "cw", "da")
    name = "Mette-Marie " + "Kristensen-" * 60  # 672 characters: the column holds 500
    note = notifications.notify_in_language(
        session, cw.user, N_("Frist overskredet: %(step)s for %(name)s skulle være holdt senest %(day)s."),
        step=notifications.in_reader_language(N_("CV-samtale")), name=name, day="13.11.2026")
    assert len(note.text) == notifications.TEXT_MAX
    assert note.text.startswith("Frist overskredet: CV-samtale for Mette-Marie Kristensen-")
    assert note.text.endswith("… skulle være holdt senest 13.11.2026.")

    cw.user.locale = "en"
    english = notifications.notify_in_language(
        session, cw.user, N_("Frist overskredet: %(step)s for %(name)s skulle være holdt senest %(day)s."),
        step=notifications.in_reader_language(N_("CV-samtale")), name=name, day="13.11.2026")
    assert english.text.startswith("Deadline passed: CV conversation for Mette-Marie Kristensen-")
    assert english.text.endswith("… should have been held by 13.11.2026.") and len(english.text) <= 500


def test_a_long_reason_gives_way_before_the_members_name(session, make):
    """A refusal's reason may be 2,000 characters: it is what is shortened in the line (the member's page shows it
    whole), not the name of whom it concerns."""
    first, last = "Anne-" + "Sofie" * 15, "Kristensen-" * 7  # the longest names the columns hold (80 each)
    cw = _refused_visitation(session, make, "da", reason="Borgeren er i et forløb hos os. " * 62,
                             member_name=(first[:80], last[:80]))
    text = only_text(session, cw.user_id)
    assert text.startswith(f"Jobcenter Odense har afvist visitationen af {first[:80]} {last[:80]}: Borgeren er")
    assert text.endswith("…") and len(text) == notifications.TEXT_MAX
    stored = session.scalar(select(JobcentreMessage.decision_reason))
    assert len(stored) > 1900  # kept whole where it belongs


def test_text_stored_as_given_is_marked_where_it_had_to_be_shortened(session, make):
    cw = caseworker(make, "cw", "da")
    note = notifications.notify(session, cw.user_id, "Emne: " + "x" * 600, language="da")
    assert len(note.text) == notifications.TEXT_MAX and note.text.endswith("x…")


def test_without_a_locale_the_line_is_danish(session, make):
    cw = caseworker(make, "cw", "da")
    reader = SimpleNamespace(id=cw.user_id, locale=None)
    note = notifications.notify_in_language(session, reader, N_("Chatten er afsluttet: %(why)s"),
                                            why=notifications.in_reader_language(N_("Medlemmet afsluttede selv i "
                                                                                    "chatten.")))
    assert note.text == "Chatten er afsluttet: Medlemmet afsluttede selv i chatten."
