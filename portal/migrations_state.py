"""Is the database at the Alembic head? Used by /healthz and the CLI."""
from __future__ import annotations

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from portal.config import ROOT


def script_directory() -> ScriptDirectory:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(cfg)


def migration_state(engine) -> dict:
    heads = sorted(script_directory().get_heads())
    with engine.connect() as conn:
        current = sorted(MigrationContext.configure(conn).get_current_heads())
    return {"heads": heads, "current": current, "at_head": heads == current}
