"""From a data frame to a model's design: validation, levels and reference levels, rare and missing values.

The same `DesignSpec` builds the statsmodels formula for training and the design matrix for scoring, so a member
is scored exactly as the training rows were encoded (training checks that the two agree).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from portal.profiling.variables import MIN_LEVEL_COUNT, MISSING_LEVEL, RARE_LEVEL, REFERENCES

MIN_ROWS = 100
MIN_EVENTS = 10
MIN_EVENTS_PER_PARAMETER = 5  # below 10 per parameter we warn; below 5 we refuse
DESIGN_CHUNK = 8192  # rows per block when filling a design matrix column by column


class TrainingDataError(ValueError):
    """The data cannot be trained on; `message` says why in Danish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class DesignSpec:
    target: str
    features: list[str]
    categorical: dict[str, dict] = field(default_factory=dict)  # name → {levels, reference, merged}
    numeric: dict[str, dict] = field(default_factory=dict)  # name → {reference, median, missing_indicator}
    columns: list[str] = field(default_factory=list)  # design columns in the fitted model's order
    column_features: list[str | None] = field(default_factory=list)  # feature per column (None: intercept)
    column_levels: list[str | None] = field(default_factory=list)  # level per dummy column, "missing" indicators

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> DesignSpec:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    def term(self, name: str) -> str:
        """The formula term of a feature. Categorical columns are pandas Categoricals whose first level is the
        reference, so the default treatment coding uses it (patsy's C(x, Treatment(reference=…)) wrapper falls
        off its fast path and takes minutes at a million rows)."""
        return name

    def formula(self) -> str:
        terms = []
        for name in self.features:
            terms.append(self.term(name))
            if name in self.numeric and self.numeric[name]["missing_indicator"]:
                terms.append(missing_column(name))
        return f"{self.target} ~ " + " + ".join(terms)


def missing_column(name: str) -> str:
    return f"{name}__missing"


def _is_binary(values: pd.Series) -> bool:
    present = values.dropna().unique()
    return len(present) > 0 and set(np.asarray(present, dtype=float)) <= {0.0, 1.0}


