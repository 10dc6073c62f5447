"""Kaplan–Meier curves of time to leaving benefit (statsmodels SurvfuncRight), for the steering dashboard."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from statsmodels.duration.survfunc import SurvfuncRight


def km_curve(durations_weeks: Sequence[float], events: Sequence[int | bool], *, max_week: int = 52) -> list[dict]:
    """Survival S(t) = share still on benefit after t weeks, for t = 0 … max_week.

    `durations_weeks[i]` is the week member i left benefit (event = 1) or was last seen on benefit (event = 0,
    right-censored). Returns one point per week: week, survival, lower, upper (95 % pointwise CI, log-log),
    at_risk (members still observed on benefit at the start of the week). Empty input gives an empty list.
    """
    from statsmodels.duration.survfunc import SurvfuncRight  # heavy: imported on use, not at app start

    durations = np.asarray(durations_weeks, dtype=float)
    status = np.asarray(events, dtype=float)
    if durations.shape != status.shape:
        raise ValueError("durations_weeks and events must have the same length")
    if durations.size == 0:
        return []
    if np.any(durations < 0) or np.any(~np.isfinite(durations)):
        raise ValueError("durations must be finite and non-negative")
    fit = SurvfuncRight(durations, status)
    times = np.asarray(fit.surv_times)
    surv = np.asarray(fit.surv_prob)
    lower, upper = _pointwise_ci(fit)
    points = []
    for week in range(max_week + 1):
        idx = np.searchsorted(times, week, side="right") - 1  # last event time <= week (step function)
        if idx < 0:
            s, lo, hi = 1.0, 1.0, 1.0
        else:
            s, lo, hi = float(surv[idx]), float(lower[idx]), float(upper[idx])
        points.append({"week": week, "survival": round(s, 6), "lower": round(lo, 6), "upper": round(hi, 6),
                       "at_risk": int(np.sum(durations >= week))})
    return points


def _pointwise_ci(fit: SurvfuncRight) -> tuple[np.ndarray, np.ndarray]:
    """95 % log-log confidence band per event time (Greenwood variance), as statsmodels' plots use."""
    surv = np.asarray(fit.surv_prob)
    se = np.asarray(fit.surv_prob_se)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(surv)
        theta = se / (surv * np.abs(log_s))
        lower = np.where(surv >= 1, 1.0, surv ** np.exp(1.96 * theta))
        upper = np.where(surv >= 1, 1.0, surv ** np.exp(-1.96 * theta))
    lower = np.where(np.isfinite(lower), lower, 0.0)
    upper = np.where(np.isfinite(upper), upper, np.where(surv > 0, 1.0, 0.0))
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)
