"""Training a logistic regression with statsmodels, and the report that goes with it.

The report (issue 5): n, coefficient table, log-likelihood, pseudo R², out-of-sample AUC (k-fold), Brier score,
calibration by decile, the threshold for group 2 with sensitivity/specificity, fairness by gender/age band/origin,
separation (detected and reported; then a penalised fit, and the report says so).
"""
from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)
from threadpoolctl import threadpool_limits

from portal.config import value
from portal.profiling import metrics, newton
from portal.profiling.design import (
    DesignSpec,
    attach_columns,
    design_columns,
    design_matrix,
    prepare,
    training_design,
)
from portal.profiling.fairness import FAIRNESS_COLUMNS, fairness_groups, fairness_report

log = logging.getLogger(__name__)

EXACT_CV_BELOW = 20_000  # rows; from here on each fold's refit is a few Newton steps from the full fit
CV_CHORD_STEPS = 2  # see _cross_validate
RIDGE_ALPHA = 0.01  # penalty per coefficient (mean log-likelihood scale) when the plain fit separates
MAX_ABS_COEF = 15.0  # |log-odds| beyond this means (quasi-)separation in practice
MAX_STD_ERROR = 50.0


@dataclass
class TrainedModel:
    spec: dict  # DesignSpec.to_dict() + params + threshold: everything scoring needs
    report: dict
    results: object  # the statsmodels results, its rows in cross-validation fold order (data removed before saving)
    y: np.ndarray | None = None  # the training labels, in row order (not saved)
    oof_predictions: np.ndarray | None = None  # out-of-fold predictions behind the report's numbers (not saved)


def blas_threads() -> int:
    """BLAS threads for training (PORTAL_PROFILING_BLAS_THREADS, default 1).

    On a small shared server, one thread per process is several times faster than OpenBLAS' default, which
    oversubscribes the cores when the web workers and the scheduler run beside training.
    """
    return max(1, int(value("PROFILING_BLAS_THREADS")))


def train(df: pd.DataFrame, *, target: str, features: list[str], categorical: list[str] | None = None,
          references: dict[str, str] | None = None, folds: int = 5, seed: int = 2026,
          threshold: float | None = None, kind: str | None = None) -> TrainedModel:
    """Fit, cross-validate and report. Raises design.TrainingDataError (Danish message) on unusable data."""
    # overflow in exp() is expected while a separated fit runs off to infinity; the report says what happened
    with threadpool_limits(limits=blas_threads()), np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return _train(df, target=target, features=features, categorical=categorical, references=references,
                      folds=folds, seed=seed, threshold=threshold, kind=kind)


