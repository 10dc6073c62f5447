"""Model artefacts on disk: statsmodels results without training data, the scoring spec and the report.

Directory per version (default PORTAL_MODEL_DIR = <instance>/models): model.pickle, spec.json, report.json.
Written to a temporary directory first and renamed, so a failed save leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from portal.config import INSTANCE, value

if TYPE_CHECKING:  # training pulls in statsmodels: not needed to start the web app
    from portal.profiling.training import TrainedModel



def model_dir() -> Path:
    """PORTAL_MODEL_DIR (the app's config, else the environment); else <instance>/models."""
    configured = value("MODEL_DIR")
    return Path(configured) if configured else INSTANCE / "models"


def check_writable(out: Path) -> str | None:
    """A Danish message if `out` cannot take a new artefact (exists and is not empty), else None."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        return f"Mappen {out} findes allerede og er ikke tom; vælg en ny mappe til modellen."
    return None


def save(trained: TrainedModel, out: Path) -> str:
    """Write the artefact; returns the SHA-256 of model.pickle."""
    out = Path(out)
    problem = check_writable(out)
    if problem:
        raise FileExistsError(problem)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        results = trained.results
        if hasattr(results, "remove_data"):
            results.remove_data()  # no training rows in the artefact
        blob = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        (tmp / "model.pickle").write_bytes(blob)
        (tmp / "spec.json").write_text(json.dumps(trained.spec, indent=1, ensure_ascii=False))
        (tmp / "report.json").write_text(json.dumps(trained.report, indent=2, ensure_ascii=False))
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return hashlib.sha256(blob).hexdigest()


def load_results(path: Path, expected_sha256: str):
    """The saved statsmodels results (for inspection; scoring uses the spec).

    Unpickles only a file whose SHA-256 equals the one the registry recorded when it wrote the artefact, so a
    replaced file in the model directory is refused rather than executed.
    """
    blob = (Path(path) / "model.pickle").read_bytes()
    if hashlib.sha256(blob).hexdigest() != expected_sha256:
        raise ValueError(f"model artefact {path} does not match its recorded SHA-256; refusing to load it")
    return pickle.loads(blob)  # nosec B301 - our own artefact, integrity checked against the registry's hash
