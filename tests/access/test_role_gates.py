"""Access decisions live in ``access/policy.py``: nowhere else in ``src/coachcare`` is ``.role``
compared (``==``, ``!=``, ``in``, ``not in``, or matched in a ``match`` statement). Only ``access/``
(the policy) and ``accounts/`` (where roles are defined, assigned and validated) may."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "coachcare"
ALLOWED = ("access", "accounts")


def _is_role(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "role"


def role_comparisons(source: str) -> list[int]:
    """Line numbers where ``<something>.role`` is compared or matched on."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(_is_role(part) for part in [node.left, *node.comparators]):
            if any(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops):
                lines.append(node.lineno)
        elif isinstance(node, ast.Match) and _is_role(node.subject):
            lines.append(node.lineno)
    return sorted(lines)


def _checked_files() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] not in ALLOWED and "migrations" not in path.parts
    )


def test_no_role_comparison_outside_the_policy() -> None:
    found = {
        str(path.relative_to(SRC)): lines
        for path in _checked_files()
        if (lines := role_comparisons(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"compare roles through a named function in access/policy.py: {found}"


@pytest.mark.parametrize(
    "source",
    [
        "if actor.role == Role.COACH: pass",
        "x = user.role != 'ouder'",
        "ok = request.user.role in {Role.COACH, Role.TEAMLEIDER}",
        "ok = actor.role not in MUNICIPALITY_ROLES",
        "ok = Role.JONGERE == actor.role",
        "match user.role:\n    case _: pass",
    ],
)
def test_the_scan_finds_each_kind_of_comparison(source: str) -> None:
    assert role_comparisons(source) == [1]


def test_the_scan_leaves_other_uses_of_role_alone() -> None:
    source = "label = labels[user.role]\nroles = {p.role for p in people}\nuser.role = Role.COACH\n"
    assert role_comparisons(source) == []


def test_the_scan_covers_the_apps() -> None:
    checked = {path.relative_to(SRC).parts[0] for path in _checked_files()}
    assert {"api", "clients", "coaching", "privacy", "core"} <= checked
