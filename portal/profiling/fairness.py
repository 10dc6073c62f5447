"""Fairness by gender, age band and origin: AUC, calibration, share in group 2, wrongly-high-risk rate.

Anchor (issue 5): at maximum accuracy the Flemish VDAB model put job seekers of foreign origin who did find a job in
the high-risk group 2.6 times as often (Desiere & Struyven 2020); Austria's AMS model penalised women. The report
shows each group's numbers and its ratio to a reference group, and warns where a ratio leaves the 0.8–1.25 band
(the "four-fifths" rule of thumb) for a group large enough to judge.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from portal.profiling.metrics import auc_sorted
from portal.profiling.variables import AGE_BANDS, FAIRNESS_ATTRIBUTES, VARIABLES

RATIO_BAND = (0.8, 1.25)
MIN_GROUP = 100  # smaller groups are reported but not judged
AUC_GAP = 0.05
FAIRNESS_COLUMNS = (*FAIRNESS_ATTRIBUTES, "age")  # what fairness_groups reads (age for a missing age band)
ATTRIBUTE_LABELS = {"gender": "køn", "age_band": "aldersgruppe", "origin": "herkomst"}


def fairness_groups(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """The protected attributes present in the data (age band derived from `age` if needed)."""
    groups: dict[str, np.ndarray] = {}
    for name in FAIRNESS_ATTRIBUTES:
        if name in df.columns:
            groups[name] = df[name].astype(object).where(df[name].notna(), "(mangler)").astype(str).to_numpy()
        elif name == "age_band" and "age" in df.columns:
            ages = pd.to_numeric(df["age"], errors="coerce").to_numpy(dtype=float)
            groups[name] = np.select([ages < 30, ages < 50, ages < 55, ages >= 55], list(AGE_BANDS),
                                     "(mangler)").astype(object)
    return groups


def _level_label(attribute: str, level: str) -> str:
    var = VARIABLES.get(attribute)
    return var.level_texts.get(level, level) if var else level


def fairness_report(groups: dict[str, np.ndarray], y: np.ndarray, p: np.ndarray, threshold: float,
                    references: dict[str, str] | None = None, order: np.ndarray | None = None) -> dict:
    """Per attribute and level: n, AUC, calibration, share in group 2, wrongly-high-risk rate, ratios, warnings.

    `order` (optional) sorts `p` ascending; each group's AUC reads its rows in that order instead of sorting again.
    """
    references = {**FAIRNESS_ATTRIBUTES, **(references or {})}
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if order is None:
        order = np.argsort(p, kind="stable")
    flagged = p >= threshold
    # each row's outcome × flag, 0–3, so one count per level gives n, events, and the flagged/missed ones
    outcome_flag = 2 * (y == 1) + flagged
    report: dict = {"threshold": threshold, "attributes": {}, "warnings": []}
    for attribute, values in groups.items():
        rows = {}
        codes, levels = pd.factorize(np.asarray(values, dtype=object))
        # Slot 0 holds the values factorize leaves out, slot 1 + code a level. Counts by slot × outcome × flag in
        # one pass; each level's rows in score order from one stable sort of the slots read in score order.
        slots = codes + 1
        counts = np.bincount(4 * slots + outcome_flag, minlength=4 * (len(levels) + 1))
        counts = counts.reshape(-1, 4).tolist()  # per slot: [negative, negative flagged, positive, positive flagged]
        slots_in_order = slots[order].astype(np.int16 if len(levels) < 2**15 - 1 else np.int64)  # int16: radix sort
        by_level = order[np.argsort(slots_in_order, kind="stable")]
        in_order = np.split(by_level, np.cumsum([sum(c) for c in counts])[:-1])
        for code, level in sorted(enumerate(levels.tolist()), key=lambda item: item[1]):
            slot, rows_in_order = code + 1, in_order[code + 1]
            neg_kept, neg_flagged, pos_missed, pos_flagged = counts[slot]
            neg, pos = neg_kept + neg_flagged, pos_missed + pos_flagged
            n = neg + pos
            mean_pred = float(p[codes == code].mean())
            observed = pos / n  # the mean of 0/1 outcomes: exact counts, divided once (as numpy's mean)
            rows[level] = {
                "level": level, "label_da": _level_label(attribute, level), "n": n,
                "events": pos, "auc": auc_sorted(y[rows_in_order], p[rows_in_order]),
                "mean_predicted": round(mean_pred, 6), "observed_rate": round(observed, 6),
                # observed / expected: 1 is well calibrated; below 1 the model overstates the group's risk
                "calibration_ratio": round(observed / mean_pred, 4) if mean_pred > 0 else None,
                "share_group2": round((neg_flagged + pos_flagged) / n, 6),
                # among members who in fact left benefit in time: the share put in group 2 anyway
                "wrongly_high_risk_rate": round(neg_flagged / neg, 6) if neg else None,
                # among members who did become long-term unemployed: the share the model missed
                "missed_rate": round(pos_missed / pos, 6) if pos else None,
            }
        reference = references.get(attribute)
        if reference not in rows:
            reference = max(rows, key=lambda k: rows[k]["n"])
        ref = rows[reference]
        for row in rows.values():
            row["ratios"] = {key: _ratio(row[key], ref[key]) for key in
                             ("share_group2", "wrongly_high_risk_rate", "missed_rate", "calibration_ratio")}
            row["auc_difference"] = (round(row["auc"] - ref["auc"], 4)
                                     if row["auc"] is not None and ref["auc"] is not None else None)
            if row["level"] != reference:
                report["warnings"].extend(_warnings(attribute, row, ref))
        report["attributes"][attribute] = {"reference": reference, "label_da": ATTRIBUTE_LABELS.get(attribute, attribute),
                                           "groups": list(rows.values())}
    return report


def _ratio(value, reference) -> float | None:
    if value is None or reference in (None, 0):
        return None
    return round(value / reference, 4)


def _warnings(attribute: str, row: dict, ref: dict) -> list[str]:
    if row["n"] < MIN_GROUP or ref["n"] < MIN_GROUP:
        return []
    who = f"{ATTRIBUTE_LABELS.get(attribute, attribute)} '{row['label_da']}'"
    than = f"'{ref['label_da']}'"
    out = []
    ratio = row["ratios"]["wrongly_high_risk_rate"]
    if ratio is not None and not RATIO_BAND[0] <= ratio <= RATIO_BAND[1]:
        out.append(f"{who}: sættes fejlagtigt i høj risiko {_da(ratio)} gange så ofte som {than}.")
    ratio = row["ratios"]["missed_rate"]
    if ratio is not None and not RATIO_BAND[0] <= ratio <= RATIO_BAND[1]:
        out.append(f"{who}: overses (lav risiko, men blev langtidsledig) {_da(ratio)} gange så ofte som {than}.")
    cal = row["calibration_ratio"]
    if cal is not None and not RATIO_BAND[0] <= cal <= RATIO_BAND[1]:
        direction = "overvurderes" if cal < 1 else "undervurderes"
        out.append(f"{who}: risikoen {direction} (observeret/forventet = {_da(cal)}).")
    if row["auc_difference"] is not None and row["auc_difference"] < -AUC_GAP:
        out.append(f"{who}: modellen skelner dårligere (AUC {_da(row['auc'], 3)} mod {_da(ref['auc'], 3)}).")
    return out


def _da(number: float, digits: int = 2) -> str:
    return f"{number:.{digits}f}".replace(".", ",")


def verdict(report: dict, attribute: str) -> dict | None:
    """The fairness report's verdict on one attribute: its warnings and, per level, n, the share put in group 2 and
    the ratios to the reference level. None when the data had no such column."""
    section = (report.get("fairness") or report).get("attributes", {}).get(attribute)
    if section is None:
        return None
    label = ATTRIBUTE_LABELS.get(attribute, attribute)
    warnings = [w for w in (report.get("fairness") or report).get("warnings", []) if w.startswith(f"{label} '")]
    return {"attribute": attribute, "label_da": section["label_da"], "reference": section["reference"],
            "warnings": warnings, "verdict": "ingen advarsler" if not warnings else f"{len(warnings)} advarsler",
            "levels": [{"label_da": g["label_da"], "level": g["level"], "n": g["n"], "share_group2": g["share_group2"],
                        "wrongly_high_risk_ratio": g["ratios"]["wrongly_high_risk_rate"],
                        "missed_ratio": g["ratios"]["missed_rate"], "calibration_ratio": g["calibration_ratio"]}
                       for g in section["groups"]]}


def side_by_side(with_report: dict, without_report: dict, attribute: str) -> list[tuple[str, str, str]]:
    """Accuracy and fairness of a model trained with `attribute` and one trained without it, as rows
    (what, with, without) for the model owner deciding whether to leave it out."""
    def num(value, digits=3):
        return "–" if value is None else _da(value, digits)

    rows = [("AUC (uden for stikprøven)", num(with_report["cv"]["auc"]), num(without_report["cv"]["auc"])),
            ("Brier", num(with_report["cv"]["brier"], 4), num(without_report["cv"]["brier"], 4)),
            ("Andel i målgruppe 2", num(with_report["threshold"]["share_group2"]),
             num(without_report["threshold"]["share_group2"]))]
    with_v, without_v = verdict(with_report, attribute), verdict(without_report, attribute)
    if with_v is not None and without_v is not None:
        other = {g["level"]: g for g in without_v["levels"]}
        for g in with_v["levels"]:
            o = other.get(g["level"], {})
            rows.append((f"{with_v['label_da']} '{g['label_da']}': andel i målgruppe 2",
                         num(g["share_group2"]), num(o.get("share_group2"))))
            if g["level"] != with_v["reference"]:
                rows.append((f"{with_v['label_da']} '{g['label_da']}': fejlagtigt høj risiko, forhold",
                             num(g["wrongly_high_risk_ratio"], 2), num(o.get("wrongly_high_risk_ratio"), 2)))
        rows.append((f"Fairness-advarsler om {with_v['label_da']}", str(len(with_v["warnings"])),
                     str(len(without_v["warnings"]))))
    rows.append(("Fairness-advarsler i alt", str(len(with_report["fairness"]["warnings"])),
                 str(len(without_report["fairness"]["warnings"]))))
    return rows
