"""The variables of models A and B: levels, reference levels and the texts of the factors (Danish, translated
when shown).

One place answers "what does model B use and what is its reference member?". docs/profiling.md describes them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# gettext: Flask-Babel's text, with the translations looked up once per request
from portal.i18n import N_, gettext

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
    Variable("age_band", N_("alder"), True, "30_49", AGE_BANDS, {
        "under_30": N_("under 30 år"), "30_49": N_("30-49 år"), "50_54": N_("50-54 år"),
        "55_plus": N_("55 år eller derover")}),
    Variable("gender", N_("køn"), True, "female", ("female", "male", "other"), {
        "female": N_("kvinde"), "male": N_("mand"), "other": N_("andet køn")}),
    Variable("work_experience_years", N_("erhvervserfaring"), False,
             high_text=N_("lang erhvervserfaring ({value:.0f} år)"),
             low_text=N_("kort erhvervserfaring ({value:.0f} år)")),
    Variable("education", N_("uddannelse"), True, "erhvervsuddannelse", ("ingen", "erhvervsuddannelse", "videregaaende"), {
        "ingen": N_("ingen erhvervsuddannelse"), "erhvervsuddannelse": N_("erhvervsuddannelse"),
        "videregaaende": N_("videregående uddannelse")}),
    Variable("from_sickness_benefit", N_("kommer fra sygedagpenge"), False, high_text=N_("kommer fra sygedagpenge")),
    Variable("benefit_share_3y", N_("ledighed de seneste 3 år"), False,
             high_text=N_("meget ledighed de seneste 3 år ({value:.0%})"),
             low_text=N_("lidt ledighed de seneste 3 år ({value:.0%})")),
    Variable("benefit_periods_5y", N_("ledighedsperioder de seneste 5 år"), False,
             high_text=N_("flere ledighedsperioder de seneste 5 år ({value:.0f})"),
             low_text=N_("få ledighedsperioder de seneste 5 år ({value:.0f})")),
    Variable("region", N_("bopæl"), True, "Hovedstaden",
             ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"), {
                 "Hovedstaden": N_("bor i Region Hovedstaden"), "Sjælland": N_("bor i Region Sjælland"),
                 "Syddanmark": N_("bor i Region Syddanmark"), "Midtjylland": N_("bor i Region Midtjylland"),
                 "Nordjylland": N_("bor i Region Nordjylland")}),
    Variable("origin", N_("herkomst"), True, "dansk", ("dansk", "vestlig", "ikke_vestlig"), {
        "dansk": N_("dansk herkomst"), "vestlig": N_("herkomst fra et andet vestligt land"),
        "ikke_vestlig": N_("herkomst fra et ikke-vestligt land")}),
    Variable("disco", N_("jobfunktion"), True, "sosu_hjaelper", JOB_FUNCTIONS, {
        "sosu_hjaelper": N_("job som social- og sundhedshjælper"),
        "sosu_assistent": N_("job som social- og sundhedsassistent"),
        "paedagogisk": N_("pædagogisk job"), "koekken": N_("job som køkkenassistent"),
        "rengoering": N_("job som rengøringsassistent"), "service": N_("job som serviceassistent eller portør"),
        "transport": N_("job som chauffør"), "andet": N_("jobfunktion uden for FOA's fag")}),
    Variable("industry", N_("branche"), True, "offentlig_omsorg", INDUSTRIES, {
        "offentlig_omsorg": N_("branche: offentlig omsorg"), "offentlig_service": N_("branche: offentlig service"),
        "privat_service": N_("branche: privat service"), "handel": N_("branche: handel"),
        "industri": N_("branche: industri"), "transport": N_("branche: transport")}),
    Variable("new_graduate", N_("nyuddannet"), False, high_text=N_("nyuddannet (dimittend)")),
    Variable("previous_income_100k", N_("tidligere indkomst"), False,
             high_text=N_("høj tidligere indkomst"), low_text=N_("lav tidligere indkomst")),
    Variable("children_at_home", N_("hjemmeboende børn"), False, high_text=N_("hjemmeboende børn")),
    Variable("q2", N_("forventet tid til job (spørgsmål 2)"), True, "within_3_months", Q2_LEVELS, {
        "has_job": N_("har allerede nyt job"), "within_3_months": N_("forventer job inden for 3 måneder"),
        "within_6_months": N_("forventer job inden for 6 måneder"),
        "more_than_6_months": N_("forventer mere end 6 måneder om at få job"),
        "leave_or_retirement": N_("forventer barsel, efterløn eller pension"),
        "dont_know": N_("ved ikke, hvornår job kommer")}),
    Variable("q10_physical_health", N_("fysisk helbred"), False, high_text=N_("fysiske helbredsbegrænsninger")),
    Variable("q10_mental_health", N_("psykisk helbred"), False, high_text=N_("psykiske helbredsbegrænsninger")),
    Variable("q10_personal_social", N_("personlige forhold"), False, high_text=N_("personlige eller sociale forhold")),
    Variable("q10_economic", N_("økonomi"), False, high_text=N_("økonomiske forhold")),
    Variable("q10_substance_abuse", N_("misbrug"), False, high_text=N_("alkohol- eller stofmisbrug")),
    Variable("q10_reading_spelling", N_("læsning og stavning"), False, high_text=N_("læse- og stavevanskeligheder")),
    Variable("q10_it_skills", N_("it-færdigheder"), False, high_text=N_("manglende it-færdigheder")),
    Variable("q10_language", N_("sprog"), False, high_text=N_("sprogbarrierer")),
    Variable("q10_other", N_("andet"), False, high_text=N_("andre forhold gør det svært at få job")),
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


# How factor_text composes texts; translate_factor reads them back (the stored texts are Danish).
RARE_TEXT = N_("%(label)s: sjælden kategori")
MISSING_TEXT = N_("%(label)s: oplysning mangler")
NOT_TEXT = N_("ikke %(factor)s")


def factor_text(feature: str, value, *, above_reference: bool) -> str:
    """The plain-Danish text of one factor: the member's value of `feature` (a level or a number).

    Stored with the assessment in Danish; `translate_factor` shows it in the reader's language."""
    var = VARIABLES.get(feature)
    if var is None:  # a variable from the fund's own CSV: say what it is
        if isinstance(value, str):
            return f"{feature}: {value}"
        return f"{feature} {'høj' if above_reference else 'lav'} ({value:g})"
    if var.categorical:
        if value == RARE_LEVEL:
            return RARE_TEXT % {"label": var.label_da}
        if value == MISSING_LEVEL:
            return MISSING_TEXT % {"label": var.label_da}
        return var.level_texts.get(value, f"{var.label_da}: {value}")
    template = var.high_text if above_reference else (var.low_text or NOT_TEXT % {"factor": var.high_text})
    try:
        return template.format(value=value)
    except (ValueError, TypeError):
        return template


