"""`flask users create|list|signin-link`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.auth.service import create_user
from portal.extensions import db
from portal.models import Caseworker, ServiceLocation, User
from portal.models.users import ROLES
from portal.services.actors import SystemActor
from portal.services.errors import DomainError

cli = AppGroup("users", help="Accounts: create and list.")


@cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", required=True, help="Full name shown in the UI")
@click.option("--email", default=None)
@click.option("--location", default=None, help="Service location (caseworkers), e.g. Odense")
@click.option("--group2-specialist", is_flag=True, default=False)
@click.option("--jobcentre", "jobcentre_code", type=int, default=None,
              help="Job-centre users: the municipality code of their job centre, e.g. 461 (Odense)")
@click.password_option("--password", help="At least 10 characters; asked for if not given")
def create(username, role, display_name, email, location, group2_specialist, jobcentre_code, password):
    """Create an account (admin task)."""
    try:
        user = create_user(db.session, username=username, password=password, role=role,
                           display_name=display_name, email=email, actor=SystemActor.CLI)
        if role == "caseworker":
            loc = db.session.scalar(select(ServiceLocation).where(ServiceLocation.name == (location or "")))
            if loc is None:
                raise DomainError(f"Ukendt betjeningssted: {location!r} (angiv --location)")
            db.session.add(Caseworker(user_id=user.id, location_id=loc.id, group2_specialist=group2_specialist))
        if role == "jobcenter":
            from portal.services.jobcentre.jobcentre import create_staff

            if jobcentre_code is None:
                raise DomainError("Angiv jobcentrets kommunekode med --jobcentre, fx 461 (Odense)")
            create_staff(db.session, user, jobcentre_code)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"Fejl: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"Oprettet {role} {username} (id {user.id})")


@cli.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None)
def list_users(role):
    query = select(User).order_by(User.id)
    if role:
        query = query.where(User.role == role)
    for user in db.session.scalars(query.limit(500)):
        click.echo(f"{user.id}\t{user.username}\t{user.role}\t{user.display_name}")


@cli.command("signin-link")
@click.argument("address")
def signin_link_command(address):
    """Development: send the member at ADDRESS (e-mail or phone) a sign-in link through the outbox and print it."""
    from flask import current_app

    from portal.auth import signin_link
    from portal.timeutil import utcnow

    if current_app.config["ENV"] == "production":
        click.echo("Not in production: members ask for links at /login/link.", err=True)
        sys.exit(1)
    now = utcnow()
    try:
        email, phone = signin_link.clean_address(address)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    member = signin_link.member_for(db.session, email, phone)
    if member is None:
        click.echo("No single member with that address.", err=True)
        sys.exit(1)
    user = signin_link.ensure_member_account(db.session, member, now=now, actor=SystemActor.CLI)
    link = signin_link.send_link(db.session, member, user, secret=current_app.config["SECRET_KEY"], now=now)
    if link is None:
        click.echo("Not sent: the account had 3 links in the last 30 minutes.", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(link)