def _train(df: pd.DataFrame, *, target: str, features: list[str], categorical: list[str] | None,
           references: dict[str, str] | None, folds: int, seed: int, threshold: float | None,
           kind: str | None) -> TrainedModel:
    started = time.perf_counter()
    clean, spec, notes = prepare(df, target=target, features=features, categorical=categorical,
                                 references=references)
    y = clean[target].to_numpy(dtype=float)
    separation = _level_separation(clean, spec)
    # One design matrix, built from the category codes (the formula API would build its own copy first), with
    # its rows grouped by cross-validation fold: each fold is a slice, so neither the fit's passes nor the folds'
    # refits copy rows. `by_fold` maps it back: row i of the design is row by_fold[i] of `clean`.
    fold_of = metrics.stratified_folds(y, folds, seed)
    by_fold = np.concatenate([np.flatnonzero(fold_of == k) for k in range(folds)])
    bounds = np.searchsorted(fold_of[by_fold], np.arange(folds + 1))
    attach_columns(spec, design_columns(spec, clean))
    X = training_design(spec, clean, rows=by_fold)
    y_by_fold = y[by_fold]
    raw_columns = [c for c in df.columns if c in spec.features or c.endswith("__missing")]
    _check_same_design(spec, df.loc[clean.index[by_fold[:20_000]], raw_columns], X[:20_000])
    results, method, fit_notes, fitted = _fit(X, y_by_fold, spec.columns, bounds,
                                              force_penalised=bool(separation))
    if method == "mle" and _looks_separated(results):
        separation.append("Meget store koefficienter eller standardfejl efter fit (kvasi-adskillelse).")
        results, method, more, fitted = _fit(X, y_by_fold, spec.columns, bounds, force_penalised=True)
        fit_notes += more
    params = np.asarray(results.params, dtype=float)
    p_fit = fitted.p if fitted is not None else expit(X @ params)
    fit_seconds = time.perf_counter() - started

    cv = _cross_validate(X, y_by_fold, bounds, seed=seed, penalised=method != "mle", start=params,
                         at_start=fitted)
    oof = np.empty(len(y))
    oof[by_fold] = cv.pop("predictions")
    order = np.argsort(oof, kind="stable")  # sorted once for AUC, threshold, calibration and fairness
    cv["auc"] = round(metrics.auc(y, oof, order), 6)
    chosen = threshold if threshold is not None else metrics.youden_threshold(y, oof, order)
    sens, spec_ = metrics.sensitivity_specificity(y, oof, chosen)
    groups = fairness_groups(df.loc[clean.index, [c for c in FAIRNESS_COLUMNS if c in df.columns]])
    fairness = fairness_report(groups, y, oof, chosen, order=order)

    report = {
        "kind": kind, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": target, "features": list(features), "formula": spec.formula(),
        "n": len(y), "events": int(y.sum()), "event_rate": round(float(y.mean()), 6),
        "n_dropped_missing_target": int(len(df) - len(clean)),
        "categorical": {k: {"reference": v["reference"], "levels": v["levels"], "merged_rare": v["merged"],
                            "counts": v["counts"]} for k, v in spec.categorical.items()},
        "numeric": spec.numeric,
        "fit": {"method": method, "separation": separation, "notes_da": fit_notes,
                "seconds_incl_preparation": round(fit_seconds, 3)},
        "coefficients": _coefficient_table(results, method),
        **_likelihoods(results, method, y_by_fold, p_fit),
        "cv": {**cv, "brier": round(metrics.brier(y, oof), 6),
               "calibration_by_decile": metrics.calibration_by_decile(y, oof, order=order)},
        "threshold": {"value": float(chosen), "method": "fixed" if threshold is not None else "youden",
                      "sensitivity": _round(sens), "specificity": _round(spec_),
                      "share_group2": round(float(np.mean(oof >= chosen)), 6)},
        "fairness": fairness,
        "notes_da": notes,
    }
    scoring = {**spec.to_dict(), "params": [float(v) for v in params], "threshold": float(chosen),
               "fit_method": method}
    return TrainedModel(spec=scoring, report=report, results=results, y=y, oof_predictions=oof)


def _fit(X: np.ndarray, y: np.ndarray, names: list[str], bounds: np.ndarray, *, force_penalised: bool):
    """Maximum likelihood (Newton); on perfect separation a ridge-penalised GLM, reported in the notes.

    Returns (statsmodels results, method, Danish notes, the fit's last pass by fold or None).
    """
    exog = pd.DataFrame(X, columns=names, copy=False)  # the names label the coefficient table
    if not force_penalised:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", HessianInversionWarning)
            try:
                fitted = newton.fit_logit(X, y, bounds)
                results = newton.logit_results(X, y, names, fitted)
                if not _full_rank(results):  # rare: let statsmodels count the rank (a QR of X) for the df
                    results, fitted = _logit(y, exog, check_rank=True), None
                if results.mle_retvals.get("converged", True) and np.all(np.isfinite(results.bse)):
                    return results, "mle", [], fitted and fitted.at_params
                reason = "Maksimum likelihood konvergerede ikke."
            except (PerfectSeparationError, PerfectSeparationWarning, np.linalg.LinAlgError) as exc:
                reason = f"Perfekt adskillelse ved maksimum likelihood ({type(exc).__name__})."
    else:
        reason = "Perfekt eller kvasi-perfekt adskillelse fundet."
    model = sm.GLM(y, exog, family=sm.families.Binomial())
    alpha = np.full(len(names), RIDGE_ALPHA)
    alpha[[i for i, n in enumerate(names) if n == "Intercept"]] = 0.0
    results = model.fit_regularized(alpha=alpha, L1_wt=0.0, maxiter=200)
    return results, "penalised_ridge", [
        reason,
        (f"Modellen er fittet med ridge-straf (alpha={RIDGE_ALPHA}); koefficienterne er trukket mod 0, og "
         "standardfejl, p-værdier og konfidensintervaller kan ikke beregnes."),
    ], None