_VALUE = re.compile(r"\{value[^}]*\}")


@lru_cache(maxsize=1)
def _readers() -> tuple[frozenset[str], tuple[tuple[re.Pattern, str], ...], dict[str, str]]:
    """(fixed texts, (pattern, template) for texts with a number, label of each variable)."""
    fixed, numbered = set(), []
    for var in _VARIABLES:
        for text in [*var.level_texts.values(), var.high_text, var.low_text]:
            if not text:
                continue
            if _VALUE.search(text):
                parts = _VALUE.split(text)
                numbered.append((re.compile("(.+?)".join(re.escape(p) for p in parts)), text))
            else:
                fixed.add(text)
    return frozenset(fixed), tuple(numbered), {var.label_da: var.label_da for var in _VARIABLES}


def translate_factor(text: str) -> str:
    """A stored (Danish) factor text in the current language: "lang erhvervserfaring (25 år)" → "long work
    experience (25 years)". Texts it does not know (a fund's own variables) are shown as stored."""
    fixed, numbered, labels = _readers()
    if text in fixed:
        return gettext(text)
    for pattern, template in numbered:
        match = pattern.fullmatch(text)
        if match:
            return match.group(1).join(_VALUE.split(gettext(template)))
    negated = _strip(NOT_TEXT, text)
    if negated is not None and negated in fixed:
        return gettext(NOT_TEXT, factor=gettext(negated))
    for composed in (RARE_TEXT, MISSING_TEXT):
        label = _strip(composed, text)
        if label in labels:
            return gettext(composed, label=gettext(label))
    label, sep, value = text.partition(": ")
    if sep and label in labels:
        return f"{gettext(label)}: {value}"
    return text


def _strip(composed: str, text: str) -> str | None:
    """The part of `text` standing in for the one %(name)s of `composed`, or None if text is not composed so."""
    before, _, rest = composed.partition("%(")
    after = rest.partition(")s")[2]
    if text.startswith(before) and text.endswith(after) and len(text) > len(before) + len(after):
        return text[len(before):len(text) - len(after)]
    return None
