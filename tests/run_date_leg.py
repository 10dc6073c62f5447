"""Run the date leg: the date-sensitive tests again with the wall clock moved to moments that break date code.

Each moment is one pytest run with `--clock` (tests/clock.py: time-machine moves the clock before any test module
is imported). Tests marked `real_clock` are skipped there with their reason (servers in subprocesses keep the
machine's clock: time-machine moves the clock of this process only). Extra arguments go to every pytest run
(e.g. `-q`). Exit status: non-zero if any moment failed.

The moments run at the same time, one pytest process each, and each one's output is printed whole when it ends,
in the order below. Side by side on 2 cores (7 December): 158 s for the three at once, against 189 s one after
the other with 3 xdist workers each (nine workers each importing the portal and collecting the tests, and each
moment's last module running alone at its end).
"""
from __future__ import annotations

import glob
import subprocess
import sys
import tempfile
from contextlib import ExitStack

MOMENTS = {
    # Sunday 28 March 2027, 03:30 in Copenhagen: the night summer time starts (02:00 became 03:00).
    "dst-start-night": "2027-03-28T01:30:00Z",
    # Sunday 31 October 2027, 02:30 in Copenhagen for the first time (summer time): the hour that happens twice.
    "dst-end-night": "2027-10-31T00:30:00Z",
    # Saturday 1 January 2028, 00:30 in Copenhagen while UTC is still 31 December: a year ahead, a new year,
    # a public holiday, and a local date that differs from the UTC date.
    "new-year-a-year-ahead": "2027-12-31T23:30:00Z",
}
# The modules whose rules run on dates: the contact course and its deadlines, booking, offers, surveys, reminders
# and the other jobs, the demo, the KPIs and the benefit history, Min side and the caseload.
PATTERNS = ["tests/booking/test_contact_course.py", "tests/*/test_booking_*.py", "tests/*/test_offers_*.py",
            "tests/scheduling/test_surveys_flow.py", "tests/*/test_scheduling_*.py", "tests/messaging/test_outbox_enqueue.py",
            "tests/*/test_*_demo.py", "tests/demo/test_demo_seed.py", "tests/*/test_kpi_*.py", "tests/casework/test_benefit_history.py",
            "tests/*/test_minside_*.py", "tests/casework/test_caseworker_caseload.py", "tests/casework/test_caseworker_conversation.py",
            "tests/booking/test_ics.py"]


def main(extra: list[str]) -> int:
    files = sorted({f for p in PATTERNS for f in glob.glob(p)})
    failed = []
    with ExitStack() as outputs:
        runs = []
        for name, moment in MOMENTS.items():
            output = outputs.enter_context(tempfile.TemporaryFile(mode="w+", encoding="utf-8"))
            command = [sys.executable, "-m", "pytest", *files, "--clock", moment, "-p", "no:cacheprovider", *extra]
            runs.append((name, moment, output, subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)))
        print(f"== date leg: {len(runs)} moments at once: " + ", ".join(name for name, *_ in runs), flush=True)
        for name, moment, output, run in runs:
            code = run.wait()
            output.seek(0)
            print(f"\n== date leg: {name} ({moment})\n{output.read()}", end="", flush=True)
            if code != 0:
                failed.append(f"{name} (exit {code})")
    print("== date leg: " + ("failed at " + ", ".join(failed) if failed else f"all {len(MOMENTS)} moments passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
