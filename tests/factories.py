"""Small factory helpers; each test builds its own data."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Caseworker, Member, ServiceLocation, User
from portal.services.jobcentre.municipalities import LOCATION_MUNICIPALITY
from portal.timeutil import utcnow

PASSWORD = "korrekt-hest-batteri"
_HASH = None
_counter = itertools.count(1)


def _password_hash() -> str:
    """An argon2id hash of PASSWORD with the lowest cost argon2 allows: the portal verifies it like any other hash
    (the parameters travel in the hash), but a test login costs about a millisecond instead of 0.2 s of CPU."""
    global _HASH
    if _HASH is None:
        _HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    return _HASH


class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._municipality_column: bool | None = None

    def location(self, name: str = "Odense", region: str = "Syddanmark", lat: float = 55.40, lon: float = 10.39,
                 fvu_city: bool = True) -> ServiceLocation:
        existing = self.session.scalar(select(ServiceLocation).where(ServiceLocation.name == name))
        if existing:
            return existing
        loc = ServiceLocation(name=name, region=region, latitude=lat, longitude=lon, fvu_city=fvu_city)
        self.session.add(loc)
        self.session.flush()
        return loc

    def user(self, username: str | None = None, role: str = "member", display_name: str | None = None,
             **kwargs) -> User:
        n = next(_counter)
        user = User(
            username=username or f"user{n}", password_hash=_password_hash(), role=role,
            display_name=display_name or f"Bruger {n}", email=f"user{n}@eksempel.dk", locale="da", active=True,
            failed_logins=0, session_generation=0, created_at=utcnow(), **kwargs,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def caseworker(self, username: str | None = None, location: ServiceLocation | None = None,
                   group2_specialist: bool = False, central_unit: bool = False,
                   display_name: str | None = None) -> Caseworker:
        user = self.user(username, role="caseworker", display_name=display_name)
        cw = Caseworker(user_id=user.id, location_id=(location or self.location()).id,
                        group2_specialist=group2_specialist, central_unit=central_unit)
        self.session.add(cw)
        self.session.flush()
        return cw

    def member(self, username: str | None = None, *, login: bool = True, status: str = "ledig",
               first_unemployment_day: date | None = None, weeks_unemployed: int | None = 5,
               location: ServiceLocation | None = None, caseworker: Caseworker | None = None,
               target_group: str | None = "1", **kwargs) -> Member:
        n = next(_counter)
        user = self.user(username or f"medlem{n}", role="member") if login else None
        if status == "ledig" and first_unemployment_day is None:
            first_unemployment_day = date.today() - timedelta(weeks=weeks_unemployed or 0)
        if status == "opsagt":
            kwargs.setdefault("notice_end_date", date.today() + timedelta(days=90))
            kwargs.setdefault("mark_o", True)
        now = utcnow()
        defaults = {
            "member_number": str(2000000 + n), "first_name": "Test", "last_name": f"Medlem{n}",
            "email": f"m{n}@eksempel.dk", "phone": "+4512345678", "birth_date": date(1975, 5, 5), "gender": "female",
            "trade_inside_foa": True, "placement": "new", "preferred_channel": "in_person", "language": "da",
            "created_at": now, "updated_at": now, "trade": "Social- og sundhedshjælper",
        }
        defaults.update(kwargs)
        location = location or self.location()
        # Home municipality (issue 16): the service location's own, unless the test says otherwise (and only where
        # the schema has the column: the migration tests build members on older revisions).
        if not self._has_municipality_column():
            return self._member_on_old_schema(user, status, first_unemployment_day, location, caseworker,
                                              target_group, defaults)
        defaults.setdefault("municipality_code", LOCATION_MUNICIPALITY.get(location.name))
        member = Member(
            user_id=user.id if user else None, status=status, first_unemployment_day=first_unemployment_day,
            location_id=location.id, caseworker_id=caseworker.id if caseworker else None,
            target_group=target_group, **defaults,
        )
        self.session.add(member)
        self.session.flush()
        return member

    def jobcentre_user(self, jobcentre_code: int = 461, username: str | None = None,
                       display_name: str | None = None) -> User:
        """A 'jobcenter' user bound to the job centre of a municipality (default Odense, 461)."""
        from portal.services.jobcentre import jobcentre

        user = self.user(username, role="jobcenter", display_name=display_name)
        jobcentre.create_staff(self.session, user, jobcentre_code)
        return user

    def _member_on_old_schema(self, user, status, first_unemployment_day, location, caseworker, target_group,
                              values: dict):
        """The migration tests build members on a revision before 0011: the ORM would insert columns that do not
        exist yet, so the row goes in through Core and comes back as a plain record (id and the values)."""
        from types import SimpleNamespace

        from sqlalchemy import insert

        values = {k: v for k, v in values.items() if k != "municipality_code"}
        row = dict(values, user_id=user.id if user else None, status=status, location_id=location.id,
                   first_unemployment_day=first_unemployment_day, target_group=target_group,
                   caseworker_id=caseworker.id if caseworker else None)
        row.setdefault("mark_o", False)
        member_id = self.session.execute(insert(Member.__table__).values(**row)).inserted_primary_key[0]
        return SimpleNamespace(id=member_id, **row)

    def _has_municipality_column(self) -> bool:
        if self._municipality_column is None:
            from sqlalchemy import inspect

            columns = inspect(self.session.connection()).get_columns("member")
            self._municipality_column = any(c["name"] == "municipality_code" for c in columns)
        return self._municipality_column

    def commit(self) -> None:
        self.session.commit()
