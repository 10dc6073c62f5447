"""The variables of models A and B: levels, reference levels and the plain-Danish texts of the factors.

One place answers "what does model B use and what is its reference member?". docs/profiling.md describes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RARE_LEVEL = "(sjælden)"  # categorical levels seen fewer than MIN_LEVEL_COUNT times in training are merged here
MISSING_LEVEL = "(mangler)"  # a missing categorical value is its own level
MIN_LEVEL_COUNT = 30


@dataclass(frozen=True)
class Variable:
    name: str
    label_da: str  # "alder", "uddannelse" …
    categorical: bool
    reference: str | None = None  # reference level (categorical) — the reference member has it
    levels: tuple[str, ...] = ()
    level_texts: dict[str, str] = field(default_factory=dict)  # level → factor text
    high_text: str | None = None  # numeric/binary above the reference value
    low_text: str | None = None  # numeric below the reference value


AGE_BANDS = ("under_30", "30_49", "50_54", "55_plus")


def age_band(age: float) -> str:
    if age < 30:
        return "under_30"
    if age < 50:
        return "30_49"
    if age < 55:
        return "50_54"
    return "55_plus"


JOB_FUNCTIONS = ("sosu_hjaelper", "sosu_assistent", "paedagogisk", "koekken", "rengoering", "service",
                 "transport", "andet")
INDUSTRIES = ("offentlig_omsorg", "offentlig_service", "privat_service", "handel", "industri", "transport")
# The preparation form's answer keys (portal/models/plan.py Q2_ANSWERS, Q10_BARRIERS; a test keeps them equal).
Q2_LEVELS = ("has_job", "within_3_months", "within_6_months", "more_than_6_months", "leave_or_retirement",
             "dont_know")
Q10_BARRIERS = ("physical_health", "mental_health", "personal_social", "economic", "substance_abuse",
                "reading_spelling", "it_skills", "language", "other")

_VARIABLES = [
    Variable("age_band", "alder", True, "30_49", AGE_BANDS, {
        "under_30": "under 30 år", "30_49": "30-49 år", "50_54": "50-54 år", "55_plus": "55 år eller derover"}),
    Variable("gender", "køn", True, "female", ("female", "male", "other"), {
        "female": "kvinde", "male": "mand", "other": "andet køn"}),
    Variable("work_experience_years", "erhvervserfaring", False,
             high_text="lang erhvervserfaring ({value:.0f} år)", low_text="kort erhvervserfaring ({value:.0f} år)"),
    Variable("education", "uddannelse", True, "erhvervsuddannelse", ("ingen", "erhvervsuddannelse", "videregaaende"), {
        "ingen": "ingen erhvervsuddannelse", "erhvervsuddannelse": "erhvervsuddannelse",
        "videregaaende": "videregående uddannelse"}),
    Variable("from_sickness_benefit", "kommer fra sygedagpenge", False, high_text="kommer fra sygedagpenge"),
    Variable("benefit_share_3y", "ledighed de seneste 3 år", False,
             high_text="meget ledighed de seneste 3 år ({value:.0%})",
             low_text="lidt ledighed de seneste 3 år ({value:.0%})"),
    Variable("benefit_periods_5y", "ledighedsperioder de seneste 5 år", False,
             high_text="flere ledighedsperioder de seneste 5 år ({value:.0f})",
             low_text="få ledighedsperioder de seneste 5 år ({value:.0f})"),
    Variable("region", "bopæl", True, "Hovedstaden",
             ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"), {
                 r: f"bor i Region {r}" for r in ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland",
                                                  "Nordjylland")}),
    Variable("origin", "herkomst", True, "dansk", ("dansk", "vestlig", "ikke_vestlig"), {
        "dansk": "dansk herkomst", "vestlig": "herkomst fra et andet vestligt land",
        "ikke_vestlig": "herkomst fra et ikke-vestligt land"}),
    Variable("disco", "jobfunktion", True, "sosu_hjaelper", JOB_FUNCTIONS, {
        "sosu_hjaelper": "job som social- og sundhedshjælper", "sosu_assistent": "job som social- og sundhedsassistent",
        "paedagogisk": "pædagogisk job", "koekken": "job som køkkenassistent",
        "rengoering": "job som rengøringsassistent", "service": "job som serviceassistent eller portør",
        "transport": "job som chauffør", "andet": "jobfunktion uden for FOA's fag"}),
    Variable("industry", "branche", True, "offentlig_omsorg", INDUSTRIES, {
        "offentlig_omsorg": "branche: offentlig omsorg", "offentlig_service": "branche: offentlig service",
        "privat_service": "branche: privat service", "handel": "branche: handel",
        "industri": "branche: industri", "transport": "branche: transport"}),
    Variable("new_graduate", "nyuddannet", False, high_text="nyuddannet (dimittend)"),
    Variable("previous_income_100k", "tidligere indkomst", False,
             high_text="høj tidligere indkomst", low_text="lav tidligere indkomst"),
    Variable("children_at_home", "hjemmeboende børn", False, high_text="hjemmeboende børn"),
    Variable("q2", "forventet tid til job (spørgsmål 2)", True, "within_3_months", Q2_LEVELS, {
        "has_job": "har allerede nyt job", "within_3_months": "forventer job inden for 3 måneder",
        "within_6_months": "forventer job inden for 6 måneder",
        "more_than_6_months": "forventer mere end 6 måneder om at få job",
        "leave_or_retirement": "forventer barsel, efterløn eller pension",
        "dont_know": "ved ikke, hvornår job kommer"}),
    Variable("q10_physical_health", "fysisk helbred", False, high_text="fysiske helbredsbegrænsninger"),
    Variable("q10_mental_health", "psykisk helbred", False, high_text="psykiske helbredsbegrænsninger"),
    Variable("q10_personal_social", "personlige forhold", False, high_text="personlige eller sociale forhold"),
    Variable("q10_economic", "økonomi", False, high_text="økonomiske forhold"),
    Variable("q10_substance_abuse", "misbrug", False, high_text="alkohol- eller stofmisbrug"),
    Variable("q10_reading_spelling", "læsning og stavning", False, high_text="læse- og stavevanskeligheder"),
    Variable("q10_it_skills", "it-færdigheder", False, high_text="manglende it-færdigheder"),
    Variable("q10_language", "sprog", False, high_text="sprogbarrierer"),
    Variable("q10_other", "andet", False, high_text="andre forhold gør det svært at få job"),
]
VARIABLES: dict[str, Variable] = {v.name: v for v in _VARIABLES}

REGISTER_FEATURES = ["age_band", "gender", "work_experience_years", "education", "from_sickness_benefit",
                     "benefit_share_3y", "benefit_periods_5y", "region", "origin", "disco", "industry",
                     "new_graduate", "previous_income_100k", "children_at_home"]
ANSWER_FEATURES = ["q2"] + [f"q10_{b}" for b in Q10_BARRIERS]
FEATURES_BY_KIND = {"A": ANSWER_FEATURES, "B": REGISTER_FEATURES, "AB": REGISTER_FEATURES + ANSWER_FEATURES}
CATEGORICAL = [v.name for v in _VARIABLES if v.categorical]
REFERENCES = {v.name: v.reference for v in _VARIABLES if v.categorical}

# Fairness is checked by these attributes whether or not the model uses them (DOMAIN.md, issue 5).
FAIRNESS_ATTRIBUTES = {"gender": "male", "age_band": "30_49", "origin": "dansk"}


def factor_text(feature: str, value, *, above_reference: bool) -> str:
    """The plain-Danish text of one factor: the member's value of `feature` (a level or a number)."""
    var = VARIABLES.get(feature)
    if var is None:  # a variable from the fund's own CSV: say what it is
        if isinstance(value, str):
            return f"{feature}: {value}"
        return f"{feature} {'høj' if above_reference else 'lav'} ({value:g})"
    if var.categorical:
        if value == RARE_LEVEL:
            return f"{var.label_da}: sjælden kategori"
        if value == MISSING_LEVEL:
            return f"{var.label_da}: oplysning mangler"
        return var.level_texts.get(value, f"{var.label_da}: {value}")
    template = var.high_text if above_reference else (var.low_text or f"ikke {var.high_text}")
    try:
        return template.format(value=value)
    except (ValueError, TypeError):
        return template
