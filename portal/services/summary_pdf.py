"""The conversation summary (samtalereferat) as a PDF, with reportlab.

Danish letters need a TrueType font: DejaVu Sans from the system (Debian: fonts-dejavu-core) when present,
else reportlab's built-in Helvetica (its WinAnsi encoding still covers æ, ø and å).
The PDF is rendered from the summary's frozen content, so it is the same document whenever it is fetched.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_DIRS = [Path(p) for p in os.environ.get("PORTAL_PDF_FONT_DIRS", "").split(":") if p] + [
    Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
]
FOA_RED = colors.HexColor("#a3001e")
_FONTS: tuple[str, str] | None = None


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


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, textColor=FOA_RED, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, alignment=TA_LEFT),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11, textColor=colors.HexColor("#555555")),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def render_summary_pdf(content: dict, language: str | None = None) -> bytes:
    """A4 PDF of a summary's content dict (portal.services.summary.build_content), in `language` if the summary
    has a rendering in it (default: the reader's language), else the Danish document."""
    from portal.services.summary import in_language

    content = in_language(content, language)
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=content.get("title", "Samtalereferat"),
                            author="FOA A-kasse", subject=content.get("member_name", ""))
    story = [_p("FOA A-kasse", s["small"]), _p(content.get("title", "Samtalereferat"), s["title"])]
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
    doc.build(story)
    return buffer.getvalue()
