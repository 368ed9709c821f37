"""``coachcare.api.selectors`` is a thin adapter over the apps' own selectors (issue 15 item 6).

Which rows an actor may read, and how they are narrowed, is decided by the selectors of the app
that owns the model (``clients.selectors``, ``trajectories.selectors``, ...) with the visibility
rules of ``access.policy``; the API's selectors only page those results (``cursor_paginate``),
choose fields and write the access log with channel ``api``. Checked on the syntax tree (AST, not
grep): no module of the package reaches a model manager (``.objects``) or narrows a queryset
(``.filter(``, ``.exclude(``, ``.annotate(``, ...) itself.
"""

import ast
from pathlib import Path

import pytest

SELECTORS = Path(__file__).resolve().parents[2] / "src" / "coachcare" / "api" / "selectors"
#: Queryset methods that decide which rows are read: they belong in the owning app's selectors.
NARROWING = {"filter", "exclude", "annotate", "aggregate", "alias", "extra", "raw", "complex_filter", "union"}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append(f"{path.name}:{node.lineno}: .objects")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in NARROWING:
            found.append(f"{path.name}:{node.lineno}: .{node.func.attr}(")
    return found


def test_the_package_has_modules() -> None:
    assert len(list(SELECTORS.glob("*.py"))) > 5


@pytest.mark.parametrize("path", sorted(SELECTORS.glob("*.py")), ids=lambda path: path.name)
def test_api_selectors_query_no_model_themselves(path: Path) -> None:
    assert _violations(path) == []


def test_the_check_sees_a_query(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("def f(Client):\n    return Client.objects.all().filter(given_name='x')\n", encoding="utf-8")
    assert _violations(module) == ["example.py:2: .filter(", "example.py:2: .objects"]


#: The one place that pages, keeps the allowed rows and writes the access log (issue 15 follow-up, item 2).
HELPER = "logged.py"
#: Lists without personal data, neither narrowed per row nor logged: they page directly.
UNLOGGED_LISTS = {"catalogue.py", "invoices.py"}


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


@pytest.mark.parametrize("path", sorted(SELECTORS.glob("*.py")), ids=lambda path: path.name)
def test_paging_and_logging_go_through_the_one_helper(path: Path) -> None:
    """No adapter repeats "paginate, keep the allowed rows, write the access log": ``logged.page_logged``
    (lists) and ``logged.read_logged`` (one client) do it."""
    if path.name == HELPER:
        return
    calls = _calls(path)
    assert "access_log_record" not in calls
    assert "replace" not in calls  # dataclasses.replace(page, items=...rows_allowed...)
    if path.name not in UNLOGGED_LISTS:
        assert "cursor_paginate" not in calls
