"""Migration 0010: benefit weeks are linked to (or get) a benefit period; down and up again.

A small hand-made database at revision 0009, on SQLite and, in the PostgreSQL leg, in a scratch database.
"""
from __future__ import annotations

import os
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests.factories import Factory

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
# The migration cuts weeks at the day before it runs: it runs with the clock frozen on T (tests/clock.py).
T = date(2026, 11, 27)
pytestmark = pytest.mark.clock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
STAMP = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)

week = sa.table("benefit_week", sa.column("id", sa.Integer), sa.column("member_id", sa.Integer),
                sa.column("period_start", sa.Date), sa.column("period_id", sa.Integer),
                sa.column("week_no", sa.Integer), sa.column("benefit_fraction", sa.Float))
period = sa.table("benefit_period", sa.column("id", sa.Integer), sa.column("member_id", sa.Integer),
                  sa.column("start_date", sa.Date), sa.column("end_date", sa.Date), sa.column("end_reason", sa.String),
                  sa.column("placement", sa.String), sa.column("target_group", sa.String),
                  sa.column("source", sa.String), sa.column("imported_at", sa.DateTime))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        if PG_URL:
            pytest.skip("the SQLite leg runs it")
        yield f"sqlite:///{tmp_path / 'backfill.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL leg only (PORTAL_TEST_DATABASE_URL)")
    base = make_url(PG_URL)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"portal_bf_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _weeks(conn, member_id, start, fractions):
    conn.execute(week.insert(), [{"member_id": member_id, "period_start": start, "week_no": i + 1,
                                  "benefit_fraction": f} for i, f in enumerate(fractions)])


def _period(conn, member_id, start, end=None):
    conn.execute(period.insert().values(member_id=member_id, start_date=start, end_date=end,
                                        end_reason=end and "job", placement="new", source="import",
                                        imported_at=STAMP))


def test_backfill_links_weeks_makes_missing_periods_and_downgrade_restores(database_url):
    from flask_migrate import downgrade, upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(revision="0009_offers")
        make = Factory(db.session)
        linked = make.member(first_unemployment_day=T - timedelta(days=200))
        made = make.member(first_unemployment_day=T - timedelta(days=35), placement="returning")
        conflicting = make.member(first_unemployment_day=T - timedelta(days=100))
        clamped = make.member(first_unemployment_day=T - timedelta(days=590))
        ids = linked.id, made.id, conflicting.id, clamped.id
        db.session.commit()
        db.session.remove()
        a, b, c, d = ids
        with db.engine.begin() as conn:
            # a: a stored period ending on day 31; its weeks run on past the end (one week of benefit after it)
            _period(conn, a, T - timedelta(days=300), T - timedelta(days=270))
            _weeks(conn, a, T - timedelta(days=300), [1, 1, 1, 1, 0.4, 1.0, 0, 0])
            # b: no periods; an old run (10 weeks on benefit, then off) and the current one (on benefit)
            _weeks(conn, b, T - timedelta(days=500), [1.0] * 10 + [0.0] * 42)
            _weeks(conn, b, T - timedelta(days=35), [1.0] * 5)
            # c: weeks of the stored period, weeks starting inside it, and weeks never on benefit
            _period(conn, c, T - timedelta(days=100))
            _weeks(conn, c, T - timedelta(days=100), [1.0] * 4)
            _weeks(conn, c, T - timedelta(days=86), [1.0] * 3)
            _weeks(conn, c, T - timedelta(days=400), [0.0] * 3)
            # d: 20 weeks on benefit, but a stored period begins 10 days in
            _weeks(conn, d, T - timedelta(days=600), [1.0] * 20)
            _period(conn, d, T - timedelta(days=590))

        upgrade()
        with db.engine.connect() as conn:
            periods = {(p.member_id, p.start_date): p for p in conn.execute(sa.select(period))}
            weeks_of = {}
            for member_id, start, week_no, period_member in conn.execute(
                    sa.select(week.c.member_id, period.c.start_date, week.c.week_no, period.c.member_id)
                    .join(period, period.c.id == week.c.period_id).order_by(week.c.week_no)):
                assert member_id == period_member
                weeks_of.setdefault((member_id, start), []).append(week_no)
            total = conn.scalar(sa.select(sa.func.count()).select_from(week))
        assert total == sum(len(w) for w in weeks_of.values())  # every week has its period
        assert weeks_of == {
            (a, T - timedelta(days=300)): [1, 2, 3, 4, 5],  # week 5 holds the end; weeks 6–8 lay after it
            (b, T - timedelta(days=500)): list(range(1, 11)),
            (b, T - timedelta(days=35)): [1, 2, 3, 4, 5],
            (c, T - timedelta(days=100)): [1, 2, 3, 4],
            (d, T - timedelta(days=600)): [1, 2],  # the made period ends the day before the stored one begins
        }
        old_b = periods[(b, T - timedelta(days=500))]
        assert (old_b.source, old_b.end_date, old_b.end_reason, old_b.placement) == \
            ("weeks", T - timedelta(days=500 - 69), "other", "new")
        current_b = periods[(b, T - timedelta(days=35))]
        assert (current_b.source, current_b.end_date, current_b.end_reason, current_b.placement) == \
            ("weeks", None, None, "returning")  # the member's own placement: it is their current period
        made_d = periods[(d, T - timedelta(days=600))]
        assert (made_d.source, made_d.end_date, made_d.placement) == ("weeks", T - timedelta(days=591), "new")
        assert periods[(a, T - timedelta(days=300))].source == "import"
        assert not any(m == c and p.source == "weeks" for (m, _), p in periods.items())
        assert len(periods) == 6

        downgrade(revision="0009_offers")
        with db.engine.connect() as conn:
            assert "period_id" not in {col["name"] for col in sa.inspect(conn).get_columns("benefit_week")}
            runs = {(m, s): n for m, s, n in conn.execute(
                sa.select(week.c.member_id, week.c.period_start, sa.func.count())
                .group_by(week.c.member_id, week.c.period_start))}
            sources = sorted(conn.scalars(sa.select(period.c.source)))
        assert runs == {key: len(numbers) for key, numbers in weeks_of.items()}
        assert sources == ["import", "import", "import"]  # the periods made from weeks are gone again
        upgrade()
        with db.engine.connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(week).where(week.c.period_id.is_(None))) == 0
        db.engine.dispose()
