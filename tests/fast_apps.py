"""Work every test's new app would repeat, done once per test process.

Each test gets an app of its own (tests/conftest.py), and a new app compiled every template it rendered and every
URL rule's builder again: measured on tests/booking/test_booking_web.py and tests/minside/test_minside_pages.py
under cProfile, a quarter of the time went to Jinja compiling templates and a fifth to werkzeug compiling rule
builders, the same templates and rules test after test.

- Templates: Jinja's own bytecode cache (keyed by template name and a checksum of its source, so an edited template
  is compiled again), kept in this process's memory and given to every test app's environments.
- URL rules: werkzeug compiles a small function per rule that builds its URL from the rule's parts; the function is
  the same for the same parts (it reads the rule's converters through `self` when called), so one is kept per
  parts. Rules with defaults are compiled as before. If werkzeug changes that method, nothing is patched.
"""
from __future__ import annotations

from jinja2 import BytecodeCache
from werkzeug.routing.rules import Rule


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates in this process's memory, shared by every test app."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        data = self._code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = MemoryBytecodeCache()


def share_compiled_templates(app) -> None:
    app.jinja_env.bytecode_cache = TEMPLATES


def _remember_rule_builders() -> None:
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "_remembered", False):
        return
    builders: dict[tuple, object] = {}

    def compile_builder(self, append_unknown: bool = True):
        if self.defaults:
            return original(self, append_unknown)
        key = (tuple(self._trace), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = original(self, append_unknown)
        return builder

    compile_builder._remembered = True
    Rule._compile_builder = compile_builder


_remember_rule_builders()
