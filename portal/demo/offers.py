"""Demo offers: a realistic programme from two weeks ago to eight weeks ahead, with registrations.

Webinars on the four topics, theme meetings in the larger departments, FVU tests and courses at AOF in the FVU
cities (one SOSU variant; "op til 60 timer", a few runs already finished), IT café, job club and job dating. Past
sessions have attendance recorded. The demo member "medlem" is registered for a webinar, waiting as no. 2 for a
full theme meeting, has a held seat on a full IT café, a right-and-duty FVU test from "sagsbehandler", and attended
a job club last week.

Before that programme, the webinars of the past 15 months, attended by most group 1 members whose benefit period
lasted past 9 weeks (the extra contact course; group 2's are its focus conversations, portal/demo/statutory.py).
"""
from __future__ import annotations

import random
from bisect import bisect_left
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.demo.context import SeedContext, bulk_insert
from portal.demo.history import declines_extra_course, history_of
from portal.demo.locations import weight
from portal.models import Booking, Member, ServiceLocation
from portal.models.booking import ACTIVE_BOOKING_STATUSES
from portal.models.offers import Offer, OfferRegistration, OfferSession
from portal.models.statuses import MemberStatus
from portal.models.statuses import RegistrationStatus as _R  # as in portal/models/offers.py
from portal.services.booking.clashes import MAX_MEETING
from portal.services.danish_calendar import is_closed_day
from portal.services.steering.kpi_measures import EXTRA_COURSE_OFFER_KINDS
from portal.timeutil import local_to_utc, to_local

WEEKS_AHEAD = 8
WEEKS_BACK = 2
BATCH = 5000
EVERYONE = ("1", "2a", "2b", "opsagt", "sygemeldt")
HISTORY_WEEKS = 66  # the webinars' past: the KPI's default cohort (first days 13 to 65 weeks back) and its courses
EXTRA_COURSE_FROM_DAY = 64  # after 9 weeks on benefit, the extra contact course is offered
EXTRA_COURSE_SHARE = 0.8  # of group 1's periods that lasted that long, the share that joined a webinar

WEBINARS = [
    ("find_job", "Sådan finder du dit nye job",
     "Hvor er jobbene, og hvordan finder du dem? Jobnet, FOA Job, jobagenter og det skjulte jobmarked."),
    ("apply_job", "Sådan søger du jobbet",
     "Ansøgning og CV, der bliver læst: målret til jobopslaget, og få feedback på dit eget udkast."),
    ("interview", "Sådan går du til samtale",
     "Forbered dig til jobsamtalen: typiske spørgsmål, dine styrker og hvad du selv vil spørge om."),
    ("stay_or_change", "Kan jeg blive i mit fag – eller skal jeg prøve noget nyt?",
     "Når kroppen eller jobmarkedet siger stop: muligheder i og uden for FOAs fag, og veje dertil."),
]
THEMES = [
    ("job_search", "Temamøde: Jobsøgning", "Vi gennemgår din jobsøgning og A-B-C-planen sammen med andre ledige."),
    ("job_matching", "Temamøde: Jobmatch", "Sådan bruger du FOA JobMatch, og hvad arbejdsgiverne efterspørger lige nu."),
    ("it_tools", "Temamøde: IT-værktøjer", "Jobnet, foa.dk, FOA Job og jobagenter – vi sætter dem op sammen."),
    ("education", "Temamøde: Uddannelse", "Kurser og uddannelse i FOAs fag, sporskifte og 6 ugers jobrettet uddannelse."),
]
# The application §2.1.3: FVU courses of "op til 60 timer" at AOF; the catalogue says so.
FVU_COURSES = [
    ("reading", False, 60, "FVU-læsning og skrivning",
     "Læs jobopslag, skriv ansøgninger og CV med mere sikkerhed. Op til 60 timer hos AOF."),
    ("maths", False, 60, "FVU-matematik",
     "Tal, regning og skemaer i hverdagen og på jobbet. Op til 60 timer hos AOF."),
    ("digital", False, 60, "FVU-digital", "Brug computer, Jobnet og e-mail trygt. Op til 60 timer hos AOF."),
    ("reading", True, 60, "FVU for SOSU'er: dokumentation",
     "Skriv journalnotater og dokumentation i omsorgsfagene. Op til 60 timer hos AOF."),
]
FINISHED_FVU_RUNS = 4  # course runs that ended in the last two weeks (their feedback: portal/demo/fvu_feedback.py)
EMPLOYERS = [
    ("Jobdating: Aarhus Kommune, Sundhed og Omsorg", "Århus"),
    ("Jobdating: Odense Kommune, Ældre- og Handicapforvaltningen", "Odense"),
    ("Jobdating: Region Hovedstaden, hospitalsservice", "Østerbro-Kbh."),
    ("Jobdating: Aalborg Kommune, hjemmeplejen", "Aalborg"),
    ("Jobdating: Private daginstitutioner i Vejle", "Vejle"),
    ("Jobdating: Køkkener og kantiner på Sjælland", "Næstved"),
]


