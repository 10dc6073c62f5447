"""The steering dashboard from a maintained summary (issue 19): ≤ 1 s at 250,000 members instead of recomputing.

`refresh(session, now=…)` (the scheduler's `kpi_summary` job, every REFRESH_MINUTES) runs the live measures of
portal.services.steering.kpi once over every benefit period with the "period" split, so each period's share of every sum
is known, and rewrites `kpi_period_summary` with them for `today`. `build_report(session, filters, state)` then
adds up the rows of the chosen period, filters and split in one aggregation (plus the survival counts), and
assembles the same Report as the live computation for the summary's day: sums of per-period sums are the sums.
The dashboard says when the numbers were computed and that they may be up to REFRESH_MINUTES (plus the run's
own time) old; without a summary for today it computes live, as before.
"""
from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime

from sqlalchemy import String, cast, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from portal.models.kpi_summary import SUMMED_MEASURES, KpiSummaryState, kpi_period_summary
from portal.models.outcomes import BenefitPeriod
from portal.services.steering import kpi
from portal.services.steering import kpi_measures as q
from portal.services.steering.kpi_measures import COHORT, Scope
from portal.timeutil import to_local

REFRESH_MINUTES = 15  # scheduling/jobs.py runs the refresh this often; the page states it
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
    session.execute(delete(kpi_period_summary))
    for start in range(0, len(rows), INSERT_ROWS):
        session.execute(insert(kpi_period_summary), rows[start:start + INSERT_ROWS])
    seconds = round(time.perf_counter() - started, 2)
    state = session.get(KpiSummaryState, 1) or KpiSummaryState(id=1)
    state.as_of, state.computed_at, state.periods, state.seconds = today, now, len(rows), seconds
    session.add(state)
    session.commit()
    return {"periods": len(rows), "as_of": today.isoformat(), "seconds": seconds}


def current_state(session: Session, today: date) -> KpiSummaryState | None:
    """The summary's state if it was computed for `today`; None: compute live."""
    state = session.get(KpiSummaryState, 1)
    return state if state is not None and state.as_of == today else None


def build_report(session: Session, filters: kpi.Filters, state: KpiSummaryState) -> kpi.Report:
    """The report for `filters` from the summary (as of state.as_of): the same numbers as kpi.build_report for
    that day, read from one row per period instead of recomputed."""
    today = state.as_of
    s = kpi_period_summary
    conditions = [s.c.start_date >= filters.date_from, s.c.start_date <= filters.date_to]
    if filters.location_id is not None:
        conditions.append(s.c.location_id == filters.location_id)
    if filters.segment:
        conditions.append(s.c.segment == filters.segment)
    if filters.placement:
        conditions.append(s.c.placement == filters.placement)

    totals = [func.sum(s.c[f"{key}_{part}"]) for key in SUMMED_MEASURES for part in ("a", "b")]
    split = _split(filters.split)
    sums: dict[str, dict] = {key: {} for key in SUMMED_MEASURES}
    for row in session.execute(select(split, *totals).where(*conditions).group_by(split)):
        for i, key in enumerate(SUMMED_MEASURES):
            a, b = row[1 + 2 * i], row[2 + 2 * i]
            # The live query has a row for a split value only where it counted something; timeliness has one
            # for every split value of the cohort.
            if b or key.startswith("timeliness_"):
                sums[key][row[0]] = (a, b)
    survival_rows, segment_rows = _survival(session, split, conditions, by_segment=filters.split != "segment")
    report = kpi.assemble_report(session, filters, today, sums, survival_rows, segment_rows)
    report.computed_at = state.computed_at
    report.stale_minutes = REFRESH_MINUTES
    return report


def _split(name: str):
    s = kpi_period_summary
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
