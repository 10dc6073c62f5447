"""Issue: foundation. The demo seed must reach 250,000 members in under 2 minutes (bulk inserts)."""
from __future__ import annotations

from bench.common import demo_database


def run() -> dict:
    _, seconds = demo_database(members=250_000, seed=99, fresh=True)
    return {"members": 250_000, "seed_seconds_incl_area_steps": round(seconds, 1), "target_seconds": 120,
            "within_target": seconds < 120}
