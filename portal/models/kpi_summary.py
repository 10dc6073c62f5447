"""The steering dashboard's maintained summary (issue 19): every benefit period's share of each measure's sums.

Written only by portal.services.steering.kpi_summary.refresh (the scheduler's `kpi_summary` job); the dashboard adds the
rows of the chosen period up instead of recomputing every measure (docs/kpi.md "The summary table"). One row per
benefit period: its split columns, `<measure>_a`/`<measure>_b` (the two sums the live aggregation adds per split,
e.g. periods in a job / periods counted), and its two survival durations. `kpi_summary_state` says for which day
and when it was computed.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Float, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime

# The measures summed per period (portal.services.steering.kpi.cohort_sums); the migration names the same columns.
SUMMED_MEASURES = (
    "in_job_13w", "in_job_26w", "satisfaction_overall", "satisfaction_new", "satisfaction_returning", "knew_trade",
    "came_closer", "extra_course", "extra_course_group2", "plan_draft",
    "timeliness_cv", "timeliness_contact_course_1", "timeliness_availability", "timeliness_contact_course_2",
    "timeliness_joint_invitation", "timeliness_joint", "timeliness_focus_1", "timeliness_focus_2",
)

kpi_period_summary = Table(
    "kpi_period_summary", db.metadata,
    Column("period_id", Integer, primary_key=True),  # benefit_period.id (no foreign key: the table is rebuilt whole)
    Column("start_date", Date, nullable=False),
    Column("segment", String(10), nullable=False),
    Column("placement", String(10)),
    Column("location_id", Integer),
    *[Column(f"{key}_{part}", Float if part == "a" else Integer, nullable=False, server_default="0")
      for key in SUMMED_MEASURES for part in ("a", "b")],
    # Kaplan–Meier inputs (days on benefit capped at week 52, event 0/1), without and with return to benefit.
    Column("without_days", Integer, nullable=False),
    Column("without_event", Integer, nullable=False),
    Column("with_days", Integer, nullable=False),
    Column("with_event", Integer, nullable=False),
    # The page reads a range of start dates; the survival counts read only these columns (migration 0020).
    Index("ix_kpi_period_summary_survival", "start_date", "segment", "placement", "location_id", "without_days",
          "without_event", "with_days", "with_event"),
)


# The same sums added up per calendar month and split (written with the period rows): a year's range reads its
# whole months here, a few thousand rows, and only its two partial months' periods above, instead of the
# ~80,000 periods of the year (36 sums each: most of the page's time at 250,000 members).
kpi_month_summary = Table(
    "kpi_month_summary", db.metadata,
    Column("id", Integer, primary_key=True),
    Column("month", Date, nullable=False),  # the first day of the month the periods started in
    Column("segment", String(10), nullable=False),
    Column("placement", String(10)),
    Column("location_id", Integer),
    *[Column(f"{key}_{part}", Float if part == "a" else Integer, nullable=False, server_default="0")
      for key in SUMMED_MEASURES for part in ("a", "b")],
    Index("ix_kpi_month_summary_month", "month"),
)


class KpiSummaryState(db.Model):
    """The one row saying for which day (`as_of`, Copenhagen) and when the summary was computed."""

    __tablename__ = "kpi_summary_state"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    periods: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
