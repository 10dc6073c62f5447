"""Danish working days, from the `holidays` package's calendar for Denmark (never a hand-written list).

A working day is Monday–Friday that is neither a public holiday nor one of the days the a-kasse's offices close
by agreement (1 May, Grundlovsdag 5 June, 24 and 31 December: the package's "optional" category for DK).
Store Bededag is gone from 2024 on; the package knows that. See docs/contact-course.md.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

CATEGORIES = ("public", "optional")


@lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=[year], categories=CATEGORIES))


def is_closed_day(d: date) -> bool:
    """A public holiday or an agreed closing day (whatever the weekday)."""
    return d in _closed_days(d.year)


def is_working_day(d: date) -> bool:
    """Monday–Friday and not a Danish public holiday or office closing day."""
    return d.weekday() < 5 and d not in _closed_days(d.year)


def next_working_day(d: date) -> date:
    """`d` itself if it is a working day, else the first working day after it."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def previous_working_day(d: date) -> date:
    """`d` itself if it is a working day, else the last working day before it."""
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def add_working_days(d: date, n: int) -> date:
    """Move `n` working days from `d` (negative: backwards). With n == 0, `d` itself (even on a closed day)."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        d += timedelta(days=step)
        if is_working_day(d):
            remaining -= 1
    return d
