"""What a member or caseworker writes is kept whole or refused with the limit, never cut (issue 18); a line break
counts as one character, as the browser's maxlength counts it; invisible control characters are refused."""
from __future__ import annotations

import re

from babel.numbers import format_decimal

from portal.i18n import babel_locale, current_language
from portal.services.errors import ValidationFailed
from portal.services.minside_i18n import _  # also outside a request (the scheduler, the chatbot's actions)

# C0 control characters and DEL (tab and line breaks are ordinary text), the C1 controls, and the bidirectional
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): nobody types them, NUL cuts a text short in
# SQLite and PostgreSQL refuses it, and a right-to-left override makes a text show other than it is stored. The
# marks U+200E/U+200F stay: they belong in right-to-left names and reorder nothing around them.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line_breaks(text: str) -> str:
    """Line breaks as "\\n": a browser posts one as "\\r\\n" (two characters) while its maxlength counts one."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def count_text(n: int) -> str:
    """A number of characters the reader's way: 4.123 in Danish, 4,123 in English."""
    return format_decimal(n, locale=babel_locale(current_language()))


def has_control_characters(text: str | None) -> bool:
    return bool(text) and _CONTROL_CHARACTERS.search(text) is not None


def refuse_control_characters(text: str | None, *, field: str, label: str | None = None) -> None:
    """ValidationFailed (naming `label`, the field's name as the form shows it) if `text` holds an invisible control
    character (see _CONTROL_CHARACTERS); nothing is stored."""
    if has_control_characters(text):
        if label:
            raise ValidationFailed(_("%(label)s indeholder usynlige styretegn, som ikke kan gemmes. Skriv teksten igen.",
                                     label=label), field=field)
        raise ValidationFailed(_("Teksten indeholder usynlige styretegn, som ikke kan gemmes. Skriv teksten igen."),
                               field=field)


def kept_whole(text: str | None, limit: int, *, field: str, label: str | None = None) -> str | None:
    """`text` stripped, line breaks as "\\n" (None when empty), or ValidationFailed naming the limit and the length
    written, or the control characters it holds."""
    text = one_line_breaks(text or "").strip()
    refuse_control_characters(text, field=field, label=label)
    if len(text) > limit:
        if label:  # named, so the line makes sense in an error summary above the form too
            raise ValidationFailed(_("%(label)s: Skriv højst %(n)s tegn (du skrev %(m)s).", label=label,
                                     n=count_text(limit), m=count_text(len(text))), field=field)
        raise ValidationFailed(_("Skriv højst %(n)d tegn (du skrev %(m)d).", n=limit, m=len(text)), field=field)
    return text or None
