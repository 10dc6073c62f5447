"""The import graph of portal/ (issue 20): every module imports on its own, and no two modules depend on each other.

grimp (import-linter's graph library) reads every import statement, at module level and inside functions: a
circle through a function-level import is still a circle for a reader. The circles not untangled yet are listed
in KNOWN_CIRCLES (empty since issue 20); the test fails on any new one, and on a listed one that is gone (so the
list only shrinks).
"""
from __future__ import annotations

import importlib

import grimp
import pytest

# Each pair depends on each other directly or through others; to be untangled (docs/architecture.md). None left.
KNOWN_CIRCLES: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("portal", cache_dir=None)


def circles(graph) -> set[tuple[str, str]]:
    """Every direct import A → B inside portal/ for which B also reaches A, as a sorted pair."""
    found = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported.startswith("portal.") and graph.chain_exists(importer=imported, imported=importer):
                found.add(tuple(sorted((importer, imported))))
    return found


def test_no_new_import_circle_inside_portal(graph):
    found = circles(graph)
    assert found - KNOWN_CIRCLES == set(), "a new import circle: make the dependency point one way"
    assert KNOWN_CIRCLES - found == set(), "an untangled circle: remove it from KNOWN_CIRCLES"


def test_the_detector_sees_a_circle(graph):
    # the blueprint and its staff views once imported each other; a graph with that edge added must show it
    graph.add_import(importer="portal.blueprints.offers", imported="portal.blueprints.offers_staff")
    try:
        assert ("portal.blueprints.offers", "portal.blueprints.offers_staff") in circles(graph)
    finally:
        graph.remove_import(importer="portal.blueprints.offers", imported="portal.blueprints.offers_staff")


def test_every_module_imports(graph):
    for name in sorted(graph.modules):
        importlib.import_module(name)  # raises on a missing module or a broken import
