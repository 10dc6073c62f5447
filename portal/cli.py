"""`flask --app portal …` command groups: demo, users, profiling, chatbot, scheduler, kpi, flyer.

Each group lives in portal/commands/<name>.py as `cli`; a group whose module is missing is skipped.
"""
from __future__ import annotations

from importlib import import_module

from flask import Flask

GROUPS = ["users", "demo", "profiling", "chatbot", "scheduler", "kpi", "flyer"]


def register_cli(app: Flask) -> None:
    for name in GROUPS:
        try:
            module = import_module(f"portal.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"portal.commands.{name}":
                continue
            raise
        app.cli.add_command(module.cli)
