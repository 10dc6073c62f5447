"""The import graph of portal/ (issue 20): every module imports on its own, and no two modules depend on each other.

grimp (import-linter's graph library) reads every import statement, at module level and inside functions: a
circle through a function-level import is still a circle for a reader. The circles not untangled yet are listed
in KNOWN_CIRCLES (empty since issue 20); the test fails on any new one, and on a listed one that is gone (so the
list only shrinks).
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

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


# The shared kernel every area uses stays at the top of portal/services/; everything else lives in its area's
# package (docs/architecture.md, "The areas and their files").
KERNEL = {"__init__", "access", "actors", "audit", "danish_calendar", "errors", "form_once", "form_values",
          "link_tokens", "links", "locations", "minside_i18n", "person_names", "profiling", "text_limits"}
SERVICES = Path(__file__).resolve().parents[2] / "portal" / "services"
AREA_PACKAGES = sorted(p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists())


def test_services_are_kept_by_area():
    loose = {p.stem for p in SERVICES.glob("*.py")} - KERNEL
    assert loose == set(), "a service module belongs in its area's package (portal/services/<area>/)"
    assert {"booking", "casework", "chat", "jobcentre", "messaging", "minside", "offers", "steering"} <= set(
        AREA_PACKAGES)
    for area in AREA_PACKAGES:
        tree = ast.parse((SERVICES / area / "__init__.py").read_text())
        body = [node for node in tree.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        assert body == [], f"portal/services/{area}/__init__.py: a docstring only, no façade"


def _imports_of_an_area_package(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "portal.services":
            found += [alias.name for alias in node.names if alias.name in AREA_PACKAGES]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names
                      if alias.name.removeprefix("portal.services.") in AREA_PACKAGES]
    return found


def test_no_area_package_is_imported_as_if_it_were_a_module():
    # `from portal.services import booking` would import the package and fail only when `booking.book(...)` runs
    root = SERVICES.parents[1]
    wrong = {}
    for folder in ("portal", "chatbot", "scheduling", "tests", "bench", "scripts", "migrations"):
        for path in (root / folder).rglob("*.py"):
            if found := _imports_of_an_area_package(path.read_text(encoding="utf-8")):
                wrong[str(path.relative_to(root))] = found
    assert wrong == {}
    assert _imports_of_an_area_package("from portal.services import audit, booking") == ["booking"]
