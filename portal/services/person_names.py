"""What a person's name may contain, in one place.

Letters of any script with their accents and marks, spaces, hyphens, apostrophes and full stops: "Anne-Marie
O'Hara", "Søren Ærø", "محمد علي", "J. P. Hansen". No digits, emoji or other symbols: a name becomes a page heading
for caseworkers and is printed on records sent to the job centre. The message says what is allowed.
"""
from __future__ import annotations

import unicodedata

from portal.i18n import N_, gettext
from portal.services.errors import ValidationFailed

ALLOWED_PUNCTUATION = frozenset(" -'’.")
RULE = N_("Et navn må kun indeholde bogstaver, mellemrum, bindestreg, apostrof og punktum.")


def name_is_allowed(name: str) -> bool:
    """Letters (any script, with combining marks) and the allowed punctuation only; at least one letter."""
    has_letter = False
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("L"):
            has_letter = True
        elif not (category.startswith("M") or char in ALLOWED_PUNCTUATION):
            return False
    return has_letter


def clean_person_name(value: str | None, *, field: str, max_len: int = 160) -> str:
    """The name with spaces tidied (NFC); refused with the rule if it holds anything else or is too long."""
    name = " ".join(unicodedata.normalize("NFC", value or "").split())
    if not name_is_allowed(name):
        raise ValidationFailed(gettext(RULE), field=field)
    if len(name) > max_len:
        raise ValidationFailed(gettext("Navnet må højst være %(n)d tegn.", n=max_len), field=field)
    return name
