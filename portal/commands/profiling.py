"""`flask profiling synth|train|score|activate|list|show` — the model workflow (docs/profiling.md).

Bad input gets a Danish message on stderr, exit status 2, and nothing is written.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd

from portal.commands.errors import PortalGroup
from portal.extensions import db
from portal.models.profiling import MODEL_KINDS
from portal.profiling import synth
from portal.profiling.design import TrainingDataError
from portal.profiling.fairness import side_by_side, verdict
from portal.profiling.registry import check_writable
from portal.services import profiling as service
from portal.services.actors import SystemActor
from portal.services.errors import DomainError
from portal.timeutil import utcnow

cli = PortalGroup("profiling", help="Profiling models: synthetic data, training, registry, scoring.")


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Fejl: {message}", err=True)
    sys.exit(2)


def _csv_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@cli.command("synth")
@click.option("--rows", required=True, type=int, help="Number of synthetic members")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.csv")
@click.option("--seed", default=2026, show_default=True, type=int)
def synth_command(rows: int, out: Path, seed: int):
    """Draw members from plausible distributions; labels from a known logistic model (FILE.truth.json)."""
    if not 100 <= rows <= 20_000_000:
        _fail("--rows skal være mellem 100 og 20.000.000.")
    if out.suffix.lower() != ".csv":
        _fail("--out skal være en .csv-fil.")
    csv_path, truth_path = synth.write(rows, seed, out)
    click.echo(f"Skrev {rows} rækker til {csv_path} og den sande model til {truth_path}.")


@cli.command("train")
@click.option("--data", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Training CSV")
@click.option("--target", required=True, help="0/1 column: long-term unemployed (empty = censored, left out)")
@click.option("--features", required=True, help="Comma-separated columns")
@click.option("--categorical", default="", help="Comma-separated columns among --features treated as categories")
@click.option("--reference", "references", multiple=True, help="Reference level, e.g. --reference disco=sosu_hjaelper")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Model directory (default: PORTAL_MODEL_DIR/<kind>-v<n>-…)")
@click.option("--report", "report_path", default=None, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", default="B", show_default=True, type=click.Choice(MODEL_KINDS),
              help="A: questions 2+10, B: register, AB: both")
@click.option("--folds", default=5, show_default=True, type=int)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--threshold", default=None, type=float, help="Fixed threshold for group 2 (default: Youden)")
@click.option("--exclude", "excluded", multiple=True,
              help="Leave a variable of --features out, e.g. --exclude origin: the model is also trained with it "
                   "and accuracy and fairness are printed side by side; the model without it is registered")
def train_command(data, target, features, categorical, references, out, report_path, kind, folds, seed, threshold,
                  excluded):
    """Train a logistic regression on any CSV, write the artefact and the report, register it (inactive)."""
    if not data.exists():
        _fail(f"Filen {data} findes ikke.")
    if not 2 <= folds <= 20:
        _fail("--folds skal være mellem 2 og 20.")
    if threshold is not None and not 0 < threshold < 1:
        _fail("--threshold skal være mellem 0 og 1.")
    refs = {}
    for item in references:
        name, sep, level = item.partition("=")
        if not sep or not name.strip() or not level.strip():
            _fail(f"--reference skal have formen kolonne=niveau (fik {item!r}).")
        refs[name.strip()] = level.strip()
    feature_list, categorical_list = _csv_list(features), _csv_list(categorical)
    for name in excluded:
        if name not in feature_list:
            _fail(f"--exclude {name}: {name} er ikke blandt --features.")
    kept = [f for f in feature_list if f not in excluded]
    if not kept:
        _fail("--exclude lader ingen variabler tilbage at træne på.")
    if out is not None and (problem := check_writable(out)):
        _fail(problem)
    if report_path is not None and report_path.exists():
        _fail(f"Rapportfilen {report_path} findes allerede; vælg et nyt navn.")
    try:
        frame = pd.read_csv(data, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        _fail(f"Filen {data} kan ikke læses som CSV: {exc}")
    common = {"target": target, "folds": folds, "seed": seed, "threshold": threshold, "kind": kind}
    try:
        trained = train_model(frame, features=kept, categorical=[c for c in categorical_list if c not in excluded],
                              references={k: v for k, v in refs.items() if k not in excluded}, **common)
        comparison = None
        if excluded:
            with_all = train_model(frame, features=feature_list, categorical=categorical_list, references=refs,
                                   **common)
            comparison = {name: side_by_side(with_all.report, trained.report, name) for name in excluded}
            trained.report["excluded"] = {"features": list(excluded), "side_by_side": comparison}
    except TrainingDataError as exc:
        _fail(exc.message)
    try:
        model = service.register_model(db.session, trained, kind=kind, actor=SystemActor.CLI, now=utcnow(), out_dir=out)
        db.session.commit()
    except DomainError as exc:
        _fail(exc.message)
    report = trained.report
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    click.echo(f"Model {model.label} trænet på {report['n']} rækker ({report['events']} langtidsledige), "
               f"metode {report['fit']['method']}.")
    click.echo(f"AUC (uden for stikprøven, {report['cv']['folds']} fold): {report['cv']['auc']:.3f}  "
               f"Brier: {report['cv']['brier']:.4f}  tærskel: {report['threshold']['value']:.3f} "
               f"(sensitivitet {report['threshold']['sensitivity']:.2f}, "
               f"specificitet {report['threshold']['specificity']:.2f})")
    for note in report["fit"]["notes_da"] + report["notes_da"]:
        click.echo(f"  Bemærk: {note}")
    _echo_fairness(report["fairness"]["warnings"])
    for name, rows in (comparison or {}).items():
        _echo_side_by_side(name, rows)
    click.echo(f"Artefakt: {model.artefact_path}")
    click.echo(f"Aktivér med: flask --app portal profiling activate --kind {model.kind} --version {model.version}")


def _echo_side_by_side(name: str, rows: list[tuple[str, str, str]]) -> None:
    width = max(len(what) for what, _w, _o in rows)
    click.echo(f"Virkning af at udelade {name} (den registrerede model er uden):")
    click.echo(f"  {'':<{width}}  {'med':>8}  {'uden':>8}")
    for what, with_value, without_value in rows:
        click.echo(f"  {what:<{width}}  {with_value:>8}  {without_value:>8}")


def _echo_fairness(warnings: list[str]) -> None:
    if not warnings:
        click.echo("Fairness: ingen forskelle uden for 0,8–1,25 mellem grupperne.")
        return
    click.echo(f"Fairness-advarsler ({len(warnings)}):")
    for warning in warnings:
        click.echo(f"  ! {warning}")


@cli.command("activate")
@click.option("--kind", required=True, type=click.Choice(MODEL_KINDS))
@click.option("--version", "version", required=True, type=int)
@click.option("--reason", default=None, help="Required when the model has fairness warnings")
def activate_command(kind, version, reason):
    """Make a registered model the active one of its kind (shows its fairness report; audited)."""
    try:
        model = service.get_model(db.session, kind, version)
        click.echo(f"Model {model.label}: {model.training_rows} rækker, AUC {model.cv_auc:.3f}.")
        _echo_fairness(model.report["fairness"]["warnings"])
        previous = service.activate_model(db.session, model, actor=SystemActor.CLI, now=utcnow(), reason=reason)
        db.session.commit()
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"{model.label} er nu aktiv" + (f" (afløser {previous.label})." if previous else "."))
    click.echo("Kør 'flask --app portal profiling score --all' for at score alle medlemmer med den nye model.")


@cli.command("score")
@click.option("--all", "score_all", is_flag=True, help="Score every member (default: only changed inputs)")
@click.option("--member", "member_number", default=None, help="Score one member by member number")
def score_command(score_all, member_number):
    """Score members with the active model(s) and store the assessments."""
    from sqlalchemy import select

    from portal.models import Member

    now = utcnow()
    try:
        if member_number:
            member = db.session.scalar(select(Member).where(Member.member_number == member_number))
            if member is None:
                _fail(f"Intet medlem med medlemsnummer {member_number}.")
            result = service.score_member(db.session, member, now=now, actor=SystemActor.CLI)
            db.session.commit()
            factors = "; ".join(f.text_da for f in result.factors[:3])
            click.echo(f"{member_number}: {result.probability:.1%} → målgruppe {result.proposed_group} "
                       f"({result.model_label}). {factors}")
            return
        if not service.active_models(db.session):
            _fail("Der er ingen aktiv model. Træn og aktivér en først (profiling train / activate).")
        count = service.score_all(db.session, now=now, only_changed=not score_all, actor=SystemActor.CLI)
        db.session.commit()
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"Scorede {count} medlemmer.")


@cli.command("list")
def list_command():
    """The registry: every version, which is active, AUC and fairness warnings."""
    models = service.list_models(db.session)
    if not models:
        click.echo("Ingen modeller i registret endnu.")
        return
    click.echo(f"{'model':<8} {'aktiv':<6} {'rækker':>9} {'AUC':>6} {'advarsler':>9}  trænet")
    for m in models:
        auc = f"{m.cv_auc:.3f}" if m.cv_auc is not None else "-"
        click.echo(f"{m.label:<8} {'ja' if m.active else '':<6} {m.training_rows:>9} {auc:>6} "
                   f"{m.fairness_warnings:>9}  {m.trained_at:%Y-%m-%d %H:%M} ({m.trained_by})")


@cli.command("show")
@click.option("--kind", required=True, type=click.Choice(MODEL_KINDS))
@click.option("--version", "version", required=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="The whole report as JSON")
def show_command(kind, version, as_json):
    """A registered model: accuracy, the variables, and the fairness report's verdict per attribute."""
    try:
        model = service.get_model(db.session, kind, version)
    except DomainError as exc:
        _fail(exc.message)
    report = model.report
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"Model {model.label}{' (aktiv)' if model.active else ''}: {report['n']} rækker, "
               f"AUC {report['cv']['auc']:.3f}, Brier {report['cv']['brier']:.4f}, "
               f"tærskel {report['threshold']['value']:.3f}.")
    click.echo(f"Variabler: {', '.join(report['features'])}")
    left_out = (report.get("excluded") or {}).get("features", [])
    if left_out:
        click.echo(f"Udeladt af ejeren: {', '.join(left_out)}")
    for attribute in report["fairness"]["attributes"]:
        found = verdict(report, attribute)
        used = "variabel i modellen" if attribute in report["features"] else "ikke en variabel i modellen"
        click.echo(f"Fairness, {found['label_da']} ({used}): {found['verdict']}")
        for level in found["levels"]:
            ratio = level["wrongly_high_risk_ratio"]
            share = f"{100 * level['share_group2']:.1f}".replace(".", ",")
            times = f"{ratio:.2f}".replace(".", ",") if ratio is not None else ""
            click.echo(f"  {level['label_da']}: n={level['n']}, andel i målgruppe 2 {share} %"
                       + (f", fejlagtigt høj risiko {times} × reference" if times
                          and level["level"] != found["reference"] else ""))
        for warning in found["warnings"]:
            click.echo(f"  ! {warning}")
    for name, rows in (report.get("excluded") or {}).get("side_by_side", {}).items():
        _echo_side_by_side(name, [tuple(row) for row in rows])


def train_model(*args, **kwargs):
    """portal.profiling.training.train, imported on use (statsmodels is slow to import; every CLI call pays it)."""
    from portal.profiling.training import train

    return train(*args, **kwargs)
