"""The label: on benefit >= 80 % of the 52 weeks after the first day of a benefit period; censoring."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from portal.profiling.labels import long_term_labels


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
