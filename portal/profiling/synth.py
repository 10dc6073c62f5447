"""Synthetic training data: members drawn from plausible distributions, labels from a known logistic model.

The true coefficients are written beside the CSV, so a test can check that training recovers them. The effects are
invented but in the direction the Danish register models report (age 55+, no education, physical limitations raise
the risk); gender has a small effect and origin a moderate one, so the fairness report has something to show.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from portal.profiling.variables import (
    AGE_BANDS,
    FEATURES_BY_KIND,
    INDUSTRIES,
    JOB_FUNCTIONS,
    Q2_LEVELS,
    Q10_BARRIERS,
    REFERENCES,
)

REGIONS = ("Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland")
TARGET = "long_term"

INTERCEPT = -1.9
TRUE_EFFECTS: dict[str, dict[str, float] | float] = {
    "age_band": {"under_30": -0.30, "50_54": 0.35, "55_plus": 0.80},
    "gender": {"male": 0.05, "other": 0.0},
    "work_experience_years": -0.02,
    "education": {"ingen": 0.45, "videregaaende": -0.30},
    "from_sickness_benefit": 0.70,
    "benefit_share_3y": 2.00,
    "benefit_periods_5y": 0.20,
    "region": {"Sjælland": 0.15, "Syddanmark": 0.05, "Midtjylland": -0.10, "Nordjylland": 0.20},
    "origin": {"vestlig": 0.10, "ikke_vestlig": 0.30},
    "disco": {"sosu_assistent": -0.20, "paedagogisk": -0.10, "koekken": 0.30, "rengoering": 0.35,
              "service": 0.10, "transport": 0.0, "andet": 0.25},
    "industry": {"offentlig_service": 0.05, "privat_service": 0.15, "handel": 0.20, "industri": 0.25,
                 "transport": 0.10},
    "new_graduate": 0.20,
    "previous_income_100k": -0.15,
    "children_at_home": 0.10,
    "q2": {"has_job": -1.20, "within_6_months": 0.30, "more_than_6_months": 0.90, "leave_or_retirement": 0.40,
           "dont_know": 0.50},
    "q10_physical_health": 0.60, "q10_mental_health": 0.50, "q10_personal_social": 0.30, "q10_economic": 0.20,
    "q10_substance_abuse": 0.70, "q10_reading_spelling": 0.35, "q10_it_skills": 0.30, "q10_language": 0.40,
    "q10_other": 0.20,
}


def _choice(rng: np.random.Generator, levels, probs, n: int) -> np.ndarray:
    probs = np.asarray(probs, dtype=float)
    return np.asarray(levels, dtype=object)[rng.choice(len(levels), size=n, p=probs / probs.sum())]


def draw_members(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Register facts and answers for n members (no label). Also used by the demo seed for its facts."""
    age = np.clip(rng.triangular(19, 50, 67, n), 18, 67).round()
    band = np.select([age < 30, age < 50, age < 55], list(AGE_BANDS[:3]), AGE_BANDS[3]).astype(object)
    gender = _choice(rng, ["female", "male", "other"], [0.775, 0.222, 0.003], n)
    origin = _choice(rng, ["dansk", "vestlig", "ikke_vestlig"], [0.80, 0.07, 0.13], n)
    education = _choice(rng, ["ingen", "erhvervsuddannelse", "videregaaende"], [0.25, 0.62, 0.13], n)
    experience = np.clip((age - 18) * rng.uniform(0.4, 1.0, n), 0, 45).round(1)
    sick = (rng.random(n) < 0.12).astype(int)
    share = np.clip(rng.beta(1.2, 5.0, n), 0, 1).round(3)
    periods = np.minimum(rng.poisson(0.4 + 2.0 * share), 12)
    region = _choice(rng, REGIONS, [0.30, 0.16, 0.21, 0.22, 0.11], n)
    disco = _choice(rng, JOB_FUNCTIONS, [0.28, 0.15, 0.17, 0.09, 0.10, 0.09, 0.04, 0.08], n)
    industry = _choice(rng, INDUSTRIES, [0.55, 0.12, 0.13, 0.08, 0.06, 0.06], n)
    graduate = ((age < 30) & (rng.random(n) < 0.35)).astype(int)
    income = np.clip(rng.normal(3.1, 0.7, n) - 0.5 * graduate, 0.5, 7.0).round(2)
    children = ((age > 25) & (age < 55) & (rng.random(n) < 0.45)).astype(int)
    q2 = _choice(rng, Q2_LEVELS, [0.06, 0.38, 0.22, 0.12, 0.04, 0.18], n)
    frame = {
        "age": age.astype(int), "age_band": band, "gender": gender, "work_experience_years": experience,
        "education": education, "from_sickness_benefit": sick, "benefit_share_3y": share,
        "benefit_periods_5y": periods, "region": region, "origin": origin, "disco": disco, "industry": industry,
        "new_graduate": graduate, "previous_income_100k": income, "children_at_home": children, "q2": q2,
    }
    barrier_rates = {"physical_health": 0.14, "mental_health": 0.08, "personal_social": 0.07, "economic": 0.09,
                     "substance_abuse": 0.02, "reading_spelling": 0.08, "it_skills": 0.10, "language": 0.06,
                     "other": 0.05}
    for barrier in Q10_BARRIERS:
        rate = barrier_rates[barrier] * (1.6 if barrier == "language" else 1.0)
        bump = np.where(origin == "ikke_vestlig", 2.0, 1.0) if barrier == "language" else 1.0
        frame[f"q10_{barrier}"] = (rng.random(n) < rate * bump).astype(int)
    return pd.DataFrame(frame)


def true_log_odds(df: pd.DataFrame, features: list[str] | None = None) -> np.ndarray:
    eta = np.full(len(df), INTERCEPT)
    for name in features or list(TRUE_EFFECTS):
        effect = TRUE_EFFECTS[name]
        if isinstance(effect, dict):
            eta += df[name].map(effect).fillna(0.0).to_numpy(dtype=float)
        else:
            eta += effect * df[name].to_numpy(dtype=float)
    return eta


def generate(rows: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """`rows` synthetic members with the label `long_term` (0/1) drawn from the true model; and the truth."""
    rng = np.random.default_rng(seed)
    df = draw_members(rows, rng)
    df[TARGET] = (rng.random(rows) < expit(true_log_odds(df))).astype(int)
    return df, truth()


def truth() -> dict:
    """The true model: intercept, effects per level (against the reference level) and per unit."""
    return {
        "target": TARGET, "intercept": INTERCEPT,
        "references": {k: REFERENCES[k] for k, v in TRUE_EFFECTS.items() if isinstance(v, dict)},
        "effects": TRUE_EFFECTS, "features": FEATURES_BY_KIND["AB"],
        "categorical": [k for k, v in TRUE_EFFECTS.items() if isinstance(v, dict)],
        "note": "Labels are Bernoulli(expit(intercept + sum of effects)); levels not listed have effect 0.",
    }


def write(rows: int, seed: int, out: Path) -> tuple[Path, Path]:
    """Write FILE.csv and FILE.truth.json; returns both paths."""
    df, true_model = generate(rows, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    truth_path = out.with_name(out.stem + ".truth.json")
    truth_path.write_text(json.dumps({**true_model, "rows": rows, "seed": seed}, indent=2, ensure_ascii=False)
                          + "\n")
    return out, truth_path
