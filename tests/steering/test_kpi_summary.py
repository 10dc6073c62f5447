"""The dashboard's summary table (issue 19) gives the same report as the live computation, for every split and
filter, and the page says how old its numbers may be."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.demo import seed_demo
from portal.services.steering import kpi, kpi_summary
from portal.timeutil import to_local


def _comparable(report: kpi.Report) -> dict:
    records = kpi.report_records(report)
    for record in records:
        if record["numerator"] is not None:
            record["numerator"] = round(record["numerator"], 6)
    curves = {name: {k: [(p["week"], round(p["survival"], 9), p["at_risk"]) for p in pts] for k, pts in by.items()}
              for name, by in report.curves.items()}
    return {"records": records, "curves": curves, "keys": report.split_keys}


@pytest.mark.slow
def test_the_summary_gives_the_live_report_for_every_split_and_filter(app, session, clock):
    seed_demo(session, members=600, seed=2026, now=clock.now, password="demo-adgangskode")
    session.commit()
    result = kpi_summary.refresh(session, now=clock.now)
    today = to_local(clock.now).date()
    state = kpi_summary.current_state(session, today)
    assert state is not None and result["periods"] > 0
    default = kpi.default_filters(today)
    cases = [kpi.Filters(default.date_from, default.date_to, split=split)
             for split in ("segment", "placement", "location", "none")]
    cases += [kpi.Filters(default.date_from - timedelta(days=700), default.date_to, segment="group2"),
              kpi.Filters(default.date_from, default.date_to, placement="new", split="location"),
              kpi.Filters(default.date_from, default.date_to, location_id=1, split="placement")]
    # The default year has partial months on either side (read from the month rows and the period rows); also whole
    # months only, and a range inside one month (the period rows alone).
    first = default.date_from.replace(day=1)
    last_day = kpi_summary.whole_months(first, default.date_to)[1] - timedelta(days=1)
    cases += [kpi.Filters(first, last_day, split="location"),
              kpi.Filters(first + timedelta(days=2), first + timedelta(days=20), segment="group2", split="none")]
    for filters in cases:
        live = kpi.build_report(session, filters, today)
        summary = kpi_summary.build_report(session, filters, state)
        assert _comparable(summary) == _comparable(live), filters
    _the_month_rows_add_up_to_the_period_rows(session)


def _the_month_rows_add_up_to_the_period_rows(session) -> None:
    from sqlalchemy import func, select

    from portal.models.kpi_summary import SUMMED_MEASURES, kpi_month_summary, kpi_period_summary

    p, m = kpi_period_summary, kpi_month_summary
    columns = [f"{key}_{part}" for key in SUMMED_MEASURES for part in ("a", "b")]
    by_period = session.execute(select(*[func.sum(p.c[c]) for c in columns], func.count())).one()
    by_month = session.execute(select(*[func.sum(m.c[c]) for c in columns], func.count())).one()
    assert by_period[-1] > by_month[-1] > 0
    assert [round(x or 0, 6) for x in by_month[:-1]] == [round(x or 0, 6) for x in by_period[:-1]]
    assert sum(by_period[:-1]) > 0
    months = session.scalars(select(m.c.month).distinct()).all()
    assert months and all(month.day == 1 for month in months)


@pytest.mark.parametrize(("date_from", "date_to", "whole"), [
    (date(2025, 9, 6), date(2026, 9, 5), (date(2025, 10, 1), date(2026, 9, 1))),
    (date(2025, 9, 1), date(2026, 8, 31), (date(2025, 9, 1), date(2026, 9, 1))),
    (date(2025, 9, 1), date(2025, 9, 30), (date(2025, 9, 1), date(2025, 10, 1))),
    (date(2024, 2, 1), date(2024, 2, 29), (date(2024, 2, 1), date(2024, 3, 1))),
    (date(2025, 1, 31), date(2025, 3, 1), (date(2025, 2, 1), date(2025, 3, 1))),
    (date(2025, 12, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2026, 2, 1))),
    (date(2025, 9, 6), date(2025, 9, 30), None),
    (date(2025, 9, 6), date(2025, 10, 30), None),
    (date(2025, 9, 1), date(2025, 9, 29), None),
])
def test_whole_months_of_a_range(date_from, date_to, whole):
    assert kpi_summary.whole_months(date_from, date_to) == whole


def test_a_figure_is_rounded_the_same_whichever_way_its_sum_was_added():
    # On 1 January 2028 (the date leg's new-year moment) the demo's 16 answers for Næstved ("knew my trade", newly
    # placed) summed to 1300: exactly from one path, with float noise from the other, and showed as 81.2 and 81.3.
    assert kpi.one_decimal(1300 / 16) == kpi.one_decimal(1300.0000000001 / 16) == 81.3
    assert kpi.one_decimal(81.24999999) == 81.2
    assert kpi.one_decimal(0.05) == 0.1 and kpi.one_decimal(-2.25) == -2.3 and kpi.one_decimal(12.0) == 12.0


def test_no_summary_for_today_means_live(app, session, clock):
    assert kpi_summary.current_state(session, to_local(clock.now).date()) is None
    kpi_summary.refresh(session, now=clock.now - timedelta(days=1))
    assert kpi_summary.current_state(session, to_local(clock.now).date()) is None


def _report_from_summary(computed_at: datetime | None, stale_minutes: int | None = 15) -> kpi.Report:
    today = to_local(computed_at).date() if computed_at else date(2026, 1, 1)
    return kpi.Report(kpi.default_filters(today), today, [], [], {}, {}, computed_at=computed_at,
                      stale_minutes=stale_minutes)


@pytest.mark.parametrize("minutes_old,stale_minutes,scheduler_running,expected", [
    (0, None, False, "live"),  # computed for the request: nothing to refresh
    (0, None, True, "live"),
    (3, 15, True, "refreshed"),
    (20, 15, True, "refreshed"),  # within the interval plus the run's own time
    (21, 15, True, "overdue"),
    (90, 15, True, "overdue"),
    (3, 15, False, "no_scheduler"),  # fresh now, but nothing will recompute it
    (90, 15, False, "no_scheduler"),
])
def test_freshness_promises_a_refresh_only_while_a_scheduler_keeps_the_summary_up(clock, minutes_old,
                                                                                  stale_minutes,
                                                                                  scheduler_running, expected):
    report = _report_from_summary(clock.now - timedelta(minutes=minutes_old), stale_minutes)
    assert kpi_summary.freshness(report, now=clock.now, scheduler_running=scheduler_running) == expected


@pytest.mark.parametrize("state", ["live", "refreshed", "no_scheduler", "overdue"])
def test_the_page_says_how_old_the_numbers_are_and_promises_a_refresh_only_when_one_comes(
        app, client, auth, make, session, clock, state):
    from portal.extensions import db
    from scheduling.lease import Lease

    # Noon on the test's own day, so a summary computed 40 minutes earlier is still today's.
    clock.move_to(clock.local(clock.today, 12))
    make.user("styregruppe", role="steering")
    make.commit()
    if state != "live":
        kpi_summary.refresh(session, now=clock.now - timedelta(minutes=40 if state == "overdue" else 5))
    if state in ("refreshed", "overdue"):
        assert Lease(db.engine, clock=lambda: clock.now).try_acquire()  # a scheduler runs (/admin/planlaegning)
    auth.login("styregruppe")
    html = client.get("/styring").get_data(as_text=True)
    note = html.split('<p class="freshness')[1].split("</p>")[0]
    computed = "kl. 11:55" if state in ("refreshed", "no_scheduler") else "kl. 11:20"
    if state == "live":
        assert "beregnet direkte fra databasen" in note
    elif state == "refreshed":
        assert "genberegnes hvert 15. minut af planlæggeren" in note and computed in note
        assert "stale" not in note.split(">")[0]
    elif state == "no_scheduler":
        assert "genberegnes hvert" not in note
        assert f"Tallene er beregnet {computed} og bliver ikke genberegnet, fordi planlæggeren ikke kører" in note
        assert "stale" in note.split(">")[0]
    else:
        assert f"Tallene er beregnet {computed}. De skulle genberegnes hvert 15. minut, men det er ikke sket" in note
        assert "stale" in note.split(">")[0]
