"""Model quality: AUC, Brier score, calibration by decile, threshold choice, stratified folds."""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann–Whitney, ties count one half); None without both classes."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    n_pos = int(np.sum(y == 1))
    n_neg = int(np.sum(y == 0))
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(p)
    return float((np.sum(ranks[y == 1]) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def calibration_by_decile(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Members sorted by predicted risk, cut into `bins` equal-sized groups: mean predicted vs observed rate."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="mergesort")
    rows = []
    for i, idx in enumerate(np.array_split(order, bins), start=1):
        if idx.size == 0:
            continue
        rows.append({"decile": i, "n": int(idx.size), "mean_predicted": round(float(p[idx].mean()), 6),
                     "observed_rate": round(float(y[idx].mean()), 6)})
    return rows


def sensitivity_specificity(y: np.ndarray, p: np.ndarray, threshold: float) -> tuple[float | None, float | None]:
    y = np.asarray(y)
    flagged = np.asarray(p) >= threshold
    pos, neg = y == 1, y == 0
    sens = float(np.mean(flagged[pos])) if pos.any() else None
    spec = float(np.mean(~flagged[neg])) if neg.any() else None
    return sens, spec


def youden_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold maximising sensitivity + specificity − 1 (Youden's J) over the observed scores."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(-p, kind="mergesort")
    ps, ys = p[order], y[order]
    n_pos, n_neg = ys.sum(), (1 - ys).sum()
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    last_of_tie = np.r_[ps[1:] != ps[:-1], True]  # a threshold flags every member with a score >= it
    j = tp / max(n_pos, 1) - fp / max(n_neg, 1)
    j = np.where(last_of_tie, j, -np.inf)
    return float(ps[int(np.argmax(j))])


def stratified_folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number (0 … k−1) per row, each class spread evenly over the folds; fixed by `seed`."""
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    folds = np.empty(y.size, dtype=int)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        folds[idx] = np.arange(idx.size) % k
    return folds
