"""`flask profiling synth|train|activate|score|list`: the workflow and its bad-input paths (exit 2, nothing written)."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from portal.models.profiling import MemberRegisterFacts, ProfilingAssessment, ProfilingModel

FEATURES = "age_band,gender,education,benefit_share_3y,benefit_periods_5y,origin,from_sickness_benefit"
CATEGORICAL = "age_band,gender,education,origin"


@pytest.fixture
def model_dir(app, tmp_path):
    app.config["MODEL_DIR"] = str(tmp_path / "models")
    return tmp_path / "models"


@pytest.fixture
def csv(runner, tmp_path):
    out = tmp_path / "synth.csv"
    result = runner.invoke(args=["profiling", "synth", "--rows", "4000", "--out", str(out), "--seed", "7"])
    assert result.exit_code == 0, result.output
    return out


def models_in_db(session) -> int:
    return session.scalar(select(func.count()).select_from(ProfilingModel))


def test_synth_writes_the_csv_and_the_true_model_beside_it(csv):
    frame = pd.read_csv(csv)
    assert len(frame) == 4000 and set(frame["long_term"].unique()) == {0, 1}
    truth = json.loads(csv.with_name("synth.truth.json").read_text())
    assert truth["effects"]["age_band"]["55_plus"] > 0 and truth["seed"] == 7
    assert truth["references"]["disco"] == "sosu_hjaelper"


def test_train_registers_a_model_and_writes_the_report(runner, session, csv, model_dir, tmp_path):
    report = tmp_path / "report.json"
    result = runner.invoke(args=["profiling", "train", "--data", str(csv), "--target", "long_term",
                                 "--features", FEATURES, "--categorical", CATEGORICAL, "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "Model B-v1 trænet på 4000 rækker" in result.output
    assert "AUC (uden for stikprøven, 5 fold)" in result.output
    data = json.loads(report.read_text())
    assert data["n"] == 4000 and data["cv"]["folds"] == 5 and data["fairness"]["attributes"]
    model = session.scalar(select(ProfilingModel))
    assert model.label == "B-v1" and not model.active
    assert (model_dir.iterdir().__next__() / "model.pickle").exists()

    listed = runner.invoke(args=["profiling", "list"])
    assert "B-v1" in listed.output


@pytest.mark.parametrize("args, message", [
    (["--target", "nope", "--features", "age"], "Ukendt kolonne: 'nope'"),
    (["--target", "long_term", "--features", "age,shoe"], "Ukendt kolonne: 'shoe'"),
    (["--target", "age", "--features", "benefit_share_3y"], "skal være 0 eller 1"),
    (["--target", "long_term", "--features", "gender"], "ikke numerisk"),
    (["--target", "long_term", "--features", "age", "--folds", "1"], "--folds"),
    (["--target", "long_term", "--features", "age", "--reference", "gender"], "kolonne=niveau"),
])
def test_train_with_bad_input_exits_2_and_writes_nothing(runner, session, csv, model_dir, tmp_path, args, message):
    report = tmp_path / "report.json"
    out = tmp_path / "model-out"
    result = runner.invoke(args=["profiling", "train", "--data", str(csv), "--out", str(out), "--report",
                                 str(report), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists() and not report.exists() and not model_dir.exists()
    assert models_in_db(session) == 0


def test_train_refuses_too_few_events_and_missing_or_broken_files(runner, session, tmp_path, model_dir):
    few = tmp_path / "few.csv"
    pd.DataFrame({"y": [1] * 3 + [0] * 297, "x": range(300)}).to_csv(few, index=False)
    result = runner.invoke(args=["profiling", "train", "--data", str(few), "--target", "y", "--features", "x"])
    assert result.exit_code == 2 and "For få hændelser" in result.output
    result = runner.invoke(args=["profiling", "train", "--data", str(tmp_path / "none.csv"), "--target", "y",
                                 "--features", "x"])
    assert result.exit_code == 2 and "findes ikke" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(args=["profiling", "train", "--data", str(empty), "--target", "y", "--features", "x"])
    assert result.exit_code == 2 and "kan ikke læses" in result.output
    assert models_in_db(session) == 0


def test_train_refuses_an_existing_output_directory(runner, session, csv, tmp_path, model_dir):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "model.pickle").write_text("old")
    result = runner.invoke(args=["profiling", "train", "--data", str(csv), "--target", "long_term",
                                 "--features", "age", "--out", str(out)])
    assert result.exit_code == 2 and "findes allerede" in result.output
    assert (out / "model.pickle").read_text() == "old"


def test_activate_shows_fairness_and_needs_a_reason_then_score(runner, session, make, csv, model_dir):
    trained = runner.invoke(args=["profiling", "train", "--data", str(csv), "--target", "long_term",
                                  "--features", FEATURES, "--categorical", CATEGORICAL])
    assert trained.exit_code == 0, trained.output
    member = make.member()
    make.session.add(MemberRegisterFacts(member_id=member.id, education="ingen", benefit_share_3y=0.5,
                                         origin="dansk", updated_at=member.created_at))
    make.commit()

    unknown = runner.invoke(args=["profiling", "activate", "--kind", "B", "--version", "9"])
    assert unknown.exit_code == 2 and "findes ikke" in unknown.output
    blocked = runner.invoke(args=["profiling", "activate", "--kind", "B", "--version", "1"])
    if session.scalar(select(ProfilingModel.fairness_warnings)):
        assert blocked.exit_code == 2 and "Fairness-advarsler" in blocked.output
        assert "Skriv en begrundelse" in blocked.output
    done = runner.invoke(args=["profiling", "activate", "--kind", "B", "--version", "1", "--reason", "Set"])
    assert done.exit_code == 0 and "B-v1 er nu aktiv" in done.output

    scored = runner.invoke(args=["profiling", "score", "--all"])
    assert scored.exit_code == 0 and "Scorede 1 medlemmer" in scored.output
    assert session.scalar(select(func.count()).select_from(ProfilingAssessment)) == 1
    one = runner.invoke(args=["profiling", "score", "--member", member.member_number])
    assert one.exit_code == 0 and "målgruppe" in one.output
    missing = runner.invoke(args=["profiling", "score", "--member", "999"])
    assert missing.exit_code == 2 and "Intet medlem" in missing.output


def test_score_without_an_active_model_exits_2(runner):
    result = runner.invoke(args=["profiling", "score", "--all"])
    assert result.exit_code == 2 and "ingen aktiv model" in result.output


def test_show_gives_the_fairness_verdict_on_origin_and_json_on_request(runner, session, csv, model_dir):
    result = runner.invoke(args=["profiling", "train", "--data", str(csv), "--target", "long_term",
                                 "--features", FEATURES, "--categorical", CATEGORICAL])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["profiling", "show", "--kind", "B", "--version", "1"])
    assert shown.exit_code == 0, shown.output
    origin_in_model = "origin" in FEATURES.split(",")
    expected = "variabel i modellen" if origin_in_model else "ikke en variabel i modellen"
    assert f"Fairness, herkomst ({expected}): " in shown.output
    assert "herkomst fra et ikke-vestligt land: n=" in shown.output and "andel i målgruppe 2" in shown.output
    as_json = json.loads(runner.invoke(args=["profiling", "show", "--kind", "B", "--version", "1", "--json"]).output)
    assert as_json["fairness"]["attributes"]["origin"]["reference"] == "dansk"


def test_exclude_origin_trains_both_prints_them_side_by_side_and_registers_the_model_without(
        runner, session, csv, model_dir):
    features = FEATURES if "origin" in FEATURES.split(",") else FEATURES + ",origin"
    categorical = CATEGORICAL if "origin" in CATEGORICAL.split(",") else CATEGORICAL + ",origin"
    result = runner.invoke(args=["profiling", "train", "--data", str(csv), "--target", "long_term",
                                 "--features", features, "--categorical", categorical, "--exclude", "origin"])
    assert result.exit_code == 0, result.output
    assert "Virkning af at udelade origin (den registrerede model er uden):" in result.output
    lines = {line.strip().split("  ")[0]: line for line in result.output.splitlines() if line.startswith("  ")}
    assert any(key.startswith("AUC (uden for stikprøven)") for key in lines)
    assert any("herkomst 'herkomst fra et ikke-vestligt land': fejlagtigt høj risiko" in key for key in lines)
    model = session.scalar(select(ProfilingModel))
    assert "origin" not in model.report["features"] and model.report["excluded"]["features"] == ["origin"]
    assert models_in_db(session) == 1  # only the model without origin is registered
    # The synthetic data gives origin a real effect: with it the model flags non-western origin more often.
    rows = {row[0]: row[1:] for row in model.report["excluded"]["side_by_side"]["origin"]}
    share = rows["herkomst 'herkomst fra et ikke-vestligt land': andel i målgruppe 2"]
    assert float(share[0].replace(",", ".")) > float(share[1].replace(",", "."))
    warnings = rows["Fairness-advarsler om herkomst"]
    assert int(warnings[0]) >= int(warnings[1])
    shown = runner.invoke(args=["profiling", "show", "--kind", "B", "--version", "1"])
    assert "Udeladt af ejeren: origin" in shown.output
    assert "Fairness, herkomst (ikke en variabel i modellen)" in shown.output


@pytest.mark.parametrize("exclude, message", [
    ("nope", "--exclude nope: nope er ikke blandt --features."),
])
def test_exclude_of_an_unknown_variable_is_refused_and_nothing_is_registered(runner, session, csv, model_dir,
                                                                             exclude, message):
    result = runner.invoke(args=["profiling", "train", "--data", str(csv), "--target", "long_term",
                                 "--features", FEATURES, "--categorical", CATEGORICAL, "--exclude", exclude])
    assert result.exit_code == 2 and message in result.output
    assert models_in_db(session) == 0
