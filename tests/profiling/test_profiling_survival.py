"""Kaplan–Meier with statsmodels SurvfuncRight, checked against a hand computation."""
import pytest

from portal.profiling.survival import km_curve


def test_km_curve_matches_hand_computed_example():
    # Six members: left benefit in week 1, 2, 3, 5; censored (still on benefit when last seen) at 2 and 4.
    durations = [1, 2, 2, 3, 4, 5]
    events = [1, 1, 0, 1, 0, 1]
    points = {p["week"]: p for p in km_curve(durations, events, max_week=6)}
    # S(1) = 5/6; S(2) = 5/6 · 4/5; S(3) = S(2) · 2/3; week 4 censored; S(5) = S(3) · 0/1
    assert points[0]["survival"] == 1.0
    assert points[1]["survival"] == pytest.approx(5 / 6, abs=1e-6)
    assert points[2]["survival"] == pytest.approx(4 / 6, abs=1e-6)
    assert points[3]["survival"] == pytest.approx(4 / 9, abs=1e-6)
    assert points[4]["survival"] == pytest.approx(4 / 9, abs=1e-6)
    assert points[5]["survival"] == 0.0
    assert [points[w]["at_risk"] for w in range(7)] == [6, 6, 5, 3, 2, 1, 0]
    for p in points.values():
        assert 0.0 <= p["lower"] <= p["survival"] <= p["upper"] <= 1.0


def test_km_curve_all_censored_stays_at_one():
    points = km_curve([10, 20, 30], [0, 0, 0], max_week=13)
    assert len(points) == 14
    assert all(p["survival"] == 1.0 for p in points)


def test_km_curve_empty_and_mismatched_input():
    assert km_curve([], []) == []
    with pytest.raises(ValueError):
        km_curve([1, 2], [1])
    with pytest.raises(ValueError):
        km_curve([-1], [1])
