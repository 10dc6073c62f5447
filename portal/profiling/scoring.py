"""Scoring with a stored model: probability, group proposal and the main factors in plain Danish.

No formula engine at scoring time: the design is rebuilt from the stored spec (checked against the fitted design
at training), so unseen levels are handled (scored as the reference level and reported) instead of raising.
"""
from __future__ import annotations

import json
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
    return FactorTexts(scored, spec_dict).row(i)


class FactorTexts:
    """Main factors for many rows at once: ranking vectorised, texts cached per (feature, value)."""

    def __init__(self, scored: ScoredRows, spec_dict: dict) -> None:
        self.features = scored.features
        self.numeric = spec_dict["numeric"]
        self.contributions = np.round(scored.contributions, 4)
        down = np.argsort(self.contributions, axis=1, kind="stable")  # most risk-lowering first
        self.down = down[:, :MAX_LOWERING]
        self.up = down[:, ::-1][:, :MAX_RAISING]  # most risk-raising first
        self.columns = []
        for feature in self.features:
            values = scored.values[feature]
            if feature in self.numeric:  # texts show whole numbers or percentages: 2 decimals are plenty
                median = self.numeric[feature]["median"]
                values = np.where(np.isnan(values), median, np.round(values.astype(float), 2))
            self.columns.append(values.tolist())
        self.cache: dict = {}

    def _text(self, k: int, value) -> tuple[str, str]:
        """(text, text as JSON) of feature k at `value`."""
        key = (k, value)
        hit = self.cache.get(key)
        if hit is None:
            feature = self.features[k]
            above = value > self.numeric[feature]["reference"] if feature in self.numeric else True
            text_da = factor_text(feature, value, above_reference=above)
            hit = self.cache[key] = (text_da, json.dumps(text_da, ensure_ascii=False))
        return hit

    def _picked(self, i: int) -> list[tuple[int, float]]:
        c = self.contributions[i].tolist()
        picked = []
        for k in self.up[i].tolist():
            if c[k] < MIN_CONTRIBUTION:
                break
            picked.append((k, c[k]))
        for k in self.down[i].tolist():
            if c[k] > -MIN_CONTRIBUTION:
                break
            picked.append((k, c[k]))
        return picked

    def row(self, i: int) -> list[tuple[str, float]]:
        return [(self._text(k, self.columns[k][i])[0], c) for k, c in self._picked(i)]

    def row_json(self, i: int) -> str:
        """The same as `row`, as the JSON stored in profiling_assessment.factors (fast path for bulk scoring)."""
        parts = []
        for k, c in self._picked(i):
            value = self.columns[k][i]
            hit = self.cache.get((k, value)) or self._text(k, value)
            parts.append(f'{{"text": {hit[1]}, "contribution": {c!r}}}')
        return "[" + ", ".join(parts) + "]"


def proposed_group(probability: float, threshold: float, trade_inside_foa: bool) -> str:
    """Group 2 at or above the threshold; 2a if the job goal is inside FOA's fields, else 2b (DOMAIN.md)."""
    if probability < threshold:
        return "1"
    return "2a" if trade_inside_foa else "2b"
