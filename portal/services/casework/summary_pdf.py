"""The conversation summary (samtalereferat) as a PDF, with reportlab.

Danish letters need a TrueType font: DejaVu Sans from the system (Debian: fonts-dejavu-core) when present,
else reportlab's built-in Helvetica (its WinAnsi encoding still covers æ, ø and å). A character the text font has no
glyph for (most emoji: 👍, 🙂 is in DejaVu) is set in the fallback font Symbola (Debian: fonts-symbola) when it is
installed; a character neither font has is written as its Unicode name in brackets ("[thumbs up sign]") and the
footer says so, so nothing prints as an empty box. Long unbroken words are split at the margin.
The PDF is rendered from the summary's frozen content, so it is the same document whenever it is fetched.
"""
from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import force_locale
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.config import value
from portal.i18n import current_language
from portal.i18n import gettext as _

FONT_DIRS = list(value("PDF_FONT_DIRS")) + [
    Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
]
FALLBACK_FONT_FILES = list(value("PDF_FALLBACK_FONTS")) + [
    Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"),
    Path("/usr/share/fonts/truetype/symbola/Symbola.ttf"),
]
FALLBACK = "Symbola"
# Zero-width joiners, emoji presentation selectors and skin-tone modifiers: they shape a glyph in a browser; in a
# one-colour font they would print as a stray square after the emoji, so they are left out.
INVISIBLE = {0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)}
FOA_RED = colors.HexColor("#a3001e")
_FONTS: tuple[str, str] | None = None
_FALLBACK_READY: bool | None = None


def fonts() -> tuple[str, str]:
    """(regular, bold) font names, registering DejaVu Sans once if it is installed."""
    global _FONTS
    if _FONTS is not None:
        return _FONTS
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            _FONTS = ("DejaVuSans", "DejaVuSans-Bold")
            return _FONTS
    _FONTS = ("Helvetica", "Helvetica-Bold")
    return _FONTS


def fallback_font() -> str | None:
    """The fallback font's name once registered, or None when no fallback font is installed."""
    global _FALLBACK_READY
    if _FALLBACK_READY is None:
        found = next((f for f in FALLBACK_FONT_FILES if f.exists()), None)
        if found is not None:
            pdfmetrics.registerFont(TTFont(FALLBACK, str(found)))
        _FALLBACK_READY = found is not None
    return FALLBACK if _FALLBACK_READY else None


def _covers(font_name: str, char: str) -> bool:
    font = pdfmetrics.getFont(font_name)
    face = getattr(font, "face", None)
    if face is not None and hasattr(face, "charToGlyph"):
        return ord(char) in face.charToGlyph
    try:  # a standard Type 1 font (Helvetica): what WinAnsi can encode
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def markup(text: str, font_name: str, left_out: set[str] | None = None) -> str:
    """Paragraph markup for plain `text`: escaped, line breaks kept, each character set in a font that has it.

    Characters neither `font_name` nor the fallback font can draw become "[their name]" and are added to
    `left_out`."""
    fallback = fallback_font()
    parts: list[str] = []
    run, run_font = [], font_name

    def flush():
        if run:
            chunk = escape("".join(run))
            parts.append(chunk if run_font == font_name else f'<font face="{run_font}">{chunk}</font>')
            run.clear()

    for char in text or "":
        if char == "\n":
            flush()
            parts.append("<br/>")
            continue
        if ord(char) in INVISIBLE:
            continue
        if char.isspace() or _covers(font_name, char):
            target = font_name
        elif fallback is not None and _covers(fallback, char):
            target = fallback
        else:
            name = unicodedata.name(char, f"U+{ord(char):04X}").lower()
            if left_out is not None:
                left_out.add(name)
            flush()
            parts.append(escape(f"[{name}]"))
            continue
        if target != run_font:
            flush()
            run_font = target
        run.append(char)
    flush()
    return "".join(parts)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, textColor=FOA_RED, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, alignment=TA_LEFT),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11, textColor=colors.HexColor("#555555")),
    }


def in_language(content: dict, language: str | None = None) -> dict:
    """A summary's content as the reader sees it (pages and PDF): the rendering in `language` (default: the current
    one) if the summary has one, else the Danish document (summaries made before the English rendering existed)."""
    language = language or current_language()
    return (content.get("translations") or {}).get(language, content)


def render_summary_pdf(content: dict, language: str | None = None, *, draft: bool = False) -> bytes:
    """A4 PDF of a summary's content dict (portal.services.casework.summary.build_content), in `language` if the summary
    has a rendering in it (default: the reader's language), else the Danish document. `draft`: not sent yet, and
    marked so on the page and in its title (a printed draft looked final and said it had been sent)."""
    language = language or current_language()
    used = language if language in (content.get("translations") or {}) else "da"  # else the Danish document
    content = in_language(content, language)
    s = _styles()
    left_out: set[str] = set()

    def _p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(markup(text, style.fontName, left_out), style)

    buffer = io.BytesIO()
    with force_locale(used):
        draft_mark = _("UDKAST – ikke sendt. Referatet er først gældende, når det er sendt til medlemmet.")
        draft_title = _("Udkast")
    title = content.get("title", "Samtalereferat")
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"{draft_title}: {title}" if draft else title,
                            author="FOA A-kasse", subject=content.get("member_name", ""))
    story = [_p("FOA A-kasse", s["small"]), _p(title, s["title"])]
    if draft:
        story.append(_p(draft_mark, ParagraphStyle("draft", parent=s["body"], textColor=colors.HexColor("#a4262c"),
                                                   borderColor=colors.HexColor("#a4262c"), borderWidth=1,
                                                   borderPadding=4, spaceBefore=8, spaceAfter=10)))
    facts = [[_p(label, s["body"]), _p(value, s["body"])] for label, value in content.get("facts", [])]
    if facts:
        table = Table(facts, colWidths=[45 * mm, None])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9c9c9")),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
        story += [Spacer(1, 4), table]
    for section in content.get("sections", []):
        story.append(_p(section["heading"], s["h2"]))
        if section.get("text"):
            story.append(_p(section["text"], s["body"]))
        items = section.get("items") or []
        if items:
            story.append(ListFlowable([ListItem(_p(item, s["body"]), leftIndent=12) for item in items],
                                      bulletType="bullet", start="•", leftIndent=12, bulletFontName=fonts()[0]))
        elif section.get("empty"):
            story.append(_p(section["empty"], s["body"]))
    story += [Spacer(1, 12), _p(content.get("footer", ""), s["small"])]
    if left_out:
        with force_locale(used):
            story.append(_p(_("Tegn, som denne PDF ikke kan vise, står med deres navn i [ ]. Referatet på Min side "
                              "viser teksten, som den er skrevet."), s["small"]))
    doc.build(story)
    return buffer.getvalue()
