"""Template helpers: local time formatting, navigation by role, counts on staff pages."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_login import current_user
from markupsafe import Markup

from portal import staff_badges
from portal.i18n import current_language, format_hours, format_local_date, format_local_datetime
from portal.models.statuses import BY_NAME as STATUS_ENUMS
from portal.navigation import nav_items


def init_app(app: Flask) -> None:
    # The status enums by name (portal/models/statuses.py), so templates compare with `PlanStatus.ACTIVE`, not "active".
    app.jinja_env.globals.update(STATUS_ENUMS)

    # Patterns are written the Danish way ("d. MMM 'kl.' HH:mm"); portal.i18n makes them English ones in English.
    @app.template_filter("local_dt")
    def local_dt(value: datetime | None, fmt: str = "d. MMM y 'kl.' HH:mm") -> str:
        if value is None:
            return ""
        return format_local_datetime(value, fmt)

    @app.template_filter("iso")
    def iso(value: datetime | None) -> str:
        """For <time datetime="…">: ISO 8601 to the second (HTML allows at most three fraction digits)."""
        return "" if value is None else value.replace(microsecond=0).isoformat()

    @app.template_filter("local_time")
    def local_time(value: datetime | None) -> str:
        return "" if value is None else format_local_datetime(value, "HH:mm")

    @app.template_filter("phone")
    def phone(value: str | None) -> str:
        from portal.services.messaging.sms import display_phone

        return display_phone(value)

    @app.template_filter("day")
    def day(value: date | datetime | None, fmt: str = "d. MMMM y") -> str:
        if value is None:
            return ""
        return format_local_date(value, fmt)

    @app.template_filter("summary_content")
    def summary_content(content: dict) -> dict:
        """A conversation summary's content in the reader's language (portal.services.casework.summary_pdf.in_language)."""
        from portal.services.casework.summary_pdf import in_language

        return in_language(content or {})

    @app.template_filter("audit_reason")
    def audit_reason(entry) -> str:
        """Why staff opened a member's file, in the reader's language (portal.services.access.reason_text)."""
        from portal.services.access import reason_text

        return reason_text(entry)

    @app.template_filter("factor")
    def factor(text: str) -> str:
        """A stored (Danish) profiling factor text in the reader's language."""
        from portal.profiling.variables import translate_factor

        return translate_factor(text)

    app.add_template_filter(format_hours, "hours")

    @app.template_filter("capfirst")
    def capfirst(value: str) -> str:
        """The first letter upper-case, the rest as written ("capitalize" would write "Thursday 3 december")."""
        value = str(value)
        return value[:1].upper() + value[1:]

    @app.template_global("lang_of")
    def lang_of(language: str | None) -> Markup:
        """` lang="…"` for an element showing text stored in a known language (a notification's: the language
        it was written in) on a page in another one, so a screen reader reads it with that language's
        pronunciation (WCAG 3.1.2); nothing when it is the page's language or not known."""
        if language in app.config["LANGUAGES"] and language != current_language():
            return Markup(' lang="{}"').format(language)  # escaped (and one of the portal's languages)
        return Markup("")

    @app.template_global("lang_da")
    def lang_da(stored_in_danish: bool = True) -> Markup:
        """`lang_of("da")` for text stored in Danish (an offer's title and description, what a caseworker wrote to
        the member); nothing when `stored_in_danish` is false (a member's own words may be in any language).
        Use: <p{{ lang_da() }}>{{ offer.description }}</p>."""
        return lang_of("da") if stored_in_danish else Markup("")

    @app.context_processor
    def _globals():
        # the signed-in user itself, not the proxy: every attribute read through Werkzeug's proxy looks the user
        # up again and, on Python 3.11, formats an AttributeError first (~1.5 µs)
        user = current_user._get_current_object()
        return {
            "nav_items": nav_items(app, user),
            "current_locale": current_language(),  # what get_locale says ("da" or "en"), read where it keeps it
            "staff_badges": _staff_badges(user),
        }


def _staff_badges(user) -> list[dict]:
    """The counts in a staff page's menu (portal.staff_badges: areas register their providers there); none for
    anyone else (for_user checks the role)."""
    from portal.extensions import db

    return staff_badges.for_user(db.session, user)
