"""The label: on benefit >= 80 % of the 52 weeks after the first day of a benefit period; censoring."""
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from portal.profiling.labels import long_term_labels, period_windows


def weeks(member_id, fractions, start=date(2025, 1, 6)):
    return [{"member_id": member_id, "period_start": start, "week_no": i + 1, "benefit_fraction": f}
            for i, f in enumerate(fractions)]


def labels_for(*records):
    frame = pd.DataFrame([r for rec in records for r in rec])
    return long_term_labels(frame).set_index("member_id")


@pytest.mark.parametrize("benefit_weeks, expected", [
    (52, 1.0),  # on benefit the whole year
    (42, 1.0),  # 42/52 = 80.8 %
    (41.6, 1.0),  # exactly 80 %
    (41, 0.0),  # 78.8 %: left benefit in time
    (0, 0.0),
])
def test_long_term_is_at_least_80_percent_of_52_weeks(benefit_weeks, expected):
    whole, part = int(benefit_weeks), benefit_weeks - int(benefit_weeks)
    fractions = [1.0] * whole + ([part] if part else []) + [0.0] * (52 - whole - (1 if part else 0))
    out = labels_for(weeks(1, fractions))
    assert out.loc[1, "long_term"] == expected
    assert not out.loc[1, "censored"]


def test_fewer_than_52_weeks_observed_is_censored_not_negative():
    out = labels_for(weeks(1, [1.0] * 30), weeks(2, [0.0] * 51), weeks(3, [0.0] * 52))
    assert out.loc[1, "censored"] and np.isnan(out.loc[1, "long_term"])
    assert out.loc[2, "censored"] and np.isnan(out.loc[2, "long_term"])  # 51 weeks: still unknown
    assert out.loc[3, "long_term"] == 0.0 and not out.loc[3, "censored"]
    assert out.loc[1, "weeks_observed"] == 30


def test_weeks_after_52_do_not_count_and_periods_are_separate():
    later = date(2026, 3, 2)
    out = long_term_labels(pd.DataFrame(
        weeks(1, [0.0] * 52 + [1.0] * 20) + weeks(1, [1.0] * 52, start=later)))
    assert list(out["long_term"]) == [0.0, 1.0]
    assert list(out["period_start"]) == [date(2025, 1, 6), later]


def test_partial_weeks_are_summed():
    out = labels_for(weeks(1, [0.8] * 52), weeks(2, [0.79] * 52))
    assert out.loc[1, "long_term"] == 1.0
    assert out.loc[2, "long_term"] == 0.0
    assert out.loc[1, "benefit_share"] == pytest.approx(0.8)


def test_empty_input_gives_empty_labels():
    empty = pd.DataFrame(columns=["member_id", "period_start", "week_no", "benefit_fraction"])
    assert long_term_labels(empty).empty


# ---- the 52 weeks after a first day, from benefit periods and their recorded weeks ----------------------------

def history(*periods):
    """(period_id, member_id, start, end) rows → the periods frame."""
    return pd.DataFrame(periods, columns=["period_id", "member_id", "start_date", "end_date"])


def recorded(*weeks):
    return pd.DataFrame(weeks, columns=["period_id", "week_no", "benefit_fraction"])


def window(frame, period_id):
    return list(frame.loc[frame["period_id"] == period_id, "benefit_fraction"].round(4))


NO_WEEKS = recorded()


def test_after_a_period_ends_the_member_is_off_benefit_not_unobserved():
    start = date(2024, 1, 1)
    out = period_windows(history((1, 7, start, date(2024, 3, 13))), NO_WEEKS, today=date(2025, 6, 2))
    assert window(out, 1) == [1.0] * 10 + [round(3 / 7, 4)] + [0.0] * 41  # ended on day 3 of week 11
    labels = long_term_labels(out)
    assert labels.loc[0, "long_term"] == 0.0 and not labels.loc[0, "censored"]


def test_only_whole_weeks_before_today_are_observed():
    out = period_windows(history((1, 7, date(2026, 1, 5), None)), NO_WEEKS, today=date(2026, 2, 4))
    assert window(out, 1) == [1.0] * 4  # 30 days: the fifth week is not over
    assert long_term_labels(out).loc[0, "censored"]


def test_recorded_shares_replace_the_full_weeks_a_period_implies():
    start = date(2024, 1, 1)
    out = period_windows(history((1, 7, start, None)), recorded((1, 2, 0.5), (1, 3, 0.0)), today=date(2024, 2, 5))
    assert window(out, 1) == [1.0, 0.5, 0.0, 1.0, 1.0]


def test_a_return_adds_its_days_to_the_earlier_periods_window_split_by_day():
    first, back = date(2024, 1, 1), date(2024, 1, 17)  # back on a Wednesday: 2 days into week 3
    periods = history((1, 7, first, date(2024, 1, 14)), (2, 7, back, None), (3, 8, back, None))
    out = period_windows(periods, NO_WEEKS, today=date(2024, 2, 5))
    assert window(out, 1) == [1.0, 1.0, round(5 / 7, 4), 1.0, 1.0]  # Jan 17–Feb 4 all on benefit
    assert window(out, 2) == [1.0, 1.0]  # the return is a first day of its own; it does not look back
    assert window(out, 3) == [1.0, 1.0]  # another member's period never mixes in


def test_a_later_period_beyond_52_weeks_is_not_in_the_window():
    first = date(2024, 1, 1)
    periods = history((1, 7, first, date(2024, 1, 7)), (2, 7, first + timedelta(weeks=52), None))
    out = period_windows(periods, NO_WEEKS, today=date(2025, 6, 2))
    assert sum(window(out, 1)) == 1.0


def test_no_periods_give_an_empty_window():
    assert period_windows(history(), NO_WEEKS, today=date(2025, 6, 2)).empty
