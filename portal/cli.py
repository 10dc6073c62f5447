"""`flask --app portal …` command groups: demo, users, profiling, chatbot, scheduler, kpi, flyer.

Each group lives in portal/commands/<name>.py as `cli` and is registered here.
"""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from portal.commands import chatbot, demo, flyer, kpi, profiling, scheduler, users

    for module in (users, demo, profiling, chatbot, scheduler, kpi, flyer):
        app.cli.add_command(module.cli)
