"""Writing the audit log. Every personal-data read by staff and every state change goes through `record`."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portal.i18n import N_, gettext
from portal.models import AuditEntry, Member, User
from portal.request_context import current_request_id
from portal.services.actors import Actor
from portal.timeutil import utcnow

log = logging.getLogger("portal.audit")


def actor_label(actor: Actor | None) -> str:
    """`user:<id>`, a system actor's name ("scheduler", "chatbot", "cli" …), or "anonymous" for nobody."""
    if actor is None:
        return "anonymous"
    if isinstance(actor, str):  # a SystemActor (or its plain name, as older callers pass it)
        return str(actor)
    return f"user:{actor.id}"


# AuditEntry.reason's length (String(200)).
REASON_MAX = 200

# The actions that record only a look at data, never a change. Such an entry stands alone: it may be committed on its
# own, ahead of the rest of its request (portal.db_connections writes a flush of nothing else in one statement of
# its own on PostgreSQL, without BEGIN and COMMIT). Any other entry is committed with the change it describes.
READ_ACTIONS = frozenset({
    "audit.view", "booking.calendar_view", "booking.view", "booking.member_lookup", "caseload.viewed",
    "handoff.view", "jobcentre.inbox_viewed", "jobmatch.cv_viewed", "jobmatch.order_viewed", "kpi.view",
    "kpi.export", "member.file_opened", "my_data.export", "offers.checkin_list_viewed", "outbox.view",
    "preparation.view",
})


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    member_id: int | None = None,
    target: object | None = None,
    reason: str | None = None,
    detail: dict | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add one audit entry to the session (committed with the change it describes; an entry of READ_ACTIONS may be
    committed on its own). A reason longer than the entry's reason column is shortened there and kept whole in
    `detail["reason"]`, never lost and never an error."""
    if reason is not None and len(reason) > REASON_MAX:
        detail = {**(detail or {}), "reason": reason}
        reason = reason[:REASON_MAX - 1] + "…"
    entry = AuditEntry(
        at=now or utcnow(),
        actor_user_id=actor.id if isinstance(actor, User) else None,
        actor_label=actor_label(actor),
        action=action,
        member_id=member_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=str(getattr(target, "id", "")) if target is not None else None,
        reason=reason,
        detail=detail or {},
        request_id=current_request_id(),
    )
    entry.stands_alone = action in READ_ACTIONS
    session.add(entry)
    log.info("audit %s by %s member=%s", action, entry.actor_label, member_id)
    return entry


AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class LogLine:
    """One row of the admin's audit log: the entry (its actor loaded) and the member it concerns, if any."""

    entry: AuditEntry
    member_number: str | None
    member_name: str | None


