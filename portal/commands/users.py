"""`flask users create|list|deactivate|reassign|set-password|signin-link`."""
from __future__ import annotations

import sys
from typing import NoReturn

import click
from sqlalchemy import select

from portal.auth.service import check_new_user, create_user, deactivate_user, set_password
from portal.commands.errors import PortalGroup
from portal.extensions import db
from portal.models import Caseworker, ServiceLocation, User
from portal.models.users import ROLES
from portal.services.actors import SystemActor
from portal.services.errors import DomainError

cli = PortalGroup("users", help="Accounts: create, list, deactivate, hand on a caseworker's work, reset a password.")


def _refuse(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(f"Fejl: {message}", err=True)
    sys.exit(2)


def _ask_password() -> str:
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        _refuse(f"Ingen bruger med brugernavnet {username!r} (se `flask --app portal users list`).")
    return user


@cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", required=True, help="Full name shown in the UI")
@click.option("--email", default=None)
@click.option("--location", default=None, help="Service location (caseworkers), e.g. Odense")
@click.option("--group2-specialist", is_flag=True, default=False)
@click.option("--jobcentre", "jobcentre_code", type=int, default=None,
              help="Job-centre users: the municipality code of their job centre, e.g. 461 (Odense)")
@click.option("--password", default=None, help="At least 10 characters; asked for (hidden, twice) if not given")
def create(username, role, display_name, email, location, group2_specialist, jobcentre_code, password):
    """Create a staff account (admin task). Every option is checked before the password is asked for."""
    from portal.services.jobcentre import municipalities
    from portal.services.jobcentre.jobcentre import create_staff

    if role == "member":  # a member login without the member record behind it would be a Min side of 404s
        _refuse("Medlemmer oprettes ikke her: de kommer fra medlemsregistret (eller `flask --app portal demo "
                "seed`) og logger ind med medlemsnummer eller et login-link.")
    try:
        check_new_user(db.session, username=username, role=role, display_name=display_name, email=email)
    except DomainError as exc:
        _refuse(exc.message)
    loc = None
    if role == "caseworker":
        if not location:
            _refuse("En sagsbehandler skal have et betjeningssted: angiv --location, fx --location Odense.")
        loc = db.session.scalar(select(ServiceLocation).where(ServiceLocation.name == location))
        if loc is None:
            _refuse(f"Ukendt betjeningssted: {location!r}.")
    if role == "jobcenter" and jobcentre_code is None:
        _refuse("Angiv jobcentrets kommunekode med --jobcentre, fx 461 (Odense)")
    if role == "jobcenter" and municipalities.get(jobcentre_code) is None:
        _refuse(f"Ukendt kommunekode: {jobcentre_code} (--jobcentre, fx 461 for Odense).")
    if password is None:
        password = _ask_password()
    try:
        user = create_user(db.session, username=username, password=password, role=role,
                           display_name=display_name, email=email, actor=SystemActor.CLI)
        if loc is not None:
            db.session.add(Caseworker(user_id=user.id, location_id=loc.id, group2_specialist=group2_specialist))
        if role == "jobcenter":
            create_staff(db.session, user, jobcentre_code)
        db.session.commit()
    except DomainError as exc:
        _refuse(exc.message)
    click.echo(f"Oprettet {role} {username} (id {user.id})")


# The coming conversations `deactivate` names one by one (the nearest first); the rest are counted.
BOOKINGS_LISTED = 10


@cli.command("deactivate")
@click.argument("username")
def deactivate(username):
    """Lock an account out (a leaver): no login, and its open sessions and API tokens end.

    A caseworker is locked out at once too (a leaver's login must not wait for their calendar), and is then
    offered for no new booking; what they still hold (members, booked conversations) is printed with the command
    that hands it to a colleague (`users reassign`)."""
    user = _user(username)
    if not deactivate_user(db.session, user, actor=SystemActor.CLI):
        click.echo(f"{username} er allerede deaktiveret.")
    else:
        db.session.commit()
        click.echo(f"Deaktiveret {user.role} {username} (id {user.id})")
    if user.caseworker is not None:
        _print_workload(user.caseworker, username)


def _when(moment) -> str:
    from portal.timeutil import to_local

    return f"{to_local(moment):%d.%m.%Y %H:%M}"


def _print_workload(caseworker: Caseworker, username: str) -> None:
    from portal.services.casework.reassignment import workload
    from portal.timeutil import utcnow

    held = workload(db.session, caseworker, now=utcnow())
    if not held.members and not held.bookings:
        click.echo("Ingen medlemmer eller kommende samtaler at give videre.")
        return
    click.echo(f"OBS: {caseworker.name} har stadig {held.members} medlemmer og {len(held.bookings)} bookede "
               "samtaler fremover. Nye samtaler bookes ikke hos en deaktiveret sagsbehandler, men de bookede "
               "står, til de gives videre:")
    for booking in held.bookings[:BOOKINGS_LISTED]:
        click.echo(f"  {_when(booking.starts_at)}\tmedlem {booking.member.member_number}\t{booking.type}"
                   f"\t/kalender/samtale/{booking.id}")
    if len(held.bookings) > BOOKINGS_LISTED:
        click.echo(f"  … og {len(held.bookings) - BOOKINGS_LISTED} mere")
    click.echo(f"Giv dem til en kollega: flask --app portal users reassign {username} <kollegaens brugernavn>")


@cli.command("reassign")
@click.argument("old_username")
@click.argument("new_username")
def reassign(old_username, new_username):
    """Give OLD's members and coming booked conversations to the caseworker NEW (a leaver's work handed on).

    Each member is told their new contact; a conversation moves when NEW is free at that time (and, in person, at
    that place), and the member gets a new calendar invitation; the others are listed for someone to move or
    cancel."""
    from portal.services.casework.reassignment import caseworker_by_username, reassign_caseworker
    from portal.timeutil import utcnow

    old = caseworker_by_username(db.session, old_username)
    new = caseworker_by_username(db.session, new_username)
    if old is None:
        _refuse(f"{old_username!r} er ikke en sagsbehandler (se `flask --app portal users list --role caseworker`).")
    if new is None:
        _refuse(f"{new_username!r} er ikke en sagsbehandler (se `flask --app portal users list --role caseworker`).")
    try:
        result = reassign_caseworker(db.session, old, new, actor=SystemActor.CLI, now=utcnow())
        db.session.commit()
    except DomainError as exc:
        _refuse(exc.message)
    click.echo(f"{result.members} medlemmer og {len(result.moved)} bookede samtaler er givet fra {old.name} til "
               f"{new.name}; medlemmerne har fået besked.")
    if result.left:
        click.echo(f"{len(result.left)} samtaler ligger stadig hos {old.name}. Flyt eller aflys dem i kalenderen:")
        for booking, why in result.left:
            click.echo(f"  {_when(booking.starts_at)}\tmedlem {booking.member.member_number}\t{booking.type}"
                       f"\t/kalender/samtale/{booking.id}\t{why}")


@cli.command("set-password")
@click.argument("username")
def set_password_command(username):
    """Give an account a new password (asked for, hidden, twice); its open sessions end."""
    user = _user(username)
    try:
        set_password(db.session, user, _ask_password(), actor=SystemActor.CLI)
        db.session.commit()
    except DomainError as exc:
        _refuse(exc.message)
    click.echo(f"Ny adgangskode sat for {username}")


@cli.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None)
def list_users(role):
    """List accounts (at most 500)."""
    query = select(User).order_by(User.id)
    if role:
        query = query.where(User.role == role)
    for user in db.session.scalars(query.limit(500)):
        inactive = "" if user.active else "\tdeaktiveret"
        click.echo(f"{user.id}\t{user.username}\t{user.role}\t{user.display_name}{inactive}")


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
