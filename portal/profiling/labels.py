"""The label: long-term unemployed = on benefit at least 80 % of the 52 weeks after the first day of a benefit period.

DOMAIN.md "Profiling" (DREAM + FIKS definition). Periods with fewer than 52 weeks observed are right-censored:
their label is unknown (NaN), and training leaves them out rather than counting them as negatives.

The 52 weeks after a first day are not the period itself: a member who leaves benefit after 10 weeks is off benefit
for the rest of the year unless they come back (a later period). `period_windows` turns the benefit history
(periods, and the weeks recorded for them) into that weekly series; `long_term_labels` labels it.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

WEEKS = 52
LONG_TERM_SHARE = 0.80
EPOCH = date(1970, 1, 1)
WINDOW_COLUMNS = ["member_id", "period_id", "period_start", "week_no", "benefit_fraction"]


def _days(column: pd.Series) -> np.ndarray:
    """Dates (None allowed) → days since EPOCH as float (NaN for missing)."""
    values = pd.to_datetime(column).to_numpy(dtype="datetime64[D]")
    days = values.astype("int64").astype(float)
    days[np.isnat(values)] = np.nan
    return days


def period_windows(periods: pd.DataFrame, weeks: pd.DataFrame, today: date) -> pd.DataFrame:
    """The weekly benefit series of the 52 weeks after each period's first day, as far as it is known by `today`.

    `periods`: period_id, member_id, start_date, end_date (None = still running); `weeks`: period_id, week_no,
    benefit_fraction (the recorded weekly detail; a period's days without a recorded week count as on benefit).
    Week k of a window counts as observed once all of its days are before `today`. Within it the member is on
    benefit during their periods (the recorded share, else the days of the period in that week) and off benefit
    between them, so a later period of the same member (a return) adds its weeks to the earlier period's window.
    Returns WINDOW_COLUMNS, one row per observed week (1–52) of each period.
    """
    if periods.empty:
        return pd.DataFrame(columns=WINDOW_COLUMNS)
    periods = periods.reset_index(drop=True)
    today_day = float((today - EPOCH).days)
    start, end = _days(periods["start_date"]), _days(periods["end_date"])
    last_day = np.fmin(np.nan_to_num(end, nan=np.inf), today_day - 1)
    own_weeks = np.where(last_day >= start, (last_day - start) // 7 + 1, 0).astype(int)
    # Every period's weeks up to its last day: the recorded share, else the share of the week's days in the period.
    row = np.repeat(np.arange(len(periods)), own_weeks)
    week_no = np.arange(len(row)) - np.repeat(np.cumsum(own_weeks) - own_weeks, own_weeks) + 1
    days_in = np.minimum(7, last_day[row] - start[row] - 7 * (week_no - 1) + 1)
    series = pd.DataFrame({"period_id": periods["period_id"].to_numpy()[row], "week_no": week_no,
                           "days": days_in, "fraction": days_in / 7})
    recorded = weeks[["period_id", "week_no", "benefit_fraction"]].drop_duplicates(["period_id", "week_no"],
                                                                                   keep="last")
    series = series.merge(recorded, on=["period_id", "week_no"], how="left")
    series["fraction"] = series["benefit_fraction"].fillna(series["fraction"])
    # Pair each period (the window) with itself and the member's later periods starting inside its 52 weeks.
    frame = pd.DataFrame({"period_id": periods["period_id"], "member_id": periods["member_id"], "start": start})
    pairs = frame.merge(frame, on="member_id", suffixes=("", "_q"))
    pairs = pairs[(pairs["start_q"] >= pairs["start"]) & (pairs["start_q"] < pairs["start"] + 7 * WEEKS)]
    spread = pairs.merge(series[["period_id", "week_no", "days", "fraction"]]
                         .rename(columns={"period_id": "period_id_q"}), on="period_id_q")
    # A week of a later period lands on one or two weeks of the window: split its benefit by its days in the period
    # (the first `days` of the week; all 7 but in a last week cut short).
    offset = (spread["start_q"] - spread["start"]).to_numpy() + 7 * (spread["week_no"].to_numpy() - 1)
    first, shift = offset // 7 + 1, offset % 7
    days, fraction = spread["days"].to_numpy(), spread["fraction"].to_numpy()
    in_first = np.minimum(days, 7 - shift)
    parts = pd.DataFrame({
        "period_id": np.concatenate([spread["period_id"].to_numpy()] * 2),
        "week_no": np.concatenate([first, first + 1]).astype(int),
        "benefit_fraction": np.concatenate([fraction * in_first / days, fraction * (days - in_first) / days]),
    })
    on_benefit = parts.groupby(["period_id", "week_no"])["benefit_fraction"].sum()
    # The observed weeks of each window: whole weeks before today, at most 52.
    observed = np.clip((today_day - start) // 7, 0, WEEKS).astype(int)
    row = np.repeat(np.arange(len(periods)), observed)
    out = pd.DataFrame({
        "member_id": periods["member_id"].to_numpy()[row], "period_id": periods["period_id"].to_numpy()[row],
        "period_start": periods["start_date"].to_numpy()[row],
        "week_no": np.arange(len(row)) - np.repeat(np.cumsum(observed) - observed, observed) + 1,
    })
    out = out.join(on_benefit, on=["period_id", "week_no"])
    out["benefit_fraction"] = out["benefit_fraction"].fillna(0.0).clip(upper=1.0)
    return out[WINDOW_COLUMNS]


def long_term_labels(weeks: pd.DataFrame) -> pd.DataFrame:
    """A weekly benefit series (e.g. `period_windows`) → one row per (member_id, period_start).

    `weeks` has columns member_id, period_start, week_no (1 = first week), benefit_fraction (0–1); the weeks present
    are the weeks observed.
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
