"""Access decisions live in ``access/policy.py``: nowhere else in ``src/coachcare`` is ``.role``
compared (``==``, ``!=``, ``in``, ``not in``, or matched in a ``match`` statement). Only ``access/``
(the policy) and ``accounts/`` (where roles are defined, assigned and validated) may. Templates
neither: a view passes a named policy result (``shows_team``) instead of ``user.role == "…"``."""

import ast
import re
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
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Role"
            and any(_is_role(arg) for arg in node.args)
        ):
            # ``role = Role(user.role)`` then ``role == Role.COACH``: the comparison hides behind a local.
            lines.append(node.lineno)
    return sorted(lines)


#: ``{% if user.role == "coach" %}``, ``{% elif actor.role != … %}``, ``{% if user.role in roles %}``,
#: ``{% if user.role not in … %}``: ``.role`` on the left of a comparison inside a template tag.
TEMPLATE_ROLE_COMPARISON = re.compile(
    r"\{%[^%]*?(?:\.role\s*(?:==|!=|\bin\b|\bnot\s+in\b)|(?:==|!=)\s*[\w.]+\.role\b)[^%]*%\}"
)


def template_role_comparisons(source: str) -> list[int]:
    """Line numbers where a template tag compares ``<something>.role``."""
    return sorted({source.count("\n", 0, match.start()) + 1 for match in TEMPLATE_ROLE_COMPARISON.finditer(source)})


def _checked_templates() -> list[Path]:
    """``src/coachcare/templates``, the Jinja templates ``src/coachcare/jinja2`` and every app's
    ``templates/``, outside ``accounts/`` (the account pages show and assign roles) and ``access/``."""
    return sorted(
        path
        for path in [*SRC.rglob("templates/**/*"), *SRC.rglob("jinja2/**/*")]
        if path.is_file()
        and path.suffix in {".html", ".txt", ".xml"}
        and path.relative_to(SRC).parts[0] not in ALLOWED
        and "accounts" not in path.relative_to(SRC).parts[1:3]
    )


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
        "role = Role(user.role)",
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


def test_no_role_comparison_in_templates() -> None:
    found = {
        str(path.relative_to(SRC)): lines
        for path in _checked_templates()
        if (lines := template_role_comparisons(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"pass a named policy result from the view instead of comparing roles: {found}"


@pytest.mark.parametrize(
    "source",
    [
        '{% if user.role == "teamleider" %}x{% endif %}',
        "{% elif request.user.role != 'ouder' %}",
        "{% if user.role in team_roles %}",
        "{% if actor.role not in municipality_roles %}",
        '{% if shows_team and user.role == "coach" %}',
        "{% if value == entry.role %}",
    ],
)
def test_the_template_scan_finds_each_kind_of_comparison(source: str) -> None:
    assert template_role_comparisons(source) == [1]


def test_the_template_scan_leaves_other_uses_of_role_alone() -> None:
    source = "{{ user.role }}\n{% if shows_team %}{% endif %}\n{% for value, label in role_choices %}{% endfor %}\n"
    assert template_role_comparisons(source) == []


def test_the_template_scan_covers_the_templates() -> None:
    checked = {str(path.relative_to(SRC)) for path in _checked_templates()}
    assert "jinja2/home/home_caseload.html" in checked
    assert "templates/home/home_admin.html" in checked
    assert not any("/accounts/" in name for name in checked)
