"""Every blueprint, registered in one place."""
from __future__ import annotations

from importlib import import_module

from flask import Flask

# module name → attribute holding the Blueprint. Each area owns its module.
BLUEPRINT_MODULES = [
    "auth",
    "main",
    "admin",
    "minside",
    "booking",
    "offers",
    "caseworker",
    "chat",
    "steering",
    "outbox_admin", "survey",  # (issue: scheduling) /admin/udbakke, /admin/planlaegning, /undersoegelse
    "jobcentre",  # (issue 16) /jobcenter: the job centre's inbox
    "api",
]


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        module = import_module(f"portal.blueprints.{name}")
        bp = getattr(module, "bp", None)
        if bp is not None:
            app.register_blueprint(bp)
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)
