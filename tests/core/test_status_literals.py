"""Status codes are named in one place, portal/models/statuses.py (issue 20): no bare status string comes back.

An AST scan of the services, views, API, demo seed, chatbot actions and scheduler for a status column or variable
(`x.status`, `x.state`, `status`, `Model.status.in_(…)`, `status=…`) compared with, set to or filtered by a string
that is a status code. Write `RegistrationStatus.OFFERED`, not "offered". Label dictionaries keyed by code are not scanned.
"""
from __future__ import annotations

import ast
import inspect
from enum import StrEnum
from pathlib import Path

import pytest

from portal.models import statuses

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["portal/services", "portal/blueprints", "portal/auth", "portal/commands", "portal/demo", "chatbot/actions",
           "scheduling"]
STATUS_ATTRIBUTES = {"status", "state", "from_status", "to_status", "decision", "jobcentre_decision"}
STATUS_NAMES = {"status", "state", "new_status", "old_status"}
# Not a stored status: the job-order list's filter "expired" (an open order past its deadline) is a view of
# JobOrderStatus.OPEN, only in the filter values.
ALLOWED = {("portal/services/casework/jobmatch.py", "expired"), ("portal/blueprints/caseworker.py", "expired"),
           ("portal/blueprints/main.py", "ok"), ("portal/blueprints/main.py", "error")}  # /healthz's own "status"

CODES = {member.value for _, enum in inspect.getmembers(statuses, inspect.isclass)
         if issubclass(enum, StrEnum) and enum is not StrEnum for member in enum}


def _strings(node: ast.AST) -> list[ast.Constant]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.IfExp):  # status="dead" if give_up else "failed"
        return _strings(node.body) + _strings(node.orelse)
    return []


def _is_status(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in STATUS_ATTRIBUTES
    if isinstance(node, ast.Name):
        return node.id in STATUS_NAMES
    return False


def _status_operands(node: ast.AST) -> list[ast.AST]:
    """The expressions a status is compared with, set to or filtered by in this node (none if no status is involved)."""
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        return operands if any(_is_status(o) for o in operands) else []
    if isinstance(node, ast.keyword):
        return [node.value] if node.arg in STATUS_ATTRIBUTES else []
    if isinstance(node, ast.Assign):
        return [node.value] if any(_is_status(t) for t in node.targets) else []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("in_", "notin_"):
        return node.args[:1] if _is_status(node.func.value) else []
    return []


def status_literals(source: str) -> list[tuple[int, str]]:
    """(line, code) for each status code written as a bare string where a status is compared, set or filtered."""
    return sorted((c.lineno, c.value) for node in ast.walk(ast.parse(source))
                  for operand in _status_operands(node) for c in _strings(operand) if c.value in CODES)


def test_the_scan_sees_a_bare_status():
    source = ('if reg.status in ("offered", "registered"):\n    member.status = "ledig"\n'
              'q = select(Booking).where(Booking.status.in_(["booked"]), Booking.kind == "cv")\n'
              'Handoff(status="waiting" if queued else "claimed")\n'
              'if reg.status == RegistrationStatus.OFFERED and audience == "opsagt": pass\n')
    assert status_literals(source) == [(1, "offered"), (1, "registered"), (2, "ledig"), (3, "booked"), (4, "claimed"),
                                       (4, "waiting")]


@pytest.mark.parametrize("folder", SCANNED)
def test_no_bare_status_codes(folder):
    offending = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for line, code in status_literals(path.read_text(encoding="utf-8")):
            if (relative, code) not in ALLOWED:
                offending.append(f"{relative}:{line}: {code!r}")
    assert offending == [], "name the status with its enum in portal/models/statuses.py:\n" + "\n".join(offending)
