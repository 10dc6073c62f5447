"""The one unit-of-work helper (portal/unit_of_work.py): a view's writes are committed together or not at all, and
no view module commits or rolls back by hand again."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.models import ServiceLocation
from portal.services.errors import ValidationFailed
from portal.unit_of_work import unit_of_work

PORTAL = Path(__file__).resolve().parents[2] / "portal"
BLUEPRINTS = PORTAL / "blueprints"


def _locations(session) -> int:
    session.rollback()  # see only what was committed
    return session.scalar(select(func.count()).select_from(ServiceLocation))


def test_unit_of_work_commits_when_the_block_ends(session, make):
    with unit_of_work():
        make.location("Aalborg")
        make.location("Esbjerg")
    assert _locations(session) == 2


def test_unit_of_work_writes_nothing_when_a_rule_says_no(session, make):
    with pytest.raises(ValidationFailed, match="Forkert"), unit_of_work():
        make.location("Aalborg")
        raise ValidationFailed("Forkert dato.", field="day")
    assert _locations(session) == 0


def test_unit_of_work_writes_nothing_on_an_unexpected_error(session, make):
    with pytest.raises(ZeroDivisionError), unit_of_work():
        make.location("Aalborg")
        make.location("Esbjerg")
        1 / 0  # noqa: B018
    assert _locations(session) == 0


def test_unit_of_work_can_be_used_again_after_a_rollback(session, make):
    with pytest.raises(ValidationFailed), unit_of_work():
        make.location("Aalborg")
        raise ValidationFailed("Nej.")
    with unit_of_work():
        make.location("Esbjerg")
    assert session.scalars(select(ServiceLocation.name)).all() == ["Esbjerg"]


def test_unit_of_work_blocks_do_not_nest(session, make):
    with pytest.raises(RuntimeError, match="do not nest"), unit_of_work(), unit_of_work():
        make.location("Aalborg")
    assert _locations(session) == 0


@pytest.fixture
def uow_routes(app, make):
    """A route that writes a row in a unit of work and then ends as `outcome` says."""

    def write(outcome: str):
        with unit_of_work() as session:
            make.location("Aalborg")
            if outcome == "rule":
                raise ValidationFailed("Datoen ligger før i dag.", field="day")
            if outcome == "crash":
                raise KeyError("a bug")
            session.flush()
        return "gemt"

    app.add_url_rule("/test-uow/<outcome>", "test_uow", write, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_domain_error_in_a_view_still_gives_the_clear_message_and_writes_nothing(uow_routes, client, session):
    page = client.post("/test-uow/rule")
    assert page.status_code == 422 and "Datoen ligger før i dag." in page.get_data(as_text=True)
    api = client.post("/test-uow/rule", headers={"Accept": "application/json"})
    assert api.status_code == 422 and api.is_json and api.get_json()["detail"] == "Datoen ligger før i dag."
    assert _locations(session) == 0


def test_an_unexpected_error_in_a_view_is_a_500_page_and_writes_nothing(uow_routes, client, session):
    page = client.post("/test-uow/crash")
    assert page.status_code == 500 and "uventet fejl" in page.get_data(as_text=True)
    assert _locations(session) == 0


def test_a_view_that_succeeds_commits(uow_routes, client, session):
    assert client.post("/test-uow/ok").status_code == 200
    assert _locations(session) == 1


def _direct_transaction_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{path.relative_to(BLUEPRINTS.parent.parent)}:{node.lineno}: .{node.func.attr}()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("commit", "rollback")]


def test_no_view_module_commits_or_rolls_back_by_hand():
    """Views and API handlers end their transaction through portal.unit_of_work, nowhere else (issue 20)."""
    modules = sorted(BLUEPRINTS.rglob("*.py"))
    assert len(modules) > 10
    found = [call for module in modules for call in _direct_transaction_calls(module)]
    assert found == [], "use `with unit_of_work():` (portal/unit_of_work.py) instead of:\n" + "\n".join(found)


def test_sign_in_and_language_leave_the_transaction_to_the_caller():
    """portal/auth/ and portal/i18n.py change rows (the failed-login count, logout, the account's language) and the
    view's unit of work or the CLI command commits them; none of them commits or rolls back itself (issue 20)."""
    modules = sorted((PORTAL / "auth").rglob("*.py")) + [PORTAL / "i18n.py"]
    assert len(modules) > 5
    found = [call for module in modules for call in _direct_transaction_calls(module)]
    assert found == [], "leave the commit to the caller (`with unit_of_work():` in a view):\n" + "\n".join(found)
