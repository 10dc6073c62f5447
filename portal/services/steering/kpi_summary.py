"""The steering dashboard from a maintained summary (issue 19): ≤ 1 s at 250,000 members instead of recomputing.

`refresh(session, now=…)` (the scheduler's `kpi_summary` job, every REFRESH_MINUTES) runs the live measures of
portal.services.steering.kpi once over every benefit period with the "period" split, so each period's share of every sum
is known, and rewrites `kpi_period_summary` with them for `today`, and `kpi_month_summary` with the same sums added
up per calendar month and split. `build_report(session, filters, state)` then adds up the chosen range's whole
months from the month rows and its partial months' days from the period rows, for the filters and split (plus the
survival counts from the period rows), and assembles the same Report as the live computation for the summary's
day: sums of per-period sums are the sums.
The dashboard says when the numbers were computed and that they may be up to REFRESH_MINUTES (plus the run's
own time) old, or, when no scheduler runs or the summary is older than that (`freshness`), that they are not being
refreshed; without a summary for today it computes live, as before.
"""
from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from portal.models.kpi_summary import SUMMED_MEASURES, KpiSummaryState, kpi_month_summary, kpi_period_summary
from portal.models.outcomes import BenefitPeriod
from portal.services.steering import kpi
from portal.services.steering import kpi_measures as q
from portal.services.steering.kpi_measures import COHORT, Scope
from portal.timeutil import to_local

REFRESH_MINUTES = 15  # scheduling/jobs.py runs the refresh this often; the page states it
# How much older than REFRESH_MINUTES a summary may be while its scheduler keeps it up: the run's own time and the
# scheduler's tick. Older than that, the page says the numbers are not being refreshed.
REFRESH_SLACK_MINUTES = 5
INSERT_ROWS = 2000


def refresh(session: Session, *, now: datetime) -> dict:
    """Recompute every benefit period's share of the measures for the Copenhagen day of `now` and replace the
    summary with it (one transaction: readers see the old or the new summary, never half). Returns counts."""
    started = time.perf_counter()
    today = to_local(now).date()
    first, last = session.execute(select(func.min(BenefitPeriod.start_date),
                                         func.max(BenefitPeriod.start_date))).one()
    scope = Scope(first or today, last or today, today, split="period")
    q.prepare_cohort(session, scope)
    try:
        sums = kpi.cohort_sums(session, scope)
        survival = kpi.cohort_survival(session, scope)
        periods = session.execute(select(COHORT.c.period_id, COHORT.c.start_date, COHORT.c.segment,
                                         COHORT.c.placement, COHORT.c.location_id)).all()
    finally:
        q.drop_cohort(session)
    durations = {name: {row[0]: (row[1], row[2]) for row in rows} for name, rows in survival.items()}
    rows = []
    for period_id, start_date, segment, placement, location_id in periods:
        row = {"period_id": period_id, "start_date": start_date, "segment": segment, "placement": placement,
               "location_id": location_id}
        for key in SUMMED_MEASURES:
            a, b = sums[key].get(period_id, (0, 0))
            row[f"{key}_a"], row[f"{key}_b"] = float(a or 0), int(b or 0)
        for name in ("without", "with"):
            row[f"{name}_days"], row[f"{name}_event"] = durations[name][period_id]
        rows.append(row)
    months = _by_month(rows)
    session.execute(delete(kpi_period_summary))
    session.execute(delete(kpi_month_summary))
    for table, table_rows in ((kpi_period_summary, rows), (kpi_month_summary, months)):
        for start in range(0, len(table_rows), INSERT_ROWS):
            session.execute(insert(table), table_rows[start:start + INSERT_ROWS])
    seconds = round(time.perf_counter() - started, 2)
    state = session.get(KpiSummaryState, 1) or KpiSummaryState(id=1)
    state.as_of, state.computed_at, state.periods, state.seconds = today, now, len(rows), seconds
    session.add(state)
    session.commit()
    return {"periods": len(rows), "as_of": today.isoformat(), "seconds": seconds}


