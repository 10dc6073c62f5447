"""Maximum-likelihood logistic regression by Newton's method, the iteration of statsmodels' `Logit.fit(method=
"newton")`, on a design matrix whose rows are grouped by cross-validation fold.

Why not statsmodels' own fit: it evaluates the predictions three times per iteration (score, Hessian, the
perfect-prediction check) and forms X'WX as a full matrix product. Here each iteration makes one pass per fold
(predictions, score and X'WX as a symmetric rank-k update), and the last pass, at the estimate, leaves each fold's
share of the Hessian and score for the cross-validation's one-step refits (training._one_newton_step_folds), which
would otherwise make that pass again. The estimate is statsmodels' to rounding (tests/profiling/test_profiling_newton.py
compares the two, near-separated designs included), and `logit_results` wraps it in statsmodels' own results class,
so the coefficient table, the saved artefact and `summary()` are statsmodels'.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.linalg.blas import dsyrk
from scipy.special import expit
from statsmodels.base.model import LikelihoodModelResults
from statsmodels.discrete.discrete_model import BinaryResultsWrapper, LogitResults
from statsmodels.tools.sm_exceptions import PerfectSeparationError

# statsmodels' defaults for method="newton" (statsmodels.base.optimizer._fit_newton)
TOL = 1e-8
RIDGE_FACTOR = 1e-10
MAXITER = 100
CHUNK = 4096  # rows per block: a block of the design (1 MiB at 33 columns) stays in cache for its three uses


@dataclass
class FoldPieces:
    """At one estimate: predictions (fold order) and each fold's −∂²ℓ/∂β² and ∂ℓ/∂β."""

    p: np.ndarray
    hessians: list[np.ndarray]
    scores: list[np.ndarray]

    @property
    def hessian(self) -> np.ndarray:
        return sum(self.hessians[1:], self.hessians[0].copy())

    @property
    def score(self) -> np.ndarray:
        return sum(self.scores[1:], self.scores[0].copy())


@dataclass
class NewtonFit:
    params: np.ndarray
    iterations: int
    converged: bool
    at_params: FoldPieces  # the last pass, at `params`


def fold_pieces(X: np.ndarray, y: np.ndarray, bounds: np.ndarray, params: np.ndarray) -> FoldPieces:
    """One pass over the rows, fold by fold (fold k is rows bounds[k]:bounds[k+1]), in blocks of CHUNK rows: the
    design is read from memory once per pass, not once for each of predictions, X'WX and score."""
    k = X.shape[1]
    p = np.empty(len(y))
    hessians, scores = [], []
    for start, stop in pairwise(bounds):
        upper, score = np.zeros((k, k), order="F"), np.zeros(k)
        for lo in range(start, stop, CHUNK):
            hi = min(lo + CHUNK, stop)
            Xc, pc = X[lo:hi], p[lo:hi]
            np.divide(1.0, 1.0 + np.exp(-(Xc @ params)), out=pc)  # statsmodels' Logit.cdf
            weighted = Xc * np.sqrt(pc * (1.0 - pc))[:, None]
            # X'WX += the block's, upper triangle; weighted.T is Fortran-ordered, so BLAS reads it without a copy
            upper = dsyrk(1.0, weighted.T, beta=1.0, c=upper, trans=0, overwrite_c=1)
            score += Xc.T @ (y[lo:hi] - pc)
        hessians.append(np.triu(upper) + np.triu(upper, 1).T)
        scores.append(score)
    return FoldPieces(p=p, hessians=hessians, scores=scores)


def score_of_rows(X: np.ndarray, y: np.ndarray, ranges: list[tuple[int, int]], params: np.ndarray) -> np.ndarray:
    """∂ℓ/∂β over the rows in `ranges` (start, stop), with scipy's expit, in blocks of CHUNK rows."""
    score = np.zeros(X.shape[1])
    for start, stop in ranges:
        for lo in range(start, stop, CHUNK):
            hi = min(lo + CHUNK, stop)
            score += X[lo:hi].T @ (y[lo:hi] - expit(X[lo:hi] @ params))
    return score


def fit_logit(X: np.ndarray, y: np.ndarray, bounds: np.ndarray) -> NewtonFit:
    """Newton's method from zero, as statsmodels: step solve(H/n + 1e-10·I, g/n) until no coefficient moves more
    than 1e-8, at most 100 steps. Raises PerfectSeparationError when the predictions equal the outcomes (statsmodels
    warns with PerfectSeparationWarning there) and LinAlgError on a singular Hessian."""
    n, k = X.shape
    params = np.zeros(k)
    previous = np.full(k, np.inf)
    iterations = 0
    pieces = fold_pieces(X, y, bounds, params)
    while iterations < MAXITER and np.any(np.abs(params - previous) > TOL):
        hessian = pieces.hessian / n
        hessian[np.diag_indices(k)] += RIDGE_FACTOR
        previous = params
        params = previous + np.linalg.solve(hessian, pieces.score / n)
        iterations += 1
        pieces = fold_pieces(X, y, bounds, params)
        if np.abs(pieces.p - y).max() <= 1e-8:  # statsmodels' np.allclose(p - y, 0), without its temporaries
            raise PerfectSeparationError("Perfect separation or prediction detected")
    return NewtonFit(params=params, iterations=iterations, converged=iterations < MAXITER, at_params=pieces)


def logit_results(X: np.ndarray, y: np.ndarray, names: list[str], fit: NewtonFit):
    """statsmodels' results object for `fit`, built as `Logit.fit(method="newton")` builds it (no refit)."""
    n, k = X.shape
    model = sm.Logit(y, pd.DataFrame(X, columns=names, copy=False), check_rank=False)
    hessian = fit.at_params.hessian / n  # of the mean negative log-likelihood, as statsmodels' mle_retvals
    mle = LikelihoodModelResults(model, fit.params, np.linalg.inv(hessian) / n, scale=1.0)
    mle.mle_retvals = {"fopt": None, "iterations": fit.iterations,
                       "score": -fit.at_params.score / n, "Hessian": hessian,
                       "warnflag": int(not fit.converged), "converged": fit.converged}
    mle.mle_settings = {"optimizer": "newton", "start_params": [0.0] * k, "maxiter": MAXITER, "full_output": 1,
                        "disp": 0, "fargs": (), "callback": model._check_perfect_pred, "retall": False,
                        "extra_fit_funcs": {}, "tol": TOL, "ridge_factor": RIDGE_FACTOR}
    results = BinaryResultsWrapper(LogitResults(model, mle))
    results.mle_retvals["fopt"] = -results.llf / n  # llf is cached: the report's AIC reads it again
    return results
