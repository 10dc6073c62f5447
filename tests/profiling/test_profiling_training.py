"""Training: recovery of the synthetic truth, report numbers checked independently, separation, bad data."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from portal.profiling import metrics, synth, training
from portal.profiling.design import TrainingDataError, prepare
from portal.profiling.scoring import factors, proposed_group, score_frame
from portal.profiling.training import train
from portal.profiling.variables import CATEGORICAL, FEATURES_BY_KIND, RARE_LEVEL

B = FEATURES_BY_KIND["B"]
B_CATEGORICAL = [f for f in B if f in CATEGORICAL]


@pytest.fixture(scope="module")
def synthetic():
    return synth.generate(40_000, seed=11)


@pytest.fixture(scope="module")
def model_ab(synthetic):
    df, _ = synthetic
    features = FEATURES_BY_KIND["AB"]
    return train(df, target="long_term", features=features,
                 categorical=[f for f in features if f in CATEGORICAL], kind="AB", seed=5)


def _estimates(trained) -> dict[tuple[str, str | None], tuple[float, float]]:
    spec = trained.spec
    se = {row["term"]: row["std_error"] for row in trained.report["coefficients"]}
    out = {}
    for col, feature, level, est in zip(spec["columns"], spec["column_features"], spec["column_levels"],
                                        spec["params"]):
        out[(feature, level)] = (est, se[col])
    return out


def test_training_recovers_the_true_coefficients_within_standard_errors(synthetic, model_ab):
    _, truth = synthetic
    est = _estimates(model_ab)
    deviations = []
    intercept, intercept_se = est[(None, None)]
    deviations.append(abs(intercept - truth["intercept"]) / intercept_se)
    for feature, effect in truth["effects"].items():
        if isinstance(effect, dict):
            levels = [lvl for (f, lvl) in est if f == feature]
            for level in levels:
                value, se = est[(feature, level)]
                deviations.append(abs(value - effect.get(level, 0.0)) / se)
        else:
            value, se = est[(feature, None)]
            deviations.append(abs(value - effect) / se)
    deviations = np.array(deviations)
    assert len(deviations) > 40
    assert deviations.max() < 4.0, deviations.max()
    assert np.mean(deviations < 2.0) >= 0.9  # about 95 % expected


def test_report_has_the_issue_contents(model_ab):
    r = model_ab.report
    assert r["n"] == 40_000 and r["fit"]["method"] == "mle"
    row = next(c for c in r["coefficients"] if c["term"] == "benefit_share_3y")
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["odds_ratio"] == pytest.approx(np.exp(row["estimate"]), rel=1e-4)
    assert row["p"] < 1e-6
    assert r["log_likelihood"] < 0 and 0 < r["pseudo_r2_mcfadden"] < 1
    assert r["cv"]["folds"] == 5 and len(r["cv"]["auc_by_fold"]) == 5
    assert 0.65 < r["cv"]["auc"] < 0.9
    assert len(r["cv"]["calibration_by_decile"]) == 10
    assert 0 < r["threshold"]["value"] < 1
    assert set(r["fairness"]["attributes"]) == {"gender", "age_band", "origin"}
    assert r["categorical"]["disco"]["reference"] == "sosu_hjaelper"


def test_report_numbers_match_an_independent_computation(model_ab):
    """AUC by counting pairs, Brier and decile calibration by hand, on the out-of-fold predictions."""
    y, p = model_ab.y, model_ab.oof_predictions
    rng = np.random.default_rng(0)
    idx = rng.choice(len(y), 3000, replace=False)
    ys, ps = y[idx], p[idx]
    pos, neg = ps[ys == 1], ps[ys == 0]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert metrics.auc(ys, ps) == pytest.approx(pairs / (len(pos) * len(neg)), abs=1e-12)

    report = model_ab.report
    all_pos, all_neg = p[y == 1], p[y == 0]
    sample_pos = all_pos[rng.choice(len(all_pos), 2000, replace=False)]
    sample_neg = all_neg[rng.choice(len(all_neg), 2000, replace=False)]
    estimate = (sample_pos[:, None] > sample_neg[None, :]).mean()
    assert report["cv"]["auc"] == pytest.approx(estimate, abs=0.02)
    assert report["cv"]["brier"] == pytest.approx(float(np.mean((p - y) ** 2)), abs=1e-6)
    order = np.sort(p)
    first_decile = order[: len(p) // 10]
    assert report["cv"]["calibration_by_decile"][0]["mean_predicted"] == pytest.approx(first_decile.mean(), abs=1e-5)
    assert report["cv"]["calibration_by_decile"][9]["observed_rate"] > report["cv"]["calibration_by_decile"][0][
        "observed_rate"]
    sens, spec = metrics.sensitivity_specificity(y, p, report["threshold"]["value"])
    flagged = p >= report["threshold"]["value"]
    assert sens == pytest.approx(flagged[y == 1].mean()) and spec == pytest.approx((~flagged[y == 0]).mean())
    assert report["threshold"]["sensitivity"] == pytest.approx(sens, abs=1e-6)


def test_one_newton_step_folds_give_the_exact_refits_numbers_at_100000_rows(monkeypatch):
    """From EXACT_CV_BELOW rows on, each fold's refit is a Newton step (and two chord steps) from the full fit;
    at 100,000 rows its out-of-fold AUC and Brier score equal those of folds refitted to convergence."""
    df, _ = synth.generate(100_000, seed=2026)
    args = {"target": synth.TARGET, "features": B, "categorical": B_CATEGORICAL}
    fast = train(df, **args)
    monkeypatch.setattr(training, "EXACT_CV_BELOW", 10**9)
    exact = train(df, **args)
    assert (fast.report["cv"]["refit"], exact.report["cv"]["refit"]) == ("one_newton_step", "exact")
    assert round(fast.report["cv"]["auc"], 4) == round(exact.report["cv"]["auc"], 4)
    assert round(fast.report["cv"]["brier"], 4) == round(exact.report["cv"]["brier"], 4)
    assert np.allclose(fast.report["cv"]["auc_by_fold"], exact.report["cv"]["auc_by_fold"], atol=1e-4)
    assert np.max(np.abs(fast.oof_predictions - exact.oof_predictions)) < 1e-3
    assert fast.report["threshold"]["value"] == pytest.approx(exact.report["threshold"]["value"], abs=1e-4)


def test_metrics_on_a_tiny_hand_example():
    y = np.array([0, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8, 0.35, 0.9])
    # pairs (pos, neg): 0.35>0.1, 0.35<0.4, 0.35=0.35 (½); 0.8 beats all 3; 0.9 beats all 3 → 7.5 / 9
    assert metrics.auc(y, p) == pytest.approx(7.5 / 9)
    assert metrics.brier(y, p) == pytest.approx(np.mean([0.01, 0.16, 0.4225, 0.04, 0.1225, 0.01]))
    cal = metrics.calibration_by_decile(y, p, bins=2)
    assert cal[0] == {"decile": 1, "n": 3, "mean_predicted": pytest.approx(0.8 / 3, abs=1e-6),
                      "observed_rate": pytest.approx(1 / 3, abs=1e-6)}
    assert metrics.youden_threshold(y, p) == 0.8  # flags 0.8, 0.9: sens 2/3, spec 1 → J = 0.667
    assert metrics.auc(np.array([1, 1]), np.array([0.2, 0.3])) is None


def test_fairness_report_shows_a_gap_built_into_the_data():
    """Members of non-Western origin who left benefit in time get a higher score: the report must show it."""
    rng = np.random.default_rng(3)
    n = 8000
    origin = rng.choice(["dansk", "ikke_vestlig"], n, p=[0.8, 0.2])
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 + x)))).astype(int)
    # a proxy feature that says nothing about y but is high for non-Western origin
    proxy = np.where(origin == "ikke_vestlig", 1.0, 0.0) + rng.normal(scale=0.1, size=n)
    y = np.where((origin == "ikke_vestlig") & (rng.random(n) < 0.3), 1, y)  # and their base rate is higher
    df = pd.DataFrame({"y": y, "x": x, "proxy": proxy, "origin": origin})
    report = train(df, target="y", features=["x", "proxy"]).report
    groups = {g["level"]: g for g in report["fairness"]["attributes"]["origin"]["groups"]}
    assert report["fairness"]["attributes"]["origin"]["reference"] == "dansk"
    assert groups["ikke_vestlig"]["ratios"]["wrongly_high_risk_rate"] > 1.25
    assert any("ikke-vestligt" in w and "fejlagtigt i høj risiko" in w for w in report["fairness"]["warnings"])


def test_perfect_separation_is_detected_and_a_penalised_fit_is_used():
    rng = np.random.default_rng(1)
    n = 600
    x = rng.normal(size=n)
    kind = rng.choice(["a", "b", "c"], n)
    y = (rng.random(n) < 0.3).astype(int)
    y[kind == "c"] = 1  # every "c" is long-term unemployed: its coefficient would run to infinity
    df = pd.DataFrame({"y": y, "x": x, "kind": kind})
    trained = train(df, target="y", features=["x", "kind"], categorical=["kind"])
    fit = trained.report["fit"]
    assert fit["method"] == "penalised_ridge"
    assert any("kind='c'" in s for s in fit["separation"])
    assert any("ridge" in note for note in fit["notes_da"])
    assert all(row["std_error"] is None for row in trained.report["coefficients"])
    assert np.all(np.abs(trained.spec["params"]) < 15)


def test_perfect_separation_on_a_number_is_detected():
    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    df = pd.DataFrame({"y": (x > 0).astype(int), "x": x, "z": rng.normal(size=400)})
    trained = train(df, target="y", features=["x", "z"])
    assert trained.report["fit"]["method"] == "penalised_ridge"
    assert trained.report["fit"]["notes_da"]


@pytest.mark.parametrize("change, message", [
    ({"target": "nope"}, "Ukendt kolonne: 'nope'"),
    ({"features": ["age", "shoe_size"]}, "Ukendt kolonne: 'shoe_size'"),
    ({"target": "age", "features": ["benefit_share_3y"]}, "skal være 0 eller 1"),
    ({"features": ["gender"]}, "ikke numerisk"),
    ({"features": ["gender"], "categorical": ["age"]}, "ikke er i --features"),
    ({"features": []}, "mindst én"),
])
def test_bad_training_input_gets_a_clear_danish_message(synthetic, change, message):
    df, _ = synthetic
    args = {"target": "long_term", "features": ["age"], "categorical": []} | change
    with pytest.raises(TrainingDataError) as err:
        train(df.head(2000), **args)
    assert message in err.value.message


def test_too_few_rows_or_events_are_refused(synthetic):
    df, _ = synthetic
    with pytest.raises(TrainingDataError, match="For få rækker"):
        train(df.head(50), target="long_term", features=["age"])
    few = df.head(3000).copy()
    few["long_term"] = 0
    few.loc[few.index[:5], "long_term"] = 1
    with pytest.raises(TrainingDataError, match="For få hændelser"):
        train(few, target="long_term", features=["age"])
    with pytest.raises(TrainingDataError, match="pr. parameter"):
        small = df.head(400)
        train(small, target="long_term", features=B, categorical=B_CATEGORICAL)


def test_censored_rows_are_left_out_and_text_targets_accepted(synthetic):
    df, _ = synthetic
    part = df.head(3000).copy()
    part["long_term"] = part["long_term"].map({1: "1", 0: "0"}).astype(object)
    part.loc[part.index[:100], "long_term"] = None
    trained = train(part, target="long_term", features=["age", "benefit_share_3y"])
    assert trained.report["n"] == 2900
    assert trained.report["n_dropped_missing_target"] == 100
    assert any("højrecensurerede" in note for note in trained.report["notes_da"])


def test_rare_and_missing_levels_and_missing_numbers_are_handled(synthetic):
    df, _ = synthetic
    part = df.head(6000).copy()
    part.loc[part.index[:10], "disco"] = "bager"  # 10 rows: rare
    part.loc[part.index[10:200], "education"] = None
    part.loc[part.index[200:400], "work_experience_years"] = np.nan
    trained = train(part, target="long_term", features=["disco", "education", "work_experience_years"],
                    categorical=["disco", "education"])
    spec = trained.spec
    assert "bager" in spec["categorical"]["disco"]["merged"]
    assert RARE_LEVEL in spec["categorical"]["disco"]["levels"]
    assert "(mangler)" in spec["categorical"]["education"]["levels"]
    assert spec["numeric"]["work_experience_years"]["missing_indicator"]
    assert "work_experience_years__missing" in spec["columns"]


def test_scoring_matches_statsmodels_and_handles_unseen_levels(model_ab, synthetic):
    df, _ = synthetic
    features = FEATURES_BY_KIND["AB"]
    clean, spec, _ = prepare(df, target="long_term", features=features,
                             categorical=[f for f in features if f in CATEGORICAL])
    # statsmodels' formula API (patsy) builds its own design: same columns, same order, same fit
    formula = smf.logit(spec.formula(), clean).fit(disp=0, method="newton", start_params=model_ab.spec["params"])
    assert list(formula.params.index) == model_ab.spec["columns"]
    assert np.allclose(formula.params, model_ab.spec["params"], atol=1e-6)
    rows = df.head(200).copy()
    ours = score_frame(model_ab.spec, rows).probability
    theirs = formula.predict(rows)
    assert np.allclose(ours, np.asarray(theirs), atol=1e-10)

    odd = df.head(2).copy()
    odd.loc[odd.index[0], "disco"] = "astronaut"
    odd.loc[odd.index[1], "region"] = None
    scored = score_frame(model_ab.spec, odd)
    assert scored.unseen[0] == ["disco=astronaut"]
    assert scored.unseen[1] == ["region=(mangler)"]
    assert np.all((scored.probability > 0) & (scored.probability < 1))


def test_factor_texts_are_plain_danish_and_ranked_by_contribution(model_ab):
    member = {
        "age_band": "55_plus", "gender": "female", "work_experience_years": 30.0, "education": "ingen",
        "from_sickness_benefit": 0, "benefit_share_3y": 0.1, "benefit_periods_5y": 1, "region": "Hovedstaden",
        "origin": "dansk", "disco": "koekken", "industry": "offentlig_omsorg", "new_graduate": 0,
        "previous_income_100k": 3.0, "children_at_home": 0, "q2": "more_than_6_months",
        "q10_physical_health": 1, "q10_mental_health": 0, "q10_personal_social": 0, "q10_economic": 0,
        "q10_substance_abuse": 0, "q10_reading_spelling": 0, "q10_it_skills": 0, "q10_language": 0,
        "q10_other": 0,
    }
    scored = score_frame(model_ab.spec, pd.DataFrame([member]))
    found = factors(scored, 0, model_ab.spec)
    texts = [t for t, _ in found]
    for expected in ("55 år eller derover", "ingen erhvervsuddannelse", "fysiske helbredsbegrænsninger",
                     "forventer mere end 6 måneder om at få job", "job som køkkenassistent"):
        assert expected in texts
    raising = [c for _, c in found if c > 0]
    assert raising == sorted(raising, reverse=True)
    assert texts[0] == "forventer mere end 6 måneder om at få job"  # true effect 0.9, the largest here
    assert all(not t.startswith("C(") and "_" not in t for t in texts)


@pytest.mark.parametrize("p, inside, group", [(0.1, True, "1"), (0.5, True, "2a"), (0.5, False, "2b"),
                                              (0.3, False, "2b")])
def test_group_proposal_from_threshold_and_job_goal(p, inside, group):
    assert proposed_group(p, 0.3, inside) == group


def test_the_answer_keys_are_the_preparation_forms():
    from portal.models.plan import Q2_ANSWERS, Q10_BARRIERS
    from portal.profiling import variables

    assert variables.Q2_LEVELS == Q2_ANSWERS
    assert variables.Q10_BARRIERS == Q10_BARRIERS
    assert all(f"q10_{b}" in variables.VARIABLES for b in Q10_BARRIERS)
    for level in itertools.chain(Q2_ANSWERS):
        assert variables.factor_text("q2", level, above_reference=True)
