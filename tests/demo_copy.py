"""The demo seeded once per test process and copied into each test's fresh SQLite database.

Seeding the small demo the security and form tests share takes seconds; a copy of the file takes milliseconds.
The demo is a function of its arguments and `now` (portal/demo/__init__.py), so a copy is used only for the same
arguments and, with a frozen clock, the same instant; with a running clock, the same local day and at most
SEEDED_COPY_MINUTES after it was seeded (as tests/live.py does for the served portals). PostgreSQL seeds every time.
"""
from __future__ import annotations

import atexit
import copy
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

from portal.demo import database_is_empty, seed_demo
from portal.timeutil import local_today, to_local, utcnow
from tests.conftest import TEST_DATABASE_URL

SEEDED_COPY_MINUTES = 15
# (arguments, moment) -> (template file, seed_demo's summary, when it was seeded)
_SEEDED: dict[tuple, tuple[Path, dict, float]] = {}


def _clock_is_frozen() -> bool:
    first = utcnow()
    time.sleep(0.002)
    return utcnow() == first


def _key(kwargs: dict) -> tuple[tuple, bool]:
    arguments = tuple(sorted((name, repr(value)) for name, value in kwargs.items()))
    if kwargs.get("now") is not None:
        return arguments, True
    if _clock_is_frozen():
        return arguments + (("now", repr(utcnow())),), True
    return arguments + (("day", repr(local_today())),), False


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)  # a consistent copy, whatever a write-ahead log still holds


def seed_demo_once(session, **kwargs) -> dict:
    """seed_demo(session, **kwargs) into the test's empty database, from this process's copy when there is one."""
    if TEST_DATABASE_URL or not database_is_empty(session):
        return seed_demo(session, **kwargs)
    engine = session.get_bind()
    database = Path(engine.url.database)
    key, exact = _key(kwargs)
    template, summary, seeded_at = _SEEDED.get(key, (None, {}, 0.0))
    if template is not None and (exact or time.monotonic() - seeded_at <= SEEDED_COPY_MINUTES * 60):
        session.remove() if hasattr(session, "remove") else session.close()
        engine.dispose()
        _copy(template, database)
        return copy.deepcopy(summary)
    summary = seed_demo(session, **kwargs)
    session.commit()
    folder = tempfile.mkdtemp(prefix="seeded-demo-")
    atexit.register(shutil.rmtree, folder, True)
    template = Path(folder) / "demo.sqlite3"
    _copy(database, template)
    _SEEDED[key] = (template, copy.deepcopy(summary), time.monotonic())
    return summary


# arguments -> the frozen moment this process first seeded them at (seed_demo_at_shared_moment)
_MOMENTS: dict[tuple, datetime] = {}


def seed_demo_at_shared_moment(session, clock, **kwargs) -> dict:
    """seed_demo(session, now=clock.now, **kwargs) for tests on the frozen clock, seeded once per test process.

    Each test freezes the clock at its own start, so no two tests asked for the same demo and each seeded its own
    (seconds each). Here the test's clock is moved back to the moment this process first seeded the same arguments,
    if that is the same day in Copenhagen and at most SEEDED_COPY_MINUTES ago, and the copy seeded then is used:
    the test then runs as if it had started at that moment, which every test must bear (they pass at any moment).
    """
    key = tuple(sorted((name, repr(value)) for name, value in kwargs.items()))
    moment = _MOMENTS.get(key)
    if (moment is None or not timedelta(0) <= clock.now - moment <= timedelta(minutes=SEEDED_COPY_MINUTES)
            or to_local(moment).date() != clock.today):
        moment = _MOMENTS[key] = clock.now
    clock.move_to(moment)
    return seed_demo_once(session, now=moment, **kwargs)