def _logit(y: np.ndarray, exog: pd.DataFrame, *, check_rank: bool):
    # statsmodels' rank check is a QR decomposition of X, which costs more than the Newton fit itself at a
    # million rows; _full_rank reads the rank from the Hessian at the optimum instead (same rank as X), and only a
    # rank-deficient design comes here.
    return sm.Logit(y, exog, check_rank=check_rank).fit(disp=0, maxiter=100, method="newton")


def _full_rank(results) -> bool:
    hessian = results.mle_retvals.get("Hessian")
    if hessian is None or not np.all(np.isfinite(hessian)):
        return False
    return int(np.linalg.matrix_rank(-np.asarray(hessian), hermitian=True)) == hessian.shape[0]


def _level_separation(clean: pd.DataFrame, spec: DesignSpec) -> list[str]:
    """Categorical levels where every row has the same outcome: the level's coefficient would run to ±∞."""
    found = []
    y = clean[spec.target].to_numpy(dtype=float)
    for name in spec.categorical:
        column = clean[name]
        codes, levels = column.cat.codes.to_numpy(), column.cat.categories
        size = np.bincount(codes, minlength=len(levels))
        events = np.bincount(codes, weights=y, minlength=len(levels))
        for level, n, e in zip(levels, size.tolist(), events.tolist()):
            if n and e in (0.0, n):
                found.append(f"{name}='{level}': alle {n} rækker har {spec.target}={int(e / n)}.")
    return found


def _looks_separated(results) -> bool:
    return bool(np.any(np.abs(results.params) > MAX_ABS_COEF) or np.any(results.bse > MAX_STD_ERROR))


def _check_same_design(spec: DesignSpec, raw: pd.DataFrame, X: np.ndarray) -> None:
    """Scoring encodes raw rows with `design_matrix`: make sure it gives the rows the design training fits on."""
    scored, _ = design_matrix(spec, raw)
    if scored.shape != X.shape or not np.allclose(scored, X):
        raise RuntimeError("scoring design does not match the fitted model's design")


def _cross_validate(X: np.ndarray, y: np.ndarray, bounds: np.ndarray, *, seed: int, penalised: bool,
                    start: np.ndarray, at_start: newton.FoldPieces | None) -> dict:
    """Out-of-fold predictions (in the design's fold order): each fold scored by a model fitted without it.

    Fold k is rows bounds[k]:bounds[k+1] (metrics.stratified_folds, grouped). Below EXACT_CV_BELOW rows (and for
    penalised fits) each fold is refitted to convergence, warm-started from the full fit. From there on, each
    fold's refit starts with one Newton step from the full-data estimate `start`, with the Hessian of the other
    folds (the full data's minus the fold's own, both from the full fit's last pass `at_start`), then
    CV_CHORD_STEPS steps with that Hessian and the other folds' score at the new estimate (two matrix-vector
    passes over the other folds each). The full-data estimate is within O(1/√n) of the refit and Newton's error
    squares each step: at 20,000–100,000 synthetic rows the out-of-fold predictions are within 3·10⁻⁵ of exact
    refits and AUC and Brier score equal to 6 decimals (tests/profiling/test_profiling_training.py checks 4 at
    100,000 rows).
    """
    folds = len(bounds) - 1
    one_step = not penalised and len(y) >= EXACT_CV_BELOW
    if one_step:
        if at_start is None:
            at_start = newton.fold_pieces(X, y, bounds, start)
        oof_by_fold = _one_newton_step_folds(X, y, bounds, start, at_start)
    else:
        oof_by_fold = []
        for lo, hi in pairwise(bounds):
            others = np.r_[0:lo, hi:len(y)]
            params = _fit_arrays(X[others], y[others], penalised=penalised, start=start)
            oof_by_fold.append(expit(X[lo:hi] @ params))
    aucs = [metrics.auc(y[lo:hi], p) for lo, hi, p in zip(bounds[:-1], bounds[1:], oof_by_fold)]
    return {"folds": folds, "seed": seed, "refit": "one_newton_step" if one_step else "exact",
            "auc": None,  # over all rows, in row order: the caller reads it once the predictions are unpermuted
            "auc_by_fold": [round(a, 6) if a is not None else None for a in aucs],
            "predictions": np.concatenate(oof_by_fold)}


