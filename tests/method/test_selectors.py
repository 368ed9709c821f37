import pytest

from coachcare.method.models import Module
from coachcare.method.selectors import method_version_current, method_version_list, module_get, module_list
from coachcare.method.services import method_package_import
from tests.method.factories import AssignmentFactory, LessonFactory, MethodVersionFactory, ModuleFactory, package_data

pytestmark = pytest.mark.django_db


def test_nothing_installed() -> None:
    assert method_version_current() is None
    assert list(module_list()) == []


def test_current_version_and_its_modules_in_order() -> None:
    method_package_import(data=package_data(version="2026.1", modules=4))
    method_package_import(data=package_data(version="2026.2", modules=2))

    current = method_version_current()
    assert current is not None and current.version == "2026.2"
    assert [module.code for module in module_list()] == ["CC-MODULE-1", "CC-MODULE-2"]
    assert len(module_list(version="2026.1")) == 4
    assert [version.version for version in method_version_list()] == ["2026.2", "2026.1"]


def test_module_get() -> None:
    method_package_import(data=package_data(version="2026.1", modules=2))
    method_package_import(data=package_data(version="2026.2", modules=2))

    module = module_get(version="2026.1", code="CC-MODULE-2")
    assert module.method_version.version == "2026.1"
    assert [lesson.order for lesson in module.lessons.all()] == [1, 2]
    with pytest.raises(Module.DoesNotExist):
        module_get(version="2026.1", code="CC-ONBEKEND")


def test_factories_build_a_consistent_catalogue() -> None:
    version = MethodVersionFactory.create(is_current=True)
    module = ModuleFactory.create(method_version=version)
    LessonFactory.create(module=module)
    AssignmentFactory.create(module=module)

    assert list(module_list()) == [module]
    assert module.lessons.count() == 1 and module.assignments.count() == 1