def seed(session: Session, ctx: SeedContext) -> None:
    locations = {name: (lid, fvu) for lid, name, fvu in session.execute(
        select(ServiceLocation.id, ServiceLocation.name, ServiceLocation.fvu_city))}
    by_size = sorted(locations, key=lambda n: (-weight(n), n))
    offers = _offers(session, ctx)
    programme = _sessions(ctx, offers, locations, by_size)
    past = _past_webinars(ctx, offers)
    rows = programme + past
    ids = session.execute(bulk_insert(OfferSession).returning(OfferSession.id, sort_by_parameter_order=True),
                          rows).scalars().all()
    for row, sid in zip(rows, ids):
        row["id"] = sid
    regs = _registrations(session, ctx, offers, programme, locations)
    regs += _extra_course_history(session, ctx, past)
    for start in range(0, len(regs), BATCH):
        session.execute(bulk_insert(OfferRegistration), regs[start:start + BATCH])
    taken: dict[int, int] = {}
    for r in regs:
        if r["status"] in ("registered", "offered", "attended", "no_show"):
            taken[r["session_id"]] = taken.get(r["session_id"], 0) + 1
    if taken:
        session.execute(OfferSession.__table__.update().where(OfferSession.id == bindparam("b_id")).values(
            seats_taken=bindparam("b_taken")), [{"b_id": sid, "b_taken": n} for sid, n in taken.items()])
    ctx.summary.update(offers=sum(len(v) for v in offers.values()), offer_sessions=len(rows), offer_registrations=len(regs))


def _offer_row(ctx: SeedContext, kind: str, title: str, description: str, groups=EVERYONE, **values) -> dict:
    row = {"kind": kind, "title": title, "description": description, "topic": None, "fvu_subject": None,
           "sosu_variant": False, "provider": "FOA A-kasse", "course_hours": None, "requires_fvu_test": False,
           "hold_hours": 24, "active": True, "created_by_user_id": ctx.users.get("admin"),
           "created_at": ctx.now, "updated_at": ctx.now}
    for audience, column in (("1", "open_group_1"), ("2a", "open_group_2a"), ("2b", "open_group_2b"),
                             ("opsagt", "open_opsagt"), ("sygemeldt", "open_sygemeldt")):
        row[column] = audience in groups
    row.update(values)
    return row


def _offers(session: Session, ctx: SeedContext) -> dict[str, list[dict]]:
    """Offer rows by kind, each with its id."""
    plan: dict[str, list[dict]] = {
        # Webinars are for group 2, and group 1 may join too (DOMAIN.md "Offers").
        "webinar": [_offer_row(ctx, "webinar", t, d, ("1", "2a", "2b", "sygemeldt"), topic=k) for k, t, d in WEBINARS],
        "theme_meeting": [_offer_row(ctx, "theme_meeting", t, d, ("1", "2a", "2b", "sygemeldt"), topic=k)
                          for k, t, d in THEMES],
        "fvu_test": [_offer_row(ctx, "fvu_test", "FVU-test: læsning, skrivning og matematik",
                                "En kort test hos AOF, der viser om et FVU-kursus kan hjælpe dig. Ca. 1½ time.",
                                provider="AOF")],
        "fvu_course": [_offer_row(ctx, "fvu_course", t, d, provider="AOF", fvu_subject=s, sosu_variant=sosu,
                                  course_hours=h, requires_fvu_test=True) for s, sosu, h, t, d in FVU_COURSES],
        "it_cafe": [_offer_row(ctx, "it_cafe", "IT-café", "Kom forbi med din computer eller telefon og få hjælp "
                               "til Jobnet, CV, e-mail og jobagenter.")],
        "job_club": [_offer_row(ctx, "job_club", "Jobklub", "Søg job sammen med andre: sparring på ansøgninger, "
                                "træning i at ringe til arbejdsgivere og faste mål for ugen.", ("1", "2a", "2b"))],
        "job_dating": [_offer_row(ctx, "job_dating", t, "Mød arbejdsgivere, der søger folk nu. Tag dit CV med.",
                                  ("1", "2a", "2b", "opsagt"), hold_hours=12) for t, _loc in EMPLOYERS],
    }
    flat = [row for rows in plan.values() for row in rows]
    ids = session.execute(bulk_insert(Offer).returning(Offer.id, sort_by_parameter_order=True), flat).scalars().all()
    for row, oid in zip(flat, ids):
        row["id"] = oid
    return plan


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour, minute)))


