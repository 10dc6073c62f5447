"""Values typed into the booking forms (a date, a time, a choice from a list), read the same way by the views and by
the services that take a form's fields; ValidationFailed naming the field when one cannot be read."""
from __future__ import annotations

from datetime import date, time

from portal.query_args import db_int
from portal.services.booking.conversation_types import safe_gettext as _
from portal.services.errors import ValidationFailed


def parse_date(raw: str | None, default: date | None = None, field: str = "fra") -> date | None:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise ValidationFailed(_("Datoen skal skrives som åååå-mm-dd."), field=field) from None


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
