"""The label: long-term unemployed = on benefit at least 80 % of the 52 weeks after the first day of a benefit period.

DOMAIN.md "Profiling" (DREAM + FIKS definition). Periods with fewer than 52 weeks observed are right-censored:
their label is unknown (NaN), and training leaves them out rather than counting them as negatives.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

WEEKS = 52
LONG_TERM_SHARE = 0.80


def long_term_labels(weeks: pd.DataFrame) -> pd.DataFrame:
    """Benefit-week records → one row per (member_id, period_start).

    `weeks` has columns member_id, period_start, week_no (1 = first week), benefit_fraction (0–1).
    Returns member_id, period_start, weeks_observed, benefit_share (of the weeks observed within 1–52),
    censored (bool) and long_term (1.0 / 0.0, NaN when censored). Weeks after 52 are ignored.
    """
    columns = ["member_id", "period_start", "weeks_observed", "benefit_share", "censored", "long_term"]
    if weeks.empty:
        return pd.DataFrame(columns=columns)
    frame = weeks.loc[(weeks["week_no"] >= 1) & (weeks["week_no"] <= WEEKS)]
    frame = frame.drop_duplicates(["member_id", "period_start", "week_no"], keep="last")
    grouped = frame.groupby(["member_id", "period_start"], sort=True)
    out = pd.DataFrame({
        "weeks_observed": grouped["week_no"].nunique(),
        "benefit_weeks": grouped["benefit_fraction"].sum(),
    }).reset_index()
    out["benefit_share"] = out["benefit_weeks"] / out["weeks_observed"]
    out["censored"] = out["weeks_observed"] < WEEKS
    # 0.8 × 52 = 41.6 benefit weeks; compare on the sum so rounding of the share cannot flip the label
    long_term = (out["benefit_weeks"] >= LONG_TERM_SHARE * WEEKS - 1e-9).astype(float)
    out["long_term"] = np.where(out["censored"], np.nan, long_term)
    return out[columns]