def _session_row(ctx: SeedContext, offer: dict, day: date, start: tuple[int, int], minutes: int, capacity: int,
                 location: tuple[str, int] | None = None, link: str | None = None, end_day: date | None = None,
                 venue: str | None = None) -> dict:
    starts = _at(day, *start)
    ends = _at(end_day, *start) + timedelta(minutes=minutes) if end_day else starts + timedelta(minutes=minutes)
    return {"offer_id": offer["id"], "starts_at": starts, "ends_at": ends,
            "location_id": location[1] if location else None,
            "venue": venue or (f"FOA {location[0]}, mødelokale 1" if location else None), "online_link": link,
            "capacity": capacity, "seats_taken": 0, "status": "open", "cancel_reason": None, "sequence": 0,
            "created_at": ctx.now, "updated_at": ctx.now, "_kind": offer["kind"], "_offer": offer}


def _weekday(monday: date, offset: int) -> date:
    return monday + timedelta(days=offset)


def _sessions(ctx: SeedContext, offers, locations, by_size) -> list[dict]:
    rows: list[dict] = []
    first_monday = ctx.today - timedelta(days=ctx.today.weekday()) - timedelta(weeks=WEEKS_BACK)
    weeks = [first_monday + timedelta(weeks=w) for w in range(WEEKS_BACK + WEEKS_AHEAD + 1)]
    fvu_cities = [n for n in by_size if locations[n][1]]
    for w, monday in enumerate(weeks):
        for i, offer in enumerate(offers["webinar"]):
            if (w + i) % 2 == 0:  # each topic every other week, Tuesday morning or Thursday afternoon
                day, start = (_weekday(monday, 1), (10, 0)) if i % 2 == 0 else (_weekday(monday, 3), (13, 0))
                rows.append(_session_row(ctx, offer, day, start, 75, 40,
                                         link=f"https://moede.foa.dk/webinar/{offer['topic']}-{w + 1}"))
        for j, name in enumerate(by_size[:20]):  # theme meetings in the 20 largest departments, topics rotating
            offer = offers["theme_meeting"][(w + j) % 4]
            rows.append(_session_row(ctx, offer, _weekday(monday, 2), (9, 30), 150, 20, (name, locations[name][0])))
        for j, name in enumerate(by_size[:25]):
            rows.append(_session_row(ctx, offers["it_cafe"][0], _weekday(monday, 2), (13, 0), 120, 12,
                                     (name, locations[name][0])))
        for j, name in enumerate(by_size[:30]):
            rows.append(_session_row(ctx, offers["job_club"][0], _weekday(monday, 0), (9, 30), 120, 15,
                                     (name, locations[name][0])))
        for j, name in enumerate(fvu_cities):
            if (w + j) % 2 == 0:
                rows.append(_session_row(ctx, offers["fvu_test"][0], _weekday(monday, 3), (9, 0), 90, 8,
                                         (name, locations[name][0]), venue=f"AOF {name}"))
    for k, offer in enumerate(offers["fvu_course"]):  # one course run per city, starting in the coming weeks
        cities = fvu_cities[:6] if offer["sosu_variant"] else fvu_cities[:14]
        for j, name in enumerate(cities):
            start = weeks[WEEKS_BACK + 1 + (j + k) % 5] + timedelta(days=1)
            rows.append(_session_row(ctx, offer, start, (9, 0), 180, 12, (name, locations[name][0]),
                                     end_day=start + timedelta(weeks=7), venue=f"AOF {name}"))
    # Finished runs, seven weeks from a Tuesday to a Tuesday one or two weeks ago; Odense (the demo caseworker's
    # department) first, so "sagsbehandler" finds course feedback on members of their own location.
    this_monday = ctx.today - timedelta(days=ctx.today.weekday())
    finished_cities = list(dict.fromkeys([n for n in fvu_cities if n == "Odense"] + fvu_cities))[:FINISHED_FVU_RUNS]
    for j, name in enumerate(finished_cities):
        end = this_monday - timedelta(weeks=1 + j % 2) + timedelta(days=1)
        start = end - timedelta(weeks=7)
        rows.append(_session_row(ctx, offers["fvu_course"][j % 3], start, (9, 0), 180, 12,
                                 (name, locations[name][0]), end_day=end, venue=f"AOF {name}"))
    for (title, city), offer in zip(EMPLOYERS, offers["job_dating"]):
        for n in (2, 5):
            day = weeks[WEEKS_BACK + n] + timedelta(days=(len(title) % 4) + 1)
            rows.append(_session_row(ctx, offer, day, (13, 0), 180, 30, (city, locations[city][0])))
    # Nothing on a public holiday or closing day (the departments and AOF are closed).
    return [row for row in rows if not is_closed_day(to_local(row["starts_at"]).date())]


