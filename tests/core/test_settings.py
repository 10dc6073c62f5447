"""One configuration (issue 20): every PORTAL_* setting is declared once in portal/config.py with its default, type
and meaning; README's table is generated from it; nothing else reads the environment; a bad value stops the start."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal import config
from portal.config import SETTINGS, Config, SettingError, from_environment, readme_table

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"PORTAL_TEST_DATABASE_URL", "PORTAL_TEST_REDIS_URL", "PORTAL_RASA_WHEEL_CACHE"}


def code_files():
    for folder in ("portal", "chatbot", "scheduling"):
        yield from (ROOT / folder).rglob("*.py")
    yield ROOT / "gunicorn.conf.py"


def test_the_readme_table_is_the_generated_one():
    text = (ROOT / "README.md").read_text()
    table = text.split("<!-- settings-table -->\n")[1].split("\n<!-- /settings-table -->")[0]
    assert table == readme_table(), "run: .venv/bin/python -c 'from portal.config import readme_table; " \
                                    "print(readme_table())' and paste it into README.md"


def test_every_portal_variable_the_code_or_readme_names_is_declared():
    declared = {setting.variable for setting in SETTINGS}
    named = set()
    for path in [*code_files(), ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        named |= {name for name, star in re.findall(r"(PORTAL_[A-Z][A-Z0-9_]*)(\*?)", path.read_text())
                  if not star}  # PORTAL_SMTP_* names a family
    assert {name.rstrip("_") for name in named} - declared - TEST_ONLY == set()


def test_only_the_configuration_module_reads_the_environment():
    readers = [str(path.relative_to(ROOT)) for path in code_files()
               if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text())]
    assert readers == ["portal/config.py"]


def test_every_setting_reaches_the_app_config(app):
    for setting in SETTINGS:
        assert setting.name in app.config, setting.name


@pytest.mark.parametrize("variable,raw,expected", [
    ("PORTAL_SMTP_PORT", "abc", "a whole number"),
    ("PORTAL_SMTP_STARTTLS", "maybe", "1 or 0"),
    ("PORTAL_SMTP_TIMEOUT", "soon", "a number"),
    ("PORTAL_ENV", "prod", "one of development, production"),  # was development mode without a word
    ("PORTAL_JOBCENTRE_EXCHANGE", "dfgd", "one of embedded, dfdg"),
    ("PORTAL_DATABASE_URL", "nonsense://x", "a database URL"),
])
def test_a_value_that_does_not_parse_stops_the_start_naming_the_variable(variable, raw, expected):
    with pytest.raises(SettingError) as error:
        Config({variable: raw})
    assert variable in str(error.value) and expected in str(error.value) and repr(raw) in str(error.value)


def test_values_are_typed_and_empty_means_the_default():
    values = from_environment({"PORTAL_SMTP_PORT": "2525", "PORTAL_SMTP_STARTTLS": "1", "PORTAL_MAIL_FROM": "",
                               "PORTAL_JOBCENTRE_APPROVAL_KINDS": "activation, wage_subsidy"})
    assert values["SMTP_PORT"] == 2525 and values["SMTP_STARTTLS"] is True
    assert values["MAIL_FROM"] == config.BY_NAME["MAIL_FROM"].default
    assert values["JOBCENTRE_APPROVAL_KINDS"] == ("activation", "wage_subsidy")


def test_the_environment_is_development_or_production_in_any_case():
    assert Config({"PORTAL_ENV": " Production ", "PORTAL_SECRET_KEY": "k"}).PRODUCTION is True
    assert Config({"PORTAL_ENV": "development"}).PRODUCTION is False
    assert Config({}).ENV == "development"


def test_production_needs_a_secret_key():
    with pytest.raises(SettingError, match="PORTAL_SECRET_KEY"):
        Config({"PORTAL_ENV": "production"})


def test_the_app_config_wins_over_the_environment_inside_the_app(app, monkeypatch):
    monkeypatch.setenv("PORTAL_OFFER_HOLD_HOURS", "5")
    app.config["OFFER_HOLD_HOURS"] = 12
    with app.app_context():
        assert config.value("OFFER_HOLD_HOURS") == 12
