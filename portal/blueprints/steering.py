"""The steering dashboard (/styring): the trial's success criteria with filters, survival charts and exports."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import format_decimal
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.blueprints.steering_charts import Marker, build_chart
from portal.errors import problem
from portal.extensions import db
from portal.i18n import gettext as _
from portal.services import audit
from portal.services import locations as service_locations
from portal.services.errors import ValidationFailed
from portal.services.steering import kpi, kpi_summary
from portal.timeutil import local_today, utcnow
from portal.unit_of_work import unit_of_work

bp = Blueprint("steering", __name__, url_prefix="/styring")

ROLES = ("steering", "admin")
# Computed live, the whole table takes seconds at 250,000 members; from the summary table (refreshed by the
# scheduler) well under one. The page and its exports share a short-lived result per filter (PORTAL_KPI_CACHE_SECONDS,
# default 300; 0 turns it off). The page shows when the numbers were computed and how old they may be.
DEFAULT_CACHE_SECONDS = 300


def _filters():
    today = local_today()
    return kpi.parse_filters(db.session, request.args, today), today


def _report(filters: kpi.Filters, today) -> kpi.Report:
    """The report for the filters (portal/services/steering/kpi_summary.py `report_for`), with this app's cache."""
    return kpi_summary.report_for(db.session, filters, today, now=utcnow(),
                                  cache=current_app.extensions.setdefault("kpi_cache", {}),
                                  ttl_seconds=int(current_app.config["KPI_CACHE_SECONDS"]))


def _audit(action: str, filters: kpi.Filters) -> None:
    with unit_of_work():
        audit.record(db.session, current_user, action, detail=filters.as_args(), now=utcnow())


@bp.route("")
@role_required(*ROLES)
def dashboard():
    locations = service_locations.by_name(db.session)
    try:
        filters, today = _filters()
    except ValidationFailed as err:
        return render_template("steering/dashboard.html", report=None, errors=err.errors, message=err.message,
                               args=request.args, locations=locations, charts=[], sections=[]), 400
    report = _report(filters, today)
    _audit("kpi.view", filters)
    return render_template("steering/dashboard.html", report=report, errors={}, message=None,
                           args=filters.as_args(), locations=locations, charts=_charts(report),
                           sections=_sections(report), jobcentres=_jobcentre_cooperation(filters),
                           freshness=_freshness(report))


def _freshness(report: kpi.Report) -> str:
    """Whether the page may promise a refresh: only while a scheduler runs, by the rule the admin's
    /admin/planlaegning shows ("Ingen planlægger kører" otherwise)."""
    from scheduling.lease import current_holder

    now = utcnow()
    lease = current_holder(db.engine, now=now)
    return kpi_summary.freshness(report, now=now, scheduler_running=bool(lease and lease["active"]))


def _jobcentre_cooperation(filters: kpi.Filters) -> dict:
    """Job-centre approvals asked, given, refused and their waiting time in the period (issue 16, seed 4.2)."""
    from portal.services.jobcentre import jobcentre_stats
    from portal.timeutil import local_to_utc

    since = local_to_utc(datetime.combine(filters.date_from, datetime.min.time()))
    until = local_to_utc(datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()))
    result = jobcentre_stats.cooperation(db.session, since=since, until=until)
    for counts in [result["total"], *(c for _name, c in result["by_jobcentre"])]:
        hours = counts["median_wait_hours"]
        counts["median_wait_text"] = (_("%(d)s døgn", d=format_decimal(round(hours / 24, 1), format="0.0"))
                                      if hours is not None else "–")
    return result


@bp.route("/eksport.csv")
@role_required(*ROLES)
def export_csv():
    try:
        filters, today = _filters()
    except ValidationFailed as err:
        return Response(" ".join([err.message, *err.errors.values()]) + "\n", status=400,
                        mimetype="text/plain; charset=utf-8")
    report = _report(filters, today)
    _audit("kpi.export", filters)
    body = "\ufeff" + kpi.report_csv(report, _)  # BOM: Excel opens UTF-8 with æøå correctly
    name = f"styring-{filters.date_from}-{filters.date_to}.csv"
    return Response(body, mimetype="text/csv",  # Flask adds "; charset=utf-8" to a text/* type itself
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/eksport.json")
@role_required(*ROLES)
def export_json():
    try:
        filters, today = _filters()
    except ValidationFailed as err:
        return problem(400, err.message, errors=err.errors)
    report = _report(filters, today)
    _audit("kpi.export", filters)
    return Response(json.dumps(kpi.report_document(report, _), ensure_ascii=False, indent=2),
                    mimetype="application/json")


@bp.context_processor
def _labels():
    return {"SEGMENT_LABELS": kpi.SEGMENTS, "kpi_applies_to": kpi.applies_to,
            "kpi_first_day": kpi.EARLIEST_DAY, "kpi_last_day": kpi.latest_day(local_today())}


@bp.app_template_filter("kpi_value")
def kpi_value(cell: kpi.Cell, measure: kpi.Measure) -> str:
    """A value as the steering group reads it: "11,5 %", "86,2", "612 pr. år", or a dash."""
    if cell.value is None:
        return "–"
    number = format_decimal(cell.value, format="#,##0.0")
    if measure.kind in ("share", "survival"):
        return f"{number} %"
    if measure.kind == "per_year":
        return _("%(n)s pr. år", n=format_decimal(cell.value, format="#,##0"))
    return number


@bp.app_template_filter("kpi_target")
def kpi_target(measure: kpi.Measure) -> str:
    if measure.target is None:
        return _(measure.target_label) if measure.target_label else "–"
    number = format_decimal(measure.target, format="#,##0.#")
    if measure.kind in ("share", "survival", "not_measured"):
        return f"{'≤' if measure.lower_is_better else '≥'} {number} %"
    if measure.kind == "per_year":
        return _("≥ %(n)s pr. år", n=number)
    return f"≥ {number}"


@bp.app_template_filter("kpi_baseline")
def kpi_baseline(measure: kpi.Measure) -> str:
    return kpi_value(kpi.Cell(measure.baseline, 1), measure)


def _sections(report: kpi.Report) -> list[tuple[str, list[kpi.Row]]]:
    sections: dict[str, list[kpi.Row]] = {}
    for row in report.rows:
        sections.setdefault(row.measure.section, []).append(row)
    return list(sections.items())


def _charts(report: kpi.Report) -> list:
    labels = {key: _(label) for key, label in kpi.SEGMENTS.items()}
    labels["all"] = _("Alle")
    charts = []
    for name, title, target, baseline in (
        ("without", _("Andel stadig på ydelse – uden tilbagevenden til ydelse"), 10.0, 11.5),
        ("with", _("Andel stadig på ydelse – med tilbagevenden til ydelse"), 38.0, 40.8),
    ):
        curves = report.curves.get(name, {})
        markers = [Marker(_("Basislinje 2017: %(v)s %%", v=format_decimal(baseline)), baseline, "marker-baseline"),
                   Marker(_("Mål: %(v)s %%", v=format_decimal(target)), target, "marker-target")]
        description = _("Kaplan–Meier-kurver for uge 0–52 efter 1. ledighedsdag, opdelt på målgruppe. "
                        "Lodret streg ved uge 13 med basislinjen fra 2017 og målet.")
        charts.append(build_chart(f"kurve-{name}", title, curves, labels, markers, description))
    return charts


@bp.app_template_filter("kpi_pct")
def kpi_pct(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, format="#,##0.0")
