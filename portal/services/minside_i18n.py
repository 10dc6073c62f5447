"""Translation helpers that also work outside a request (scheduler, CLI, chatbot actions).

flask_babel's gettext asks the app's locale selector, which reads the request; outside a request the Danish
source string is used as is.
"""
from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext

from portal.i18n import lazy_gettext as _l  # noqa: F401  (re-exported for the Min side services)


def _(text: str, **variables) -> str:
    if has_request_context():
        return gettext(text, **variables)
    return text % variables if variables else text


def plain(value) -> str:
    """A lazy string as text: translated in a request, the Danish source string outside one."""
    if has_request_context():
        return str(value)
    args = getattr(value, "_args", None)
    return args[0] if args else str(value)
