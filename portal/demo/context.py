"""What the foundation step hands to the area steps."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session


@dataclass
class SeedContext:
    rng: random.Random
    seed: int
    today: date
    now: datetime
    password: str
    password_hash: str
    location_ids: dict[str, int] = field(default_factory=dict)  # name → id
    caseworker_ids: list[int] = field(default_factory=list)
    caseworkers_by_location: dict[int, list[int]] = field(default_factory=dict)
    # The demo accounts: user ids and member/caseworker ids
    users: dict[str, int] = field(default_factory=dict)  # username → user id
    demo_member_id: int | None = None  # "medlem"
    dismissed_member_id: int | None = None  # "opsagt"
    sick_member_id: int | None = None  # "sygemeldt"
    demo_caseworker_id: int | None = None  # "sagsbehandler"
    member_count: int = 0
    history: object | None = None  # portal.demo.history.History, planned on first use
    summary: dict = field(default_factory=dict)


def bulk_insert(model):
    """An ORM bulk INSERT that keeps explicit None as NULL, so every row has the same columns and the whole list
    goes to the database in a few multi-row statements (without it, rows whose None columns differ are sent in
    small groups: 10,000+ round trips for the bookings on PostgreSQL)."""
    return insert(model).execution_options(render_nulls=True)


def fast_insert(session: Session, table, rows: list[dict]) -> None:
    """executemany with the columns' own bind processors (same stored format as the ORM) but without
    SQLAlchemy's per-row parameter compilation, which dominates at 250,000 members. PostgreSQL uses Core.

    Every row has the same keys, and they cover every column that needs a value (no Python-side defaults)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    processors = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # nosec B608 - table and column names are the model's own constants
    connection.exec_driver_sql(sql, [tuple(p(r[c]) if p else r[c] for c, p in zip(columns, processors))
                                     for r in rows])
