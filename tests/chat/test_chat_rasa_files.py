"""The Rasa project files: valid against the YAML schemas inside Rasa 3.6's own wheel, and complete."""
from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from chatbot.runtime.project import PROJECT_DIR

pykwalify_core = pytest.importorskip("pykwalify.core")

RASA_VERSION = "3.6.21"
VENDORED = PROJECT_DIR / "schemas" / f"rasa-{RASA_VERSION}"
CACHE = Path(os.environ.get("PORTAL_RASA_WHEEL_CACHE", Path.home() / ".cache" / "foa-portal" / f"rasa-{RASA_VERSION}"))
WHEEL_PATHS = {
    "domain.yml": "rasa/shared/utils/schemas/domain.yml",
    "stories.yml": "rasa/shared/utils/schemas/stories.yml",
    "config.yml": "rasa/shared/utils/schemas/config.yml",
    "model_config.yml": "rasa/shared/utils/schemas/model_config.yml",
    "nlu.yml": "rasa/shared/nlu/training_data/schemas/nlu.yml",
    "responses.yml": "rasa/shared/nlu/training_data/schemas/responses.yml",
    "pykwalify_extensions.py": "rasa/shared/utils/pykwalify_extensions.py",
}
INTENTS = ["greet", "goodbye", "thanks", "affirm", "deny", "ask_offers", "book_conversation", "job_matching",
           "job_search_help", "courses_in_trade", "new_trade", "it_skills", "danish_dyslexia", "fvu", "tryghedspulje",
           "rights_duties", "notice_period", "sign_on_unemployed", "give_consent", "withdraw_consent",
           "request_human", "out_of_scope", "ask_next_conversation"]


def _wheel_schemas() -> Path | None:
    """The schema files extracted from the real wheel (downloaded once into the cache); None when offline."""
    extracted = CACHE / "schemas"
    if all((extracted / name).exists() for name in WHEEL_PATHS):
        return extracted
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = list(CACHE.glob(f"rasa-{RASA_VERSION}-*.whl"))
    if not wheels:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", f"rasa=={RASA_VERSION}", "--no-deps", "--only-binary", ":all:",
             "--python-version", "3.10", "-d", str(CACHE), "-q"], capture_output=True, text=True, timeout=300,
            check=False)
        wheels = list(CACHE.glob(f"rasa-{RASA_VERSION}-*.whl"))
        if result.returncode != 0 or not wheels:
            return None
    extracted.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name, inner in WHEEL_PATHS.items():
            (extracted / name).write_bytes(wheel.read(inner))
    return extracted


@pytest.fixture(scope="module")
def schemas() -> Path:
    return _wheel_schemas() or VENDORED


def _validate(schemas: Path, data_file: Path, schema_name: str, with_responses: bool = True) -> None:
    schema = yaml.safe_load((schemas / schema_name).read_text())
    if with_responses:
        schema = dict(schema, **yaml.safe_load((schemas / "responses.yml").read_text()))
    core = pykwalify_core.Core(source_data=yaml.safe_load(data_file.read_text()), schema_data=schema,
                               extensions=[str(schemas / "pykwalify_extensions.py")])
    core.validate(raise_exception=True)


def test_vendored_schemas_are_the_wheels_own(schemas):
    if schemas == VENDORED:
        pytest.skip("Rasa wheel not reachable; validating against the vendored copy")
    for name in WHEEL_PATHS:
        assert filecmp.cmp(schemas / name, VENDORED / name, shallow=False), name


@pytest.mark.parametrize("data_file, schema_name", [
    ("domain.yml", "domain.yml"),
    ("data/nlu.yml", "nlu.yml"),
    ("data/rules.yml", "stories.yml"),
    ("data/stories.yml", "stories.yml"),
])
def test_project_file_matches_rasa_schema(schemas, data_file, schema_name):
    _validate(schemas, PROJECT_DIR / data_file, schema_name)


def test_config_matches_rasa_schema(schemas):
    _validate(schemas, PROJECT_DIR / "config.yml", "model_config.yml", with_responses=False)
    _validate(schemas, PROJECT_DIR / "config.yml", "config.yml", with_responses=False)


def test_schema_validation_catches_a_broken_domain(schemas, tmp_path):
    broken = tmp_path / "domain.yml"
    broken.write_text("version: '3.1'\nresponses:\n  utter_x:\n  - buttons: []\n")  # a response without text
    from pykwalify.errors import SchemaError

    with pytest.raises(SchemaError):
        _validate(schemas, broken, "domain.yml")


def test_the_23_fixed_intents_each_have_20_varied_examples():
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
    assert domain["intents"] == INTENTS
    nlu = yaml.safe_load((PROJECT_DIR / "data" / "nlu.yml").read_text())["nlu"]
    examples = {b["intent"]: [line[2:] for line in b["examples"].splitlines() if line.startswith("- ")]
                for b in nlu if "intent" in b}
    assert sorted(examples) == sorted(INTENTS)
    for intent, lines in examples.items():
        assert len(set(lines)) >= 20, intent
    annotated = "\n".join(line for lines in examples.values() for line in lines)
    assert "](location)" in annotated and "](channel)" in annotated
    lookups = {b["lookup"] for b in nlu if "lookup" in b}
    assert {"location", "channel"} <= lookups


def test_every_response_speaks_danish_and_english():
    responses = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())["responses"]
    for name, variations in responses.items():
        english = [v for v in variations if {"type": "slot", "name": "language", "value": "en"} in (v.get("condition")
                                                                                                    or [])]
        danish = [v for v in variations if not v.get("condition")]
        assert english and danish, name
        assert english[0]["text"] != danish[0]["text"], name


def test_rules_and_rights_answers_come_from_reviewed_texts():
    responses = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())["responses"]
    for name in ("utter_rights_duties", "utter_notice_period", "utter_sign_on_unemployed",
                 "utter_explain_tryghedspulje", "utter_explain_courses_in_trade", "utter_explain_fvu"):
        for variation in responses[name]:
            assert variation["metadata"]["reviewed_by"], name
    rules = yaml.safe_load((PROJECT_DIR / "data" / "rules.yml").read_text())["rules"]
    answers = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules
               if r["steps"] and "intent" in r["steps"][0]}
    assert answers["rights_duties"] == "utter_rights_duties"
    assert answers["sign_on_unemployed"] == "utter_sign_on_unemployed"
    assert answers["notice_period"] == "utter_notice_period"


def test_every_action_named_in_the_project_exists():
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("chatbot.actions")
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
    assert set(domain["actions"]) == set(executor.actions)
    known = set(executor.actions) | set(domain["responses"]) | set(domain["forms"]) | {"action_two_stage_fallback"}
    for name in ("rules.yml", "stories.yml"):
        data = yaml.safe_load((PROJECT_DIR / "data" / name).read_text())
        for block in data.get("rules", []) + data.get("stories", []):
            for step in block["steps"]:
                if "action" in step:
                    assert step["action"] in known, (name, step)
                if "intent" in step:
                    assert step["intent"] in INTENTS + ["nlu_fallback"], (name, step)
    endpoints = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["url"].endswith("/webhook")
