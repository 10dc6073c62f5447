"""The summary PDF prints what was written: every character in a font that has it (emoji through the fallback
font), the rest named and said so, and long unbroken words split at the margin instead of running off the page."""
from __future__ import annotations

import re
import subprocess

import pytest
from reportlab.pdfbase import pdfmetrics

from portal.services.casework import summary_pdf
from portal.services.casework.summary_pdf import FALLBACK_FONT_FILES, markup, render_summary_pdf

HAS_FALLBACK = any(f.exists() for f in FALLBACK_FONT_FILES)
TEXT = "Tak for i dag 👍🏽 ❤️ 🐈 🫠 – Søren Ærø på Østerbro"


def _runs(marked: str, base: str):
    """(font, text) runs of a markup string (only <font face> and <br/> are used by `markup`)."""
    for font_tag, inner, plain in re.findall(r'<font face="([^"]+)">(.*?)</font>|([^<]+)', marked.replace("<br/>", "")):
        yield (font_tag, inner) if font_tag else (base, plain)


def _glyph(font: str, char: str) -> bool:
    face = getattr(pdfmetrics.getFont(font), "face", None)
    return ord(char) in face.charToGlyph if face is not None else True


def test_every_character_is_set_in_a_font_that_has_it_or_named(app):
    with app.test_request_context():
        base = summary_pdf.fonts()[0]
        left_out: set[str] = set()
        marked = markup(TEXT, base, left_out)
    for font, text in _runs(marked, base):
        for char in re.sub(r"\[[a-z ,-]+\]", "", text.replace("&amp;", "&")):
            assert _glyph(font, char), (font, char, hex(ord(char)))
    assert "\ufe0f" not in marked and "\U0001f3fd" not in marked  # selectors and skin tones draw nothing
    assert "[melting face]" in marked and "melting face" in left_out  # in no font here: named, not a box
    if HAS_FALLBACK:
        assert '<font face="Symbola">👍</font>' in marked and left_out == {"melting face"}
    else:
        assert "[thumbs up sign]" in marked


def test_markup_escapes_what_the_member_wrote(app):
    with app.test_request_context():
        marked = markup("<b>fed</b> & 1 < 2\nny linje", summary_pdf.fonts()[0])
    assert marked == "&lt;b&gt;fed&lt;/b&gt; &amp; 1 &lt; 2<br/>ny linje"


def _pdf_words(pdf: bytes) -> tuple[float, list[tuple[float, str]]]:
    try:
        out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    except FileNotFoundError:
        pytest.skip("pdftotext not installed (make tools installs poppler-utils)")
    html = out.decode()
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    return width, [(float(x), w) for x, w in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', html)]


@pytest.mark.parametrize("language", ["da", "en"])
def test_long_words_wrap_and_what_was_left_out_is_said_in_the_documents_language(app, language):
    long_word = "x" * 2000
    content = {"title": "Samtalereferat", "facts": [["Medlem", "Søren Ærø"], ["Note", long_word]],
               "sections": [{"heading": "Det aftalte vi", "items": [TEXT, long_word]}], "footer": "Spørgsmål?"}
    content["translations"] = {"en": {**content, "title": "Conversation summary"}}
    with app.test_request_context():
        pdf = render_summary_pdf(content, language=language)
    width, words = _pdf_words(pdf)
    assert sum(len(w) for _x, w in words if set(w) == {"x"}) == 4000  # all of it printed
    right_margin = width - 20 * 72 / 25.4
    assert max(x for x, _w in words) <= right_margin + 1
    text = " ".join(w for _x, w in words)
    note = {"da": "Tegn, som denne PDF ikke kan vise", "en": "Characters this PDF cannot show"}[language]
    assert note.split()[0] in text and "[melting face]" in text


def test_no_note_when_nothing_was_left_out(app):
    with app.test_request_context():
        pdf = render_summary_pdf({"title": "Samtalereferat", "facts": [["Medlem", "Søren 😀"]], "sections": [],
                                  "footer": "Spørgsmål?"}, language="da")
    _width, words = _pdf_words(pdf)
    assert "Tegn," not in [w for _x, w in words]


def test_a_draft_says_so_on_the_page_and_in_its_title(app):
    content = {"title": "Samtalereferat", "facts": [["Medlem", "Søren Ærø"]], "sections": [],
               "footer": "Referatet ligger på Min side."}
    with app.test_request_context():
        draft = render_summary_pdf(content, language="da", draft=True)
        final = render_summary_pdf(content, language="da")
    try:
        texts = [subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
                 for pdf in (draft, final)]
        info = subprocess.run(["pdfinfo", "-"], input=draft, capture_output=True, check=True).stdout.decode()
    except FileNotFoundError:
        pytest.skip("pdftotext not installed (make tools installs poppler-utils)")
    assert "UDKAST – ikke sendt" in " ".join(texts[0].split()) and "UDKAST" not in texts[1]
    assert "Udkast: Samtalereferat" in info
