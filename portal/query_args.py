"""Whole numbers from query strings, forms and JSON that the database can hold (SQLite and PostgreSQL integers are
bounded: a larger Python int in a query raises OverflowError, i.e. a 500). Use as
`request.args.get("side", 1, type=db_int)`: a value that is not such a number falls back to the default, as Werkzeug
does for any ValueError. `db_id` reads a row id (a filter, a choice from a list) the same way, None when it names no
row; `ascii_digits` is the check for digit strings that are not numbers (member numbers, DISCO codes)."""
from __future__ import annotations

import re

DB_MAX = 2**31 - 1
_WHOLE = re.compile(r"-?[0-9]{1,10}")  # ASCII digits only: str.isdigit() also takes '²', which int() refuses
_DIGITS = re.compile(r"[0-9]+")


def db_int(raw: str) -> int:
    """The number in `raw`, or ValueError if it is not a whole number within ±DB_MAX."""
    text = raw.strip()
    if not _WHOLE.fullmatch(text) or abs(int(text)) > DB_MAX:
        raise ValueError(f"not a database integer: {raw[:20]!r}")
    return int(text)


def ascii_digits(text: str | None) -> bool:
    """Whether `text` is one or more of 0-9 and nothing else. Use instead of str.isdigit(), which is also true for
    '²', '①' and other scripts' digits (int() refuses the first two and reads the others)."""
    return bool(text) and _DIGITS.fullmatch(text) is not None


def db_id(raw: str | int | None) -> int | None:
    """The row id in `raw` — a JSON int, or ASCII digits from a form or query string — if it is 1..DB_MAX, else None
    (the caller ignores the filter or says the choice is unknown)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if not ascii_digits(text) or len(text) > 10:
            return None
        raw = int(text)
    if isinstance(raw, int) and 0 < raw <= DB_MAX:
        return raw
    return None
