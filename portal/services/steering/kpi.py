"""The trial's success criteria (DOMAIN.md "Success criteria"), computed from the database for the steering group.

`build_report(session, filters, today)` runs one SQL aggregation per measure (portal.services.steering.kpi_measures) and
turns the sums into values, targets and statuses; the dashboard, its CSV/JSON export and `flask kpi report` all
print what this returns. Every definition here is also in docs/kpi.md.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.models import ServiceLocation
from portal.profiling.survival import km_curve
from portal.query_args import db_int
from portal.services.errors import ValidationFailed
from portal.services.steering import kpi_measures as q
from portal.services.steering.kpi_measures import Scope


def N_(text: str) -> str:  # marks a string for translation; templates translate it (Babel keyword)
    return text


SEGMENTS = {"group1": N_("Målgruppe 1"), "group2": N_("Målgruppe 2"), "dismissed": N_("Opsagte"),
            "unknown": N_("Ikke visiteret")}
PLACEMENT_LABELS = {"new": N_("Nyindplacerede"), "returning": N_("Genindplacerede")}
SPLITS = {"none": N_("Ingen opdeling"), "segment": N_("Målgruppe"), "placement": N_("Ny-/genindplaceret"),
          "location": N_("Betjeningssted")}
STATUS_TEXT = {
    "met": N_("Opfyldt"), "close": N_("Tæt på"), "not_met": N_("Ikke opfyldt"),
    "no_target": N_("Ingen målsætning"), "no_data": N_("Ingen data endnu"),
    "not_measured": N_("Måles ikke i portalen"), "total_only": N_("Målet gælder hele forsøget"),
}
SMALL_N = 20  # below this a value is flagged as resting on few cases
MAX_PERIOD_DAYS = 10 * 366
# Where a period may lie: no benefit history the trial imports starts before 2000, and a first day of unemployment
# more than a few years ahead is a typo. The bounds also keep every date the measures derive (deadlines, the day
# after the period, UTC instants) inside what `date` and `datetime` can hold.
EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 5


def latest_day(today: date) -> date:
    """The last first day of unemployment a period may reach: 31 December, YEARS_AHEAD years after today's year."""
    return date(min(today.year + YEARS_AHEAD, date.max.year - 1), 12, 31)


@dataclass(frozen=True)
class Measure:
    key: str
    section: str
    title: str
    population: str
    definition: str
    kind: str  # share / mean / per_year / survival / not_measured
    target: float | None = None
    target_label: str | None = None  # when the target is not a number ("alle")
    baseline: float | None = None
    baseline_label: str | None = None  # where the baseline comes from ("2017")
    lower_is_better: bool = False
    margin: float = 5.0  # "close" when within this of the target (or better than the baseline, if there is one)
    # The target is a count for the whole trial (600 placements a year), so a part of the trial (a group, a
    # location) is never judged against it: its share of the count is shown without a verdict.
    target_for_total: bool = False
    # Where the application states the criterion (docs/kpi.md "The application's success criteria"):
    group: str | None = None  # the target group it is stated for (a SEGMENTS key); None: its population says whom
    source: str | None = None  # the application's "Kilde" (FIKS, Jobindsats.dk, Ennova, SurveyXact, FagJob, …)
    application_section: str | None = None  # the section of the application; None: not an application criterion


@dataclass
class Cell:
    value: float | None
    n: int
    numerator: float | None = None
    status: str = "no_data"

    @property
    def small(self) -> bool:
        return 0 < self.n < SMALL_N


