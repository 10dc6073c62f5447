"""Templates' gettext looks the translations up once per locale per request (portal.i18n.request_translations):
still the right language inside force_locale and after it, still escaping like the i18n extension's newstyle
gettext, and ngettext with `num`."""
from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale


def test_force_locale_inside_a_page_gets_its_own_language_and_the_page_keeps_its_own(app):
    with app.test_request_context("/?lang=da"):
        page = "{{ _('Min plan') }}"
        assert render_template_string(page) == "Min plan"
        with force_locale("en"):
            assert render_template_string(page) == "My plan"
        assert render_template_string(page) == "Min plan"
    with app.app_context(), app.test_request_context("/?lang=en"):  # a request of its own (its own g)
        assert render_template_string(page) == "My plan"


def test_variables_are_escaped_where_the_template_escapes_and_percent_is_applied(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ _('Hej %(name)s', name='<b>Ole</b>') }}") == "Hej &lt;b&gt;Ole&lt;/b&gt;"
        raw = "{% autoescape false %}{{ _('Hej %(name)s', name='<b>Ole</b>') }}{% endautoescape %}"
        assert render_template_string(raw) == "Hej <b>Ole</b>"
        assert render_template_string("{{ _('100%% sikkert') }}") == "100% sikkert"


def test_ngettext_takes_num(app):
    with app.test_request_context("/?lang=da"):
        tpl = "{{ ngettext('%(num)s ledig plads', '%(num)s ledige pladser', n) }}"
        assert render_template_string(tpl, n=1) == "1 ledig plads"
        assert render_template_string(tpl, n=3) == "3 ledige pladser"
        with force_locale("en"):
            assert render_template_string(tpl, n=3) == "3 places available"


def test_a_page_rendered_without_render_template_translates_the_same(app):
    """render_template binds gettext to the page's translations (a context processor); a template rendered straight
    from the environment (e-mails) uses the globals: both say the same, escape the same and apply `%` the same."""
    templates = ["{{ _('Min plan') }}", "{{ _('Hej %(name)s', name='<b>Ole</b>') }}", "{{ _('100%% sikkert') }}",
                 "{% autoescape false %}{{ _('Hej %(name)s', name='<b>Ole</b>') }}{% endautoescape %}",
                 "{{ ngettext('%(num)s ledig plads', '%(num)s ledige pladser', 3) }}"]
    for lang in ("da", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for source in templates:
                assert render_template_string(source) == app.jinja_env.from_string(source).render(), (lang, source)


def test_lazy_texts_say_what_flask_babels_own_lazy_gettext_says(app):
    """portal.i18n.lazy_gettext (`_l`) resolves through the request's cached translations: the same text as
    Flask-Babel's lazy_gettext in every language, inside force_locale, with variables, in a template and with no
    request at all (the CLI, the scheduler)."""
    from flask_babel import lazy_gettext as babel_lazy

    from portal.i18n import lazy_gettext

    cases = [("Min plan", {}), ("Hej %(name)s", {"name": "<b>Ole</b>"}), ("Findes ikke i kataloget", {})]

    def same() -> None:
        for text, variables in cases:
            assert str(lazy_gettext(text, **variables)) == str(babel_lazy(text, **variables))

    for lang in ("da", "en"):
        with app.app_context(), app.test_request_context(f"/?lang={lang}"):  # each its own g
            same()
            assert render_template_string("{{ t }}", t=lazy_gettext("Min plan")) == ("Min plan" if lang == "da"
                                                                                      else "My plan")
            with force_locale("en" if lang == "da" else "da"):
                same()
    with app.app_context():
        same()
        assert str(lazy_gettext("Min plan")) == "Min plan"