def _past_webinars(ctx: SeedContext, offers) -> list[dict]:
    """The webinars before the programme of `_sessions`, on the same rota: each topic every other week."""
    rows: list[dict] = []
    first_monday = ctx.today - timedelta(days=ctx.today.weekday()) - timedelta(weeks=HISTORY_WEEKS)
    for w in range(HISTORY_WEEKS - WEEKS_BACK):
        monday = first_monday + timedelta(weeks=w)
        for i, offer in enumerate(offers["webinar"]):
            if (w + i) % 2 == 0:
                day, start = (_weekday(monday, 1), (10, 0)) if i % 2 == 0 else (_weekday(monday, 3), (13, 0))
                rows.append(_session_row(ctx, offer, day, start, 75, 40,
                                         link=f"https://moede.foa.dk/webinar/{offer['topic']}-h{w + 1}"))
    return [row for row in rows if not is_closed_day(to_local(row["starts_at"]).date())]


def _extra_course_history(session: Session, ctx: SeedContext, rows: list[dict]) -> list[dict]:
    """Attended seats on the past webinars for group 1 members in the weeks after their 9th week on benefit."""
    rng = random.Random(ctx.seed + 21)  # its own stream: the programme's registrations stay as they were
    groups = dict(session.execute(select(Member.id, Member.target_group)).all())
    skip = {ctx.demo_member_id, ctx.dismissed_member_id, ctx.sick_member_id}
    rows = sorted(rows, key=lambda r: r["starts_at"])
    starts = [to_local(r["starts_at"]).date() for r in rows]
    seats = {id(r): 0 for r in rows}
    diary = _Diary(session, ctx.now)
    regs: list[dict] = []
    for period in history_of(session, ctx).periods:
        group = period.target_group or groups.get(period.member_id)
        if period.member_id in skip or group in ("2a", "2b") or rng.random() >= EXTRA_COURSE_SHARE \
                or declines_extra_course(ctx, period.member_id):
            continue
        first = period.start_date + timedelta(days=EXTRA_COURSE_FROM_DAY - 1)
        last = min(period.end_date or ctx.today, ctx.today - timedelta(days=1))
        window = range(bisect_left(starts, first), bisect_left(starts, last + timedelta(days=1)))
        if not window:
            continue
        offset = rng.randrange(len(window))
        for i in list(window[offset:]) + list(window[:offset]):
            row = rows[i]
            if row["ends_at"] <= ctx.now and seats[id(row)] < row["capacity"] \
                    and diary.free(period.member_id, row, "attended"):
                diary.take(period.member_id, row, "attended")
                seats[id(row)] += 1
                regs.append(_reg(ctx, row, period.member_id, "attended",
                                 row["starts_at"] - timedelta(days=rng.randint(3, 12))))
                break
    return regs


