"""The hand-written Newton fit (portal/profiling/newton.py) against statsmodels' Logit(...).fit(method="newton")."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

from portal.profiling import newton

NAMES = ["Intercept", "level_b", "level_c", "x", "z"]


def _design(n: int, seed: int, slope: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    level = rng.integers(0, 3, n)
    x, z = rng.normal(size=n), rng.normal(size=n)
    X = np.column_stack([np.ones(n), level == 1, level == 2, x, z]).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.4 * (level == 1) + slope * x - 0.3 * z)))).astype(float)
    return X, y


def _bounds(n: int, folds: int = 5) -> np.ndarray:
    return np.linspace(0, n, folds + 1).astype(int)


def _statsmodels(X: np.ndarray, y: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.Logit(y, X).fit(disp=0, method="newton", maxiter=100)


@pytest.mark.parametrize("slope", [1.0, 12.0])  # 12: nearly separated by x, coefficients large but finite
def test_newton_fit_equals_statsmodels_logit(slope):
    X, y = _design(4_000, seed=3, slope=slope)
    expected = _statsmodels(X, y)
    fit = newton.fit_logit(X, y, _bounds(len(y)))
    results = newton.logit_results(X, y, NAMES, fit)
    assert fit.iterations == expected.mle_retvals["iterations"] and fit.converged
    assert np.allclose(results.params.to_numpy(), expected.params, rtol=1e-9, atol=1e-9)
    for name in ("bse", "tvalues", "pvalues"):
        assert np.allclose(np.asarray(getattr(results, name)), getattr(expected, name), rtol=1e-7, atol=1e-12)
    assert np.allclose(np.asarray(results.conf_int()), expected.conf_int(), rtol=1e-8)
    assert results.llf == pytest.approx(expected.llf, rel=1e-12) and results.aic == pytest.approx(expected.aic)
    assert np.allclose(results.mle_retvals["Hessian"], expected.mle_retvals["Hessian"], rtol=1e-10)
    assert list(results.params.index) == NAMES and "Logit Regression Results" in str(results.summary())


def test_fold_pieces_add_up_to_the_whole_hessian_and_score():
    X, y = _design(2_000, seed=4)
    params = np.array([-0.4, 0.3, 0.1, 0.9, -0.2])
    pieces = newton.fold_pieces(X, y, _bounds(len(y), 5), params)
    p = 1 / (1 + np.exp(-(X @ params)))
    assert np.allclose(pieces.p, p)
    assert np.allclose(pieces.hessian, X.T @ (X * (p * (1 - p))[:, None]))
    assert np.allclose(pieces.score, X.T @ (y - p))
    lo, hi = _bounds(len(y))[1:3]
    assert np.allclose(pieces.hessians[1], X[lo:hi].T @ (X[lo:hi] * (p[lo:hi] * (1 - p[lo:hi]))[:, None]))


def test_perfect_prediction_is_raised_where_statsmodels_warns():
    x = np.r_[np.linspace(-3, -1, 20), np.linspace(1, 3, 20)]
    X, y = np.column_stack([np.ones(40), x]), (x > 0).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", PerfectSeparationWarning)
        with pytest.raises(PerfectSeparationWarning):
            sm.Logit(y, X).fit(disp=0, method="newton", maxiter=100)
    with np.errstate(all="ignore"), pytest.raises(PerfectSeparationError):
        newton.fit_logit(X, y, _bounds(len(y)))


def test_a_separated_design_runs_off_as_in_statsmodels():
    """Separated by x, but not to machine precision: both run 100 steps, do not converge, and end at the same
    estimate (training then reports separation and fits the penalised model)."""
    X, _ = _design(500, seed=5)
    y = (X[:, 3] > 0).astype(float)
    expected = _statsmodels(X, y)
    with np.errstate(all="ignore"):
        fit = newton.fit_logit(X, y, _bounds(len(y)))
    assert (fit.iterations, fit.converged) == (100, False) == (expected.mle_retvals["iterations"],
                                                               expected.mle_retvals["converged"])
    assert np.allclose(fit.params, expected.params, rtol=1e-4)
