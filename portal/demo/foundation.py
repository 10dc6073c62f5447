"""The foundation's demo data: 47 locations, 220 caseworkers, N members (bulk inserts), the five demo accounts."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.passwords import hash_password
from portal.demo.context import SeedContext, bulk_insert
from portal.demo.locations import LOCATIONS, weight
from portal.demo.names import FEMALE, LAST, MALE, TRADES_FOA, TRADES_OTHER
from portal.models import Caseworker, Member, ServiceLocation, User
from portal.models.jobcentre import JobcentreStaff
from portal.models.statuses import MemberStatus
from portal.services.jobcentre import municipalities
from portal.timeutil import to_local

CASEWORKER_COUNT = 220
BATCH = 10_000
DEMO_LOGINS = [
    ("medlem", "ledigt medlem, 5 uger, målgruppe 2a, har egen sagsbehandler"),
    ("opsagt", "opsagt medlem (O), 3 måneders opsigelse tilbage"),
    ("sygemeldt", "sygemeldt medlem, rundbordssamtale med jobcentret booket, tilmeldt et webinar"),
    ("sagsbehandler", "sagsbehandler i Odense, egen sagsbehandler for 'medlem'"),
    ("styregruppe", "styregruppen (dashboard)"),
    ("jobcenter", "medarbejder i Jobcenter Odense ('medlem's jobcenter): godkender aktivering i Min plan"),
    ("admin", "administrator"),
]


def seed_foundation(session: Session, *, members: int, seed: int, now: datetime,
                    password: str | None = None) -> SeedContext:
    """`now` is the one moment every step builds from; `today` is its date in Copenhagen."""
    from flask import current_app

    password = password or current_app.config["DEMO_PASSWORD"]
    ctx = SeedContext(rng=random.Random(seed), seed=seed, today=to_local(now).date(), now=now, password=password,
                      password_hash=hash_password(password))
    _locations(session, ctx)
    _staff(session, ctx)
    _demo_members(session, ctx)
    _bulk_members(session, ctx, members)
    session.commit()
    ctx.summary.update(locations=len(ctx.location_ids), caseworkers=len(ctx.caseworker_ids),
                       members=ctx.member_count)
    return ctx


def _locations(session: Session, ctx: SeedContext) -> None:
    session.execute(bulk_insert(ServiceLocation), [
        {"name": n, "region": r, "latitude": la, "longitude": lo, "fvu_city": f} for n, r, la, lo, f in LOCATIONS
    ])
    ctx.location_ids = dict(session.execute(select(ServiceLocation.name, ServiceLocation.id)).all())


def _user(session: Session, ctx: SeedContext, username: str, role: str, name: str) -> int:
    user_id = session.execute(bulk_insert(User).returning(User.id), [{
        "username": username, "password_hash": ctx.password_hash, "role": role, "display_name": name,
        "email": f"{username}@eksempel.dk", "locale": "da", "active": True, "failed_logins": 0,
        "session_generation": 0, "created_at": ctx.now,
    }]).scalar_one()
    ctx.users[username] = user_id
    return user_id


def _staff(session: Session, ctx: SeedContext) -> None:
    rng = ctx.rng
    names = list(ctx.location_ids)
    total_weight = sum(weight(n) for n in names)
    # At least 2 per location, the rest by size, 220 in all (DOMAIN.md: 220 caseworkers at 47 locations).
    per_location = {n: 2 for n in names}
    spare = CASEWORKER_COUNT - 2 * len(names)
    for n in names:
        per_location[n] += spare * weight(n) // total_weight
    leftover = CASEWORKER_COUNT - sum(per_location.values())
    for n in sorted(names, key=weight, reverse=True)[:leftover]:
        per_location[n] += 1
    demo_user = _user(session, ctx, "sagsbehandler", "caseworker", "Birgitte Holm")
    rows = [{"user_id": demo_user, "location_id": ctx.location_ids["Odense"], "group2_specialist": True,
             "central_unit": False}]
    per_location["Odense"] -= 1
    user_rows = []
    for n in names:
        for i in range(per_location[n]):
            female = rng.random() < 0.7
            first = rng.choice(FEMALE if female else MALE)
            user_rows.append({
                "username": f"sb-{_slug(n)}-{i + 1}", "password_hash": ctx.password_hash, "role": "caseworker",
                "display_name": f"{first} {rng.choice(LAST)}", "email": f"sb-{_slug(n)}-{i + 1}@eksempel.dk",
                "locale": "da", "active": True, "failed_logins": 0, "session_generation": 0, "created_at": ctx.now,
                "_location": n, "_specialist": i == 0 and per_location[n] >= 4,
                "_central": n == "Valby" and i == 0,
            })
    ids = session.execute(
        bulk_insert(User).returning(User.id, sort_by_parameter_order=True),
        [{k: v for k, v in r.items() if not k.startswith("_")} for r in user_rows],
    ).scalars().all()
    for user_id, r in zip(ids, user_rows):
        rows.append({"user_id": user_id, "location_id": ctx.location_ids[r["_location"]],
                     "group2_specialist": r["_specialist"], "central_unit": r["_central"]})
    cw_ids = session.execute(bulk_insert(Caseworker).returning(Caseworker.id, Caseworker.location_id,
                                                          sort_by_parameter_order=True), rows).all()
    ctx.caseworker_ids = [cid for cid, _ in cw_ids]
    for cid, loc in cw_ids:
        ctx.caseworkers_by_location.setdefault(loc, []).append(cid)
    ctx.demo_caseworker_id = cw_ids[0][0]
    _user(session, ctx, "styregruppe", "steering", "Styregruppen")
    _user(session, ctx, "admin", "admin", "Administrator")
    # A job-centre user of medlem's home municipality (issue 16): Jobcenter Odense.
    jobcentre_user = _user(session, ctx, "jobcenter", "jobcenter", "Hanne Lund, Jobcenter Odense")
    session.execute(bulk_insert(JobcentreStaff), [{"user_id": jobcentre_user, "jobcentre_code": 461}])


def _slug(name: str) -> str:
    return (name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace(".", "")
            .replace(" ", "-"))


def _demo_members(session: Session, ctx: SeedContext) -> None:
    odense = ctx.location_ids["Odense"]
    base = {"created_at": ctx.now, "updated_at": ctx.now, "language": "da", "placement": "new"}
    medlem_user = _user(session, ctx, "medlem", "member", "Mette Jensen")
    opsagt_user = _user(session, ctx, "opsagt", "member", "Lars Nielsen")
    sick_user = _user(session, ctx, "sygemeldt", "member", "Susanne Berg")
    rows = [
        {**base, "member_number": "1000001", "user_id": medlem_user, "first_name": "Mette", "last_name": "Jensen",
         "email": "medlem@eksempel.dk", "phone": "+4520304050", "birth_date": date(1971, 3, 14), "gender": "female",
         "location_id": odense, "municipality_code": 461, "caseworker_id": ctx.demo_caseworker_id,
         "status": "ledig", "mark_o": False,
         "first_unemployment_day": ctx.today - timedelta(weeks=5), "notice_end_date": None, "target_group": "2a",
         "trade_inside_foa": True, "trade": "Social- og sundhedshjælper",
         "job_goal": "Social- og sundhedshjælper i hjemmeplejen", "preferred_channel": "in_person"},
        {**base, "member_number": "1000002", "user_id": opsagt_user, "first_name": "Lars", "last_name": "Nielsen",
         "email": "opsagt@eksempel.dk", "phone": "+4530405060", "birth_date": date(1979, 9, 2), "gender": "male",
         "location_id": odense, "municipality_code": 480, "caseworker_id": None, "status": "opsagt",
         "mark_o": True,
         "first_unemployment_day": None, "notice_end_date": _add_months(ctx.today, 3), "target_group": None,
         "trade_inside_foa": True, "trade": "Køkkenassistent", "job_goal": "Køkkenassistent eller ernæringsassistent",
         "preferred_channel": "phone"},
        # Sick-listed from her job in home care (sygedagpenge); her caseworker follows her with the job centre.
        {**base, "member_number": "1000003", "user_id": sick_user, "first_name": "Susanne", "last_name": "Berg",
         "email": "sygemeldt@eksempel.dk", "phone": "+4540506070", "birth_date": date(1968, 6, 21),
         "gender": "female", "location_id": odense, "municipality_code": 461,
         "caseworker_id": ctx.demo_caseworker_id, "status": "sygemeldt", "mark_o": False,
         "first_unemployment_day": None, "notice_end_date": None, "target_group": None,
         "trade_inside_foa": True, "trade": "Social- og sundhedsassistent",
         "job_goal": "Social- og sundhedsassistent, gerne med færre tunge løft", "preferred_channel": "in_person"},
    ]
    ids = session.execute(bulk_insert(Member).returning(Member.id, sort_by_parameter_order=True), rows).scalars().all()
    ctx.demo_member_id, ctx.dismissed_member_id, ctx.sick_member_id = ids
    ctx.member_count += 3


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _bulk_members(session: Session, ctx: SeedContext, total: int) -> None:
    """The rest of the members, in batches of 10,000 multi-row inserts."""
    rng = ctx.rng
    names = list(ctx.location_ids)
    weights = [weight(n) for n in names]
    remaining = max(0, total - ctx.member_count)
    number = 1000004
    home_rng = random.Random(ctx.seed + 16)  # its own stream: the other columns stay as they were before issue 16
    job_rng = random.Random(ctx.seed + 17)  # its own stream too (issue 17)
    while remaining > 0:
        batch = min(BATCH, remaining)
        rows = [_found_a_job(job_rng, ctx.today, _member_row(ctx, rng, number + i, names, weights, home_rng))
                for i in range(batch)]
        session.execute(bulk_insert(Member), rows)
        number += batch
        remaining -= batch
        ctx.member_count += batch


def _home_municipality(rng: random.Random, location_name: str) -> int:
    """A home municipality around the member's service location (issue 16): its own one mostly, else a
    neighbour within about 35 km."""
    codes, weights = _municipalities_around(location_name)
    return rng.choices(codes, weights)[0]


@cache
def _municipalities_around(location_name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    lat, lon = next((la, lo) for n, _r, la, lo, _f in LOCATIONS if n == location_name)
    codes, weights = zip(*municipalities.around_location(location_name, lat, lon))
    return codes, weights


# Issue 17: most members whose benefit period began more than 13 weeks ago have found a job by now (DOMAIN.md: the
# 2017 baseline has 11.5 % still on benefit after 13 weeks); the rest are the long-term unemployed, more of them in
# target group 2 (at risk of long-term unemployment).
STILL_UNEMPLOYED_AFTER_13_WEEKS = {"1": 0.07, "2a": 0.22, "2b": 0.22}


def _found_a_job(rng: random.Random, today: date, row: dict) -> dict:
    """A `ledig` member past 13 weeks becomes, mostly, a member in a job: the benefit period that began on their
    first day ended with a job (portal/demo/outcomes.py lays it out), usually before day 92."""
    first_day = row["first_unemployment_day"]
    if row["status"] != "ledig" or (today - first_day).days < 13 * 7:
        return row
    still = STILL_UNEMPLOYED_AFTER_13_WEEKS.get(row["target_group"], 0.07)
    return row if rng.random() < still else {**row, "status": "i_job"}


def _member_row(ctx: SeedContext, rng: random.Random, number: int, names: list[str], weights: list[int],
                home_rng: random.Random) -> dict:
    today = ctx.today
    female = rng.random() < 0.78  # FOA's members are mostly women
    first = rng.choice(FEMALE if female else MALE)
    age = min(67, max(18, int(rng.triangular(19, 67, 50))))
    birth = today - timedelta(days=age * 365 + rng.randrange(365))
    location_name = rng.choices(names, weights)[0]
    location_id = ctx.location_ids[location_name]
    roll = rng.random()
    status = (MemberStatus.LEDIG if roll < 0.70 else MemberStatus.OPSAGT if roll < 0.82
              else MemberStatus.SYGEMELDT if roll < 0.90 else MemberStatus.I_JOB)
    group = rng.choices(["1", "2a", "2b"], [0.6, 0.25, 0.15])[0]
    inside = group != "2b" and rng.random() < 0.93
    trade = rng.choice(TRADES_FOA if inside or rng.random() < 0.7 else TRADES_OTHER)
    first_day = notice_end = None
    if status == MemberStatus.LEDIG:
        weeks = rng.uniform(0, 26) if rng.random() < 0.9 else rng.uniform(26, 52)
        first_day = today - timedelta(days=int(weeks * 7))
    elif status == MemberStatus.I_JOB:
        first_day = today - timedelta(days=rng.randint(30, 360))
    elif status == MemberStatus.OPSAGT:
        notice_end = today + timedelta(days=rng.randint(10, 180))
        group = None
    elif status == MemberStatus.SYGEMELDT:
        group = None if rng.random() < 0.5 else group
    caseworkers = ctx.caseworkers_by_location[location_id]
    has_caseworker = status in (MemberStatus.LEDIG, MemberStatus.SYGEMELDT, MemberStatus.I_JOB) or rng.random() < 0.3
    return {
        "member_number": str(number), "user_id": None, "first_name": first, "last_name": rng.choice(LAST),
        "email": f"m{number}@eksempel.dk", "phone": f"+45{rng.randint(20000000, 99999999)}", "birth_date": birth,
        "gender": "female" if female else "male", "location_id": location_id,
        "municipality_code": _home_municipality(home_rng, location_name),
        "caseworker_id": rng.choice(caseworkers) if has_caseworker else None, "status": status,
        "mark_o": status == MemberStatus.OPSAGT, "notice_end_date": notice_end, "first_unemployment_day": first_day,
        "target_group": group, "trade_inside_foa": inside, "trade": trade, "job_goal": trade,
        "placement": "returning" if rng.random() < 0.3 else "new",
        "preferred_channel": rng.choices(["in_person", "phone", "video"], [0.6, 0.25, 0.15])[0],
        "language": "da" if rng.random() < 0.95 else "en", "created_at": ctx.now, "updated_at": ctx.now,
    }
