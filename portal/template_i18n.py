"""Templates compiled once per language, with their fixed texts already translated (issue 19).

A page calls `_("…")` on a literal text a hundred times or more (Min side ≈100, the conversation screen ≈185), and
each call went through Jinja's context call, the translations and the escaping on every render, although the
answer for a language never changes while the process runs. Here each template is compiled per language: a call
`_("literal")` or `gettext("literal")`, with or without keyword arguments, becomes the translated text as a
constant (Jinja then writes it straight into the template's output), and `% {…}` of the keywords where it has
some. Everything else (a text that is not a literal, `ngettext`, a text that needs escaping, a call with `*args`)
is left to the runtime `_` of portal.i18n, so the output is the same byte for byte.

The language is the one the template is loaded in (portal.i18n.current_language, which follows force_locale);
templates loaded outside an app context (nothing to translate with) are compiled as before, under no language.
"""
from __future__ import annotations

import weakref
from contextvars import ContextVar

from flask import has_app_context
from flask.templating import Environment as FlaskEnvironment
from jinja2 import BytecodeCache, nodes
from jinja2.visitor import NodeTransformer

from portal.i18n import current_language, escape, request_translations

GETTEXT_NAMES = ("_", "gettext")

# The language a template is being compiled in (set by LanguageEnvironment._load_template, read by _parse).
_compiling: ContextVar[tuple[str, object] | None] = ContextVar("portal_compiling_language", default=None)


class _TranslateLiterals(NodeTransformer):
    """Replaces `_("literal", key=value, …)` by the translation as a constant (`% {key: value}` if any)."""

    def __init__(self, ugettext) -> None:
        self.ugettext = ugettext

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if not (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
                and node.node.name in GETTEXT_NAMES and node.node.ctx == "load"
                and len(node.args) == 1 and isinstance(node.args[0], nodes.Const)
                and isinstance(node.args[0].value, str) and node.dyn_args is None and node.dyn_kwargs is None):
            return node
        text = self.ugettext(node.args[0].value)
        if str(escape(text)) != text:
            # Escaped with autoescape, as written without: one constant can't be both (portal.i18n._template_gettext).
            return node
        translated = nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=node.lineno), lineno=node.lineno)
        if node.kwargs:
            pairs = [nodes.Pair(nodes.Const(kw.key), kw.value, lineno=kw.lineno) for kw in node.kwargs]
            return nodes.Mod(translated, nodes.Dict(pairs, lineno=node.lineno), lineno=node.lineno)
        if "%" in text:
            try:  # what the runtime `_` does to a text with "%" and no variables ("%%" becomes "%")
                text = text % {}
            except (KeyError, TypeError, ValueError):  # a placeholder with nothing to fill it: fails at runtime too
                return node
            translated = nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=node.lineno), lineno=node.lineno)
        return translated


class _ByLanguage(BytecodeCache):
    """A bytecode cache (the tests share one between apps) keeping each language's code of a template apart."""

    def __init__(self, inner: BytecodeCache) -> None:
        self.inner = inner

    def get_bucket(self, environment, name, filename, source):
        compiling = _compiling.get()
        if compiling is not None:
            name = f"{name}\x00{compiling[0]}"
        return self.inner.get_bucket(environment, name, filename, source)

    def set_bucket(self, bucket) -> None:
        self.inner.set_bucket(bucket)


class LanguageEnvironment(FlaskEnvironment):
    """Flask's template environment, keeping one compiled template per (name, language)."""

    @property
    def bytecode_cache(self) -> BytecodeCache | None:
        return self.__dict__.get("_language_bytecode_cache")

    @bytecode_cache.setter
    def bytecode_cache(self, cache: BytecodeCache | None) -> None:
        if cache is not None and not isinstance(cache, _ByLanguage):
            cache = _ByLanguage(cache)
        self.__dict__["_language_bytecode_cache"] = cache

    def _load_template(self, name, globals):
        # Outside an app context there is nothing to translate with: compiled as Jinja does, translated at runtime.
        language = current_language() if has_app_context() else None
        if language is None:
            return super()._load_template(name, globals)
        if self.loader is None:
            raise TypeError("no loader for this environment specified")
        cache_key = (weakref.ref(self.loader), name, language)
        if self.cache is not None:
            template = self.cache.get(cache_key)
            if template is not None and (not self.auto_reload or template.is_up_to_date):
                if globals:
                    template.globals.update(globals)
                return template
        token = _compiling.set((language, request_translations().ugettext))
        try:
            template = self.loader.load(self, name, self.make_globals(globals))
        finally:
            _compiling.reset(token)
        if self.cache is not None:
            self.cache[cache_key] = template
        return template

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        compiling = _compiling.get()
        if compiling is None:
            return tree
        tree = _TranslateLiterals(compiling[1]).visit(tree)
        tree.set_environment(self)
        return tree
