"""The test clock: one `now` per test that the test's data and the code under test both see, and the date leg.

- The `clock` fixture freezes time (time-machine) at the moment the test starts, so a test that builds its data
  from `clock.now` / `clock.today` and calls code that reads the clock at the edge (a view, a job run) sees one
  instant: no fixed date in a fixture ever meets the real clock in the code.
- A module whose data is written around a fixed moment says so with `pytestmark = pytest.mark.clock(NOW)`: its
  tests run with the clock frozen at NOW (the factories' "today", the views' "now"), on any date.
- The date leg (`--clock 2027-03-28T01:30:00Z`, or PORTAL_TEST_CLOCK) moves the whole run to another moment
  before any test module is imported, so module constants like `TODAY = local_today()` move with it. Tests marked
  `real_clock` (servers in subprocesses, which keep the machine's clock) are skipped there, with that reason.

time-machine patches the wall clock only (datetime.now, date.today, time.time …); time.monotonic and
time.perf_counter keep running, so timeouts and wait loops still end.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from portal.timeutil import LOCAL_TZ

CLOCK_ENV = "PORTAL_TEST_CLOCK"
_leg: dict = {}


def parse_moment(value: str) -> datetime:
    """'2027-03-28T01:30:00Z' (or any ISO time with an offset) to an aware UTC datetime."""
    moment = datetime.fromisoformat(value.strip())  # Python 3.11 reads a trailing Z
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock needs a time zone, e.g. {value}Z")
    return moment.astimezone(UTC)


def leg_moment() -> datetime | None:
    """Where the date leg moved the run's clock to (None in the ordinary legs)."""
    return _leg.get("moment")


def pytest_addoption(parser):
    parser.addoption("--clock", default=os.environ.get(CLOCK_ENV) or None,
                     help="run with the wall clock moved to this ISO time (the date leg), e.g. 2027-03-28T01:30:00Z")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "clock(moment): run the test with the wall clock frozen at this aware datetime")
    config.addinivalue_line(
        "markers", "real_clock(reason): needs the machine's real clock (e.g. servers in subprocesses keep it); "
                   "skipped in the date leg with that reason")
    value = config.getoption("--clock")
    if value:
        moment = parse_moment(value)
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        _leg.update(moment=moment, traveller=traveller)


def pytest_unconfigure(config):
    traveller = _leg.pop("traveller", None)
    if traveller is not None:
        traveller.stop()
    _leg.clear()


def pytest_report_header(config):
    moment = leg_moment()
    if moment:
        local = moment.astimezone(LOCAL_TZ)
        return [f"date leg: wall clock moved to {moment.isoformat()} ({local:%A %d %B %Y %H:%M %Z} in Copenhagen)"]
    return []


def pytest_collection_modifyitems(config, items):
    """In the date leg: tests pinned to their own moment (`clock` marker) would only repeat themselves, so they
    are deselected; tests that need the real clock are skipped with their reason."""
    if leg_moment() is None:
        return
    pinned = [item for item in items if item.get_closest_marker("clock")]
    if pinned:
        config.hook.pytest_deselected(items=pinned)
        items[:] = [item for item in items if not item.get_closest_marker("clock")]
    for item in items:
        marker = item.get_closest_marker("real_clock")
        if marker:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "needs the real clock")
            item.add_marker(pytest.mark.skip(reason=f"date leg: {reason}"))


@dataclass
class Clock:
    """The frozen test clock. `now` is UTC; `today` is the date in Copenhagen (what members and caseworkers see)."""

    now: datetime
    _traveller: object

    @property
    def today(self) -> date:
        return self.now.astimezone(LOCAL_TZ).date()

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A wall-clock time in Copenhagen on `day` as UTC (what a slot or a session start is stored as)."""
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)

    def move_to(self, moment: datetime) -> None:
        """Let time pass (or jump): the code under test sees `moment` from now on."""
        self._traveller.shift(moment - self.now)  # type: ignore[attr-defined]
        self.now = moment

    def advance(self, delta: timedelta) -> None:
        self.move_to(self.now + delta)


@pytest.fixture
def clock(request):
    """Freeze the wall clock at the test's start (the machine's now, the date leg's moved now, or the moment of
    the test's `clock` marker)."""
    marker = request.node.get_closest_marker("clock")
    start = marker.args[0].astimezone(UTC) if marker else datetime.now(UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        yield Clock(start, traveller)


@pytest.fixture(autouse=True)
def _clock_from_marker(request):
    """A test marked `clock(moment)` gets the frozen clock even when it does not ask for it."""
    if request.node.get_closest_marker("clock"):
        request.getfixturevalue("clock")
