"""Values typed into the booking forms (a date, a time, a choice from a list), read the same way by the views and by
the services that take a form's fields; ValidationFailed naming the field when one cannot be read."""
from __future__ import annotations

import re
from datetime import date, time

from portal.query_args import db_int
from portal.services.booking.conversation_types import safe_gettext as _
from portal.services.errors import ValidationFailed

# The dates a booking form may name. Python's own calendar ends at year 1 and 9999, and the calendar and slot pages
# count days and weeks around the date they are given: a date at either edge has no week around it.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# The Danish way, as a person types a date where the browser shows no calendar: 15-01-2027, 15.01.2027, 15/1/2027
_DANISH_DATE = re.compile(r"([0-9]{1,2})[-./]([0-9]{1,2})[-./]([0-9]{4})")


def parse_date(raw: str | None, default: date | None = None, field: str = "fra") -> date | None:
    """A date written åååå-mm-dd (what a date field sends) or dd-mm-åååå (also with . or /); `default` if empty."""
    if not raw:
        return default
    text = raw.strip()
    try:
        value = date.fromisoformat(text[:10])
    except ValueError:
        danish, iso = _DANISH_DATE.fullmatch(text), _ISO_DATE.fullmatch(text[:10])
        if not (danish or iso):
            raise ValidationFailed(_("Skriv datoen som dd-mm-åååå, fx 15-01-2027, eller åååå-mm-dd."),
                                   field=field) from None
        year, month, day = (int(danish[3]), int(danish[2]), int(danish[1])) if danish else map(int, iso.groups())
        try:
            value = date(year, month, day)
        except ValueError:  # written the right way, but not a day of the calendar (2026-02-30)
            shown = text if danish else text[:10]
            raise ValidationFailed(_("Datoen %(value)s findes ikke i kalenderen.", value=shown), field=field) from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationFailed(_("Vælg en dato mellem år %(first)s og %(last)s.", first=EARLIEST_DATE.year,
                                 last=LATEST_DATE.year), field=field)
    return value


def parse_int(raw, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return db_int(str(raw))
    except ValueError:
        raise ValidationFailed(_("Ugyldigt valg."), field=field) from None


def parse_time(raw: str | None, field: str) -> time | None:
    """A wall-clock time written tt:mm (or tt.mm); None if empty."""
    if not raw:
        return None
    try:
        return time.fromisoformat(raw.strip()[:5].replace(".", ":"))
    except ValueError:
        raise ValidationFailed(_("Tiden skal skrives som tt:mm, fx 09:30."), field=field) from None
