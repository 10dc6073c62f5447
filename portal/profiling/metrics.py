"""Model quality: AUC, Brier score, calibration by decile, threshold choice, stratified folds."""
from __future__ import annotations

import numpy as np


def auc(y: np.ndarray, p: np.ndarray, order: np.ndarray | None = None) -> float | None:
    """Area under the ROC curve (Mann–Whitney, ties count one half); None without both classes.

    `order` (optional) sorts `p` ascending, e.g. `np.argsort(p)` computed once for several metrics.
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if order is None:
        order = np.argsort(p, kind="stable")
    return auc_sorted(y[order], p[order])


def auc_sorted(ys: np.ndarray, ps: np.ndarray) -> float | None:
    """AUC of scores `ps` sorted ascending with their outcomes `ys`: each positive counts the negatives below it,
    and half of those with the same score."""
    n_pos = int(np.sum(ys == 1))
    n_neg = int(np.sum(ys == 0))
    if n_pos == 0 or n_neg == 0:
        return None
    tie_block = np.concatenate(([0], np.cumsum(ps[1:] != ps[:-1])))
    pos_in_block = np.bincount(tie_block, weights=(ys == 1))
    neg_in_block = np.bincount(tie_block, weights=(ys == 0))
    neg_below = np.cumsum(neg_in_block) - neg_in_block
    return float(np.sum(pos_in_block * (neg_below + 0.5 * neg_in_block)) / (n_pos * n_neg))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def calibration_by_decile(y: np.ndarray, p: np.ndarray, bins: int = 10,
                          order: np.ndarray | None = None) -> list[dict]:
    """Members sorted by predicted risk, cut into `bins` equal-sized groups: mean predicted vs observed rate."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if order is None:
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


def youden_threshold(y: np.ndarray, p: np.ndarray, order: np.ndarray | None = None) -> float:
    """The threshold maximising sensitivity + specificity − 1 (Youden's J) over the observed scores.

    `order` (optional) sorts `p` ascending; J is read at the end of each block of equal scores, so the order
    within a block does not matter.
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(-p, kind="mergesort") if order is None else order[::-1]
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
