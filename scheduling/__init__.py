"""The scheduler: APScheduler jobs (scheduling/jobs.py), the lease (lease.py) and the process loop (runner.py).

Production runs it as its own process (`flask --app portal scheduler run`); `make run` starts it inside the dev
server when PORTAL_SCHEDULER_IN_PROCESS=1 (`start_in_process`, called once from the app factory's blueprint
hooks). Tests and other CLI commands never start it.
"""
from __future__ import annotations

import atexit
import logging

from flask import Flask

from portal.config import reloader_child

log = logging.getLogger("portal.scheduler")


def _is_serving_process() -> bool:
    """True inside `flask run`'s serving process (with the reloader: the child, not the watcher)."""
    import click
    from flask.helpers import get_debug_flag

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or reloader_child()


def start_in_process(app: Flask):
    """Start the scheduler in a background thread of the dev server, if configured; returns the runner or None."""
    if not app.config.get("SCHEDULER_IN_PROCESS") or app.config.get("TESTING") or not _is_serving_process():
        return None
    from scheduling.runner import SchedulerRunner

    runner = SchedulerRunner(app)
    runner.start_background()
    app.extensions["scheduler_runner"] = runner
    atexit.register(runner.stop)
    log.info("scheduler started in the dev server process")
    return runner
