"""`flask kpi …`: import outcome data and print the steering report (the same numbers as /styring)."""
from __future__ import annotations

import json
from datetime import date

import click

from portal.commands.errors import PortalGroup
from portal.extensions import db
from portal.services.actors import SystemActor
from portal.services.errors import ValidationFailed
from portal.services.steering import kpi
from portal.services.steering.outcomes_import import import_outcomes
from portal.timeutil import local_today, utcnow

cli = PortalGroup("kpi", help="Styringsdata: import af forløbsdata og rapport over succeskriterierne.")


@cli.command("import-outcomes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--skip-bad", is_flag=True, help="Importér de gyldige linjer og spring de ugyldige over.")
def import_outcomes_command(file: str, skip_bad: bool):
    """Import benefit periods and job starts from the fund's CSV export (see docs/kpi.md for the columns)."""
    try:
        with open(file, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise click.ClickException("Filen er ikke UTF-8. Gem den som UTF-8 (CSV) og prøv igen.") from None
    try:
        result = import_outcomes(db.session, text, actor=SystemActor.CLI, today=local_today(), now=utcnow(),
                                 skip_bad=skip_bad)
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    for line, message in result.errors:
        click.echo(f"Linje {line}: {message}", err=True)
    if not result.imported:
        db.session.rollback()
        raise click.ClickException(
            f"{result.bad_lines} ugyldige linjer ud af {result.lines}; intet er importeret. "
            "Ret filen, eller brug --skip-bad for at importere de gyldige linjer.")
    db.session.commit()
    click.echo(
        f"Importeret fra {result.lines} linjer: {result.benefit_periods_created} nye og "
        f"{result.benefit_periods_updated} opdaterede ydelsesperioder, {result.job_starts_created} nye og "
        f"{result.job_starts_updated} opdaterede jobstarter."
        + (f" {result.bad_lines} ugyldige linjer sprunget over." if result.bad_lines else ""))


def _day(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("skriv datoen som ÅÅÅÅ-MM-DD") from None
    return value


@cli.command("report")
@click.option("--from", "date_from", callback=_day, help="Første 1. ledighedsdag (ÅÅÅÅ-MM-DD).")
@click.option("--to", "date_to", callback=_day, help="Sidste 1. ledighedsdag (ÅÅÅÅ-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--split", type=click.Choice(list(kpi.SPLITS)), default="segment", show_default=True)
@click.option("--location", "location_id", type=int, help="Kun ét betjeningssted (id).")
@click.option("--segment", type=click.Choice(list(kpi.SEGMENTS)), help="Kun én målgruppe.")
@click.option("--placement", type=click.Choice(list(kpi.PLACEMENT_LABELS)), help="Kun ny- eller genindplacerede.")
@click.option("--today", "today_value", callback=_day, help="Opgørelsesdag (standard: i dag).")
def report_command(date_from, date_to, fmt, split, location_id, segment, placement, today_value):
    """Print every success criterion for a period of first unemployment days (same numbers as /styring)."""
    today = date.fromisoformat(today_value) if today_value else local_today()
    args = {"fra": date_from or "", "til": date_to or "", "opdel": split, "sted": str(location_id or ""),
            "gruppe": segment or "", "indplacering": placement or ""}
    try:
        filters = kpi.parse_filters(db.session, args, today)
    except ValidationFailed as exc:
        raise click.ClickException(" ".join([exc.message, *exc.errors.values()])) from None
    report = kpi.build_report(db.session, filters, today)
    if fmt == "csv":
        click.echo(kpi.report_csv(report), nl=False)
    else:
        click.echo(json.dumps(kpi.report_document(report), ensure_ascii=False, indent=2))
