"""`flask demo seed` — the lived-in demo portal."""
from __future__ import annotations

import time

import click
from flask import current_app

from portal.commands.errors import PortalGroup
from portal.demo import DEMO_LOGINS, database_is_empty, seed_demo
from portal.extensions import db

cli = PortalGroup("demo", help="Demo data.")


@cli.command("seed")
@click.option("--members", default=5744, show_default=True, type=click.IntRange(0, 5_000_000))
@click.option("--seed", "seed_value", default=2026, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has members")
def seed(members: int, seed_value: int, if_empty: bool):
    """Create locations, 220 caseworkers, N members and the demo accounts (deterministic for a seed)."""
    if if_empty and not database_is_empty(db.session):
        click.echo("Databasen har allerede data; springer demo-data over.")
    else:
        started = time.perf_counter()
        summary = seed_demo(db.session, members=members, seed=seed_value)
        click.echo(f"Demo-data oprettet på {time.perf_counter() - started:.1f} s: {summary}")
    password = current_app.config["DEMO_PASSWORD"]
    click.echo(f"Demo-logins (adgangskode: {password}):")
    for username, description in DEMO_LOGINS:
        click.echo(f"  {username:<14} {description}")