SUM_COLUMNS = tuple(f"{key}_{part}" for key in SUMMED_MEASURES for part in ("a", "b"))


def _by_month(rows: list[dict]) -> list[dict]:
    """The period rows' sums added up per (month of start, segment, placement, location): kpi_month_summary."""
    months: dict[tuple, dict] = {}
    for row in rows:
        key = (row["start_date"].replace(day=1), row["segment"], row["placement"], row["location_id"])
        month = months.get(key)
        if month is None:
            months[key] = month = {"month": key[0], "segment": key[1], "placement": key[2], "location_id": key[3],
                                   **{column: 0 for column in SUM_COLUMNS}}
        for column in SUM_COLUMNS:
            month[column] += row[column]
    for month in months.values():
        for key in SUMMED_MEASURES:
            month[f"{key}_a"] = float(month[f"{key}_a"])
    return list(months.values())


def whole_months(date_from: date, date_to: date) -> tuple[date, date] | None:
    """The calendar months lying wholly inside [date_from, date_to], as [first month's 1st, the 1st after the last
    one); None when there is none."""
    first = date_from if date_from.day == 1 else _next_month(date_from)
    end = _next_month(date_to) if (date_to + timedelta(days=1)).day == 1 else date_to.replace(day=1)
    return (first, end) if first < end else None


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def current_state(session: Session, today: date) -> KpiSummaryState | None:
    """The summary's state if it was computed for `today`; None: compute live."""
    state = session.get(KpiSummaryState, 1)
    return state if state is not None and state.as_of == today else None


def build_report(session: Session, filters: kpi.Filters, state: KpiSummaryState) -> kpi.Report:
    """The report for `filters` from the summary (as of state.as_of): the same numbers as kpi.build_report for
    that day, read from one row per month or period instead of recomputed."""
    today = state.as_of
    s = kpi_period_summary
    conditions = [s.c.start_date >= filters.date_from, s.c.start_date <= filters.date_to, *_filtered(s, filters)]
    split = _split(s, filters.split)
    sums: dict[str, dict] = {key: {} for key in SUMMED_MEASURES}
    for value, totals in _sums(session, filters).items():
        for i, key in enumerate(SUMMED_MEASURES):
            a, b = totals[2 * i], totals[2 * i + 1]
            # The live query has a row for a split value only where it counted something; timeliness has one
            # for every split value of the cohort.
            if b or key.startswith("timeliness_"):
                sums[key][value] = (a, b)
    survival_rows, segment_rows = _survival(session, split, conditions, by_segment=filters.split != "segment")
    report = kpi.assemble_report(session, filters, today, sums, survival_rows, segment_rows)
    report.computed_at = state.computed_at
    report.stale_minutes = REFRESH_MINUTES
    return report


def _filtered(table, filters: kpi.Filters) -> list:
    conditions = []
    if filters.location_id is not None:
        conditions.append(table.c.location_id == filters.location_id)
    if filters.segment:
        conditions.append(table.c.segment == filters.segment)
    if filters.placement:
        conditions.append(table.c.placement == filters.placement)
    return conditions


def _sums(session: Session, filters: kpi.Filters) -> dict:
    """split value → the SUM_COLUMNS' totals over the range: its whole months from kpi_month_summary, the days
    before and after them from kpi_period_summary (the same sums, added up in another order)."""
    p, m = kpi_period_summary, kpi_month_summary
    months = whole_months(filters.date_from, filters.date_to)
    if months is None:
        parts = [(p, [p.c.start_date >= filters.date_from, p.c.start_date <= filters.date_to])]
    else:  # each part a range of the table's index
        parts = [(m, [m.c.month >= months[0], m.c.month < months[1]])]
        if filters.date_from < months[0]:
            parts.append((p, [p.c.start_date >= filters.date_from, p.c.start_date < months[0]]))
        if months[1] <= filters.date_to:
            parts.append((p, [p.c.start_date >= months[1], p.c.start_date <= filters.date_to]))
    out: dict = {}
    for table, in_range in parts:
        split = _split(table, filters.split)
        totals = [func.sum(table.c[column]) for column in SUM_COLUMNS]
        for row in session.execute(select(split, *totals).where(*in_range, *_filtered(table, filters))
                                   .group_by(split)):
            known = out.get(row[0])
            out[row[0]] = tuple(row[1:]) if known is None else tuple(
                (x or 0) + (y or 0) for x, y in zip(known, row[1:], strict=True))
    return out


