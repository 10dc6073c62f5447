"""Free text kept whole or refused (portal/services/text_limits.py): invisible control characters, line breaks counted
as the browser counts them, lengths said the reader's way."""
from __future__ import annotations

import pytest

from portal.services.errors import ValidationFailed
from portal.services.text_limits import count_text, has_control_characters, kept_whole, one_line_breaks


@pytest.mark.parametrize(("text", "refused"), [
    ("Søg job\nhver uge\tsammen", False), ("Æblegrød", False), ("", False), (None, False),
    ("שלום\u200f", False),  # a right-to-left mark belongs in right-to-left text
    ("bell\x07", True), ("esc\x1b[31m", True), ("del\x7f", True), ("c1\x85", True),
    ("abc\u202edcba", True), ("\u202aembedded", True), ("isolate\u2067", True), ("pop\u2069", True),
])
def test_control_characters_and_bidi_overrides_are_refused(text, refused):
    assert has_control_characters(text) is refused


def test_a_form_line_break_counts_as_one_character():
    assert one_line_breaks("a\r\nb\rc\nd") == "a\nb\nc\nd"
    assert kept_whole("a\r\n" * 5 + "b", 11, field="note") == "a\n" * 5 + "b"  # 16 characters as posted


@pytest.mark.parametrize("text", ["Ring\u202e til mig", "hej\x1b"])
def test_kept_whole_refuses_control_characters_with_the_field_named(app, text):
    with app.test_request_context(), pytest.raises(ValidationFailed) as err:
        kept_whole(text, 500, field="note", label="Noten")
    assert err.value.field == "note" and "Noten indeholder usynlige styretegn" in err.value.message


def test_a_count_is_written_the_readers_way(app):
    from flask_babel import force_locale

    with app.test_request_context():
        assert count_text(4123) == "4.123"
        with force_locale("en"):
            assert count_text(4123) == "4,123"
