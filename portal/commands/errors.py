"""What an operator sees when a `flask --app portal …` command meets a wrong setting or database: one or two lines
on stderr saying what is wrong and what to do, and exit status 1, instead of a 30–100 line traceback.

Two places, both central:

- A setting that does not parse stops the app factory (`portal.config.SettingError`, a `click.ClickException`):
  click prints it as `Error: …` before any command runs. Under gunicorn the same error stops the process as before.
- Every portal command group is a `PortalGroup`: a database error from any of its commands (unreachable, no schema
  yet, a SQLite file that cannot be opened) is explained here once.

`--verbose` (before the command: `flask --app portal users --verbose list`) or `PORTAL_LOG_LEVEL=DEBUG` shows the
full traceback as well.
"""
from __future__ import annotations

import re

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

MISSING_TABLE = re.compile(r'no such table: (\w+)|relation "([^"]+)" does not exist')
UPGRADE_HINT = "Build or update the schema with `flask --app portal db upgrade` (or `make run`)."


class OperatorError(click.ClickException):
    """A problem of the installation, not of the code: shown as `Error: …`, exit status 1."""


def _database(url) -> str:
    return url.render_as_string(hide_password=True) if url is not None else "the configured database"


def explain(error: SQLAlchemyError, url=None) -> str | None:
    """One or two lines for a database error an operator can fix; None for anything else (a bug: traceback)."""
    if not isinstance(error, DBAPIError):
        return None
    where = _database(url)
    original = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    missing = MISSING_TABLE.search(original)
    if missing:
        table = missing.group(1) or missing.group(2)
        return f"The database {where} has no portal schema yet (no table {table}).\n{UPGRADE_HINT}"
    if "unable to open database file" in original:
        return (f"Cannot open the SQLite database {where}: does its folder exist and may this user write there?\n"
                "Fix the path in PORTAL_DATABASE_URL, or create the folder.")
    if error.connection_invalidated or type(error).__name__ in ("OperationalError", "InterfaceError"):
        return (f"Cannot use the database {where}: {original}\n"
                "Check PORTAL_DATABASE_URL and that the database server is running and reachable.")
    return None


def _debugging(ctx: click.Context) -> bool:
    return bool(ctx.meta.get("portal.verbose")) or current_app.config.get("LOG_LEVEL") == "DEBUG"


def _set_verbose(ctx: click.Context, _param, value: bool) -> bool:
    if value:
        ctx.meta["portal.verbose"] = True
    return value


class PortalGroup(AppGroup):
    """A portal command group: `--verbose`, and database errors explained (see the module's text)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["--verbose"], is_flag=True, expose_value=False, is_eager=True,
                                        callback=_set_verbose, help="Show the full traceback of an error."))

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as error:
            message = explain(error, _engine_url())
            if message is None or _debugging(ctx):
                raise
            raise OperatorError(message) from error


def _engine_url():
    from portal.extensions import db

    try:
        return db.engine.url
    except Exception:  # noqa: BLE001 - only for the message; the error being explained is what matters
        return None
