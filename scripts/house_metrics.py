"""The house metrics of issue 15: how far the import graph of ``src/coachcare`` follows the layers.

Run from the repository root::

    .venv/bin/python scripts/house_metrics.py [--src src/coachcare] [--verbose]

It reads the Python files as text (``ast``) and runs none of them. It prints:

1. the app-level imports that run back up against ``LAYERS`` below (module- and function-level
   ``from coachcare.X …`` / ``import coachcare.X …``, relative imports resolved, and
   ``importlib.import_module("coachcare.X…")`` calls), each with file and line under ``--verbose``;
2. the app-level import cycles: the pairs of apps that import each other, the strongly connected
   groups of apps, and the number of simple cycles of three or four apps;
3. the number of function-level imports of ``coachcare`` modules;
4. the repeated blocks over the source tree as counted by the ``duplicates`` command, if it is on
   ``PATH`` (otherwise "not available");
5. the ten largest Python files, migrations left out.

``docs/house-metrics.md`` keeps the output before and after the house redesign (issue 15).
"""

from __future__ import annotations

import argparse
import ast
import itertools
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

# The layers, from the bottom (index 0) to the top, following docs/architecture.md ("Dependency
# direction") and the target of issue 15. An app may import apps in its own layer or below; an
# import of an app in a higher layer "runs back up".
#
# - kernel: ``core`` holds the helpers every app uses (dates, encrypted fields, logging, http).
#   Issue 15 item 1 moves the start page, navigation and demo data out of it, so that it imports
#   no domain app; until then those imports are counted here as running back up.
# - base data: the people and organisations and the rules about them. ``access.policy`` reads the
#   models it governs and ``clients.selectors`` asks the policy, ``audit`` records reads of clients:
#   these import each other by nature, so they share one layer (the cycles still show below).
# - method base: the catalogue (``method``), the measures, the contracts (a trajectory starts from
#   an allocation) and safeguarding (the warm hand-off at closure is recorded by the trajectory).
# - trajectories: the state machine and the gate.
# - method portals: coaching and messaging work on a trajectory.
# - declarations: care events and declarations are derived from trajectories and contracts.
# - ijw: the exchange. Issue 15 item 3: money flows one way, contracts → declarations → ijw, and
#   every outgoing message is built in ``ijw`` from plain values that ``declarations`` hands over,
#   so ``ijw`` sits above ``declarations`` (docs/architecture.md still draws the old direction).
# - read across: privacy (export, destruction) and monitoring (indicators) read every app.
# - top: the entry points that compose pages or data from many apps (api, the start page ``home``,
#   demo/synthetic data, operations such as backup and the load-test preparation).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("audit", "accounts", "municipalities", "providers", "clients", "access"),
    ("method", "measures", "contracts", "safeguarding"),
    ("trajectories",),
    ("coaching", "messaging"),
    ("declarations",),
    ("ijw",),
    ("privacy", "monitoring"),
    ("api", "home", "portal", "demo", "synthetic", "operations"),
)

# Declared imports that run back up: (source app, target module suffix, reason). They are true
# dependencies and stay in the cycles of item 2, but are listed apart from item 1 with their reason
# instead of being counted as mistakes. Only the named kind of module is covered: ``access`` importing
# a higher app's ``services`` or ``selectors`` still counts as running back up.
#
# - ``access.policy`` decides who may see what of every app, so it reads the *models* it governs
#   (contracts, coaching appointments, declarations, message threads, module runs, API vendor
#   accounts) to build its visibility querysets; every app below and above asks it. No single layer
#   is true for that: below the apps that ask it, above the models it reads. ADR 0002 and
#   docs/architecture.md ("Dependency direction") give the reason.
DECLARED_UPWARD: tuple[tuple[str, str, str], ...] = (
    ("access", "models", "the access policy reads the models it governs (ADR 0002)"),
)

# Project-level modules and folders that are not apps: settings and the URL root may import anything.
NOT_APPS = frozenset({"conf", "urls", "wsgi", "asgi", "locale", "static", "templates", "__init__", "?"})
UNKNOWN = "?"

