"""Min side as it was rendered, shown again while nothing it shows has changed (issue 19).

Most visits to Min side find what the last one found: reading it again costs the six reads and the rendering that
make up most of the page's time. So each process keeps the rendered page (her chat with it) under a key of
everything it was made of:

- the member's and the shared page versions (portal/models/page_version.py): triggers bump them on every write to a
  row the page shows, by any process, before that write commits. The versions are read before the page's data, so
  a page is never kept under versions newer than its data;
- the day (her contact course, deadlines, weeks unemployed), the language, the session's CSRF token (the page's
  forms carry it; the chat's sender is the session's too) and the address the page was served at (the language
  switch returns to it);
- a page made while a message waited to be shown once (after an action) is not kept, nor is one shown instead; nor
  is a page made in a transaction that wrote (it may yet be rolled back);
- and it is kept only until the clock changes what it shows: the end of a listed conversation, the start or end of
  an offer she is signed up for, the start of the next session of the first offer she can join, midnight; and
  never longer than `max_seconds` (PORTAL_MINSIDE_CACHE_SECONDS), should anything else depend on the time.

`PORTAL_MINSIDE_CACHE_ENTRIES=0` turns it off. Each gunicorn worker keeps its own entries (a page is ~16 KiB: at most
16 MiB a worker with the default 1,000).
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cachetools import LRUCache
from sqlalchemy import bindparam, select

from portal.database import Read, prepared
from portal.models.page_version import SHARED, PageVersion, member_scope


@prepared
def _versions():
    return select(PageVersion.scope, PageVersion.version).where(
        PageVersion.scope.in_([bindparam("member_scope"), SHARED]))


def versions_read(member_id: int) -> Read:
    return Read(_versions(), {"member_scope": member_scope(member_id)})


def versions(session, member_id: int) -> tuple[int, int]:
    """(her version, the shared version): 0 for a scope nothing has been written to yet."""
    found = dict(versions_read(member_id).lines(session))
    return found.get(member_scope(member_id), 0), found.get(SHARED, 0)


@dataclass(frozen=True, slots=True)
class PageKey:
    member_id: int
    versions: tuple[int, int]
    day: date
    language: str
    csrf: str  # a digest of the session's CSRF token, not the token
    address: str  # the script root, path and query the page's links and forms were made for


def page_key(session, member_id: int, *, day: date, language: str, csrf_token: str, address: str) -> PageKey:
    """The key of her page as it would be rendered now (one read: the versions)."""
    digest = hashlib.blake2b(csrf_token.encode(), digest_size=16).hexdigest()
    return PageKey(member_id, versions(session, member_id), day, language, digest, address)


def valid_until(now: datetime, *, midnight: datetime, bookings, registrations, offers,
                max_seconds: float) -> datetime:
    """Until when the page made at `now` from these rows shows what a page made later would: the first moment one
    of them passes a boundary its read or the page compares with the clock."""
    moments = [now + timedelta(seconds=max_seconds), midnight]
    moments += [b.ends_at for b in bookings]  # shown while ends_at >= now (booking.upcoming_booked)
    for r in registrations:  # shown while the session has not ended; a started one frees its offer to be joined
        moments += [r.starts_at, r.ends_at]
    moments += [o.next_start for o in offers[:1]]  # ordered by it: the first one's start reorders the list
    return min((m for m in moments if m is not None and m > now), default=now)


class PageCache:
    """Rendered pages by PageKey, the least recently shown going first when `entries` are kept; thread-safe (a
    gunicorn worker serves with several threads)."""

    def __init__(self, entries: int, max_seconds: float):
        self.max_seconds = max_seconds
        self._pages: LRUCache | None = LRUCache(maxsize=entries) if entries > 0 and max_seconds > 0 else None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._pages is not None

    def get(self, key: PageKey, now: datetime) -> str | None:
        if self._pages is None:
            return None
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None and kept[1] <= now:
                del self._pages[key]
                return None
        return kept[0] if kept is not None else None

    def put(self, key: PageKey, html: str, until: datetime, now: datetime) -> None:
        if self._pages is not None and until > now:
            with self._lock:
                self._pages[key] = (html, until)

    def clear(self) -> None:
        if self._pages is not None:
            with self._lock:
                self._pages.clear()
