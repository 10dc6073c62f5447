"""Which codes the code base writes: every value an argument of a call takes, read from the source (AST).

Used by the label tests (audit actions, outbox message kinds): a code written anywhere must have a Danish label, so
a new one cannot be forgotten. An argument is read when it is
- a string literal ("member.file_opened");
- a name bound in the same function to literals (`action = "jobcentre.withdrawn"`, also in a tuple assignment or a
  `for` over a literal list of tuples);
- a parameter of the function: then the values every call of that function passes;
- an f-string whose parts are such names (f"booking_{kind}_jobcenter").
Anything else (f"offers.{reg.status}") comes back as an `Unread` with its f-string prefix, for the test to expand
from what it knows (an enum, a registry) or to fail with the file and line.
"""
from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Unread:
    """An argument the scan cannot read: where, and the literal text its f-string starts with ("" if none)."""

    where: str
    prefix: str


class Source:
    """The parsed modules under `folders` (relative to the repository) and their functions by name."""

    def __init__(self, folders: list[str]):
        self.modules: list[tuple[str, ast.Module]] = []
        for folder in folders:
            for path in sorted((ROOT / folder).rglob("*.py")):
                self.modules.append((str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))))
        self.parents: dict[ast.AST, ast.AST] = {}
        self.path_of: dict[ast.AST, str] = {}
        for path, module in self.modules:
            for node in ast.walk(module):
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.path_of[node] = path

    def calls(self, is_target: Callable[[ast.Call], bool]) -> Iterator[tuple[str, ast.Call]]:
        for path, module in self.modules:
            for node in ast.walk(module):
                if isinstance(node, ast.Call) and is_target(node):
                    yield path, node

    def values(self, is_target: Callable[[ast.Call], bool], *, position: int | None, keyword: str
               ) -> tuple[set[str], list[Unread]]:
        """Every string the argument (`position`-th positional or `keyword`) of the target calls takes."""
        found: set[str] = set()
        unread: list[Unread] = []
        for path, call in self.calls(is_target):
            argument = _argument(call, position, keyword)
            if argument is not None:
                self._read(argument, path, found, unread, seen=set())
        return found, unread

    def _read(self, node: ast.AST, path: str, found: set[str], unread: list[Unread], seen: set) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
        elif isinstance(node, ast.IfExp):
            self._read(node.body, path, found, unread, seen)
            self._read(node.orelse, path, found, unread, seen)
        elif (values := self._followed(node, path, seen)) is not None:
            found.update(values)
        else:
            unread.append(Unread(f"{path}:{node.lineno}", _prefix(node)))

    def _followed(self, node: ast.AST, path: str, seen: set) -> set[str] | None:
        """A name's or an f-string's values, followed back to literals; None if they cannot be."""
        if isinstance(node, ast.Name):
            return self._name_values(node, path, seen)
        if isinstance(node, ast.JoinedStr):
            return self._fstring_values(node, path, seen)
        return None

    def _collect(self, node: ast.AST, path: str, seen: set) -> set[str] | None:
        found: set[str] = set()
        unread: list[Unread] = []
        self._read(node, path, found, unread, seen)
        return None if unread else found

    def _fstring_values(self, node: ast.JoinedStr, path: str, seen: set) -> set[str] | None:
        parts: list[set[str]] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append({str(part.value)})
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None and part.conversion == -1:
                values = self._collect(part.value, path, seen)
                if values is None:
                    return None
                parts.append(values)
            else:
                return None
        return {"".join(combination) for combination in itertools.product(*parts)}

    def _name_values(self, name: ast.Name, path: str, seen: set) -> set[str] | None:
        function = self._enclosing_function(name)
        if function is None or (function, name.id) in seen:
            return None
        seen = seen | {(function, name.id)}
        values: set[str] = set()
        bound = False
        lists = _literal_lists(function)
        for node in ast.walk(function):
            for value in _bound_values(node, name.id, lists):
                bound = True
                read = self._collect(value, path, seen)
                if read is None:
                    return None
                values.update(read)
        if bound:
            return values
        return self._parameter_values(function, name.id, seen)

    def _parameter_values(self, function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str, seen: set
                          ) -> set[str] | None:
        arguments = function.args
        positional = [a.arg for a in arguments.posonlyargs + arguments.args]
        if parameter not in positional and parameter not in [a.arg for a in arguments.kwonlyargs]:
            return None
        position = positional.index(parameter) if parameter in positional else None
        values: set[str] = set()
        private = function.name.startswith("_")  # a module's own helper: only its calls in that module
        calls = [(path, call) for path, call in self.calls(lambda call: _called_name(call) == function.name)
                 if not private or path == self.path_of[function]]
        if not calls:
            return None
        for path, call in calls:
            argument = _argument(call, position, parameter)
            if argument is None:
                return None  # a default or *args: not followed
            read = self._collect(argument, path, seen)
            if read is None:
                return None
            values.update(read)
        return values

    def _enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None


def _literal_lists(function: ast.AST) -> dict[str, ast.List | ast.Tuple]:
    """The names the function binds once to a literal list or tuple (`examples = [(…), …]`)."""
    lists: dict[str, ast.List | ast.Tuple] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    lists[target.id] = node.value
    return lists


def _bound_values(node: ast.AST, name: str, lists: dict[str, ast.List | ast.Tuple]) -> list[ast.AST]:
    """The expressions `node` binds to `name`: `name = …`, `a, name = …, …`, `for …, name in [(…, …), …]` (the
    list written in the loop or bound to a name in the function)."""
    if isinstance(node, ast.Assign):
        found = []
        for target in node.targets:
            found += _matched(target, node.value, name)
        return found
    if isinstance(node, ast.For) and _binds(node.target, name):
        items = lists.get(node.iter.id) if isinstance(node.iter, ast.Name) else node.iter
        if not isinstance(items, (ast.List, ast.Tuple)):
            return [node.iter]  # reported as unread
        found = []
        for element in items.elts:
            found += _matched(node.target, element, name)
        return found
    return []


def _matched(target: ast.AST, value: ast.AST, name: str) -> list[ast.AST]:
    if isinstance(target, ast.Name):
        return [value] if target.id == name else []
    if isinstance(target, ast.Tuple):
        if isinstance(value, ast.Tuple) and len(value.elts) == len(target.elts):
            return [v for t, e in zip(target.elts, value.elts, strict=True) for v in _matched(t, e, name)]
        return [value] if _binds(target, name) else []  # unpacked from something unread: reported as unread
    return []


def _binds(target: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def _argument(call: ast.Call, position: int | None, keyword: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _prefix(node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return ""


def calls_to(*names: str, on: tuple[str, ...] = ()) -> Callable[[ast.Call], bool]:
    """A call of one of `names`, as `name(…)` or `module.name(…)` with `module` in `on` (any module if empty)."""
    def is_target(call: ast.Call) -> bool:
        if isinstance(call.func, ast.Name):
            return call.func.id in names
        if isinstance(call.func, ast.Attribute) and call.func.attr in names:
            value = call.func.value
            return not on or (isinstance(value, ast.Name) and value.id in on)
        return False

    return is_target
