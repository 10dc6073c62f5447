"""Is the database at the Alembic head? Used by /healthz."""
from __future__ import annotations

from functools import cache

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from portal.config import ROOT


def script_directory() -> ScriptDirectory:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(cfg)


@cache
def code_heads() -> tuple[str, ...]:
    """The head revision(s) of the migrations this process runs with.

    Finding them reads and imports every migration script (about 20 ms), and they cannot change under a running
    process: a deploy that adds a migration starts new processes. So a health check that a load balancer asks every
    few seconds reads them once per process, and only asks the database for its own revision.
    """
    return tuple(sorted(script_directory().get_heads()))


def migration_state(engine) -> dict:
    heads = list(code_heads())
    with engine.connect() as conn:
        current = sorted(MigrationContext.configure(conn).get_current_heads())
    return {"heads": heads, "current": current, "at_head": heads == current}
