"""What a person's name may contain: letters of any script, spaces, hyphen, apostrophe, full stop; said clearly."""
from __future__ import annotations

import pytest

from portal.services.errors import ValidationFailed
from portal.services.person_names import RULE, clean_person_name, name_is_allowed


@pytest.mark.parametrize("name", ["Søren Ærø", "Anne-Marie O'Hara", "J. P. Hansen", "محمد علي", "Zoë Ødegård",
                                  "Nguyễn Văn An", "Jean-Luc D’Arcy", "Ōtsuka Hanako"])
def test_real_names_are_allowed(name):
    assert name_is_allowed(name)
    assert clean_person_name(f"  {name}  ", field="name") == name


@pytest.mark.parametrize("name", ["Mette 😀 Jensen", "Mette2 Jensen", "<b>Mette</b>", "Mette_Jensen", "Mette@Jensen",
                                  "🏳️‍🌈", "", "   ", "---", "Mette\u202eJensen"])
def test_names_with_anything_else_are_refused_with_the_rule(name):
    assert not name_is_allowed(" ".join(name.split()))
    with pytest.raises(ValidationFailed) as refused:
        clean_person_name(name, field="full_name")
    assert refused.value.message == RULE and refused.value.field == "full_name"


def test_decomposed_accents_are_kept_as_one_letter():
    assert clean_person_name("Søren A\u030arø", field="name") == "Søren Årø"


def test_the_cli_refuses_an_emoji_name_for_a_caseworker(app, session):
    from sqlalchemy import select

    from portal.models import User

    result = app.test_cli_runner().invoke(args=["users", "create", "--username", "emoji-sb", "--role", "caseworker",
                                                "--name", "Birgitte 🎉 Holm", "--location", "Odense",
                                                "--password", "en-lang-adgangskode"])
    assert result.exit_code != 0 and RULE in result.output
    assert session.scalar(select(User).where(User.username == "emoji-sb")) is None


def test_the_rule_is_said_in_the_readers_language(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"), pytest.raises(ValidationFailed) as refused:
        clean_person_name("Mette 😀 Jensen", field="name")
    assert refused.value.message == "A name may only contain letters, spaces, hyphens, apostrophes and full stops."
