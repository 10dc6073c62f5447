"""Danish by default, English switchable: ?lang=, then the session, then the user's setting, else Danish.

Also the language helpers the services share: `N_` to mark module-level texts for the catalogue, and dates
written the Danish way ("torsdag 3. december 2026 kl. 10.00") that become English ones in an English context.
"""
from __future__ import annotations

import functools
from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from portal.extensions import babel
from portal.timeutil import to_local
from portal.unit_of_work import unit_of_work


def N_(text: str) -> str:
    """Marks a module-level text for the catalogue (Babel's default keyword); translate it where it is shown."""
    return text


def current_language() -> str:
    """The language of this request (or of force_locale); Danish outside an app (CLI scripts, imports).

    Read from where Flask-Babel keeps the chosen locale (`g._flask_babel.babel_locale`, which force_locale sets and
    restores) before asking get_locale, which looks the context up again on every call: a page formats dozens of
    dates, each asking for the language (issue 19: 63 calls on the caseload)."""
    try:
        locale = g._get_current_object()._flask_babel.babel_locale  # not through the proxy: see request_translations
    except (AttributeError, RuntimeError):  # no locale chosen yet in this context, or no app context at all
        locale = None
    if locale is None:
        locale = get_locale()
    return locale.language if locale is not None and locale.language in ("da", "en") else "da"


def babel_locale(language: str) -> Locale:
    """The parsed locale, once per language per process: Babel parses a locale *name* on every date it formats
    (a tenth of the caseload page's time went to that). A Locale holds only CLDR data, the same for every request."""
    try:
        return _LOCALES[language]
    except KeyError:
        return _LOCALES.setdefault(language, Locale.parse(language))


def localized_pattern(pattern: str, language: str) -> str:
    """A CLDR date pattern written the Danish way, for `language`: "d. MMM y 'kl.' HH.mm" → "d MMM y 'at' HH:mm"."""
    if language == "da":
        return pattern
    return pattern.replace("'kl.'", "'at'").replace("d. ", "d ").replace("HH.mm", "HH:mm")


# Babel parses a locale name on every format call (a page formats dozens of dates); its Locale objects are
# read-only CLDR data, so the two we write in are parsed once per process.
_LOCALES = {language: Locale.parse(language) for language in ("da", "en")}


def or_list(items, language: str | None = None) -> str:
    """"fremmøde, telefon eller video" / "in person, phone, or video" (CLDR's list patterns, via Babel)."""
    from babel.lists import format_list

    return format_list(list(items), style="or", locale=babel_locale(language or current_language()))


def and_list(items, language: str | None = None) -> str:
    """"CV-samtale, fokussamtale og opfølgning pr. video" / "…, focus conversation, and follow-up by video"."""
    from babel.lists import format_list

    return format_list(list(items), style="standard", locale=babel_locale(language or current_language()))


def format_local_datetime(value: datetime, pattern: str, language: str | None = None) -> str:
    """`value` in Copenhagen time with a Danish-style pattern, in `language` (default: the current one)."""
    return _formatted_datetime(value, pattern, language or current_language())


def format_local_date(value: date | datetime, pattern: str, language: str | None = None) -> str:
    return _formatted_date(value, pattern, language or current_language())


# Formatting a date is ~8 µs of Babel's pattern machinery, and pages show the same few moments (a member's
# bookings, the offers' sessions) request after request. The text is a pure function of the three arguments (the
# time zone rules and CLDR data do not change while the process runs), so it cannot go stale; the caches are
# bounded.
@functools.lru_cache(maxsize=4096)
def _formatted_datetime(value: datetime, pattern: str, language: str) -> str:
    return format_datetime(to_local(value), localized_pattern(pattern, language),
                           locale=babel_locale(language))


@functools.lru_cache(maxsize=4096)
def _formatted_date(value: date | datetime, pattern: str, language: str) -> str:
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, localized_pattern(pattern, language), locale=babel_locale(language))


def format_hours(value, language: str | None = None) -> str:
    """Course hours the reader's way: 57,5 (Danish) or 57.5, and 60 rather than 60.0; "" for none."""
    if value is None or value == "":
        return ""
    return format_decimal(value, format="0.#", locale=babel_locale(language or current_language()))


def select_locale() -> str:
    languages = ("da", "en")
    if not has_request_context():  # scheduler, CLI, chatbot actions: Danish unless they force_locale()
        return "da"
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    user = current_user._get_current_object()  # once: each read through the proxy looks the user up again
    if user and getattr(user, "is_authenticated", False) and user.locale in languages:
        return user.locale
    return "da"  # Danish by default, whatever the browser says; English is one click away


# Areas that keep a language of their own for a signed-in user register here (the member's profile language, see
# portal.blueprints.minside.init_app); called with (user, language) whenever the user chooses one.
LANGUAGE_CHOSEN: list = []