def search_log(session: Session, viewer: User, *, member_number: str = "", staff_username: str = "", page: int = 1,
               now: datetime | None = None, page_size: int = AUDIT_PAGE_SIZE) -> tuple[list[LogLine], bool]:
    """The admin's audit log, newest first, for one member's number and/or one staff login name (any case); the
    look itself is audited (`audit.view`). Returns the page's lines and whether there are more.

    One statement reads the entries with their member's number and name and their actor (no query per row)."""
    query = (select(AuditEntry, Member.member_number, Member.first_name, Member.last_name)
             .outerjoin(Member, Member.id == AuditEntry.member_id)
             .options(joinedload(AuditEntry.actor))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    member = None
    if member_number:
        member = session.scalar(select(Member).where(Member.member_number == member_number))
        query = query.where(AuditEntry.member_id == (member.id if member else -1))
    if staff_username:
        # Usernames are typed as the admin remembers them ("JOBCENTER" for "jobcenter").
        query = query.where(AuditEntry.actor_user_id.in_(
            select(User.id).where(func.lower(User.username) == staff_username.lower())))
    rows = session.execute(query.limit(page_size + 1).offset((max(1, page) - 1) * page_size)).all()
    lines = [LogLine(entry, number, f"{first} {last}" if number else None) for entry, number, first, last in rows]
    record(session, viewer, "audit.view", member_id=member.id if member else None,
           detail={"member_number": member_number, "staff": staff_username}, now=now)
    return lines[:page_size], len(lines) > page_size


def overview_counts(session: Session) -> dict[str, int]:
    """What the administrator's front page counts: members, user accounts and audit-log entries, in one
    statement."""
    members, users, entries = session.execute(select(
        select(func.count()).select_from(Member).scalar_subquery(),
        select(func.count()).select_from(User).scalar_subquery(),
        select(func.count()).select_from(AuditEntry).scalar_subquery())).one()
    return {"members": members, "users": users, "audit": entries}


# -- the admin's reading of action codes ---------------------------------------------------------------------
# Every action written with `record` (tests/core/test_audit_action_labels.py finds them in the source), in Danish
# for the audit log. Third person, past tense: the "Hvem" column says who.
ACTION_LABELS = {
    "audit.view": N_("Så revisionsloggen"),
    "availability.hours_add": N_("Tilføjede arbejdstid"),
    "availability.hours_remove": N_("Fjernede arbejdstid"),
    "availability.exception_add": N_("Tilføjede fravær eller ekstra tid"),
    "availability.exception_remove": N_("Fjernede fravær eller ekstra tid"),
    "booking.calendar_view": N_("Så kalenderen"),
    "booking.create": N_("Bookede en samtale"),
    "booking.reschedule": N_("Flyttede en samtale"),
    "booking.reassign": N_("Gav en samtale til en anden sagsbehandler"),
    "booking.cancel": N_("Aflyste en samtale"),
    "booking.view": N_("Så en samtale"),
    "booking.member_lookup": N_("Slog et medlem op for at booke"),
    "booking.outcome": N_("Registrerede, hvordan en samtale gik"),
    "caseload.viewed": N_("Så sagsoversigten"),
    "clash.override": N_("Bookede trods en anden aftale på samme tid"),
    "consent.give": N_("Registrerede et samtykke"),
    "consent.withdraw": N_("Registrerede, at et samtykke blev trukket tilbage"),
    "conversation.recorded": N_("Registrerede en afholdt samtale"),
    "dfdg.pending": N_("Besked til jobcentret via DFDG venter (DFDG svarer ikke)"),
    "dfdg.sent": N_("Besked sendt til jobcentret via DFDG"),
    "dfdg.failed": N_("Besked til jobcentret via DFDG fejlede, prøves igen"),
    "dfdg.dead": N_("Besked til jobcentret via DFDG opgivet"),
    "fvu.feedback_recorded": N_("Registrerede FVU-udbyderens tilbagemelding"),
    "handoff.request": N_("Bad om at chatte med en medarbejder"),
    "handoff.claim": N_("Overtog en chat fra chatbotten"),
    "handoff.view": N_("Så en chat"),
    "handoff.reply": N_("Svarede i en chat"),
    "handoff.hand_on": N_("Gav en chat videre til en kollega"),
    "handoff.escalate": N_("Eskalerede en ubesvaret chat"),
    "handoff.return_to_bot": N_("Gav chatten tilbage til chatbotten"),
    "handoff.resolve": N_("Afsluttede en chat"),
    "handoff.closed_by_member": N_("Medlemmet lukkede chatten"),
    "jobcentre.sent": N_("Sendte en besked til jobcentret"),
    "jobcentre.inbox_viewed": N_("Så jobcentrets indbakke"),
    "jobcentre.plan_approved": N_("Jobcentret godkendte en aktivitet i Min plan"),
    "jobcentre.plan_rejected": N_("Jobcentret afviste en aktivitet i Min plan"),
    "jobcentre.joint_accepted": N_("Jobcentret accepterede tidspunktet for en fællessamtale"),
    "jobcentre.joint_counter": N_("Jobcentret foreslog et andet tidspunkt for en fællessamtale"),
    "jobcentre.joint_reminded": N_("Mindede jobcentret om en fællessamtale"),
    "jobcentre.answer_recorded": N_("Registrerede jobcentrets svar på en visitation"),
    "jobcentre.withdrawn": N_("Trak en anmodning til jobcentret tilbage"),
    "jobcentre.escalated": N_("Jobcentret svarede ikke: sagsbehandleren fik besked"),
    "jobmatch.cv_requested": N_("Bad om et CV i JobMatch (chatten)"),
    "jobmatch.cv_created": N_("Oprettede et CV i JobMatch"),
    "jobmatch.cv_updated": N_("Rettede et CV i JobMatch"),
    "jobmatch.cv_viewed": N_("Så et CV i JobMatch"),
    "jobmatch.agent_on": N_("Slog jobagenten til"),
    "jobmatch.agent_off": N_("Slog jobagenten fra"),
    "jobmatch.order_created": N_("Oprettede en jobordre"),
    "jobmatch.order_viewed": N_("Så en jobordre"),
    "jobmatch.order_status": N_("Ændrede status på en jobordre"),
    "jobmatch.referred": N_("Henviste et medlem til et job"),
    "jobmatch.referral_status": N_("Ændrede status på en henvisning til et job"),
    "jobmatch.placed": N_("Registrerede en ansættelse fra JobMatch"),
    "kpi.view": N_("Så styringsdashboardet"),
    "kpi.export": N_("Hentede tal fra styringsdashboardet"),
    "login.success": N_("Loggede ind"),
    "login.failed": N_("Forkert adgangskode ved login"),
    "login.throttled": N_("Login holdt tilbage efter for mange forkerte forsøg"),
    "login.link_sent": N_("Fik sendt et loginlink"),
    "login.link_throttled": N_("Loginlink holdt tilbage efter for mange forsøg"),
    "login.unlock_requested": N_("Bad om at få kontoen låst op"),
    "login.unlocked_by_email": N_("Låste kontoen op med linket i e-mailen"),
    "logout": N_("Loggede ud"),
    "member.caseworker_change": N_("Gav medlemmet en ny sagsbehandler"),
    "member.file_opened": N_("Åbnede medlemmets sag"),
    "member.register_from_chat": N_("Oprettede et medlem fra chatten"),
    "member.register_from_chat_known_contact": N_("Sendte et login-link, fordi chatten fik et kendt medlems "
                                                  "kontaktoplysninger"),
    "member.preferred_channel_from_chat": N_("Registrerede den foretrukne kontaktform fra chatten"),
    "member.phone_from_chat": N_("Registrerede et telefonnummer fra chatten"),
    "my_data.export": N_("Hentede en kopi af sine data"),
    "offers.offer_created": N_("Oprettede et tilbud"),
    "offers.offer_updated": N_("Rettede et tilbud"),
    "offers.session_created": N_("Oprettede et hold"),
    "offers.session_updated": N_("Rettede et hold"),
    "offers.session_cancelled": N_("Aflyste et hold"),
    "offers.registered": N_("Tilmeldte til et hold"),
    "offers.waitlisted": N_("Skrev på venteliste til et hold"),
    "offers.waitlist_left": N_("Forlod en venteliste"),
    "offers.seat_offered": N_("Tilbød en ledig plads fra ventelisten"),
    "offers.seat_accepted": N_("Tog imod en ledig plads"),
    "offers.seat_declined": N_("Sagde nej til en ledig plads"),
    "offers.seat_not_open": N_("En ledig plads gik videre: tilbuddet passer ikke længere til medlemmet"),
    "offers.hold_expired": N_("En reserveret plads udløb"),
    "offers.cancelled": N_("Afmeldte en tilmelding til et hold"),
    "offers.right_and_duty_assigned": N_("Gjorde et tilbud til ret og pligt"),
    "offers.caseworker_flagged": N_("Sagsbehandleren fik besked om en tilmelding"),
    "offers.checkin_list_viewed": N_("Så deltagerlisten til et hold"),
    "offers.attendance": N_("Registrerede fremmøde på et hold"),
    "outbox.view": N_("Så udbakken"),
    "outbox.retry": N_("Sendte en besked i udbakken igen"),
    "outbox.cancel": N_("Stoppede en besked i udbakken"),
    "outcomes.import": N_("Importerede ydelses- og beskæftigelsesdata"),
    "plan.propose": N_("Foreslog et punkt i Min plan"),
    "plan.accept": N_("Godkendte et forslag i Min plan"),
    "plan.reject": N_("Afviste et forslag i Min plan"),
    "plan.status": N_("Ændrede status på et punkt i Min plan"),
    "plan.comment": N_("Kommenterede et punkt i Min plan"),
    "plan.jobcentre_decision": N_("Registrerede jobcentrets afgørelse i Min plan"),
    "preparation.view": N_("Så svarene på spørgsmål 2 og 10"),
    "preparation.answer": N_("Registrerede svar på spørgsmål 2 og 10"),
    "profile.update": N_("Rettede medlemmets profil"),
    "profiling.scored": N_("Profilerede et medlem"),
    "profiling.scored_all": N_("Profilerede alle medlemmer"),
    "profiling.model_registered": N_("Registrerede en profileringsmodel"),
    "profiling.model_activated": N_("Tog en profileringsmodel i brug"),
    "profiling.group_decided": N_("Besluttede medlemmets målgruppe"),
    "profiling.group_objection": N_("Medlemmet var uenig i målgruppen"),
    "retention.purge": N_("Slettede data efter opbevaringsreglerne"),
    "scheduler.run_once": N_("Startede et planlagt job"),
    "summary.sent": N_("Sendte et samtalereferat"),
    "summary.read_by_member": N_("Medlemmet læste et samtalereferat"),
    "survey.answer": N_("Besvarede en tilfredshedsundersøgelse"),
    "user.create": N_("Oprettede en bruger"),
    "user.create_passwordless": N_("Oprettede en bruger uden adgangskode"),
    "user.set_password": N_("Satte en ny adgangskode for en bruger"),
    "user.deactivate": N_("Lukkede en brugers adgang"),
    "user.reassign": N_("Gav en sagsbehandlers medlemmer og samtaler til en kollega"),
    "visitation.created": N_("Visiterede til parallelt kontaktforløb"),
    "visitation.status": N_("Ændrede status på en visitation"),
}
# Codes made of a prefix and a name from a registry: `job.<job id>` (scheduling/jobs.py, one entry per run).
ACTION_FAMILIES = {
    "job.": N_("Planlagt job kørt"),
}


def action_label(action: str) -> str:
    """The action's Danish label in the reader's language; an unknown code is shown as it is."""
    label = ACTION_LABELS.get(action)
    if label is None:
        label = next((text for prefix, text in ACTION_FAMILIES.items() if action.startswith(prefix)), None)
    return gettext(label) if label is not None else action


# Who did it, when it was not a signed-in person (AuditEntry.actor_label holds the SystemActor's value).
SYSTEM_ACTOR_LABELS = {
    "scheduler": N_("Planlæggeren (automatisk job)"),
    "chatbot": N_("Chatbotten"),
    "cli": N_("En driftskommando (flask)"),
    "demo": N_("Demodata"),
    "system": N_("Portalen selv"),
    "survey-link": N_("Medlemmet via linket til undersøgelsen"),
    "fvu-link": N_("FVU-udbyderen via sit link"),
    "jobcentre-exchange": N_("Udvekslingen med jobcentret"),
    "anonymous": N_("Ikke logget ind"),
}


def actor_text(entry: AuditEntry) -> str:
    """Who made the entry, for the reader: the person's name, or a system actor named in words."""
    if entry.actor is not None:
        return entry.actor.display_name
    label = SYSTEM_ACTOR_LABELS.get(entry.actor_label or "")
    return gettext(label) if label is not None else (entry.actor_label or "")
