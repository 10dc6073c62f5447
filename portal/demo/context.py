"""What the foundation step hands to the area steps."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class SeedContext:
    rng: random.Random
    seed: int
    today: date
    now: datetime
    password: str
    password_hash: str
    location_ids: dict[str, int] = field(default_factory=dict)  # name → id
    caseworker_ids: list[int] = field(default_factory=list)
    caseworkers_by_location: dict[int, list[int]] = field(default_factory=dict)
    # The demo accounts: user ids and member/caseworker ids
    users: dict[str, int] = field(default_factory=dict)  # username → user id
    demo_member_id: int | None = None  # "medlem"
    dismissed_member_id: int | None = None  # "opsagt"
    demo_caseworker_id: int | None = None  # "sagsbehandler"
    member_count: int = 0
    summary: dict = field(default_factory=dict)