PACKAGE = "coachcare"


@dataclass(frozen=True)
class Import:
    """One import of a ``coachcare`` module by a file of the tree."""

    path: Path
    line: int
    source_app: str
    target_app: str
    function_level: bool
    dynamic: bool
    module: str = ""


def declared_reason(item: Import) -> str | None:
    """The reason an import that runs back up is declared (``DECLARED_UPWARD``), else ``None``."""
    for source_app, suffix, reason in DECLARED_UPWARD:
        if item.source_app == source_app and item.module == f"{PACKAGE}.{item.target_app}.{suffix}":
            return reason
    return None


def layer_of(app: str) -> int | None:
    for index, apps in enumerate(LAYERS):
        if app in apps:
            return index
    return None


def module_parts(path: Path, src: Path) -> list[str]:
    relative = path.relative_to(src.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def target_app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2 or not parts[1]:
        return None
    return parts[1]


class ImportVisitor(ast.NodeVisitor):
    """Collects the ``coachcare`` imports of one file, noting whether they stand inside a function."""

    def __init__(self, *, package_parts: list[str], is_package: bool) -> None:
        self.package_parts = package_parts if is_package else package_parts[:-1]
        self.depth = 0
        self.found: list[tuple[int, str, bool, bool]] = []

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = _visit_function  # noqa: N815 (ast.NodeVisitor's naming)
    visit_AsyncFunctionDef = _visit_function  # noqa: N815
    visit_Lambda = _visit_function  # noqa: N815

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((node.lineno, alias.name, self.depth > 0, False))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package_parts[: len(self.package_parts) - (node.level - 1)]
            module = ".".join([*base, *([node.module] if node.module else [])])
            if not node.module:
                # ``from . import services``: each name is a module of the package.
                for alias in node.names:
                    self.found.append((node.lineno, f"{module}.{alias.name}", self.depth > 0, False))
                return
        else:
            module = node.module or ""
        self.found.append((node.lineno, module, self.depth > 0, False))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "import_module" and node.args:
            first = node.args[0]
            text = ""
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
            elif isinstance(first, ast.JoinedStr) and first.values:
                head = first.values[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    text = head.value
            if text.startswith(f"{PACKAGE}."):
                self.found.append((node.lineno, text, self.depth > 0, True))
        self.generic_visit(node)


def python_files(src: Path) -> list[Path]:
    return sorted(path for path in src.rglob("*.py") if "migrations" not in path.parts)


def collect_imports(src: Path) -> list[Import]:
    imports: list[Import] = []
    for path in python_files(src):
        parts = module_parts(path, src)
        if len(parts) < 2:
            continue
        source_app = parts[1]
        visitor = ImportVisitor(package_parts=parts, is_package=path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for line, module, function_level, dynamic in visitor.found:
            target_app = target_app_of(module)
            if target_app is None and dynamic and module.startswith(f"{PACKAGE}."):
                target_app = UNKNOWN  # import_module(f"coachcare.{name}..."): an app chosen at run time
            if target_app is None:
                continue
            imports.append(
                Import(
                    path=path,
                    line=line,
                    source_app=source_app,
                    target_app=target_app,
                    function_level=function_level,
                    dynamic=dynamic,
                    module=module,
                )
            )
    return imports


def app_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for item in imports:
        if item.source_app in NOT_APPS or item.target_app in NOT_APPS or item.source_app == item.target_app:
            continue
        graph[item.source_app].add(item.target_app)
        graph.setdefault(item.target_app, set())
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; only the groups of two or more apps."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = itertools.count()

    def visit(node: str) -> None:
        index[node] = low[node] = next(counter)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def simple_cycles(graph: dict[str, set[str]], *, length: int) -> list[tuple[str, ...]]:
    """The simple cycles of exactly ``length`` apps, each once (starting at its smallest name)."""
    cycles: list[tuple[str, ...]] = []

    def extend(path: list[str]) -> None:
        if len(path) == length:
            if path[0] in graph[path[-1]]:
                cycles.append(tuple(path))
            return
        for successor in sorted(graph[path[-1]]):
            if successor > path[0] and successor not in path:
                extend([*path, successor])

    for start in sorted(graph):
        extend([start])
    return cycles


def duplicates_line(src: Path) -> str:
    command = shutil.which("duplicates")
    if command is None:
        return "not available (no `duplicates` command on PATH)"
    result = subprocess.run(  # noqa: S603 (a fixed command found on PATH, no shell)
        [command, "--repo", str(src.parent), "--most", "1", "--seconds", "120"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.splitlines()
    return lines[0] if lines else f"no output ({result.stderr.strip()})"


def largest_files(src: Path, *, count: int = 10) -> list[tuple[int, Path]]:
    sizes = [(len(path.read_text(encoding="utf-8").splitlines()), path) for path in python_files(src)]
    return sorted(sizes, key=lambda item: (-item[0], str(item[1])))[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--src", type=Path, default=Path("src") / PACKAGE, help="the package folder")
    parser.add_argument("--verbose", action="store_true", help="list every import that runs back up")
    options = parser.parse_args(argv)
    src: Path = options.src.resolve()
    root = src.parent.parent

    def shown(path: Path) -> str:
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    imports = collect_imports(src)
    apps = sorted(
        {item.source_app for item in imports} | {item.target_app for item in imports} | {p.name for p in src.iterdir()}
    )
    undeclared = [
        app for app in apps if app not in NOT_APPS and layer_of(app) is None and (src / app / "__init__.py").exists()
    ]
    if undeclared:
        print(f"apps without a layer (declare them in LAYERS): {', '.join(undeclared)}")

    upward: list[Import] = []
    declared: list[Import] = []
    for item in imports:
        source, target = layer_of(item.source_app), layer_of(item.target_app)
        if source is not None and target is not None and target > source:
            (declared if declared_reason(item) else upward).append(item)
    pairs = sorted({(item.source_app, item.target_app) for item in upward})
    print(f"1. imports that run back up against the layers: {len(upward)} imports, {len(pairs)} app pairs")
    for source_app, target_app in pairs:
        these = [item for item in upward if (item.source_app, item.target_app) == (source_app, target_app)]
        print(f"   {source_app} -> {target_app}: {len(these)}")
        if options.verbose:
            for item in these:
                how = " (importlib)" if item.dynamic else " (in a function)" if item.function_level else ""
                print(f"      {shown(item.path)}:{item.line}{how}")
    if declared:
        reasons = sorted({reason for item in declared if (reason := declared_reason(item))})
        targets = sorted({f"{item.source_app} -> {item.target_app}" for item in declared})
        print(f"   declared, not counted above: {len(declared)} imports ({'; '.join(reasons)}): {', '.join(targets)}")
        if options.verbose:
            for item in declared:
                print(f"      {shown(item.path)}:{item.line} {item.module}")

    graph = app_graph(imports)
    mutual = sorted((a, b) for a in graph for b in graph[a] if a < b and a in graph[b])
    groups = strongly_connected(graph)
    longer = {length: simple_cycles(graph, length=length) for length in (3, 4)}
    print(
        f"2. app-level import cycles: {len(mutual)} pairs, {len(longer[3])} cycles of three apps, "
        f"{len(longer[4])} of four; {len(groups)} strongly connected groups"
    )
    for a, b in mutual:
        print(f"   {a} <-> {b}")
    for group in groups:
        print(f"   group of {len(group)}: {', '.join(group)}")

    function_level = [item for item in imports if item.function_level and not item.dynamic]
    dynamic = [item for item in imports if item.dynamic]
    print(
        f"3. function-level imports of {PACKAGE} modules: {len(function_level)} "
        f"(and {len(dynamic)} importlib.import_module calls)"
    )
    if options.verbose:
        for item in function_level:
            print(f"      {shown(item.path)}:{item.line} -> {item.target_app}")

    print(f"4. duplicates over {shown(src.parent)}: {duplicates_line(src)}")

    print("5. the ten largest Python files (migrations left out), in lines:")
    for lines, path in largest_files(src):
        print(f"   {lines:5d} {shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
