"""Consents (samtykke): given with time, purpose and the exact wording shown; withdrawn with the effect recorded.

A withdrawal never deletes the consent row (it is the proof of what was agreed and when); it stops what the
consent allowed, and `withdrawal_effect` says what that was, in words the member can read.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Consent, Member, User
from portal.models.consent import CONSENT_PURPOSES
from portal.services import audit
from portal.services.actors import Actor
from portal.services.errors import Conflict, NotFound, ValidationFailed
from portal.services.minside_i18n import _, _l, plain

SOURCES = ("chatbot", "min_side", "union_department", "caseworker")
PURPOSE_LABELS = {
    "union_to_akasse": _l("Din FOA-afdeling må fortælle a-kassen, at du er blevet opsagt"),
    "chat_contact": _l("Chatten må gemme samtalen og dine kontaktoplysninger, så vi kan hjælpe dig"),
    "jobmatch_cv": _l("Dit CV må ligge i FOA JobMatch, så vi kan matche dig med job"),
}
# What stops when a consent is withdrawn (recorded on the consent and shown to the member).
WITHDRAWAL_EFFECTS = {
    "union_to_akasse": _l("Din FOA-afdeling sender ikke flere oplysninger om din opsigelse til a-kassen."),
    "chat_contact": _l("Chatten gemmer ikke flere beskeder fra dig, og vi bruger ikke dine kontaktoplysninger fra "
                       "chatten til at kontakte dig."),
    "jobmatch_cv": _l("Dit CV er taget ud af FOA JobMatch, og vi matcher dig ikke længere med jobordrer."),
}
assert set(PURPOSE_LABELS) == set(CONSENT_PURPOSES) == set(WITHDRAWAL_EFFECTS)
# Other areas may register a function (session, consent, actor, now) -> str | None that carries out the effect
# (e.g. the chatbot stops storing transcripts) and returns a sentence for the record.
WITHDRAWAL_HANDLERS: dict[str, list] = {purpose: [] for purpose in CONSENT_PURPOSES}


def give_consent(session: Session, *, purpose: str, text_shown: str, source: str, actor: Actor, now: datetime,
                 member_id: int | None = None, subject_ref: str | None = None) -> Consent:
    """Record a consent. Needs a member id or a subject reference (e.g. a chat sender id) and the exact wording."""
    if purpose not in CONSENT_PURPOSES:
        raise ValidationFailed(_("Ukendt formål med samtykket."), field="purpose")
    if source not in SOURCES:
        raise ValidationFailed(_("Ukendt kilde til samtykket."), field="source")
    if not isinstance(text_shown, str) or not text_shown.strip():
        raise ValidationFailed(_("Teksten, der blev vist, skal gemmes med samtykket."), field="text_shown")
    if member_id is None and not subject_ref:
        raise ValidationFailed(_("Samtykket skal høre til et medlem eller en henvendelse."), field="member_id")
    if subject_ref is not None and len(subject_ref) > 120:
        raise ValidationFailed(_("Referencen er for lang."), field="subject_ref")
    consent = Consent(member_id=member_id, subject_ref=subject_ref, purpose=purpose, text_shown=text_shown.strip(),
                      source=source, given_at=now)
    session.add(consent)
    session.flush()
    audit.record(session, actor, "consent.give", member_id=member_id, target=consent, now=now,
                 detail={"purpose": purpose, "source": source, "subject_ref": subject_ref})
    return consent


def withdraw_consent(session: Session, consent: Consent, *, actor: Actor, now: datetime) -> Consent:
    """Withdraw: stop what the consent allowed and record the effect. A member may withdraw only their own."""
    if isinstance(actor, User) and actor.role == "member":
        member = session.get(Member, consent.member_id) if consent.member_id else None
        if member is None or member.user_id != actor.id:
            raise NotFound(_("Samtykket findes ikke."))
    if consent.withdrawn_at is not None:
        raise Conflict(_("Samtykket er allerede trukket tilbage."))
    effects = [plain(WITHDRAWAL_EFFECTS[consent.purpose])]
    for handler in WITHDRAWAL_HANDLERS.get(consent.purpose, []):
        extra = handler(session, consent, actor, now)
        if extra:
            effects.append(plain(extra))
    consent.withdrawn_at = max(now, consent.given_at)
    consent.withdrawal_effect = " ".join(effects)
    audit.record(session, actor, "consent.withdraw", member_id=consent.member_id, target=consent, now=now,
                 detail={"purpose": consent.purpose, "effect": consent.withdrawal_effect})
    return consent


def active_consents(session: Session, member_id: int) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.member_id == member_id, Consent.withdrawn_at.is_(None))
                                .order_by(Consent.given_at.desc())))


def all_consents(session: Session, member_id: int) -> list[Consent]:
    """Active and withdrawn, newest first (for My data)."""
    return list(session.scalars(select(Consent).where(Consent.member_id == member_id)
                                .order_by(Consent.given_at.desc(), Consent.id.desc())))
