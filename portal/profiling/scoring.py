"""Scoring with a stored model: probability, group proposal and the main factors in plain Danish.

No formula engine at scoring time: the design is rebuilt from the stored spec (checked against the fitted design
at training), so unseen levels are handled (scored as the reference level and reported) instead of raising.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from portal.profiling.design import DesignSpec, design_matrix, feature_values, reference_row
from portal.profiling.variables import factor_text

MAX_RAISING = 5  # factors shown that raise the risk …
MAX_LOWERING = 3  # … and that lower it
MIN_CONTRIBUTION = 0.05  # log-odds; smaller contributions are not worth a line on the screen


@dataclass
class ScoredRows:
    probability: np.ndarray
    contributions: np.ndarray  # rows × features: log-odds against the reference member
    features: list[str]
    values: dict[str, np.ndarray]
    unseen: list[list[str]]


def score_frame(spec_dict: dict, df: pd.DataFrame) -> ScoredRows:
    spec = DesignSpec.from_dict(spec_dict)
    params = np.asarray(spec_dict["params"], dtype=float)
    X, unseen = design_matrix(spec, df)
    probability = expit(X @ params)
    per_column = (X - reference_row(spec)) * params
    features = list(spec.features)
    index = {f: i for i, f in enumerate(features)}
    contributions = np.zeros((len(df), len(features)))
    for j, feature in enumerate(spec.column_features):
        if feature is not None:
            contributions[:, index[feature]] += per_column[:, j]
    return ScoredRows(probability, contributions, features, feature_values(spec, df), unseen)


def factors(scored: ScoredRows, i: int, spec_dict: dict) -> list[tuple[str, float]]:
    """Row i's main factors: (Danish text, contribution to the log-odds), risk-raising first, largest first."""
    row = scored.contributions[i]
    order = np.argsort(-row)
    raising = [k for k in order if row[k] >= MIN_CONTRIBUTION][:MAX_RAISING]
    lowering = [k for k in order[::-1] if row[k] <= -MIN_CONTRIBUTION][:MAX_LOWERING]
    out = []
    for k in raising + lowering:
        feature = scored.features[k]
        value = scored.values[feature][i]
        above = True
        if feature in spec_dict["numeric"]:
            ref = spec_dict["numeric"][feature]["reference"]
            value = spec_dict["numeric"][feature]["median"] if np.isnan(value) else float(value)
            above = value > ref
        out.append((factor_text(feature, value, above_reference=above), round(float(row[k]), 4)))
    return out


def proposed_group(probability: float, threshold: float, trade_inside_foa: bool) -> str:
    """Group 2 at or above the threshold; 2a if the job goal is inside FOA's fields, else 2b (DOMAIN.md)."""
    if probability < threshold:
        return "1"
    return "2a" if trade_inside_foa else "2b"
