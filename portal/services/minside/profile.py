"""The member's own profile: contact details, job goal, preferred channel and language. Every change is audited
(old → new); bad input changes nothing."""
from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from portal.models import Member, User
from portal.models.members import CHANNELS, LANGUAGES
from portal.services import audit
from portal.services.actors import Actor
from portal.services.errors import NotFound, ValidationFailed
from portal.services.messaging.sms import parse_danish_phone
from portal.services.minside_i18n import _, _l
from portal.services.text_limits import one_line_breaks, refuse_control_characters

EDITABLE = ("email", "phone", "job_goal", "trade_inside_foa", "preferred_channel", "language")
JOB_GOAL_MAX = 500
CHANNEL_LABELS = {"in_person": _l("Fremmøde"), "phone": _l("Telefon"), "video": _l("Video (Skype)")}
LANGUAGE_LABELS = {"da": _l("Dansk"), "en": _l("Engelsk")}


def normalise_email(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(_("Skriv din e-mailadresse, så vi kan sende dig indkaldelser."), field="email")
    if len(value.strip()) > 254:
        raise ValidationFailed(_("E-mailadressen er for lang."), field="email")
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationFailed(_("Skriv en gyldig e-mailadresse, fx navn@eksempel.dk."), field="email") from None


def normalise_phone(value) -> str | None:
    """A Danish phone number in E.164 (+4512345678); empty means no phone number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = parse_danish_phone(value)
    if number is None:
        raise ValidationFailed(_("Telefonnummeret skal være et gyldigt dansk nummer (8 cifre, evt. med +45)."),
                               field="phone")
    return number


def validate_changes(changes: dict) -> dict:
    """Clean every field; raise ValidationFailed with all problems (field → message) if any."""
    if not isinstance(changes, dict):
        raise ValidationFailed(_("Ændringerne skal være et objekt med felter."))
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(_("Disse felter kan ikke ændres her: %(fields)s.", fields=", ".join(unknown)),
                               errors={f: _("Feltet kan ikke ændres her.") for f in unknown})
    cleaned, errors = {}, {}
    for field, value in changes.items():
        try:
            cleaned[field] = _clean(field, value)
        except ValidationFailed as exc:
            errors[field] = exc.message
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return cleaned


def _changed_here(member: Member, cleaned: dict, seen: dict) -> dict:
    mine, clashes = {}, {}
    for field, new in cleaned.items():
        if field not in seen:
            mine[field] = new
            continue
        try:
            before = _clean(field, seen[field])
        except ValidationFailed:
            before = seen[field]
        if before == new:
            continue  # not touched in this form: whatever it is now stays
        current = getattr(member, field)
        if current != before and current != new:
            clashes[field] = _("Feltet er ændret et andet sted, mens du skrev: det er nu «%(now)s». Ret det igen, "
                               "hvis det skal være som du skrev, og gem.", now=_shown(field, current))
        mine[field] = new
    if clashes:
        raise ValidationFailed(next(iter(clashes.values())), errors=clashes)
    return mine


def _shown(field: str, value) -> str:
    if value in (None, ""):
        return _("tomt")
    if field == "trade_inside_foa":
        return _("ja") if value else _("nej")
    labels = {"preferred_channel": CHANNEL_LABELS, "language": LANGUAGE_LABELS}.get(field)
    return str(labels.get(value, value)) if labels else str(value)


def _clean(field: str, value):
    if field == "email":
        return normalise_email(value)
    if field == "phone":
        return normalise_phone(value)
    if field == "job_goal":
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValidationFailed(_("Jobmålet skal være tekst."), field=field)
        value = one_line_breaks(value).strip()
        refuse_control_characters(value, field=field, label=_("Jobmålet"))
        if len(value) > JOB_GOAL_MAX:
            raise ValidationFailed(_("Jobmålet må højst være %(n)d tegn.", n=JOB_GOAL_MAX), field=field)
        return value or None
    if field == "trade_inside_foa":
        if not isinstance(value, bool):
            raise ValidationFailed(_("Svar ja eller nej til, om jobmålet er inden for FOA's fag."), field=field)
        return value
    if field == "preferred_channel":
        if value not in CHANNELS:
            raise ValidationFailed(_("Vælg fremmøde, telefon eller video."), field=field)
        return value
    if field == "language":
        if value not in LANGUAGES:
            raise ValidationFailed(_("Vælg dansk eller engelsk."), field=field)
        return value
    raise AssertionError(field)


def update_profile(session: Session, member: Member, changes: dict, actor: Actor, now: datetime,
                   seen: dict | None = None) -> dict:
    """Apply validated `changes`; returns {field: [old, new]} for what actually changed (audited).

    `seen`: what the form showed of each field when it was opened. Then only the fields the person changed are
    written, so a form left open in another tab does not put back what was changed since (a new job goal saved in
    one tab survived a phone number saved in another); a field changed both there and here is refused (Conflict),
    naming what it is now."""
    if isinstance(actor, User) and actor.role == "member" and member.user_id != actor.id:
        raise NotFound(_("Medlemmet findes ikke."))
    cleaned = validate_changes(changes)
    if seen is not None:
        cleaned = _changed_here(member, cleaned, seen)
    diff = {f: [getattr(member, f), v] for f, v in cleaned.items() if getattr(member, f) != v}
    if not diff:
        return {}
    for field, (_old, new) in diff.items():
        setattr(member, field, new)
    member.updated_at = now
    if "language" in diff and member.user is not None:
        member.user.locale = diff["language"][1]
    if "email" in diff and member.user is not None:
        member.user.email = diff["email"][1]
    audit.record(session, actor, "profile.update", member_id=member.id, target=member, now=now, detail=diff)
    return diff
