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
from portal.profiling import metrics
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
    results: object  # the statsmodels results (data removed before saving)
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
    # One design matrix, built from the category codes; the formula API would build its own copy (patsy) first.
    attach_columns(spec, design_columns(spec, clean))
    X = training_design(spec, clean)
    _check_same_design(spec, df.loc[clean.index[:20_000]], X[:20_000])
    results, method, fit_notes = _fit(X, y, spec.columns, force_penalised=bool(separation))
    if method == "mle" and _looks_separated(results):
        separation.append("Meget store koefficienter eller standardfejl efter fit (kvasi-adskillelse).")
        results, method, more = _fit(X, y, spec.columns, force_penalised=True)
        fit_notes += more
    params = np.asarray(results.params, dtype=float)
    p_fit = expit(X @ params)
    fit_seconds = time.perf_counter() - started

    cv = _cross_validate(X, y, folds=folds, seed=seed, penalised=method != "mle", start=params)
    oof, order = cv.pop("predictions"), cv.pop("order")
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
        **_likelihoods(results, method, y, p_fit),
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


def _fit(X: np.ndarray, y: np.ndarray, names: list[str], *, force_penalised: bool):
    """Maximum likelihood (Newton); on perfect separation a ridge-penalised GLM, reported in the notes."""
    exog = pd.DataFrame(X, columns=names, copy=False)  # the names label the coefficient table
    if not force_penalised:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", HessianInversionWarning)
            try:
                results = _logit(y, exog, check_rank=False)
                if not _full_rank(results):  # rare: let statsmodels count the rank (a QR of X) for the df
                    results = _logit(y, exog, check_rank=True)
                if results.mle_retvals.get("converged", True) and np.all(np.isfinite(results.bse)):
                    return results, "mle", []
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
    ]


def _logit(y: np.ndarray, exog: pd.DataFrame, *, check_rank: bool):
    # statsmodels' rank check is a QR decomposition of X, which costs more than the Newton fit itself at a
    # million rows; _full_rank reads the rank from the Hessian at the optimum instead (same rank as X).
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


def _cross_validate(X: np.ndarray, y: np.ndarray, *, folds: int, seed: int, penalised: bool,
                    start: np.ndarray) -> dict:
    """Out-of-fold predictions: each fold scored by a model fitted without it.

    Below EXACT_CV_BELOW rows (and for penalised fits) each fold is refitted to convergence, warm-started from the
    full fit. From there on, each fold's refit starts with one Newton step from the full-data estimate `start`,
    with the Hessian of the other folds (the full data's minus the fold's own, so that costs one pass over the
    fold's rows), then CV_CHORD_STEPS steps with that Hessian and the other folds' score at the new estimate (two
    matrix-vector passes each). The full-data estimate is within O(1/√n) of the refit and Newton's error squares
    each step: at 20,000–100,000 synthetic rows the out-of-fold predictions are within 3·10⁻⁵ of exact refits
    and AUC and Brier score equal to 6 decimals (tests/profiling/test_profiling_training.py checks 4 at 100,000 rows).
    """
    fold_of = metrics.stratified_folds(y, folds, seed)
    rows = [np.flatnonzero(fold_of == k) for k in range(folds)]
    one_step = not penalised and len(y) >= EXACT_CV_BELOW
    oof = np.empty(len(y))
    if one_step:
        oof_by_fold = _one_newton_step_folds(X, y, rows, start)
    else:
        oof_by_fold = []
        for test in rows:
            train_rows = np.ones(len(y), dtype=bool)
            train_rows[test] = False
            params = _fit_arrays(X[train_rows], y[train_rows], penalised=penalised, start=start)
            oof_by_fold.append(expit(X[test] @ params))
    aucs = []
    for test, p in zip(rows, oof_by_fold):
        oof[test] = p
        aucs.append(metrics.auc(y[test], p))
    order = np.argsort(oof, kind="stable")  # sorted once for AUC, threshold, calibration and fairness
    return {"folds": folds, "seed": seed, "refit": "one_newton_step" if one_step else "exact",
            "auc": round(metrics.auc(y, oof, order), 6), "order": order,
            "auc_by_fold": [round(a, 6) if a is not None else None for a in aucs], "predictions": oof}


def _one_newton_step_folds(X: np.ndarray, y: np.ndarray, rows: list[np.ndarray],
                           params: np.ndarray) -> list[np.ndarray]:
    """Per fold: the predictions of one Newton step from `params` on the other folds' rows."""
    parts = []
    for test in rows:
        Xk, yk = X[test], y[test]
        pk = expit(Xk @ params)
        parts.append((Xk, pk, Xk.T @ (Xk * (pk * (1 - pk))[:, None]), Xk.T @ (yk - pk)))
    hessian = sum(h for _, _, h, _ in parts)  # −∂²ℓ/∂β² over all rows
    score = sum(g for _, _, _, g in parts)  # ≈ 0 at the full-data optimum
    out = []
    for test, (Xk, pk, hk, gk) in zip(rows, parts):
        other_hessian = hessian - hk
        params_k = params + np.linalg.solve(other_hessian, score - gk)
        for _ in range(CV_CHORD_STEPS):
            residual = y - expit(X @ params_k)
            other_score = X.T @ residual - Xk.T @ residual[test]
            params_k = params_k + np.linalg.solve(other_hessian, other_score)
        out.append(expit(Xk @ params_k))
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
    params = results.params
    if method == "mle":
        ci = results.conf_int()
        for name in params.index:
            rows.append({"term": name, "estimate": _round(params[name]), "std_error": _round(results.bse[name]),
                         "z": _round(results.tvalues[name]), "p": _round(results.pvalues[name], 8),
                         "ci_low": _round(ci.loc[name, 0]), "ci_high": _round(ci.loc[name, 1]),
                         "odds_ratio": _round(np.exp(params[name]))})
    else:
        for name in params.index:
            rows.append({"term": name, "estimate": _round(params[name]), "std_error": None, "z": None, "p": None,
                         "ci_low": None, "ci_high": None, "odds_ratio": _round(np.exp(params[name]))})
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