def _registrations(session: Session, ctx: SeedContext, offers, rows: list[dict], locations) -> list[dict]:
    rng = ctx.rng
    demo_ids = {ctx.demo_member_id, ctx.dismissed_member_id, ctx.sick_member_id}
    pool: dict[tuple[int, str], list[int]] = {}
    everywhere: dict[str, list[int]] = {}
    for mid, loc, status, group in session.execute(
            select(Member.id, Member.location_id, Member.status, Member.target_group)
            .where(Member.status != MemberStatus.I_JOB)):
        if mid in demo_ids:
            continue
        audience = "opsagt" if status == MemberStatus.OPSAGT else (group or "1")
        pool.setdefault((loc, audience), []).append(mid)
        everywhere.setdefault(audience, []).append(mid)
    regs: list[dict] = []
    diary = _Diary(session, ctx.now)
    special = _demo_member_plan(ctx, offers, rows, locations, diary)  # first, so nobody else's choices move them
    for row in rows:
        offer = row["_offer"]
        audiences = [a for a in EVERYONE if offer[{"1": "open_group_1", "2a": "open_group_2a", "2b": "open_group_2b",
                                                   "opsagt": "open_opsagt", "sygemeldt": "open_sygemeldt"}[a]]]
        candidates: list[int] = []
        for a in audiences:
            candidates += everywhere.get(a, []) if row["location_id"] is None else pool.get((row["location_id"], a), [])
        if row["_kind"] in EXTRA_COURSE_OFFER_KINDS:
            candidates = [m for m in candidates if not declines_extra_course(ctx, m)]
        if not candidates:
            continue
        wanted = special.get(id(row), {}).get("fill")
        if wanted is None:
            wanted = int(row["capacity"] * rng.uniform(0.15, 0.95))
        waiting = special.get(id(row), {}).get("waiting", 0)
        if id(row) in special and len(candidates) < wanted + waiting:  # a small demo: fill from elsewhere
            extra = [m for a in audiences for m in everywhere.get(a, [])]
            candidates = list(dict.fromkeys(candidates + extra))
        chosen = diary.pick(rng.sample(candidates, len(candidates)), row, wanted, waiting)
        past = row["ends_at"] <= ctx.now
        created = min(ctx.now, row["starts_at"]) - timedelta(days=10)
        for n, mid in enumerate(chosen):
            if n < wanted:
                status = ((_R.ATTENDED if rng.random() < 0.82 else _R.NO_SHOW) if past
                          else _R.REGISTERED)
                hours = None
                if status == _R.ATTENDED and row["_kind"] == "fvu_course":
                    hours = Decimal(rng.choice([offer["course_hours"], offer["course_hours"] - 3]))
                regs.append(_reg(ctx, row, mid, status, created + timedelta(minutes=n), attended_hours=hours))
            else:
                regs.append(_reg(ctx, row, mid, "waitlisted", created + timedelta(hours=1, minutes=n)))
        for spec in special.get(id(row), {}).get("medlem", []):
            spec = dict(spec)
            regs.append(_reg(ctx, row, spec.pop("member_id", ctx.demo_member_id), **spec))
    return regs


