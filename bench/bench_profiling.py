"""Issue 5: train model B on 1,000,000 synthetic rows and score 250,000 members.

Reports wall time and peak memory, and the training time as a ratio to a bare statsmodels Logit fit on the same
design matrix in the same run (the overhead of our layer: validation, formula, separation checks, 5-fold CV,
calibration, threshold and fairness report). Scoring runs on a copy of the cached 250,000-member demo database,
with the real writes (one assessment row per member).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from bench.common import peak_rss_mb

TRAIN_ROWS = int(os.environ.get("BENCH_PROFILING_ROWS", "1000000"))


def _train_and_compare() -> dict:
    import statsmodels.api as sm
    from threadpoolctl import threadpool_limits

    from portal.profiling import synth
    from portal.profiling.design import DesignSpec, design_matrix, prepare
    from portal.profiling.training import blas_threads, train
    from portal.profiling.variables import CATEGORICAL, FEATURES_BY_KIND

    started = time.perf_counter()
    data, _ = synth.generate(TRAIN_ROWS, seed=2026)
    synth_seconds = time.perf_counter() - started
    features = FEATURES_BY_KIND["B"]
    categorical = [f for f in features if f in CATEGORICAL]

    started = time.perf_counter()
    trained = train(data, target=synth.TARGET, features=features, categorical=categorical, kind="B")
    train_seconds = time.perf_counter() - started
    fit_stage = trained.report["fit"]["seconds_incl_preparation"]
    rss_after_training = peak_rss_mb()

    # The bare fit: the same design matrix, built outside the timing, straight into statsmodels.
    clean, _, _ = prepare(data, target=synth.TARGET, features=features, categorical=categorical)
    spec = DesignSpec.from_dict(trained.spec)
    X, _ = design_matrix(spec, clean)
    y = clean[synth.TARGET].to_numpy(dtype=float)
    with threadpool_limits(limits=blas_threads()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        bare = sm.Logit(y, X).fit(disp=0, method="newton", maxiter=100)
        bare_seconds = time.perf_counter() - started
    same = bool(np.allclose(bare.params, trained.spec["params"], atol=1e-6))
    del X, clean
    return {
        "train_rows": TRAIN_ROWS, "design_columns": len(trained.spec["columns"]),
        "blas_threads": blas_threads(), "synth_seconds": round(synth_seconds, 2),
        "train_seconds_total": round(train_seconds, 2),
        "train_seconds_fit_stage": fit_stage,
        "bare_logit_seconds": round(bare_seconds, 2),
        "ratio_total_to_bare": round(train_seconds / bare_seconds, 2),
        "ratio_fit_stage_to_bare": round(fit_stage / bare_seconds, 2),
        "same_coefficients_as_bare": same,
        "cv_auc": trained.report["cv"]["auc"], "fairness_warnings": len(trained.report["fairness"]["warnings"]),
        "peak_rss_mb_after_training": round(rss_after_training, 1),
    }


def _score_demo_members() -> dict:
    from bench.common import demo_database

    source, seeded = demo_database()
    tmp = Path(tempfile.mkdtemp(prefix="bench-profiling-"))
    try:
        db_file = tmp / "demo.sqlite3"
        shutil.copy(source, db_file)
        os.environ.update(PORTAL_DATABASE_URL=f"sqlite:///{db_file}", PORTAL_SECRET_KEY="bench",
                          PORTAL_LOG_LEVEL="WARNING", PORTAL_MODEL_DIR=str(tmp / "models"))
        from portal import create_app
        from portal.extensions import db
        from portal.services import profiling as service
        from portal.timeutil import utcnow

        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}"})
        with app.app_context():
            if not service.active_models(db.session):
                raise RuntimeError("the demo database has no active profiling model")
            started = time.perf_counter()
            scored = service.score_all(db.session, now=utcnow(), actor="cli")
            db.session.commit()
            all_seconds = time.perf_counter() - started
            started = time.perf_counter()
            unchanged = service.score_all(db.session, now=utcnow(), only_changed=True, actor="cli")
            db.session.commit()
            nightly_seconds = time.perf_counter() - started
        return {"members_scored": scored, "score_all_seconds": round(all_seconds, 2),
                "members_per_second": round(scored / all_seconds), "nightly_only_changed_rescored": unchanged,
                "nightly_only_changed_seconds": round(nightly_seconds, 2),
                "demo_seed_seconds_if_built_now": round(seeded, 1)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run() -> dict:
    started = time.perf_counter()
    result = _train_and_compare()
    result.update(_score_demo_members())
    result["wall_seconds"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result
