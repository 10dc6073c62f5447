"""Reading the Rasa project files (domain.yml, config.yml, data/*.yml) once per process."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
PROJECT_FILES = ("domain.yml", "config.yml", "data/nlu.yml", "data/rules.yml", "data/stories.yml")


def read_yaml(relative: str) -> dict:
    with open(PROJECT_DIR / relative, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@dataclass
class Project:
    domain: dict
    config: dict
    nlu: list[dict]
    rules: list[dict]
    stories: list[dict]
    digest: str
    intents: list[str] = field(default_factory=list)

    @property
    def fallback_thresholds(self) -> tuple[float, float]:
        """(threshold, ambiguity_threshold) of the FallbackClassifier in config.yml (Rasa's defaults otherwise)."""
        for component in self.config.get("pipeline", []):
            if component.get("name") == "FallbackClassifier":
                return float(component.get("threshold", 0.3)), float(component.get("ambiguity_threshold", 0.1))
        return 0.3, 0.1

    @property
    def responses(self) -> dict:
        return self.domain.get("responses", {})

    @property
    def forms(self) -> dict:
        return self.domain.get("forms", {}) or {}

    @property
    def slots(self) -> dict:
        return self.domain.get("slots", {}) or {}


def project_digest() -> str:
    sha = hashlib.sha256()
    for relative in PROJECT_FILES:
        sha.update((PROJECT_DIR / relative).read_bytes())
    return sha.hexdigest()[:16]


@lru_cache(maxsize=1)
def load_project() -> Project:
    domain = read_yaml("domain.yml")
    return Project(
        domain=domain,
        config=read_yaml("config.yml"),
        nlu=read_yaml("data/nlu.yml").get("nlu", []),
        rules=read_yaml("data/rules.yml").get("rules", []),
        stories=read_yaml("data/stories.yml").get("stories", []),
        digest=project_digest(),
        intents=list(domain.get("intents", [])),
    )
