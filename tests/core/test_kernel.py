"""The house's ground floor and its demo wing, checked on the import graph (AST, not grep).

- ``coachcare.core`` is the kernel (dates, fields, logging, http, cache, bulk, validators, errors,
  middleware, checks): it imports no other coachcare app, only ``coachcare.conf`` if it must.
- ``coachcare.demo`` (seed_demo, the synthetic country, load-test accounts) is imported by no module
  outside it; tests and benchmarks may.
Both scans see module-level and function-level imports, ``import x`` and ``from x import y``, and
relative imports.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "coachcare"
KERNEL_MAY_IMPORT = {"core", "conf"}


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, src: Path = SRC) -> Iterator[tuple[int, str]]:
    """Every imported module name of a file (absolute, relative ones resolved), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, src).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            # ``from coachcare import clients`` and ``from . import fields`` name modules as well
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "coachcare" or len(parts) < 2:
        return None
    return parts[1]


def _kernel_violations() -> list[str]:
    found = []
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        for line, module in _imports(path):
            app = _app_of(module)
            if app is not None and app not in KERNEL_MAY_IMPORT:
                found.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    return found


def _demo_importers() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "demo") in path.parents:
            continue
        for line, module in _imports(path):
            if _app_of(module) == "demo":
                found.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    return found


def test_the_kernel_imports_no_domain_app() -> None:
    assert _kernel_violations() == []


def test_no_module_outside_the_demo_wing_imports_it() -> None:
    assert _demo_importers() == []


def test_the_scans_see_what_they_look_for(tmp_path: Path) -> None:
    """The scanner finds absolute, relative, function-level and ``from coachcare import`` imports."""
    source = (
        "from coachcare.core import dates\n"
        "from . import fields\n"
        "from ..clients import models\n"
        "def late():\n"
        "    import coachcare.trajectories.services\n"
        "    from coachcare import demo\n"
    )
    sample = tmp_path / "src" / "coachcare" / "core" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(source, encoding="utf-8")
    modules = [module for _line, module in _imports(sample, src=tmp_path / "src")]
    assert "coachcare.core.fields" in modules
    assert "coachcare.clients.models" in modules
    assert "coachcare.trajectories.services" in modules
    assert "coachcare.demo" in modules
    assert {_app_of(module) for module in modules} - {None} == {"core", "clients", "trajectories", "demo"}