@dataclass
class Row:
    measure: Measure
    total: Cell
    by_split: dict[str, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    location_id: int | None = None
    segment: str | None = None
    placement: str | None = None
    split: str = "segment"

    def scope(self, today: date, split: str | None = None) -> Scope:
        return Scope(self.date_from, self.date_to, today, self.location_id, self.segment, self.placement,
                     split or self.split)

    @property
    def whole_trial(self) -> bool:
        """No filter narrows the members counted (the period still may)."""
        return self.location_id is None and self.segment is None and self.placement is None

    def as_args(self) -> dict[str, str]:
        args = {"fra": self.date_from.isoformat(), "til": self.date_to.isoformat(), "opdel": self.split}
        if self.location_id:
            args["sted"] = str(self.location_id)
        if self.segment:
            args["gruppe"] = self.segment
        if self.placement:
            args["indplacering"] = self.placement
        return args


@dataclass
class Report:
    filters: Filters
    today: date
    rows: list[Row]
    split_keys: list[str]
    split_labels: dict[str, str]
    curves: dict[str, dict[str, list[dict]]]  # "without"/"with" → segment or "all" → km_curve points
    location_name: str | None = None
    computed_at: datetime | None = None  # set by the caller when it shows or caches the report
    stale_minutes: int | None = None  # from the summary table: refreshed this often (kpi_summary.REFRESH_MINUTES)


def default_filters(today: date) -> Filters:
    """The 52 weeks of first days up to the latest one whose 13-week outcome is known."""
    date_to = today - timedelta(days=q.WEEK13)
    return Filters(date_from=date_to - timedelta(days=364), date_to=date_to)


def parse_filters(session: Session, args: Mapping[str, str], today: date) -> Filters:
    """Filters from query arguments (fra, til, sted, gruppe, indplacering, opdel); ValidationFailed in the user's
    language."""
    default = default_filters(today)
    errors: dict[str, str] = {}

    def parse_day(name: str, fallback: date) -> date:
        raw = (args.get(name) or "").strip()
        if not raw:
            return fallback
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("Datoen «%(value)s» er ugyldig. Skriv den som ÅÅÅÅ-MM-DD, fx 2025-01-31.", value=raw[:20])
            return fallback

    date_from = parse_day("fra", default.date_from)
    date_to = parse_day("til", default.date_to)
    latest = latest_day(today)
    bounds = {"first": format_date(EARLIEST_DAY, "d. MMMM y"), "last": format_date(latest, "d. MMMM y")}
    if "fra" not in errors and not EARLIEST_DAY <= date_from <= latest:
        errors["fra"] = _("Startdatoen skal ligge fra %(first)s til og med %(last)s.", **bounds)
    if "til" not in errors and not EARLIEST_DAY <= date_to <= latest:
        errors["til"] = _("Slutdatoen skal ligge fra %(first)s til og med %(last)s.", **bounds)
    if "fra" not in errors and "til" not in errors:
        if date_from > date_to:
            errors["til"] = _("Slutdatoen skal være samme dag som eller efter startdatoen.")
        elif (date_to - date_from).days > MAX_PERIOD_DAYS:
            errors["til"] = _("Perioden må højst være 10 år.")
    location_id = None
    raw_location = (args.get("sted") or "").strip()
    if raw_location:
        try:
            location_id = db_int(raw_location)
        except ValueError:
            location_id = None
        if location_id is None or session.get(ServiceLocation, location_id) is None:
            location_id = None
            errors["sted"] = _("Vælg et betjeningssted fra listen.")
    segment = (args.get("gruppe") or "").strip() or None
    if segment and segment not in SEGMENTS:
        errors["gruppe"] = _("Vælg en målgruppe fra listen.")
    placement = (args.get("indplacering") or "").strip() or None
    if placement and placement not in PLACEMENT_LABELS:
        errors["indplacering"] = _("Vælg ny- eller genindplacerede fra listen.")
    split = (args.get("opdel") or "").strip() or "segment"
    if split not in SPLITS:
        errors["opdel"] = _("Vælg en opdeling fra listen.")
    if errors:
        raise ValidationFailed(_("Filtrene kunne ikke bruges. Ret de markerede felter."), errors=errors)
    return Filters(date_from, date_to, location_id, segment, placement, split)


# --- The measures -------------------------------------------------------------------------------------------------

COHORT = N_("Ydelsesforløb med 1. ledighedsdag i perioden")
COHORT_GROUP1 = N_("Ydelsesforløb i målgruppe 1 med 1. ledighedsdag i perioden")
STILL_13 = N_("Ydelsesforløb med 1. ledighedsdag i perioden, stadig på ydelse efter 13 uger")
STILL_13_GROUP2 = N_("Ydelsesforløb i målgruppe 2 med 1. ledighedsdag i perioden, stadig på ydelse efter 13 uger")

MEASURES: tuple[Measure, ...] = (
    Measure("in_job_13w", N_("Beskæftigelse"), N_("Målgruppe 1 i job efter 13 uger"), COHORT_GROUP1,
            N_("Andel af målgruppe 1's forløb, hvor medlemmet er i job på dag 92 (1. ledighedsdag + 13 uger). I "
               "job = i arbejde, eller på ydelse med fast tilknytning, frigørelsesattest eller skæve timer (en "
               "registreret jobstart, der dækker dagen). Kun forløb, hvor dag 92 er nået, tæller med. Ansøgningen "
               "sætter målet for målgruppe 1."), "share", target=80,
            group="group1", application_section="1.1"),
    Measure("in_job_26w", N_("Beskæftigelse"), N_("Målgruppe 1 i job efter 26 uger"), COHORT_GROUP1,
            N_("Andel af målgruppe 1's forløb, hvor medlemmet er i job på dag 183 (1. ledighedsdag + 26 uger). I "
               "job = i arbejde, eller på ydelse med fast tilknytning, frigørelsesattest eller skæve timer (en "
               "registreret jobstart, der dækker dagen). Kun forløb, hvor dag 183 er nået, tæller med. Ansøgningen "
               "sætter målet for målgruppe 1."), "share", target=90,
            group="group1", application_section="1.1"),
    Measure("survival_without_return", N_("Forløbskurver"),
            N_("Stadig på ydelse efter 13 uger – uden tilbagevenden"), COHORT,
            N_("Kaplan–Meier-estimat af andelen, der stadig er på ydelse efter 13 uger (mere end 91 dage). "
               "Forløbet slutter på ydelsesperiodens sidste dag; igangværende perioder censureres i dag. "
               "n = antal forløb."), "survival", target=10, baseline=11.5, baseline_label=N_("2017"),
            lower_is_better=True, source="Jobindsats.dk", application_section="1.1"),
    Measure("survival_with_return", N_("Forløbskurver"),
            N_("Stadig på ydelse efter 13 uger – med tilbagevenden"), COHORT,
            N_("Som uden tilbagevenden, men en afgang, hvor medlemmet igen kommer på ydelse inden for 13 uger, "
               "tæller ikke: forløbet løber videre til første afgang uden ny ydelsesperiode inden for 13 uger. "
               "En afgang for under 13 uger siden uden ny periode censureres ved afgangen. n = antal forløb."),
            "survival", target=38, baseline=40.8, baseline_label=N_("2017"), lower_is_better=True,
            source="Jobindsats.dk", application_section="1.1"),
    Measure("satisfaction_overall", N_("Tilfredshed (0–100)"), N_("Samlet tilfredshed med samtalerne"),
            N_("Svar givet i et ydelsesforløb fra perioden"),
            N_("Gennemsnit af svarene på «Hvor tilfreds er du alt i alt med samtalen?» omregnet fra 1–10 til "
               "0–100 (1 → 0, 10 → 100). n = antal svar."), "mean", baseline=86,
            baseline_label=N_("2018"), source="Ennova"),
    Measure("satisfaction_new", N_("Tilfredshed (0–100)"), N_("Samlet tilfredshed – nyindplacerede"),
            N_("Svar givet i et ydelsesforløb fra perioden, nyindplacerede"),
            N_("Som samlet tilfredshed, kun forløb registreret som nyindplaceret."), "mean", target=80,
            source="Ennova", application_section="1.1"),
    Measure("satisfaction_returning", N_("Tilfredshed (0–100)"), N_("Samlet tilfredshed – genindplacerede"),
            N_("Svar givet i et ydelsesforløb fra perioden, genindplacerede"),
            N_("Som samlet tilfredshed, kun forløb registreret som genindplaceret."), "mean", target=85,
            source="Ennova", application_section="1.1"),
    Measure("knew_trade", N_("Tilfredshed (0–100)"), N_("Sagsbehandleren kendte mit fag og arbejdsmarked"),
            N_("Svar givet i et ydelsesforløb fra perioden"),
            N_("Gennemsnit af svarene på «Sagsbehandleren kendte mit fag og arbejdsmarked» omregnet til 0–100. "
               "n = antal svar. Ansøgningen nævner 2018-niveauet (87) som dokumentation for sagsbehandlernes "
               "kendskab til faget, ikke som et succeskriterium."), "mean", baseline=87, baseline_label=N_("2018")),
    Measure("came_closer", N_("Deltagelse"), N_("Oplever at være kommet tættere på næste job"),
            N_("Målgruppe 2, der har deltaget i det ekstra kontaktforløb og har svaret"),
            N_("Andel af forløbene i målgruppe 2 med deltagelse i en fokussamtale, et webinar eller et FVU-kursus, "
               "hvor medlemmet er enig i «Jeg er kommet tættere på mit næste job»: seneste svar i forløbet er 6–10 "
               "på skalaen 1–10. n = forløb med et svar."), "share", target=85,
            group="group2", source="FIKS og SurveyXact", application_section="2.1.4"),
    Measure("extra_course", N_("Deltagelse"), N_("Deltaget i det ekstra kontaktforløb"), STILL_13,
            N_("Andel, der i ydelsesforløbet har haft en afholdt fokussamtale eller er registreret som deltaget "
               "i et webinar eller et FVU-kursus. Nævner: forløb, der stadig er på ydelse på dag 92."),
            "share", target=90, source="FIKS", application_section="2.1.4"),
    Measure("extra_course_group2", N_("Deltagelse"), N_("Målgruppe 2 har deltaget i det ekstra kontaktforløb"),
            STILL_13_GROUP2,
            N_("Som «Deltaget i det ekstra kontaktforløb», kun målgruppe 2 (2a/2b), som forløbet er lavet til. "
               "Nævner: målgruppe 2's forløb, der stadig er på ydelse på dag 92."),
            "share", target=95, group="group2", application_section="1.1"),
    Measure("plan_draft", N_("Deltagelse"), N_("Har udkast til Min plan med aktiviteter"), STILL_13,
            N_("Andel, der i ydelsesforløbet har mindst ét punkt i Min plan (foreslået, aftalt eller udført). "
               "Nævner: forløb, der stadig er på ydelse på dag 92."), "share", target=100,
            application_section="2.1.4"),
    Measure("dismissed_conversation", N_("Opsagte med samtykke"), N_("Deltaget i samtale i opsigelsesperioden"),
            N_("Opsagte (mærke O) med samtykke, hvis opsigelsesperiode sluttede i perioden"),
            N_("Andel med en afholdt samtale fra samtykkedagen til og med opsigelsesperiodens sidste dag. "
               "Perioden filtrerer her på opsigelsesperiodens sidste dag; kun afsluttede opsigelsesperioder."),
            "share", target=50, group="dismissed", source="FIKS", application_section="6.2"),
    Measure("dismissed_job", N_("Opsagte med samtykke"), N_("Fået job i opsigelsesperioden"),
            N_("Opsagte (mærke O) med samtykke, hvis opsigelsesperiode sluttede i perioden"),
            N_("Andel med en jobstart (arbejde) fra samtykkedagen til og med dagen efter opsigelsesperiodens "
               "sidste dag, så medlemmet ikke skal melde sig ledig."), "share", target=50,
            group="dismissed", source="FIKS", application_section="6.2"),
    Measure("jobmatch_per_year", N_("FOA JobMatch"), N_("Formidlet til job via FOA JobMatch pr. år"),
            N_("Ansættelser via JobMatch med startdato i perioden"),
            N_("Antal ansættelser registreret i JobMatch med startdato i perioden, omregnet til et år "
               "(antal × 365,25 / periodens dage). n = antal ansættelser."), "per_year", target=600, margin=60,
            target_for_total=True, source="FagJob", application_section="7.4"),
    Measure("jobmatch_permanent", N_("FOA JobMatch"), N_("Andel fastansættelser blandt JobMatch-ansættelser"),
            N_("Ansættelser via JobMatch med startdato i perioden"),
            N_("Andel af ansættelserne, der er faste stillinger."), "share", target=40,
            baseline=40, baseline_label=N_("siden 2016, ca. 2/5"), source="FagJob", application_section="7.4"),
    Measure("matching_satisfaction_members", N_("FOA JobMatch"), N_("Formidlede medlemmer tilfredse med matchet"),
            N_("Medlemmer formidlet via JobMatch"),
            N_("Spørges ikke i portalen endnu; målet er 90 procent."), "not_measured", target=90,
            baseline=77, baseline_label=N_("2. halvår 2018"), source="SurveyXact", application_section="7.4"),
    Measure("matching_satisfaction_employers", N_("FOA JobMatch"), N_("Arbejdsgivere tilfredse med matchet"),
            N_("Arbejdsgivere, der har fået formidlet medlemmer i forsøget"),
            N_("Spørges ikke i portalen endnu; målet er 90 procent."), "not_measured", target=90,
            baseline=90, baseline_label=N_("2. halvår 2018"), source="SurveyXact", application_section="7.4"),
    Measure("jobcentre_agreements", N_("Jobcentre"), N_("Samarbejdsaftaler tilbudt alle jobcentre i forsøgskommunerne"),
            N_("Jobcentre i forsøgskommunerne"),
            N_("Registreres ikke i portalen (FOAs arkivsystem); målet er alle jobcentre."), "not_measured",
            target_label=N_("alle"), source="FOAs arkivsystem", application_section="4.2"),
    Measure("jobcentre_satisfied", N_("Jobcentre"), N_("Jobcentrene er tilfredse med samarbejdet"),
            N_("Jobcentre i forsøgskommunerne"),
            N_("Måles af STAR, ellers af a-kassen selv i SurveyXact; registreres ikke i portalen."), "not_measured",
            target_label=N_("tilfredse"), source="SurveyXact", application_section="4.2"),
)

TIMELINESS_TITLES = {
    "cv": N_("Rettidig CV-samtale (14 dage)"),
    "contact_course_1": N_("Rettidig 1. kontaktforløbssamtale (14 dage)"),
    "availability": N_("Rettidig rådighedssamtale (9 uger)"),
    "contact_course_2": N_("Rettidig 2. kontaktforløbssamtale (9 uger)"),
    "joint_invitation": N_("Rettidig invitation til fællessamtale (efter 9 uger, senest dag 77)"),
    "joint": N_("Rettidig fællessamtale (13 uger)"),
    "focus_1": N_("Rettidig 1. fokussamtale (målgruppe 2, 13 uger)"),
    "focus_2": N_("Rettidig 2. fokussamtale (målgruppe 2, 13 uger)"),
}
TIMELINESS_DEFINITION = N_(
    "Andel af trinnene, hvor samtalen, der opfylder trinnet efter reglen i kontaktforløbet, er afholdt senest på "
    "fristen (for invitationen: fællessamtalen er booket senest på fristen). Fristen tælles fra 1. ledighedsdag "
    "som dag 1 og flyttes til hverdagen før, hvis den falder på en lukkedag. Nævner: trin, hvis frist er "
    "passeret, i forløb, der stadig var på ydelse på fristen (fokussamtaler kun for målgruppe 2).")
MEASURES += tuple(
    Measure(f"timeliness_{key}", N_("Rettidighed i kontaktforløbet"), title,
            N_("Ydelsesforløb med 1. ledighedsdag i perioden, på ydelse ved fristen"), TIMELINESS_DEFINITION,
            "share")
    for key, title in TIMELINESS_TITLES.items()
)
MEASURES_BY_KEY = {m.key: m for m in MEASURES}


# --- From sums to cells -------------------------------------------------------------------------------------------

def status_of(measure: Measure, cell: Cell) -> str:
    if measure.kind == "not_measured":
        return "not_measured"
    if cell.value is None or cell.n == 0:
        return "no_data"
    if measure.target is None:
        return "no_target"
    sign = -1 if measure.lower_is_better else 1
    gap = sign * (cell.value - measure.target)  # >= 0: at or better than the target
    if gap >= -1e-9:
        return "met"
    if measure.baseline is not None and measure.baseline != measure.target:
        return "close" if sign * (cell.value - measure.baseline) > 0 else "not_met"
    return "close" if -gap <= measure.margin else "not_met"


def applies_to(measure: Measure, split: str, key: str) -> bool:
    """Whether a split value's column concerns the measure: a criterion stated for one target group says nothing
    about the other groups (they are not "without data" but outside it)."""
    return not (split == "segment" and measure.group is not None and key != measure.group)


def _judge_parts_without_the_total_target(row: Row, filters: Filters) -> None:
    """A target for the whole trial gives no verdict on a part of it: a split value, or a total narrowed by the
    filters (one location, group or placement)."""
    parts = list(row.by_split.values()) + ([] if filters.whole_trial else [row.total])
    for cell in parts:
        if cell.status != "no_data":
            cell.status = "total_only"


def one_decimal(value: float) -> float:
    """A figure as the dashboard shows it: one decimal, halves rounded up (81.25 → 81.3), after the float noise of
    the sum that produced it is dropped (nine decimals), so the same numbers give the same figure whichever way they
    were added up: the summary table and the live query add in a different order, and 81.25 from one and
    81.2500000001 from the other once showed as 81.2 and 81.3."""
    return float(Decimal(repr(round(value, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _share(num, den) -> Cell:
    den = int(den or 0)
    num = float(num or 0)
    return Cell(one_decimal(100.0 * num / den) if den else None, den, num)


def _mean(total, count) -> Cell:
    count = int(count or 0)
    return Cell(one_decimal(float(total) / count) if count else None, count, float(total or 0))


def _cells(measure: Measure, sums: dict[str, tuple], make: Callable[..., Cell]) -> tuple[Cell, dict[str, Cell]]:
    by_split = {key: make(*values) for key, values in sums.items()}
    totals = [sum(float(v[i] or 0) for v in sums.values()) for i in range(len(next(iter(sums.values()), ())))]
    total = make(*totals) if totals else Cell(None, 0)
    for cell in [total, *by_split.values()]:
        cell.status = status_of(measure, cell)
    return total, by_split


def _survival_cells(rows: list[tuple]) -> tuple[dict[str, list[dict]], list[dict]]:
    """Kaplan–Meier curves per split and for all, from (split, days, event, count) rows (vectorised)."""
    def curve(selected: list[tuple]) -> list[dict]:
        if not selected:
            return []
        days = np.array([r[1] for r in selected], dtype=float)
        events = np.array([r[2] for r in selected], dtype=int)
        counts = np.array([r[3] for r in selected], dtype=int)
        return km_curve(np.repeat(days / 7.0, counts), np.repeat(events, counts), max_week=52)

    by_key: dict = {}
    for row in rows:
        by_key.setdefault(row[0], []).append(row)
    return {k: curve(by_key[k]) for k in sorted(by_key)}, curve(rows)


def _survival_cell(measure: Measure, points: list[dict]) -> Cell:
    if not points:
        cell = Cell(None, 0)
    else:
        cell = Cell(one_decimal(100.0 * points[13]["survival"]), points[0]["at_risk"])
    cell.status = status_of(measure, cell)
    return cell


def build_report(session: Session, filters: Filters, today: date) -> Report:
    """Every measure for the filters, total and per split value. One SQL aggregation per measure."""
    scope = filters.scope(today)
    q.prepare_cohort(session, scope)
    try:
        sums = cohort_sums(session, scope)
        survival_rows = cohort_survival(session, scope)
        segment_rows = {}
        if filters.split != "segment":  # the charts are always by group (DOMAIN.md)
            segment_rows = cohort_survival(session, filters.scope(today, split="segment"))
    finally:
        q.drop_cohort(session)
    return assemble_report(session, filters, today, sums, survival_rows, segment_rows)


def cohort_sums(session: Session, scope: Scope) -> dict[str, dict]:
    """{measure key: {split key: sums}} for every measure counted over the cohort table (in place); with the
    "period" split, each benefit period's share (portal.services.steering.kpi_summary stores those)."""
    sums: dict[str, dict] = {
        "in_job_13w": q.in_job_after(session, scope, q.WEEK13, segment="group1"),
        "in_job_26w": q.in_job_after(session, scope, q.WEEK26, segment="group1"),
        "satisfaction_overall": q.satisfaction(session, scope, "overall"),
        "satisfaction_new": q.satisfaction(session, scope, "overall", placement="new"),
        "satisfaction_returning": q.satisfaction(session, scope, "overall", placement="returning"),
        "knew_trade": q.satisfaction(session, scope, "knew_trade"),
        "came_closer": q.came_closer_group2(session, scope),
        "extra_course": q.still_unemployed_share(session, scope, "extra_course"),
        "extra_course_group2": q.still_unemployed_share(session, scope, "extra_course", segment="group2"),
        "plan_draft": q.still_unemployed_share(session, scope, "plan_draft"),
    }
    for key, per_split in q.timeliness(session, scope).items():
        sums[f"timeliness_{key}"] = per_split
    return sums


def cohort_survival(session: Session, scope: Scope) -> dict[str, list[tuple]]:
    """Kaplan–Meier inputs (split, days, event, count), without and with return to benefit."""
    return {"without": q.survival_without_return(session, scope), "with": q.survival_with_return(session, scope)}


def assemble_report(session: Session, filters: Filters, today: date, sums: dict[str, dict],
                    survival_rows: dict[str, list[tuple]], segment_rows: dict[str, list[tuple]]) -> Report:
    """The report from the cohort's sums (live or from the summary table); the dismissed members and the
    JobMatch placements, which are not counted over benefit periods, are aggregated here."""
    scope = filters.scope(today)
    period_days = (filters.date_to - filters.date_from).days + 1
    sums = dict(sums)
    dismissed = q.dismissed(session, scope)
    sums["dismissed_conversation"] = {k: (v[0], v[2]) for k, v in dismissed.items()}
    sums["dismissed_job"] = {k: (v[1], v[2]) for k, v in dismissed.items()}
    placed = q.placements(session, scope)
    sums["jobmatch_permanent"] = {k: (v[1], v[0]) for k, v in placed.items()}
    curves_by_split = {name: _survival_cells(rows) for name, rows in survival_rows.items()}

    rows: list[Row] = []
    for measure in MEASURES:
        if measure.kind == "not_measured":
            rows.append(Row(measure, Cell(None, 0, status="not_measured")))
        elif measure.kind == "survival":
            per_split, total = curves_by_split["without" if measure.key.endswith("without_return") else "with"]
            rows.append(Row(measure, _survival_cell(measure, total),
                            {k: _survival_cell(measure, pts) for k, pts in per_split.items()}))
        elif measure.kind == "per_year":
            total, by_split = _cells(measure, {k: (v[0],) for k, v in placed.items()},
                                     lambda n: Cell(one_decimal(float(n) * 365.25 / period_days), int(n), float(n)))
            rows.append(Row(measure, total, by_split))
        elif measure.kind == "mean":
            rows.append(Row(measure, *_cells(measure, sums[measure.key], _mean)))
        else:
            rows.append(Row(measure, *_cells(measure, sums[measure.key], _share)))
        if measure.target_for_total:
            _judge_parts_without_the_total_target(rows[-1], filters)

    chart_curves = {k: _survival_cells(v) for k, v in segment_rows.items()} if segment_rows else curves_by_split
    curves = {name: {**per_split, "all": total} for name, (per_split, total) in chart_curves.items()}
    split_keys, split_labels = _split_values(session, filters, rows)
    location_name = session.get(ServiceLocation, filters.location_id).name if filters.location_id else None
    return Report(filters, today, rows, split_keys, split_labels, curves, location_name)


def _split_values(session: Session, filters: Filters, rows: list[Row]) -> tuple[list[str], dict[str, str]]:
    present = {key for row in rows for key in row.by_split}
    if filters.split == "segment":
        labels = dict(SEGMENTS)
        keys = [k for k in SEGMENTS if k in present or k != "unknown"]
    elif filters.split == "placement":
        labels = dict(PLACEMENT_LABELS)
        keys = list(PLACEMENT_LABELS)
    elif filters.split == "location":
        names = dict(session.execute(select(ServiceLocation.id, ServiceLocation.name)).all())
        labels = {str(i): name for i, name in names.items()}
        keys = sorted((k for k in present if k in labels), key=lambda k: labels[k])
    else:
        return [], {}
    return keys, labels


# --- Export: the same numbers as the page ---------------------------------------------------------------------------

EXPORT_FIELDS = ("measure", "section", "title", "population", "split", "split_label", "value", "unit", "n",
                 "numerator", "target", "baseline", "status", "status_text", "small_n", "definition", "group",
                 "source", "application_section")


def unit_of(measure: Measure) -> str:
    return {"share": "%", "survival": "%", "mean": "0-100", "per_year": "per_year"}.get(measure.kind, "")


def report_records(report: Report, translate: Callable[[str], str] = lambda s: s) -> list[dict]:
    """One record per measure and split value ("all" first): what the page's table shows."""
    records = []
    for row in report.rows:
        m = row.measure
        cells = [("all", translate(N_("Alle")), row.total)]
        cells += [(k, translate(report.split_labels.get(k, k)), row.by_split[k])
                  for k in report.split_keys if k in row.by_split]
        for key, label, cell in cells:
            records.append({
                "measure": m.key, "section": translate(m.section), "title": translate(m.title),
                "population": translate(m.population), "split": key, "split_label": label,
                "value": cell.value, "unit": unit_of(m), "n": cell.n, "numerator": cell.numerator,
                "target": m.target if m.target is not None else (translate(m.target_label) if m.target_label else None),
                "baseline": m.baseline, "status": cell.status, "status_text": translate(STATUS_TEXT[cell.status]),
                "small_n": cell.small, "definition": translate(m.definition),
                "group": translate(SEGMENTS[m.group]) if m.group else None, "source": m.source,
                "application_section": m.application_section,
            })
    return records


def report_document(report: Report, translate: Callable[[str], str] = lambda s: s) -> dict:
    """The JSON export: filters, the records and the survival curves (by group)."""
    f = report.filters
    return {
        "generated_for": report.today.isoformat(),
        "computed_at": report.computed_at.isoformat(timespec="seconds") if report.computed_at else None,
        "filters": {"from": f.date_from.isoformat(), "to": f.date_to.isoformat(), "location_id": f.location_id,
                    "location": report.location_name, "segment": f.segment, "placement": f.placement,
                    "split": f.split},
        "measures": report_records(report, translate),
        "survival_curves": {
            name: {key: [{"week": p["week"], "survival_pct": one_decimal(100 * p["survival"]),
                          "at_risk": p["at_risk"]} for p in points] for key, points in by_key.items()}
            for name, by_key in report.curves.items()
        },
    }


def report_csv(report: Report, translate: Callable[[str], str] = lambda s: s) -> str:
    """The CSV export (comma-separated, UTF-8): one line per measure and split value."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in report_records(report, translate):
        writer.writerow({k: ("" if v is None else v) for k, v in record.items()})
    return buffer.getvalue()
