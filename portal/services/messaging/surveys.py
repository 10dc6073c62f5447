"""Satisfaction surveys after held conversations: a signed, single-use, expiring link to a 1–10 form.

DOMAIN.md "Success criteria": overall satisfaction with conversations (target 80 % / 85 % for new / returning),
"the caseworker knew my trade and labour market" (target 87) and, for group 2 in the extra course, "I came closer
to my next job" (target 85 %). Answers are 1–10, reported on 0–100 (1 → 0, 10 → 100).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.i18n import N_
from portal.models import Booking, Member
from portal.models.scheduling import SatisfactionSurvey, SurveyAnswer
from portal.models.statuses import BookingStatus
from portal.query_args import ascii_digits
from portal.services import audit
from portal.services.actors import SystemActor
from portal.services.errors import Conflict, NotFound, ValidationFailed
from portal.services.links import external_url
from portal.services.messaging import outbox
from portal.services.messaging.email_render import render_email
from portal.timeutil import local_to_utc, to_local

VALID_FOR = timedelta(days=14)  # to the end of the 14th day after the invitation (Copenhagen time): `last_day`
SEND_AFTER = timedelta(hours=1)  # after the conversation ended: the member is home and it is fresh
LOOK_BACK = timedelta(days=3)  # conversations marked held later than this are not surveyed (e.g. back-filled)
SALT = "satisfaction-survey"
QUESTIONS = ("overall", "knew_trade", "closer_to_job")

# Messages in Danish source form: the survey page shows them in the survey's language (portal/blueprints/survey.py).
INVALID_LINK = N_("Linket til spørgeskemaet er ugyldigt. Tjek, at du har kopieret hele linket.")
ALREADY_ANSWERED = N_("Du har allerede svaret på dette spørgeskema. Tak for dit svar.")
EXPIRED = N_("Spørgeskemaet er lukket, fordi fristen for at svare er overskredet.")


class SurveyExpired(Conflict):
    code = "survey_expired"
    status = 410


class SurveyAnswered(Conflict):
    code = "survey_answered"


def score_0_100(rating: float) -> float:
    """1–10 on the 0–100 scale of the success criteria (1 → 0, 10 → 100)."""
    return (rating - 1) * 100 / 9


def asks_closer_to_job(member: Member) -> bool:
    return (member.target_group or "").startswith("2")


def make_token(survey: SatisfactionSurvey, secret: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps([survey.id, survey.nonce])


def survey_from_token(session: Session, token: str, secret: str) -> SatisfactionSurvey:
    """The survey a token names, or NotFound for a forged, mangled or revoked token (same answer for all)."""
    try:
        survey_id, nonce = URLSafeSerializer(secret, salt=SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound(INVALID_LINK) from None
    survey = session.get(SatisfactionSurvey, survey_id) if isinstance(survey_id, int) else None
    if survey is None or not secrets.compare_digest(str(nonce), survey.nonce):
        raise NotFound(INVALID_LINK)
    return survey


def check_open(survey: SatisfactionSurvey, now: datetime) -> None:
    if survey.answered_at is not None:
        raise SurveyAnswered(ALREADY_ANSWERED)
    if now >= survey.expires_at:
        raise SurveyExpired(EXPIRED)


def survey_last_day(now: datetime) -> date:
    """The last day (Copenhagen) a survey sent at `now` can be answered: the invitation names it ("til og med
    mandag den 21. december") and the link works to its very end."""
    return to_local(now + VALID_FOR).date()


def end_of_local_day(day: date) -> datetime:
    """The first moment after `day` in Copenhagen, in UTC (midnight, whatever the summer time)."""
    return local_to_utc(datetime.combine(day + timedelta(days=1), time.min))


def asked_questions(survey: SatisfactionSurvey) -> tuple[str, ...]:
    """The questions this survey asks: the third ("closer to my next job") only of group 2."""
    return QUESTIONS if survey.asks_closer_to_job else QUESTIONS[:2]


def held_conversations_to_survey(session: Session, *, now: datetime) -> list[Booking]:
    """Held conversations that ended SEND_AFTER ago (within LOOK_BACK), with no survey yet, members with e-mail."""
    newest_end = now - SEND_AFTER
    oldest_end = now - LOOK_BACK
    return list(session.scalars(
        select(Booking)
        .join(Member, Member.id == Booking.member_id)
        .outerjoin(SatisfactionSurvey, SatisfactionSurvey.booking_id == Booking.id)
        .options(joinedload(Booking.member))
        .where(Booking.status == BookingStatus.HELD, SatisfactionSurvey.id.is_(None), Member.email.is_not(None),
               Booking.starts_at >= oldest_end - timedelta(hours=12), Booking.starts_at <= newest_end,
               Booking.ends_at >= oldest_end, Booking.ends_at <= newest_end)
        .order_by(Booking.ends_at, Booking.id)
    ).unique())


def create_survey(session: Session, booking: Booking, *, now: datetime, secret: str) -> SatisfactionSurvey:
    """One survey per conversation (unique booking_id) and the invitation e-mail in the same transaction."""
    member = booking.member
    last_day = survey_last_day(now)
    survey = SatisfactionSurvey(booking_id=booking.id, member_id=member.id, nonce=secrets.token_hex(16),
                                asks_closer_to_job=asks_closer_to_job(member), language=member.language or "da",
                                created_at=now, expires_at=end_of_local_day(last_day))
    session.add(survey)
    session.flush()
    link = external_url("survey.answer", token=make_token(survey, secret))
    email = render_email("survey_invitation", survey.language, member=member, booking=booking, link=link,
                         last_day=last_day, questions=len(asked_questions(survey)))
    outbox.enqueue(session, idempotency_key=f"survey:booking:{booking.id}", kind="survey_invitation",
                   to_address=member.email, subject=email.subject, body_text=email.text, body_html=email.html,
                   member_id=member.id, now=now)
    return survey


def send_due_surveys(session: Session, *, now: datetime, secret: str) -> dict:
    """The job: a survey for each held conversation due one. Commits each survey (a crash keeps what was sent)."""
    created = 0
    for booking in held_conversations_to_survey(session, now=now):
        try:
            create_survey(session, booking, now=now, secret=secret)
            session.commit()
            created += 1
        except IntegrityError:  # another run made it meanwhile
            session.rollback()
    return {"created": created}


@dataclass(frozen=True)
class Ratings:
    overall: int
    knew_trade: int
    closer_to_job: int | None


def parse_ratings(form, survey: SatisfactionSurvey) -> Ratings:
    """Each asked question needs a whole number 1–10; messages name the question in the member's words."""
    labels = {
        "overall": N_("Vælg, hvor tilfreds du alt i alt er med samtalen (1–10)."),
        "knew_trade": N_("Vælg, hvor enig du er i, at sagsbehandleren kendte dit fag og arbejdsmarked (1–10)."),
        "closer_to_job": N_("Vælg, hvor enig du er i, at du er kommet tættere på dit næste job (1–10)."),
    }
    asked = asked_questions(survey)
    values: dict[str, int | None] = {"closer_to_job": None}
    errors = {}
    for name in asked:
        raw = (form.get(name) or "").strip()
        if not ascii_digits(raw) or not 1 <= int(raw) <= 10:
            errors[f"{name}-1"] = labels[name]
        else:
            values[name] = int(raw)
    if errors:
        raise ValidationFailed(N_("Besvar alle spørgsmål med et tal fra 1 til 10."), errors=errors)
    return Ratings(values["overall"], values["knew_trade"], values["closer_to_job"])


def submit_answer(session: Session, survey: SatisfactionSurvey, ratings: Ratings, *,
                  now: datetime) -> SurveyAnswer:
    """Store the one answer for the conversation; the second attempt (double click, another tab) is refused."""
    check_open(survey, now)
    booking = survey.booking
    member = survey.member
    answer = SurveyAnswer(
        survey_id=survey.id, booking_id=survey.booking_id, member_id=survey.member_id,
        caseworker_id=booking.caseworker_id, answered_at=now, conversation_type=booking.type,
        target_group=member.target_group, member_status=member.status, placement=member.placement,
        overall=ratings.overall, knew_trade=ratings.knew_trade,
        closer_to_job=ratings.closer_to_job if survey.asks_closer_to_job else None,
    )
    survey.answered_at = now
    session.add(answer)
    audit.record(session, SystemActor.SURVEY_LINK, "survey.answer", member_id=member.id, target=survey, now=now,
                 detail={"booking_id": booking.id})
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise SurveyAnswered(ALREADY_ANSWERED) from None
    return answer
