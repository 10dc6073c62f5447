"""Templates compiled per language with their literal texts translated (portal.template_i18n): the same output as
the runtime `_` in every case, each language its own compiled template, and the runtime `_` left to what it must
still do."""
from __future__ import annotations

import re
import threading

import pytest
from flask.templating import Environment as FlaskEnvironment
from flask_babel import force_locale
from jinja2 import DictLoader, select_autoescape

from portal.i18n import _template_gettext
from portal.template_i18n import LanguageEnvironment

SOURCES = {
    "page.html": "{{ _('Min plan') }}|{{ _('Hej %(name)s', name=who) }}|{{ _('100%% sikkert') }}|{{ _(title) }}|"
                 "{{ gettext('Dig') }}|{{ _('Hej %(name)s', name=_('Dig')) }}|{{ _('Min side')|upper }}|"
                 "{% autoescape false %}{{ _('Hej %(name)s', name=who) }}{% endautoescape %}|"
                 "{{ _('Skriv \"ja\" & send') }}|{{ ngettext('%(num)s ledig plads', '%(num)s ledige pladser', 3) }}",
    "mail.txt": "{{ _('Hej %(name)s', name=who) }} {{ _('Min plan') }}",
}
EXPECTED = {
    "da": "Min plan|Hej &lt;b&gt;Ole&lt;/b&gt;|100% sikkert|Min plan|Dig|Hej Dig|MIN SIDE|Hej <b>Ole</b>|"
          "Skriv &#34;ja&#34; &amp; send|3 ledige pladser",
    "en": "My plan|Hello &lt;b&gt;Ole&lt;/b&gt;|100% sikkert|My plan|You|Hello You|MY PAGE|Hello <b>Ole</b>|"
          "Skriv &#34;ja&#34; &amp; send|3 places available",
}


@pytest.fixture()
def env(app):
    environment = LanguageEnvironment(app, loader=DictLoader(SOURCES),
                                      autoescape=select_autoescape(["html"], default_for_string=True))
    environment.globals.update(app.jinja_env.globals)
    return environment


def _counting(env) -> list[str]:
    """Replaces the runtime `_` with one that records what it was asked."""
    asked: list[str] = []

    def counted(eval_ctx, string, **variables):
        asked.append(string)
        return _template_gettext(eval_ctx, string, **variables)

    counted.jinja_pass_arg = _template_gettext.jinja_pass_arg  # pass_eval_context's marker
    env.globals["_"] = env.globals["gettext"] = counted
    return asked


def _plain(app) -> FlaskEnvironment:
    """The app's environment as Flask builds it (same globals, filters, loader): literals translated at runtime."""
    plain = app.jinja_env.overlay(cache_size=0)
    plain.__class__ = FlaskEnvironment
    plain.bytecode_cache = None
    return plain


@pytest.mark.parametrize("lang", ["da", "en"])
def test_each_case_says_what_the_runtime_gettext_says(app, env, lang):
    with app.test_request_context(f"/?lang={lang}"):
        runtime = _plain(app)
        runtime.loader = DictLoader(SOURCES)
        assert runtime.get_template("page.html").render(who="<b>Ole</b>", title="Min plan") == EXPECTED[lang]
        assert env.get_template("page.html").render(who="<b>Ole</b>", title="Min plan") == EXPECTED[lang]
        hello = "Hej" if lang == "da" else "Hello"
        plan = "Min plan" if lang == "da" else "My plan"
        assert env.get_template("mail.txt").render(who="<b>Ole</b>") == f"{hello} <b>Ole</b> {plan}"


def test_only_what_is_not_a_plain_literal_reaches_the_runtime_gettext(app, env):
    asked = _counting(env)
    with app.test_request_context("/?lang=en"):
        assert env.get_template("page.html").render(who="x", title="Min plan").startswith("My plan|Hello x|")
    # `_(title)` is a variable; the text with a quote and an ampersand escapes differently with and without
    # autoescape; everything else was translated when the template was compiled.
    assert asked == ["Min plan", 'Skriv "ja" & send']


def test_each_language_has_its_own_compiled_template_and_force_locale_picks_it(app, env):
    with app.test_request_context("/?lang=da"):
        page = env.get_template("page.html")
        assert page.render(who="O", title="").startswith("Min plan|")
        with force_locale("en"):
            english = env.get_template("page.html")
            assert english is not page
            assert english.render(who="O", title="").startswith("My plan|")
        assert env.get_template("page.html") is page


def test_a_template_loaded_outside_an_app_context_is_compiled_as_before(app, env):
    loaded = []
    outside = threading.Thread(target=lambda: loaded.append(env.get_template("mail.txt")))  # no app context there
    outside.start()
    outside.join()
    plain = loaded[0]
    with app.test_request_context("/?lang=en"):
        assert plain.render(who="O") == "Hello O My plan"  # the runtime `_` translates it when rendered
        assert env.get_template("mail.txt") is not plain


def test_real_pages_are_the_same_as_rendered_with_the_runtime_gettext(app, client):
    """Real pages full of literal texts, in both languages: served by the app as it is, then by the same app with
    Flask's own environment (the runtime `_` for every text), they are the same but for the CSRF token."""
    pages = ("/login?lang=da", "/login?lang=en", "/?lang=en", "/login/laas-op?lang=en")

    def served() -> list[str]:
        bodies = []
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            bodies.append(re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True)))
        return bodies

    compiled = served()
    app.__dict__["jinja_env"] = _plain(app)  # Flask keeps its environment as a cached property
    assert served() == compiled
    assert "Log in" in compiled[1] and "Log ind" in compiled[0]
