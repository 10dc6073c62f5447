"""The demo seed: counts, the demo accounts, determinism."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.models import Caseworker, Member, ServiceLocation, User


def test_seed_counts_and_demo_accounts(app, session, client, auth, clock):
    TODAY = clock.today
    seed_demo(session, members=300, seed=7, now=clock.now, password="demo-adgangskode", areas=[])
    assert session.scalar(select(func.count()).select_from(ServiceLocation)) == 47
    assert session.scalar(select(func.count()).select_from(Caseworker)) == 220
    assert session.scalar(select(func.count()).select_from(Member)) == 300
    medlem = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "medlem"))
    assert medlem.status == "ledig" and medlem.target_group == "2a"
    assert medlem.first_unemployment_day == TODAY - timedelta(weeks=5)
    assert medlem.caseworker.user.username == "sagsbehandler"
    assert medlem.caseworker.location.name == "Odense"
    opsagt = session.scalar(select(Member).join(User, Member.user_id == User.id).where(User.username == "opsagt"))
    assert opsagt.status == "opsagt" and opsagt.mark_o and opsagt.notice_end_date > TODAY + timedelta(days=85)
    roles = dict(session.execute(select(User.username, User.role).where(
        User.username.in_(["styregruppe", "admin", "sagsbehandler"]))).all())
    assert roles == {"styregruppe": "steering", "admin": "admin", "sagsbehandler": "caseworker"}
    assert auth.login("medlem", "demo-adgangskode").status_code == 302


def test_seed_is_deterministic_for_a_seed(app, session, tmp_path, clock):
    seed_demo(session, members=200, seed=11, now=clock.now, password="demo-adgangskode", areas=[])
    first = session.execute(select(Member.member_number, Member.first_name, Member.last_name, Member.status,
                                   Member.first_unemployment_day, Member.location_id).order_by(Member.id)).all()
    from portal import create_app
    from portal.extensions import db

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.sqlite3'}",
                        "SECRET_KEY": "x"})
    with other.app_context():
        db.create_all()
        seed_demo(db.session, members=200, seed=11, now=clock.now, password="demo-adgangskode", areas=[])
        second = db.session.execute(select(Member.member_number, Member.first_name, Member.last_name, Member.status,
                                           Member.first_unemployment_day, Member.location_id)
                                    .order_by(Member.id)).all()
        db.session.remove()
        db.engine.dispose()
    assert first == second


def test_seed_mix_is_plausible(app, session, clock):
    TODAY = clock.today
    seed_demo(session, members=3000, seed=3, now=clock.now, password="demo-adgangskode", areas=[])
    statuses = dict(session.execute(select(Member.status, func.count()).group_by(Member.status)).all())
    assert statuses["ledig"] > statuses["opsagt"] > 0 and statuses["sygemeldt"] > 0
    weeks = [(TODAY - d).days / 7 for d in session.scalars(
        select(Member.first_unemployment_day).where(Member.status == "ledig"))]
    assert sum(w <= 26 for w in weeks) / len(weeks) > 0.8
