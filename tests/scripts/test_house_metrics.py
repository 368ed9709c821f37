"""scripts/house_metrics.py on a small made-up tree: layers, cycles, late imports, largest files."""

import shutil
from pathlib import Path

import pytest

from scripts import house_metrics

FILES = {
    "__init__.py": "",
    "urls.py": "from coachcare.api import rest\n",
    "core/__init__.py": "",
    # the kernel reaching up into base data: runs back up
    "core/views.py": "from coachcare.clients import models\n",
    "core/dates.py": "TODAY = 1\n",
    "clients/__init__.py": "",
    # a late import downwards, and a relative import inside the app
    "clients/models.py": (
        "from . import services\n\n\ndef age():\n    from coachcare.core import dates\n\n    return dates\n"
    ),
    # an importlib door upwards, into the top layer
    "clients/services.py": 'import importlib\n\nREST = importlib.import_module("coachcare.api.rest")\n',
    "clients/migrations/__init__.py": "",
    "clients/migrations/0001_initial.py": "X = 1\n" * 500,
    "api/__init__.py": "",
    "api/rest.py": "from coachcare.clients import selectors\n" + "Y = 2\n" * 40,
    "clients/selectors.py": "",
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    package = tmp_path / "src" / "coachcare"
    for name, text in FILES.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_counts_on_a_small_tree(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)

    assert house_metrics.main(["--src", str(tree), "--verbose"]) == 0

    out = capsys.readouterr().out
    assert "1. imports that run back up against the layers: 2 imports, 2 app pairs" in out
    assert "   clients -> api: 1" in out
    assert "src/coachcare/clients/services.py:3 (importlib)" in out
    assert "   core -> clients: 1" in out
    # clients imports core (late) and core imports clients; api and clients import each other
    assert "2. app-level import cycles: 2 pairs" in out
    assert "   api <-> clients" in out
    assert "   clients <-> core" in out
    assert "3. function-level imports of coachcare modules: 1 (and 1 importlib.import_module calls)" in out
    assert "src/coachcare/clients/models.py:5 -> core" in out
    assert "4. duplicates over src: not available" in out
    largest = out.split("5. ")[1]
    assert "0001_initial" not in largest
    assert largest.splitlines()[1].split() == ["41", "src/coachcare/api/rest.py"]


def test_every_app_of_the_project_has_a_layer() -> None:
    apps = sorted(
        path.parent.name
        for path in (Path(house_metrics.__file__).parent.parent / "src" / "coachcare").glob("*/apps.py")
    )
    assert apps
    assert [app for app in apps if house_metrics.layer_of(app) is None] == []


def test_providers_and_the_base_apps_that_read_it_do_not_import_each_other() -> None:
    """``providers`` is read by ``access`` and ``accounts`` (its ``Team``); the provider's gate
    setting is written by ``trajectories`` so that ``providers`` imports neither back (issue 15
    follow-up, item 7: the pairs access <-> providers and accounts <-> providers)."""
    src = Path(house_metrics.__file__).parent.parent / "src" / "coachcare"
    graph = house_metrics.app_graph(house_metrics.collect_imports(src))
    assert graph.get("providers", set()) - {"providers", "core"} == set()
