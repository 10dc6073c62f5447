"""Date arithmetic the KPI queries need, compiled for SQLite and PostgreSQL alike.

- `add_days(day, n)`: a DATE n days later (n a number or an integer expression);
- `days_between(later, earlier)`: whole days from `earlier` to `later`;
- `local_day(ts)`: the Europe/Copenhagen calendar day of a UTC timestamp (UTCDateTime columns store naive UTC).
  PostgreSQL converts with its time-zone database; SQLite applies the EU summer-time rule (UTC+2 from 01:00 UTC
  on the last Sunday of March to 01:00 UTC on the last Sunday of October, else UTC+1), which is what
  Europe/Copenhagen has followed since 1996.
"""
from __future__ import annotations

from sqlalchemy import Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class add_days(FunctionElement):
    type = Date()
    name = "add_days"
    inherit_cache = True


class days_between(FunctionElement):
    type = Integer()
    name = "days_between"
    inherit_cache = True


class local_day(FunctionElement):
    type = Date()
    name = "local_day"
    inherit_cache = True


def _args(element, compiler, **kw) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(add_days)
def _add_days_pg(element, compiler, **kw):
    day, n = _args(element, compiler, **kw)
    return f"(CAST({day} AS DATE) + CAST({n} AS INTEGER))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, n = _args(element, compiler, **kw)
    return f"date(julianday({day}) + ({n}))"


@compiles(days_between)
def _days_between_pg(element, compiler, **kw):
    later, earlier = _args(element, compiler, **kw)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(round(julianday({later}) - julianday({earlier})) AS INTEGER)"


@compiles(local_day)
def _local_day_pg(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    return f"CAST(({ts} AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/Copenhagen' AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    (ts,) = _args(element, compiler, **kw)
    year = f"strftime('%Y', {ts})"
    summer_from = f"datetime({year} || '-03-25', 'weekday 0', '+1 hours')"
    summer_to = f"datetime({year} || '-10-25', 'weekday 0', '+1 hours')"
    return (f"date({ts}, CASE WHEN {ts} >= {summer_from} AND {ts} < {summer_to} "
            f"THEN '+2 hours' ELSE '+1 hours' END)")
