"""Translation helpers that also work outside a request (scheduler, CLI, chatbot actions).

flask_babel's gettext asks the app's locale selector, which reads the request and says Danish outside one; a
`force_locale` (a message in its recipient's language) works wherever there is an app context, so the scheduler's
messages to an English member are English. Without an app context at all the Danish source string is used as is.
"""
from __future__ import annotations

from flask import has_app_context

from portal.i18n import gettext
from portal.i18n import lazy_gettext as _l  # noqa: F401  (re-exported for the Min side services)


def _(text: str, **variables) -> str:
    if has_app_context():
        return gettext(text, **variables)
    return text % variables if variables else text


def plain(value) -> str:
    """A lazy string as text: translated in the current (or forced) language; the Danish source string without an
    app context."""
    if has_app_context():
        return str(value)
    args = getattr(value, "_args", None)
    return args[0] if args else str(value)