def _one_newton_step_folds(X: np.ndarray, y: np.ndarray, bounds: np.ndarray, params: np.ndarray,
                           at_params: newton.FoldPieces) -> list[np.ndarray]:
    """Per fold: the predictions of one Newton step (and the chord steps) from `params` on the other folds' rows."""
    hessian, score = at_params.hessian, at_params.score  # −∂²ℓ/∂β², ∂ℓ/∂β (≈ 0) over all rows
    out = []
    for lo, hi, hk, gk in zip(bounds[:-1], bounds[1:], at_params.hessians, at_params.scores):
        other_hessian = hessian - hk
        params_k = params + np.linalg.solve(other_hessian, score - gk)
        others = [(0, lo), (hi, len(y))]
        for _ in range(CV_CHORD_STEPS):
            other_score = newton.score_of_rows(X, y, others, params_k)
            params_k = params_k + np.linalg.solve(other_hessian, other_score)
        out.append(expit(X[lo:hi] @ params_k))
    return out


def _fit_arrays(X: np.ndarray, y: np.ndarray, *, penalised: bool, start: np.ndarray | None = None) -> np.ndarray:
    if not penalised:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = sm.Logit(y, X).fit(disp=0, maxiter=100, method="newton", start_params=start)
                if res.mle_retvals.get("converged", True) and np.all(np.abs(res.params) < MAX_ABS_COEF):
                    return np.asarray(res.params)
            except (PerfectSeparationError, np.linalg.LinAlgError):
                pass
    alpha = np.full(X.shape[1], RIDGE_ALPHA)
    alpha[0] = 0.0
    res = sm.GLM(y, X, family=sm.families.Binomial()).fit_regularized(alpha=alpha, L1_wt=0.0, maxiter=200)
    return np.asarray(res.params)


def _coefficient_table(results, method: str) -> list[dict]:
    rows = []
    names, params = list(results.params.index), results.params.to_numpy()
    if method == "mle":
        ci = np.asarray(results.conf_int())
        columns = zip(np.asarray(results.bse), np.asarray(results.tvalues), np.asarray(results.pvalues), ci)
        for name, estimate, (se, z, p, (low, high)) in zip(names, params, columns):
            rows.append({"term": name, "estimate": _round(estimate), "std_error": _round(se), "z": _round(z),
                         "p": _round(p, 8), "ci_low": _round(low), "ci_high": _round(high),
                         "odds_ratio": _round(np.exp(estimate))})
    else:
        for name, estimate in zip(names, params):
            rows.append({"term": name, "estimate": _round(estimate), "std_error": None, "z": None, "p": None,
                         "ci_low": None, "ci_high": None, "odds_ratio": _round(np.exp(estimate))})
    return rows


def _likelihoods(results, method: str, y: np.ndarray, p: np.ndarray) -> dict:
    eps = 1e-12
    llf = float(np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
    rate = y.mean()
    llnull = float(np.sum(y * np.log(rate) + (1 - y) * np.log(1 - rate)))
    out = {"log_likelihood": round(llf, 4), "null_log_likelihood": round(llnull, 4),
           "pseudo_r2_mcfadden": round(1 - llf / llnull, 6)}
    if method == "mle":
        out["aic"] = round(float(results.aic), 4)
        out["converged"] = bool(results.mle_retvals.get("converged", True))
    return out


def _round(value, digits: int = 6):
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if np.isfinite(value) else None