class _Diary:
    """Who is where when, so the demo keeps the portal's rules: one person, one place at a time (bookings, seats
    and held seats; course periods of weeks aside, see portal/services/booking/clashes.py) and one live registration per
    offer."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.now = now
        self.busy: dict[int, list[tuple[datetime, datetime]]] = {}
        self.on_offer: set[tuple[int, int]] = set()
        for member_id, starts, ends in session.execute(
                select(Booking.member_id, Booking.starts_at, Booking.ends_at)
                .where(Booking.status.in_(ACTIVE_BOOKING_STATUSES))):
            self.busy.setdefault(member_id, []).append((starts, ends))

    def _meeting(self, row: dict) -> bool:
        return row["ends_at"] - row["starts_at"] <= MAX_MEETING

    def free(self, member_id: int, row: dict, status: str) -> bool:
        live = row["ends_at"] > self.now and status in (_R.REGISTERED, _R.OFFERED, _R.WAITLISTED)
        if live and (member_id, id(row["_offer"])) in self.on_offer:
            return False
        if status == _R.WAITLISTED or not self._meeting(row):
            return True
        return not any(s < row["ends_at"] and e > row["starts_at"] for s, e in self.busy.get(member_id, ()))

    def take(self, member_id: int, row: dict, status: str) -> None:
        if row["ends_at"] > self.now and status in (_R.REGISTERED, _R.OFFERED, _R.WAITLISTED):
            self.on_offer.add((member_id, id(row["_offer"])))
        if status != _R.WAITLISTED and self._meeting(row):
            self.busy.setdefault(member_id, []).append((row["starts_at"], row["ends_at"]))

    def pick(self, shuffled: list[int], row: dict, wanted: int, waiting: int) -> list[int]:
        """Up to wanted seat holders, then up to waiting people in line, from `shuffled`, each free for it."""
        past = row["ends_at"] <= self.now
        chosen: list[int] = []
        for member_id in shuffled:
            if len(chosen) >= wanted + waiting:
                break
            seat = len(chosen) < wanted
            status = (_R.ATTENDED if past else _R.REGISTERED) if seat else _R.WAITLISTED
            if self.free(member_id, row, status):
                self.take(member_id, row, status)
                chosen.append(member_id)
        return chosen


def _reg(ctx: SeedContext, row: dict, member_id: int, status: str, created: datetime, **values) -> dict:
    past = row["ends_at"] <= ctx.now
    reg = {"session_id": row["id"], "member_id": member_id, "status": status,
           "waitlisted_at": created if status == _R.WAITLISTED else None, "held_until": None, "hold_round": 0,
           "registered_at": created if status in (_R.REGISTERED, _R.ATTENDED, _R.NO_SHOW) else None,
           "right_and_duty": False, "assigned_by_user_id": None, "cancelled_at": None, "cancel_reason": None,
           "attendance_recorded_at": row["ends_at"] if past and status in (_R.ATTENDED, _R.NO_SHOW) else None,
           "attendance_by_user_id": None, "attended_hours": None, "completion_note": None, "sequence": 0,
           "created_at": created, "updated_at": created}
    reg.update(values)
    return reg


def _demo_member_plan(ctx: SeedContext, offers, rows: list[dict], locations, diary: _Diary) -> dict[int, dict]:
    """Which sessions "medlem" is on, and which Odense sessions are full with a waiting list; never two places at
    once for medlem (nor a clash with medlem's conversations)."""
    odense = locations["Odense"][0]
    upcoming = [r for r in rows if r["starts_at"] > ctx.now + timedelta(days=1)]
    plan: dict[int, dict] = {}

    def first(pred, status="registered", member_id=ctx.demo_member_id):
        row = next((r for r in sorted(upcoming, key=lambda r: r["starts_at"])
                    if pred(r) and diary.free(member_id, r, status)), None)
        if row is not None:
            diary.take(member_id, row, status)
        return row

    webinar = first(lambda r: r["_kind"] == "webinar" and r["_offer"]["topic"] == "interview")
    theme = first(lambda r: r["_kind"] == "theme_meeting" and r["location_id"] == odense, "waitlisted")
    cafe = first(lambda r: r["_kind"] == "it_cafe" and r["location_id"] == odense, "offered")
    fvu_test = first(lambda r: r["_kind"] == "fvu_test" and r["location_id"] == odense)
    club = next((r for r in sorted(rows, key=lambda r: r["starts_at"], reverse=True)
                 if r["_kind"] == "job_club" and r["location_id"] == odense and r["ends_at"] < ctx.now - timedelta(days=2)),
                None)
    at = ctx.now - timedelta(days=2)
    if webinar:
        plan[id(webinar)] = {"medlem": [{"status": "registered", "created": at}]}
    if theme:  # full, medlem no. 2 of 3 in line
        plan[id(theme)] = {"fill": theme["capacity"], "waiting": 1,
                           "medlem": [{"status": "waitlisted", "created": ctx.now - timedelta(hours=1)}]}
    if cafe:  # full; a seat freed up and is held for medlem for the next 20 hours
        plan[id(cafe)] = {"fill": cafe["capacity"] - 1, "waiting": 2,
                          "medlem": [{"status": "offered", "created": at,
                                      "waitlisted_at": min(ctx.now, cafe["starts_at"]) - timedelta(days=12),
                                      "held_until": ctx.now + timedelta(hours=20), "hold_round": 1}]}
    if fvu_test:
        plan[id(fvu_test)] = {"medlem": [{"status": "registered", "created": at, "right_and_duty": True,
                                          "assigned_by_user_id": ctx.users.get("sagsbehandler")}]}
    dating = first(lambda r: r["_kind"] == "job_dating" and r["location_id"] == odense,
                   member_id=ctx.dismissed_member_id) if ctx.dismissed_member_id else None
    if dating and ctx.dismissed_member_id:
        plan[id(dating)] = {"medlem": [{"status": "registered", "created": at, "member_id": ctx.dismissed_member_id}]}
    if club:
        plan[id(club)] = {"medlem": [{"status": "attended", "created": club["starts_at"] - timedelta(days=5)}]}
    return plan
