import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from coachcare.demo.installers import DEMO_PACKAGE_PATH, method_demo_package_install
from coachcare.demo.seed import seed_demo
from coachcare.method.models import MethodVersion, Module
from coachcare.method.services import (
    method_package_export,
    package_normalize,
    package_schema,
    package_semantic_errors,
)


def demo_package() -> dict[str, Any]:
    package: dict[str, Any] = json.loads(DEMO_PACKAGE_PATH.read_text(encoding="utf-8"))
    return package


def test_demo_package_is_valid() -> None:
    data = demo_package()

    assert list(Draft202012Validator(package_schema()).iter_errors(data)) == []
    assert package_semantic_errors(data=data) == []
    assert data["package"]["version"] == "2026.2"


def test_demo_package_is_written_in_canonical_form() -> None:
    """The file is what method_export writes, so an export of the demo is diffable with the file."""
    data = demo_package()
    assert package_normalize(data=data) == data


def test_demo_package_has_four_complete_modules() -> None:
    modules = demo_package()["modules"]

    assert [module["code"] for module in modules] == [
        "CC-KENNISMAKING",
        "CC-DAGRITME",
        "CC-COMMUNICATIE-THUIS",
        "CC-ZELFSTANDIG-VERDER",
    ]
    for module in modules:
        assert 2 <= len(module["lessons"]) <= 4, module["code"]
        assert 2 <= len(module["assignments"]) <= 3, module["code"]
        assert all(len(lesson["body"]) > 400 for lesson in module["lessons"]), module["code"]
        sessions = [plan["session"] for plan in module["coach_manual"]["sessions"]]
        assert sessions == list(range(1, module["expected_sessions"] + 1)), module["code"]
        assert len(module["coach_manual"]["watch_for"]) >= 3, module["code"]
        assert (module["ijw_product_category"], module["unit"]) == ("45", "82")
    assert [module["is_final"] for module in modules] == [False, False, False, True]
    assert any("meldcode" in signal for signal in modules[0]["coach_manual"]["watch_for"])


@pytest.mark.django_db
def test_demo_package_installs_once_and_exports_identically() -> None:
    assert method_demo_package_install() is not None
    assert method_demo_package_install() is None

    assert MethodVersion.objects.get(is_current=True).version == "2026.2"
    assert Module.objects.count() == 4
    exported = json.dumps(method_package_export(), ensure_ascii=False, indent=2) + "\n"
    assert exported == DEMO_PACKAGE_PATH.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_seed_demo_loads_the_method() -> None:
    seed_demo()
    seed_demo()

    assert MethodVersion.objects.get().version == "2026.2"
    assert Module.objects.count() == 4
