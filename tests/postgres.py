"""Helpers for the PostgreSQL leg of the suite (PORTAL_TEST_DATABASE_URL)."""
from __future__ import annotations

from portal.extensions import db


def reset_schema(engine) -> None:
    """Start each test from empty tables in this run's schema."""
    db.drop_all()
