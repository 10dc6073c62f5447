"""E-mails from templates/email/: `<name>.<lang>.txt` (first line the subject, then a blank line, then the body)
and `<name>.<lang>.html` (the HTML part). Danish and English; the recipient's language, Danish if unknown."""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from flask import Flask, current_app
from flask_babel import force_locale
from jinja2 import Environment, Template
from jinja2.runtime import new_context

from portal.timeutil import LOCAL_TZ

LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_language(language: str | None) -> str:
    return language if language in LANGUAGES else "da"


def render_email(name: str, language: str | None, **context) -> RenderedEmail:
    """Render both parts of one e-mail in the given language. Needs an app context (Flask's Jinja env)."""
    lang = email_language(language)
    # Labels from other areas (lazy_gettext) in the recipient's language. The parsed Locale, the same object every
    # time: the translations looked up for it are kept while it is forced (portal.i18n.request_translations).
    with force_locale(_LOCALES[lang]):
        return EmailTemplate(name, lang).render(**context)


def forced_language(language: str | None) -> AbstractContextManager[None]:
    """`force_locale` for an e-mail language (Danish if unknown), with the parsed Locale kept for it: within it,
    gettext and lazy texts find the translations once, not on every call. For bulk mail rendered with
    `EmailTemplate` (a reminder run forces each language once per chunk, not once per message)."""
    return force_locale(_LOCALES[email_language(language)])


class EmailTemplate:
    """One e-mail's text and HTML templates in one language, looked up once for many messages (bulk mail, issue
    19). `render` reads exactly as `render_email`, but runs in the caller's locale: call it inside
    `forced_language(lang)`.

    Jinja's `Template.render` merges the environment's globals (a ChainMap, walked key by key in Python) into a
    new dict for each part, and again for each `{% from … import %}`: a quarter of a reminder's render. Here they
    are merged once into the message's context, which both parts read as it is (a shared context, see `_render`).
    """

    def __init__(self, name: str, language: str | None) -> None:
        lang = email_language(language)
        env = email_environment(current_app)
        self._env = env
        self._text = env.get_template(f"email/{name}.{lang}.txt")
        self._html = env.get_template(f"email/{name}.{lang}.html")
        self._base = {
            **env.globals,
            "lang": lang,
            "when": lambda value: format_local(value, lang),
            "day": lambda value: format_day(value, lang),
            "clock": lambda value: format_clock(value, lang),
        }

    def render(self, **context) -> RenderedEmail:
        variables = {**self._base, **context}
        text = self._render(self._text, variables)
        subject, _, body = text.partition("\n")
        variables["subject"] = subject.strip()
        html = self._render(self._html, variables)
        return RenderedEmail(subject=subject.strip()[:300], text=body.lstrip("\n"), html=html)

    def _render(self, template: Template, variables: dict) -> str:
        """What `Template.render` does, with `variables` (the globals merged in already) as the context's own:
        `Template.new_context(variables, shared=True)`, without handing the context the globals' ChainMap, which
        it would only read to learn the names of the globals (so an import can tell whether the context adds any
        globals of its own: it adds none)."""
        try:
            context = new_context(self._env, template.name, template.blocks, variables, shared=True)
            return self._env.concat(template.root_render_func(context))
        except Exception:
            self._env.handle_exception()
            raise  # handle_exception always raises; for the type checker


def current_email_language() -> str:
    """The language messages are being written in now (a `force_locale`'s), as an e-mail language."""
    from portal.i18n import current_language

    return email_language(current_language())


def render_paragraphs(subject: str, paragraphs: list[list[str]], language: str | None, *, text: str,
                      button: tuple[str, str] | None = None, closing: list[str] = ()) -> RenderedEmail:
    """An e-mail whose words are written in code (already translated): `text` is its text part, and the HTML part
    shows `paragraphs` (each a list of lines) in the reminders' layout (email/_base.html), then `button` (url,
    label) and the `closing` lines. Every line is escaped."""
    lang = email_language(language)
    env = email_environment(current_app)
    html = env.get_template("email/paragraphs.html").render(
        lang=lang, subject=subject, paragraphs=paragraphs, button=button, closing=list(closing))
    return RenderedEmail(subject=subject.strip()[:300], text=text, html=html)


# Bulk mail formats the same few slot times thousands of times (issue 19): the Locale objects are parsed once and
# the formatted strings remembered (a datetime and a language always give the same text).
_LOCALES = {lang: Locale.parse(lang) for lang in LANGUAGES}


@lru_cache(maxsize=8)
def email_environment(app: Flask) -> Environment:
    """The Jinja environment e-mails are rendered in: the app's templates, filters and gettext, nothing else.

    An e-mail needs none of the page context processors (navigation, staff badges, the signed-in user) nor the
    page globals (request, session, url_for, csrf …), and with Flask's 21 globals every render and every macro
    import merged them into a new context: a sixth of a bulk reminder run (issue 19). Built once per app.
    """
    env = app.extensions.get("email_jinja_env")
    if env is None:
        page = app.jinja_env
        env = Environment(loader=page.loader, autoescape=page.autoescape, auto_reload=page.auto_reload,  # nosec B701 - the page environment's own select_autoescape (HTML escaped)
                          extensions=list(page.extensions), undefined=page.undefined,
                          bytecode_cache=page.bytecode_cache)
        env.filters.update(page.filters)
        env.tests.update(page.tests)
        env.policies.update(page.policies)
        for name in ("_", "gettext", "ngettext", "pgettext", "npgettext"):
            if name in page.globals:
                env.globals[name] = page.globals[name]
        app.extensions["email_jinja_env"] = env
    return env


@lru_cache(maxsize=8192)
def format_local(value: datetime, lang: str) -> str:
    """'torsdag den 3. december 2026 kl. 10:00' / 'Thursday 3 December 2026 at 10:00' (Copenhagen time).

    Remembered like format_day and format_clock: the text depends only on the instant and the language (equal
    aware datetimes are the same instant whatever their zone), and a reminder run formats each slot's start
    three times a message and the same slot times across thousands of messages."""
    local = value.astimezone(LOCAL_TZ)
    if lang == "en":
        return format_datetime(local, "EEEE d MMMM y 'at' HH:mm", locale=_LOCALES["en"])
    return format_datetime(local, "EEEE 'den' d. MMMM y 'kl.' HH:mm", locale=_LOCALES["da"])


@lru_cache(maxsize=4096)
def format_day(value: date, lang: str) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if lang == "en":
        return format_date(value, "EEEE d MMMM y", locale=_LOCALES["en"])
    return format_date(value, "EEEE 'den' d. MMMM y", locale=_LOCALES["da"])


@lru_cache(maxsize=4096)
def format_clock(value: datetime, lang: str) -> str:
    return format_time(value.astimezone(LOCAL_TZ), "HH:mm", locale=_LOCALES[lang])