def remember_language(user, language: str) -> None:
    """A signed-in user's choice of language becomes the account's setting too (and every LANGUAGE_CHOSEN
    listener's); the caller commits it."""
    if not getattr(user, "is_authenticated", False):
        return
    if user.locale != language:
        user.locale = language
    for listener in LANGUAGE_CHOSEN:
        listener(user, language)


def request_translations():
    """The translations of the current locale, looked up once per locale per app context.

    Flask-Babel finds them anew on every call (context, domain, locale, cache key: ~10 µs), and a page calls
    gettext hundreds of times. They are kept in Flask-Babel's own per-context namespace (`g._flask_babel`, where
    it keeps the locale) beside the Locale object they belong to, so force_locale (an e-mail in the member's
    language while a page renders in another) gets its own; anything unexpected falls back to Flask-Babel."""
    try:
        # The context's own `g`, not the proxy: on Python 3.11 an attribute read through a Werkzeug proxy first
        # fails on the proxy itself and formats an AttributeError's message (~1.5 µs); a staff page asks ~70 times.
        babel_ctx = g._get_current_object()._flask_babel
    except (AttributeError, RuntimeError):  # no locale chosen yet in this context, or no app context at all
        return get_translations()
    locale = getattr(babel_ctx, "babel_locale", None)
    cached = getattr(babel_ctx, "portal_translations", None)
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    babel_ctx.portal_translations = (get_locale(), translations)
    return translations


def _gettext_now(string: str, **variables) -> str:
    """What Flask-Babel's gettext does, with the translations looked up once per request (request_translations)."""
    rv = request_translations().ugettext(string)
    return rv % variables if variables else rv


def gettext(string: str, **variables) -> str:
    """Flask-Babel's gettext for services and views (the same text; `%` applied only with variables), with the
    translations looked up once per request (request_translations): Flask-Babel finds them anew on every call,
    ~8 µs, and a staff page's services translate a score of labels."""
    return _gettext_now(string, **variables)


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's lazy_gettext (`_l`: a module-level text translated where it is shown), resolved through
    request_translations: a page shows dozens of them, and Flask-Babel looks the translations up anew for each."""
    return LazyString(_gettext_now, string, **variables)


def escape(text: str) -> Markup:
    """Text as markup with `&`, `<`, `>` and `"` escaped (attributes are double-quoted here); an apostrophe stays as
    written ("SMS'er"), as in every catalogue text before."""
    return Markup(str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # nosec B704
                  .replace('"', "&#34;"))


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    """`_()` / `gettext()` in templates: what the i18n extension's newstyle gettext does (escape the variables in
    an autoescaped template, always apply `%`), without its two extra layers of context calls per use."""
    rv = request_translations().ugettext(string)
    if eval_ctx.autoescape:
        # Escaped, not trusted as markup: no text in the catalogue holds markup, so escaping shows each the same,
        # and a text that was never a catalogue's (an already translated message naming what someone typed,
        # passed to `_()` by mistake) stays text. As Markup, `%` escapes the variables too.
        rv = escape(rv)
    return rv % variables if variables or "%" in rv else rv  # without either, `%` would change nothing


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    rv = request_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        rv = escape(rv)  # as _template_gettext
    return rv % variables


def _gettext_bound_to(translations):
    """`_template_gettext` and `_template_ngettext` for one render, with the translations looked up already."""
    ugettext, ungettext = translations.ugettext, translations.ungettext

    @pass_eval_context
    def gettext(eval_ctx, string: str, **variables) -> str:
        rv = ugettext(string)
        if eval_ctx.autoescape:
            rv = escape(rv)  # as _template_gettext
        return rv % variables if variables or "%" in rv else rv

    @pass_eval_context
    def ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        rv = ungettext(singular, plural, num)
        if eval_ctx.autoescape:
            rv = escape(rv)  # as _template_gettext
        return rv % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _install_fast_gettext(app: Flask) -> None:
    """Templates call these instead of Flask-Babel's per-call lookup through the i18n extension's wrappers (a
    page calls them hundreds of times); {% trans %} blocks use the same globals. A page rendered by
    render_template gets them bound to its translations, looked up once for the render (inside force_locale, the
    forced language's), which halves a call's cost; a template rendered any other way uses the globals."""
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.context_processor(lambda: _gettext_bound_to(request_translations()))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    _install_fast_gettext(app)

    @app.before_request
    def _remember_asked_language():
        # Also on responses that render nothing (a redirect), so the choice survives to the next page.
        asked = request.args.get("lang") if request.environ.get("QUERY_STRING") else None
        if asked in app.config["LANGUAGES"]:
            session["lang"] = asked
            # Logged in: also the account's setting, so a concurrent request that rewrites the session cookie
            # (e.g. the chat's polling) cannot undo the choice.
            with unit_of_work():
                remember_language(current_user, asked)
