"""Whole numbers from query strings that the database can hold (SQLite and PostgreSQL integers are bounded: a larger
Python int in a query raises OverflowError, i.e. a 500). Use as `request.args.get("side", 1, type=db_int)`: a value
that is not such a number falls back to the default, as Werkzeug does for any ValueError."""
from __future__ import annotations

import re

DB_MAX = 2**31 - 1
_WHOLE = re.compile(r"-?[0-9]{1,10}")  # ASCII digits only: str.isdigit() also takes '²', which int() refuses


def db_int(raw: str) -> int:
    """The number in `raw`, or ValueError if it is not a whole number within ±DB_MAX."""
    text = raw.strip()
    if not _WHOLE.fullmatch(text) or abs(int(text)) > DB_MAX:
        raise ValueError(f"not a database integer: {raw[:20]!r}")
    return int(text)
