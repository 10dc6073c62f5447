"""What a member or caseworker writes is kept whole or refused with the limit, never cut (issue 18)."""
from __future__ import annotations

from flask_babel import gettext as _

from portal.services.errors import ValidationFailed


def kept_whole(text: str | None, limit: int, *, field: str) -> str | None:
    """`text` stripped (None when empty), or ValidationFailed naming the limit and the length written."""
    text = (text or "").strip()
    if len(text) > limit:
        raise ValidationFailed(_("Skriv højst %(n)d tegn (du skrev %(m)d).", n=limit, m=len(text)), field=field)
    return text or None
