"""The counts in staff pages' menu ("Chats venter 3", "Nye beskeder 2", "Samtaler i dag 4", the admin's given-up
messages): every staff page shows them, so their numbers are counted in one statement (issue 19: they were one
round trip each, on PostgreSQL 0.1–0.25 ms apiece on every staff page).

Areas register a provider in PROVIDERS (in their init_app). Called with the signed-in staff user on each staff
page, a provider returns None (no badge for this user), a badge {"label", "count", "url"} it knows already, or a
CountedBadge: a Count (portal.database) and what to show for its number. The badges keep the providers' order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.database import Count, counts_at_once

STAFF_ROLES = ("caseworker", "admin")


@dataclass(frozen=True)
class CountedBadge:
    count: Count
    badge: Callable[[int], dict | None]  # the badge for the number counted; None shows none (e.g. for 0)


PROVIDERS: list[Callable] = []


def for_user(session, user) -> list[dict]:
    """The badges to show this user, in PROVIDERS' order; none for a member, a job centre or an anonymous visitor."""
    if not getattr(user, "is_authenticated", False) or user.role not in STAFF_ROLES:
        return []
    if session.autoflush:  # what a count would see: providers that know their number already read it flushed
        session.flush()
    given = [given for provider in PROVIDERS if (given := provider(user))]
    counted = [g for g in given if isinstance(g, CountedBadge)]
    numbers = dict(zip(map(id, counted), counts_at_once(session, [g.count for g in counted]), strict=True))
    badges = []
    for g in given:
        badge = g.badge(numbers[id(g)]) if isinstance(g, CountedBadge) else g
        if badge:
            badges.append(badge)
    return badges
