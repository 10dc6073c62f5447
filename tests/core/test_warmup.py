"""The gunicorn master warms the app before forking (portal/warmup.py) without touching the database."""
from __future__ import annotations

from sqlalchemy import event

from portal.warmup import after_fork, warm_up


def test_warm_up_compiles_the_templates_and_opens_no_connection(app, db):
    db.session.remove()
    db.engine.dispose()
    opened = []
    event.listen(db.engine, "connect", lambda *args: opened.append(1))
    app.jinja_env.cache.clear()
    warm_up(app)
    assert opened == []
    assert any(key[1] == "minside/home.html" for key in app.jinja_env.cache)
    after_fork(app)  # a worker's first step: the pool starts empty, the app still answers
    assert app.test_client().get("/login").status_code == 200