def _coerce_target(df: pd.DataFrame, target: str) -> pd.Series:
    raw = df[target]
    mapping = {"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0, "1.0": 1.0, "0.0": 0.0}
    if raw.dtype == bool:
        return raw.astype(float)
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype(float)
    else:
        values = raw.map(lambda v: mapping.get(str(v).strip().lower(), np.nan) if pd.notna(v) else np.nan)
        bad = raw[raw.notna() & values.isna()]
        if len(bad):
            raise TrainingDataError(
                f"Målvariablen '{target}' skal være 0 eller 1; fandt fx {', '.join(map(repr, bad.unique()[:5]))}.")
    present = set(values.dropna().unique())
    if not present <= {0.0, 1.0}:
        odd = sorted(present - {0.0, 1.0})[:5]
        raise TrainingDataError(f"Målvariablen '{target}' skal være 0 eller 1; fandt også {', '.join(map(str, odd))}.")
    return values


def prepare(df: pd.DataFrame, *, target: str, features: list[str], categorical: list[str] | None = None,
            references: dict[str, str] | None = None,
            min_level_count: int = MIN_LEVEL_COUNT) -> tuple[pd.DataFrame, DesignSpec, list[str]]:
    """Validate and clean the training data. Returns (clean frame, spec without columns, Danish notes).

    Raises TrainingDataError for unknown columns, a non-binary target, non-numeric numeric features, too few rows
    or too few events. Rows with a missing target (right-censored) are left out and counted in the notes.
    """
    categorical = list(categorical or [])
    references = {**REFERENCES, **(references or {})}
    notes: list[str] = []
    if not features:
        raise TrainingDataError("Angiv mindst én forklarende variabel (--features).")
    if len(set(features)) != len(features):
        raise TrainingDataError("En variabel er nævnt to gange i --features.")
    known = list(df.columns)
    for name in [target, *features, *categorical]:
        if name not in df.columns:
            raise TrainingDataError(f"Ukendt kolonne: '{name}'. Filen har kolonnerne: {', '.join(known)}.")
        if not name.isidentifier():
            raise TrainingDataError(f"Kolonnenavnet '{name}' kan ikke bruges; brug kun bogstaver, tal og _.")
    if target in features:
        raise TrainingDataError(f"Målvariablen '{target}' kan ikke også være forklarende variabel.")
    extra = [c for c in categorical if c not in features]
    if extra:
        raise TrainingDataError(f"--categorical nævner {', '.join(extra)}, som ikke er i --features.")

    y = _coerce_target(df, target)
    keep = y.notna()
    dropped = int((~keep).sum())
    if dropped:
        notes.append(f"{dropped} rækker uden målvariabel (højrecensurerede) er udeladt.")
    frame = df.loc[keep, features].copy()
    frame[target] = y[keep].to_numpy()
    n = len(frame)
    if n < MIN_ROWS:
        raise TrainingDataError(f"For få rækker: {n} med kendt målvariabel; der skal mindst {MIN_ROWS} til.")

    spec = DesignSpec(target=target, features=list(features))
    for name in features:
        if name in categorical:
            frame[name] = _clean_categorical(frame[name], name, spec, references.get(name), min_level_count, notes)
        else:
            frame[name] = _clean_numeric(frame[name], name, spec, notes)
            if spec.numeric[name]["missing_indicator"]:
                frame[missing_column(name)] = df.loc[keep, name].isna().astype(float).to_numpy()

    events = int(frame[target].sum())
    smaller = min(events, n - events)
    n_params = 1 + sum(len(c["levels"]) - 1 for c in spec.categorical.values()) + sum(
        1 + int(v["missing_indicator"]) for v in spec.numeric.values())
    if smaller < MIN_EVENTS:
        raise TrainingDataError(
            f"For få hændelser: {events} med '{target}' = 1 og {n - events} med 0; der skal mindst {MIN_EVENTS} af "
            "hver til.")
    if smaller < MIN_EVENTS_PER_PARAMETER * n_params:
        raise TrainingDataError(
            f"For få hændelser til {n_params} parametre: den mindste klasse har {smaller} rækker; der skal mindst "
            f"{MIN_EVENTS_PER_PARAMETER} pr. parameter ({MIN_EVENTS_PER_PARAMETER * n_params}). Brug færre "
            "variable eller flere data.")
    if smaller < 10 * n_params:
        notes.append(f"Under 10 hændelser pr. parameter ({smaller} for {n_params} parametre): estimaterne er usikre.")
    return frame, spec, notes


def _clean_categorical(values: pd.Series, name: str, spec: DesignSpec, reference: str | None,
                       min_level_count: int, notes: list[str]) -> pd.Series:
    # Work on the distinct values (pandas.factorize) and integer codes: no per-row string work at a million rows.
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    slot_text = [_one_level(v) for v in uniques.tolist()] + [MISSING_LEVEL]
    slots = np.where(codes < 0, len(uniques), codes)
    slot_count = np.bincount(slots, minlength=len(slot_text))
    counts = _counts_by_text(slot_text, slot_count)
    rare = sorted(lvl for lvl, c in counts.items() if c < min_level_count and lvl != reference)
    if rare:
        slot_text = [RARE_LEVEL if t in rare else t for t in slot_text]
        notes.append(f"{name}: {len(rare)} sjældne niveauer (under {min_level_count} rækker) er slået sammen til "
                     f"'{RARE_LEVEL}': {', '.join(rare[:10])}{' …' if len(rare) > 10 else ''}.")
        counts = _counts_by_text(slot_text, slot_count)
    if counts.get(MISSING_LEVEL):
        notes.append(f"{name}: {int(counts[MISSING_LEVEL])} manglende værdier er en egen kategori '{MISSING_LEVEL}'.")
    if reference not in counts:
        chosen = next(iter(counts))
        if reference is not None:
            notes.append(f"{name}: referenceniveauet '{reference}' findes ikke i data; bruger det hyppigste, "
                         f"'{chosen}'.")
        reference = chosen
    if len(counts) < 2:
        raise TrainingDataError(f"Kolonnen '{name}' har kun én værdi ('{next(iter(counts))}') og kan ikke forklare "
                                "noget.")
    levels = sorted(counts)
    spec.categorical[name] = {"levels": levels, "reference": reference, "merged": rare, "counts": counts}
    # A pandas Categorical with the reference level first: treatment coding makes the first level the reference,
    # and the formula engine reads the codes instead of looking at a million strings one by one.
    ordered = [reference] + [lvl for lvl in levels if lvl != reference]
    position = {lvl: i for i, lvl in enumerate(ordered)}
    slot_code = np.array([position.get(t, -1) for t in slot_text], dtype=np.int16)
    return pd.Series(pd.Categorical.from_codes(slot_code[slots], categories=ordered), index=values.index)


def _counts_by_text(slot_text: list[str], slot_count: np.ndarray) -> dict[str, int]:
    """Rows per level text, most frequent first (ties alphabetically); levels without rows left out."""
    counts: dict[str, int] = {}
    for text, count in zip(slot_text, slot_count.tolist()):
        if count:
            counts[text] = counts.get(text, 0) + count
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _one_level(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _categorical_slots(spec: DesignSpec, name: str, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct value's level text (rare levels merged; the last slot is missing) and each row's slot.

    Works on the distinct values (pandas.factorize), so encoding a million rows does no per-row string work.
    """
    raw = df[name] if name in df.columns else pd.Series([None] * len(df), index=df.index, dtype=object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    merged = set(spec.categorical[name]["merged"])
    texts = [_one_level(v) for v in uniques.tolist()] + [MISSING_LEVEL]
    texts = [RARE_LEVEL if t in merged else t for t in texts]
    return np.asarray(texts, dtype=object), np.where(codes < 0, len(texts) - 1, codes)


def _categorical_text(spec: DesignSpec, name: str, df: pd.DataFrame) -> np.ndarray:
    texts, slots = _categorical_slots(spec, name, df)
    return texts[slots]


def _clean_numeric(values: pd.Series, name: str, spec: DesignSpec, notes: list[str]) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[values.notna() & numbers.isna()]
    if len(bad):
        raise TrainingDataError(f"Kolonnen '{name}' er ikke numerisk (fx {bad.iloc[0]!r}); angiv den under "
                                "--categorical, hvis den er en kategori.")
    missing = int(numbers.isna().sum())
    if missing == len(numbers):
        raise TrainingDataError(f"Kolonnen '{name}' har ingen værdier.")
    if numbers.nunique() < 2:
        raise TrainingDataError(f"Kolonnen '{name}' har kun én værdi og kan ikke forklare noget.")
    median = float(numbers.median())
    binary = _is_binary(numbers)
    # The reference member has 0 for yes/no variables and the training median for other numbers.
    spec.numeric[name] = {"reference": 0.0 if binary else median, "median": median, "binary": binary,
                          "missing_indicator": missing > 0, "missing_count": missing}
    if missing:
        notes.append(f"{name}: {missing} manglende værdier er sat til medianen ({median:g}) med en "
                     "indikatorvariabel for 'mangler'.")
    return numbers.fillna(median).astype(float)


def attach_columns(spec: DesignSpec, names: list[str]) -> None:
    """Record the fitted model's column order and which feature/level each column encodes."""
    spec.columns, spec.column_features, spec.column_levels = list(names), [], []
    prefixes = {spec.term(f) + "[T.": f for f in spec.categorical}
    for col in names:
        if col == "Intercept":
            spec.column_features.append(None)
            spec.column_levels.append(None)
            continue
        for prefix, feature in prefixes.items():
            if col.startswith(prefix) and col.endswith("]"):
                spec.column_features.append(feature)
                spec.column_levels.append(col[len(prefix):-1])
                break
        else:
            if col in spec.numeric:
                spec.column_features.append(col)
                spec.column_levels.append(None)
            elif col.endswith("__missing") and col[: -len("__missing")] in spec.numeric:
                spec.column_features.append(col[: -len("__missing")])
                spec.column_levels.append("missing")
            else:
                raise RuntimeError(f"unexpected design column {col!r}")


def design_columns(spec: DesignSpec, frame: pd.DataFrame) -> list[str]:
    """The design's column names, in the order statsmodels' formula API (patsy) gives them for `spec.formula()`.

    Patsy puts the intercept and the terms without numeric factors first (the treatment dummies, `name[T.level]`,
    levels in the prepared Categorical's order, reference left out), then each numeric column, in formula order.
    tests/profiling/test_profiling_training.py checks this against the formula API.
    """
    dummies, numbers = ["Intercept"], []
    for name in spec.features:
        if name in spec.categorical:
            dummies += [f"{spec.term(name)}[T.{level}]" for level in frame[name].cat.categories[1:]]
        else:
            numbers.append(name)
            if spec.numeric[name]["missing_indicator"]:
                numbers.append(missing_column(name))
    return dummies + numbers


def training_design(spec: DesignSpec, frame: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
    """The design matrix of a prepared frame (from `prepare`, after `attach_columns`), read from the category codes;
    with `rows`, of those rows (positions) in that order.

    Equal to `design_matrix(spec, raw rows)`, the scoring path; training checks a sample of rows against it.
    """
    rows = np.arange(len(frame)) if rows is None else rows
    codes = {name: frame[name].cat.codes.to_numpy()[rows] for name in spec.categorical}
    position = {name: {lvl: i for i, lvl in enumerate(frame[name].cat.categories)} for name in spec.categorical}
    values = {}
    for feature, level in zip(spec.column_features, spec.column_levels):
        if feature is not None and feature not in spec.categorical:
            column = missing_column(feature) if level == "missing" else feature
            values[column] = frame[column].to_numpy(dtype=float)[rows]
    X = np.empty((len(rows), len(spec.columns)), dtype=float)
    for start in range(0, len(rows), DESIGN_CHUNK):  # row blocks: the column writes stay in cache
        block = X[start:start + DESIGN_CHUNK]
        end = start + len(block)
        for j, (feature, level) in enumerate(zip(spec.column_features, spec.column_levels)):
            if feature is None:
                block[:, j] = 1.0
            elif feature in spec.categorical:
                block[:, j] = codes[feature][start:end] == position[feature][level]
            else:
                block[:, j] = values[missing_column(feature) if level == "missing" else feature][start:end]
    return X


def design_matrix(spec: DesignSpec, df: pd.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    """Encode rows (raw values, as from the database or a CSV) like the training data.

    Unseen categorical levels and values missing where training had none are scored as the reference member
    and reported per row ("disco=bager"), never raised.
    """
    n = len(df)
    X = np.zeros((n, len(spec.columns)), dtype=float)
    unseen: list[list[str]] = [[] for _ in range(n)]
    encoded: dict[str, np.ndarray] = {}
    missing_flags: dict[str, np.ndarray] = {}
    level_index = {name: {lvl: i for i, lvl in enumerate(info["levels"])} for name, info in spec.categorical.items()}
    for name, info in spec.categorical.items():
        texts, slots = _categorical_slots(spec, name, df)
        index = level_index[name]
        level_of_row = np.array([index.get(t, -1) for t in texts.tolist()])[slots]
        bad = level_of_row < 0
        for i in np.flatnonzero(bad):
            unseen[i].append(f"{name}={texts[slots[i]]}")
        encoded[name] = np.where(bad, index[info["reference"]], level_of_row)  # each row's level, by position
    for name, info in spec.numeric.items():
        raw = df[name] if name in df.columns else pd.Series([np.nan] * n, index=df.index)
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        miss = np.isnan(values)
        if miss.any() and not info["missing_indicator"]:
            for i in np.flatnonzero(miss):
                unseen[i].append(f"{name}={MISSING_LEVEL}")
        encoded[name] = np.where(miss, info["median"], values)
        flag_column = missing_column(name)  # a prepared (imputed) frame carries its own flags
        missing_flags[name] = (df[flag_column].to_numpy(dtype=float) if flag_column in df.columns
                               else miss.astype(float))
    for j, (feature, level) in enumerate(zip(spec.column_features, spec.column_levels)):
        if feature is None:
            X[:, j] = 1.0
        elif feature in spec.categorical:
            X[:, j] = encoded[feature] == level_index[feature][level]
        elif level == "missing":
            X[:, j] = missing_flags[feature]
        else:
            X[:, j] = encoded[feature]
    return X, unseen


def reference_row(spec: DesignSpec) -> np.ndarray:
    """The reference member's design row: reference levels, numeric references, nothing missing."""
    ref = np.zeros(len(spec.columns))
    for j, (feature, level) in enumerate(zip(spec.column_features, spec.column_levels)):
        if feature is None:
            ref[j] = 1.0
        elif feature in spec.numeric and level is None:
            ref[j] = spec.numeric[feature]["reference"]
    return ref


def feature_values(spec: DesignSpec, df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each feature's value per row as scored (levels after merging; numbers after imputation), for texts."""
    out: dict[str, np.ndarray] = {}
    for name in spec.categorical:
        out[name] = _categorical_text(spec, name, df)
    for name in spec.numeric:
        raw = df[name] if name in df.columns else pd.Series([np.nan] * len(df), index=df.index)
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        out[name] = values
    return out