def _split(s, name: str):
    if name == "segment":
        return s.c.segment
    if name == "placement":
        return s.c.placement
    if name == "location":
        return cast(s.c.location_id, String)
    return literal("all")


def _survival(session: Session, split, conditions, *, by_segment: bool
              ) -> tuple[dict[str, list[tuple]], dict[str, list[tuple]]]:
    """The (split, days, event, count) rows of both survival measures (without / with a return to benefit), and
    the same by segment when the split is another one, from one scan of the summary: at 250,000 members each scan
    of a year's 160,000 periods costs about 0.2 s, and four of them were most of the page."""
    s = kpi_period_summary
    durations = (s.c.without_days, s.c.without_event, s.c.with_days, s.c.with_event)
    keys = (split, s.c.segment, *durations) if by_segment else (split, *durations)
    rows: dict[str, Counter] = {"without": Counter(), "with": Counter()}
    segments: dict[str, Counter] = {"without": Counter(), "with": Counter()}
    for row in session.execute(select(*keys, func.count()).where(*conditions).group_by(*keys)):
        key, count = row[0], row[-1]
        without_days, without_event, with_days, with_event = row[-5:-1]
        rows["without"][(key, without_days, without_event)] += count
        rows["with"][(key, with_days, with_event)] += count
        if by_segment:
            segments["without"][(row[1], without_days, without_event)] += count
            segments["with"][(row[1], with_days, with_event)] += count

    def listed(counters: dict[str, Counter]) -> dict[str, list[tuple]]:
        return {name: [(*group, n) for group, n in counter.items()] for name, counter in counters.items()}

    return listed(rows), (listed(segments) if by_segment else {})


def freshness(report: kpi.Report, *, now: datetime, scheduler_running: bool) -> str:
    """How old the page may say the report's numbers are:
    "live" – computed from the database for this request (or the short cache);
    "refreshed" – from the summary, which a running scheduler recomputes every REFRESH_MINUTES;
    "no_scheduler" – from the summary, but no scheduler runs (scheduling.lease.current_holder, as the admin's
    /admin/planlaegning says), so nothing recomputes it;
    "overdue" – from the summary, and it is older than REFRESH_MINUTES (plus slack) allows."""
    if report.stale_minutes is None or report.computed_at is None:
        return "live"
    if not scheduler_running:
        return "no_scheduler"
    if now - report.computed_at > timedelta(minutes=report.stale_minutes + REFRESH_SLACK_MINUTES):
        return "overdue"
    return "refreshed"


def report_for(session: Session, filters: kpi.Filters, today: date, *, now: datetime, cache: dict | None = None,
               ttl_seconds: int = 0) -> kpi.Report:
    """The dashboard's report: from the summary when it is for today (fast, up to REFRESH_MINUTES old), else
    computed live; either way kept in `cache` for `ttl_seconds` per filter (and per summary run, so a refresh is
    seen at once). The cache holds aggregates only, never a person."""
    state = current_state(session, today)
    key = (filters, today, state.computed_at if state else None)
    hit = cache.get(key) if cache is not None else None
    if ttl_seconds > 0 and hit and time.monotonic() - hit[0] < ttl_seconds:
        return hit[1]
    if state is not None:
        report = build_report(session, filters, state)
    else:
        report = kpi.build_report(session, filters, today)
        report.computed_at = now
    if ttl_seconds > 0 and cache is not None:
        if len(cache) >= 64:
            cache.clear()
        cache[key] = (time.monotonic(), report)
    return report
