"""Issue 9: the whole steering dashboard at 250,000 members with 4 years of history.

Runs `kpi.build_report` (every measure, total and split by group, plus the survival curves) on the cached demo
database, uncached: wall time median of 5, CPU time, peak memory (RSS) and the SQL statements issued per run.
Also times one full page render through the test client (HTML incl. the SVG charts), with the page cache off.
"""
from __future__ import annotations

import os
import statistics
import time

from bench.common import bench_env, demo_database, peak_rss_mb

RUNS = 5


def run() -> dict:
    db_file, seed_seconds = demo_database()
    os.environ.update(bench_env(db_file))
    from sqlalchemy import event, func, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import Member
    from portal.models.outcomes import BenefitPeriod, JobStart
    from portal.services.steering import kpi
    from portal.timeutil import local_today

    app = create_app({"KPI_CACHE_SECONDS": 0})
    with app.app_context():
        today = local_today()
        filters = kpi.default_filters(today)
        statements = {"n": 0}

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args):
            statements["n"] += 1

        walls, cpus, queries = [], [], []
        for _ in range(RUNS):
            statements["n"] = 0
            wall, cpu = time.perf_counter(), time.process_time()
            report = kpi.build_report(db.session, filters, today)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            queries.append(statements["n"])
            db.session.rollback()
        rows = {r.measure.key: r for r in report.rows}
        counts = {
            "members": db.session.scalar(select(func.count()).select_from(Member)),
            "benefit_periods": db.session.scalar(select(func.count()).select_from(BenefitPeriod)),
            "job_starts": db.session.scalar(select(func.count()).select_from(JobStart)),
            "cohort_periods": rows["survival_without_return"].total.n,
        }
        page_seconds = _page_render(app)
    return {
        **counts,
        "period": f"{filters.date_from}..{filters.date_to}",
        "report_wall_seconds_median_of_5": round(statistics.median(walls), 2),
        "report_wall_seconds_all": [round(w, 2) for w in walls],
        "report_cpu_seconds_median": round(statistics.median(cpus), 2),
        "sql_statements_per_report": queries[-1],
        "page_render_seconds": page_seconds,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "demo_seed_seconds": round(seed_seconds, 1) if seed_seconds else "cached",
        "in_job_13w_pct": rows["in_job_13w"].total.value,
        "survival_13w_without_return_pct": rows["survival_without_return"].total.value,
        "survival_13w_with_return_pct": rows["survival_with_return"].total.value,
        "load_average_1m": round(os.getloadavg()[0], 1),
    }


def _page_render(app) -> float:
    """GET /styring as the steering user (page cache off): the whole request incl. templates and SVG."""
    from portal.extensions import db
    from portal.models import User

    with app.app_context():
        user = db.session.query(User).filter_by(role="steering").first()
        if user is None:
            return -1.0
        user_key = user.get_id()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = user_key
        sess["_fresh"] = True
    started = time.perf_counter()
    response = client.get("/styring")
    elapsed = time.perf_counter() - started
    return round(elapsed, 2) if response.status_code == 200 else -float(response.status_code)
