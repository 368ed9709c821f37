import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from jsonschema import Draft202012Validator

from coachcare.method.models import Assignment, Lesson, MethodVersion, Module
from coachcare.method.services import (
    method_package_export,
    method_package_import,
    package_normalize,
    package_schema,
    version_key,
)
from tests.method.factories import MethodVersionFactory, module_data, package_copy, package_data

pytestmark = pytest.mark.django_db


def import_errors(data: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        method_package_import(data=data)
    return caught.value.messages


def test_schema_is_a_valid_documented_draft_2020_12_schema() -> None:
    schema = package_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def undocumented(node: object, path: str) -> list[str]:
        missing: list[str] = []
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    missing.append(f"{path}.{name}")
            for key, sub in node.items():
                if key not in {"if", "then", "else"}:  # these only narrow properties documented above
                    missing += undocumented(sub, f"{path}.{key}")
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                missing += undocumented(sub, f"{path}[{index}]")
        return missing

    assert undocumented(schema, "") == []


def test_import_creates_a_current_version_with_everything() -> None:
    result = method_package_import(data=package_data())

    assert result.created and result.is_current
    assert (result.modules, result.lessons, result.assignments) == (4, 8, 8)
    version = MethodVersion.objects.get()
    assert version.is_current and version.version == "2026.1" and version.name == "coach-and-care"
    module = Module.objects.get(code="CC-MODULE-1")
    assert module.unit == "82" and module.is_final is False
    assert module.coach_manual["watch_for"] == ["Signalen van onveiligheid: volg de meldcode."]
    choice = Assignment.objects.get(module=module, order=2)
    assert choice.answer_kind == "choice" and choice.choices == ["Ja", "Nee"]
    assert Assignment.objects.get(module=module, order=1).answer_kind == "text"
    assert "imported (current)" in result.summary


def test_schema_errors_are_all_reported_with_their_json_path() -> None:
    data = package_data()
    data["modules"][2]["ijw_product_category"] = "99x"
    del data["modules"][0]["name"]
    data["modules"][1]["kind"] = "hybrid"
    data["modules"][3]["assignments"][1]["choices"] = []
    data["modules"][3]["lessons"][0]["order"] = 0
    data["package"]["version"] = "2026-1"
    data["extra"] = True

    errors = import_errors(data)

    assert errors == [
        "(package): Additional properties are not allowed ('extra' was unexpected)",
        "modules[0]: 'name' is a required property",
        "modules[1].kind: 'hybrid' is not one of ['online', 'offline', 'blended']",
        "modules[2].ijw_product_category: '99x' does not match '^[0-9]{2}$'",
        "modules[3].assignments[1].choices: [] is too short",
        "modules[3].lessons[0].order: 0 is less than the minimum of 1",
        "package.version: '2026-1' does not match '^[0-9]{1,6}(\\\\.[0-9]{1,6}){0,3}$'",
    ]
    assert not MethodVersion.objects.exists()


@pytest.mark.parametrize("data", [[], "package", None, {}])
def test_something_that_is_no_package_is_refused(data: object) -> None:
    assert import_errors(data)
    assert not MethodVersion.objects.exists()


def test_text_assignment_cannot_have_choices() -> None:
    data = package_data(modules=1)
    data["modules"][0]["assignments"][0]["choices"] = ["Ja", "Nee"]

    assert import_errors(data) == ["modules[0].assignments[0].choices: ['Ja', 'Nee'] is expected to be empty"]


def test_semantic_errors_are_all_reported() -> None:
    data = package_data()
    data["modules"][1]["code"] = "CC-MODULE-1"
    data["modules"][0]["ijw_product_category"] = "39"
    data["modules"][2]["unit"] = "02"
    data["modules"][3]["lessons"][1]["order"] = 1
    data["modules"][3]["assignments"][1]["order"] = 1
    data["modules"][3]["coach_manual"]["sessions"].append({"session": 3, "title": "Extra", "plan": "Te veel."})

    errors = import_errors(data)

    assert errors == [
        "modules: module code 'CC-MODULE-1' appears more than once",
        "modules[0].ijw_product_category: '39' is not a product category of JZ020 (31 to 38 or 40 to 55)",
        "modules[2].unit: '02' is not a unit of WJ756 (01, 04, 14, 16, 82, 83, 84)",
        "modules[3].lessons: order 1 is used more than once",
        "modules[3].assignments: order 1 is used more than once",
        "modules[3].coach_manual.sessions: session 3 is beyond expected_sessions (2)",
    ]


def test_schema_and_semantic_errors_are_reported_together() -> None:
    data = package_data()
    data["modules"][2]["ijw_product_category"] = "99x"
    data["modules"][0]["lessons"][1]["order"] = 1

    assert import_errors(data) == [
        "modules[2].ijw_product_category: '99x' does not match '^[0-9]{2}$'",
        "modules[0].lessons: order 1 is used more than once",
    ]


@pytest.mark.parametrize(
    "modules",
    [
        7,
        "modules",
        [None, 1],
        [{"code": 1, "lessons": "x", "assignments": [None, {"order": "1"}], "coach_manual": []}],
        [{"expected_sessions": "2", "coach_manual": {"sessions": [{"session": True}, 5]}, "unit": 82}],
    ],
)
def test_malformed_modules_give_errors_not_crashes(modules: object) -> None:
    data = package_data()
    data["modules"] = modules

    assert import_errors(data)
    assert not MethodVersion.objects.exists()


@pytest.mark.parametrize("category", ["31", "38", "40", "45", "55"])
def test_product_categories_of_jz020_are_accepted(category: str) -> None:
    data = package_data(modules=1)
    data["modules"][0]["ijw_product_category"] = category

    assert method_package_import(data=data).created


def test_an_invalid_fourth_module_imports_nothing() -> None:
    data = package_data()
    data["modules"][3]["ijw_product_category"] = "99"

    import_errors(data)

    assert not MethodVersion.objects.exists()
    assert not Module.objects.exists()
    assert not Lesson.objects.exists()
    assert not Assignment.objects.exists()


def test_a_database_failure_halfway_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Assignment.objects.bulk_create
    calls = {"n": 0}

    def failing_bulk_create(objs: object, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise IntegrityError("simulated failure in the fourth module")
        return original(objs, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Assignment.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(ValidationError):
        method_package_import(data=package_data())

    assert not MethodVersion.objects.exists()
    assert not Module.objects.exists()


def test_export_validates_and_round_trips() -> None:
    method_package_import(data=package_data())
    exported = method_package_export()
    assert list(Draft202012Validator(package_schema()).iter_errors(exported)) == []
    first = json.dumps(exported, ensure_ascii=False, indent=2)

    # Into an empty catalogue again: the same package gives the same export.
    Lesson.objects.all().delete()
    Assignment.objects.all().delete()
    Module.objects.all().delete()
    MethodVersion.objects.all().delete()
    method_package_import(data=json.loads(first))

    assert json.dumps(method_package_export(), ensure_ascii=False, indent=2) == first


def test_export_fills_in_defaults_and_orders_items() -> None:
    data = package_data(modules=2)
    data["modules"].reverse()
    data["modules"][0]["lessons"].reverse()

    method_package_import(data=data)
    exported = method_package_export()

    assert [module["code"] for module in exported["modules"]] == ["CC-MODULE-1", "CC-MODULE-2"]
    assert [lesson["order"] for lesson in exported["modules"][1]["lessons"]] == [1, 2]
    assert exported["modules"][0]["unit"] == "82"
    assert exported["modules"][0]["is_final"] is False
    assert exported["modules"][0]["assignments"][0] == {
        "order": 1,
        "title": "Schrijfopdracht",
        "instructions": "Schrijf op wat je wilt.",
        "answer_kind": "text",
        "choices": [],
    }


def test_export_of_an_older_or_unknown_version() -> None:
    method_package_import(data=package_data(version="2026.1"))
    method_package_import(data=package_data(version="2026.2", modules=2))

    assert method_package_export(version="2026.1")["package"]["version"] == "2026.1"
    assert len(method_package_export(version="2026.1")["modules"]) == 4
    with pytest.raises(ValidationError, match=r"'2027.1' is not installed \(installed: 2026.1, 2026.2\)"):
        method_package_export(version="2027.1")


def test_export_without_any_version() -> None:
    with pytest.raises(ValidationError, match="no current method version"):
        method_package_export()


def test_a_newer_version_becomes_current_and_leaves_the_old_one_untouched() -> None:
    method_package_import(data=package_data(version="2026.1"))
    old_version = MethodVersion.objects.get(version="2026.1")
    old_modules = {module.pk: (module.code, module.name, module.purpose) for module in Module.objects.all()}
    old_lessons = sorted(Lesson.objects.values_list("pk", "title", "body"))
    old_export = method_package_export(version="2026.1")

    newer = package_data(version="2026.2", modules=3)
    newer["modules"][0]["name"] = "Module 1, herzien"
    newer["modules"][0]["lessons"][0]["body"] = "Nieuwe tekst."
    result = method_package_import(data=newer)

    assert result.created and result.is_current
    old_version.refresh_from_db()
    assert not old_version.is_current
    assert MethodVersion.objects.get(is_current=True).version == "2026.2"
    for pk, values in old_modules.items():
        module = Module.objects.get(pk=pk)
        assert module.method_version_id == old_version.pk
        assert (module.code, module.name, module.purpose) == values
    assert sorted(Lesson.objects.filter(module__method_version=old_version).values_list("pk", "title", "body")) == (
        old_lessons
    )
    assert method_package_export(version="2026.1") == old_export
    assert Module.objects.filter(method_version__version="2026.2", code="CC-MODULE-1").get().name == (
        "Module 1, herzien"
    )


def test_an_older_version_is_imported_but_does_not_become_current() -> None:
    method_package_import(data=package_data(version="2026.10"))

    result = method_package_import(data=package_data(version="2026.9"))

    assert result.created and not result.is_current
    assert MethodVersion.objects.get(is_current=True).version == "2026.10"


def test_make_current_rolls_back_to_an_installed_version() -> None:
    first = package_data(version="2026.1")
    method_package_import(data=first)
    method_package_import(data=package_data(version="2026.2"))

    result = method_package_import(data=first, make_current=True)

    assert not result.created and result.is_current
    assert MethodVersion.objects.get(is_current=True).version == "2026.1"
    assert MethodVersion.objects.count() == 2


def test_reimporting_the_same_package_changes_nothing() -> None:
    data = package_data()
    method_package_import(data=data)
    ids = sorted(Module.objects.values_list("pk", flat=True))
    reordered = package_copy(data)
    reordered["modules"].reverse()
    for module in reordered["modules"]:
        module["unit"] = "82"  # the default, written out

    result = method_package_import(data=reordered)

    assert not result.created and result.is_current
    assert "already present, unchanged" in result.summary
    assert sorted(Module.objects.values_list("pk", flat=True)) == ids
    assert MethodVersion.objects.count() == 1


def test_the_same_version_with_different_content_is_refused() -> None:
    method_package_import(data=package_data())
    changed = package_data()
    changed["modules"][1]["lessons"][0]["body"] = "Stiekem aangepast."

    errors = import_errors(changed)

    assert errors == [
        "package.version: version 2026.1 is already installed with different content; an imported version never "
        "changes, so give the changed package a new version"
    ]
    assert Lesson.objects.filter(body="Stiekem aangepast.").count() == 0


def test_the_same_version_written_differently_is_refused() -> None:
    method_package_import(data=package_data(version="2026.1"))

    errors = import_errors(package_data(version="2026.1.0"))

    assert errors == [
        "package.version: '2026.1.0' is the same version as the installed '2026.1'; "
        "write it the same way or choose a new version"
    ]


def test_only_one_version_can_be_current() -> None:
    MethodVersionFactory.create(version="2026.1", is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodVersionFactory.create(version="2026.2", is_current=True)


def test_module_codes_are_unique_within_a_version_only() -> None:
    method_package_import(data=package_data(version="2026.1", modules=1))
    method_package_import(data=package_data(version="2026.2", modules=1))

    assert Module.objects.filter(code="CC-MODULE-1").count() == 2


def test_optional_fields_may_be_left_out() -> None:
    data = package_data(modules=1)
    del data["package"]["description"]
    data["modules"] = [module_data(1, lessons=[], assignments=[], kind="offline")]

    result = method_package_import(data=data)

    assert result.created and (result.lessons, result.assignments) == (0, 0)
    assert MethodVersion.objects.get().description == ""


@pytest.mark.parametrize(
    ("older", "newer"),
    [("2026.1", "2026.2"), ("2026.9", "2026.10"), ("2026.1", "2027"), ("1", "1.0.1")],
)
def test_versions_compare_number_by_number(older: str, newer: str) -> None:
    assert version_key(older) < version_key(newer)


def test_trailing_zeros_do_not_make_a_version_newer() -> None:
    assert version_key("2026.1") == version_key("2026.1.0")


def test_reliable_change_thresholds_are_imported_exported_and_defaulted() -> None:
    data = package_data()
    data["package"]["reliable_change"] = {"gbo": 2.5, "gas_t": 8}
    method_package_import(data=data)
    version = MethodVersion.objects.get()
    assert (version.reliable_change_gbo, version.reliable_change_gas_t) == (2.5, 8.0)
    assert method_package_export()["package"]["reliable_change"] == {"gbo": 2.5, "gas_t": 8.0}

    other = package_data()
    other["package"]["version"] = "2099.1"
    other["package"].pop("reliable_change", None)
    method_package_import(data=other)
    assert MethodVersion.objects.get(version="2099.1").reliable_change_gbo == 3.0


@pytest.mark.parametrize("bad", [{"gbo": 0}, {"gbo": 11}, {"gas_t": -1}, {"rci": 2}])
def test_reliable_change_thresholds_are_validated(bad: dict[str, float]) -> None:
    data = package_data()
    data["package"]["reliable_change"] = bad
    assert any("reliable_change" in message for message in import_errors(data))


def with_domains(data: dict[str, Any]) -> dict[str, Any]:
    data["package"]["goal_domains"] = [
        {"code": "dagritme", "name": "Dagritme, school en werk"},
        {"code": "thuis", "name": "Thuis en gezin"},
    ]
    data["modules"][1]["goal_domains"] = ["dagritme"]
    data["modules"][2]["goal_domains"] = ["thuis", "dagritme"]
    return data


def test_goal_domains_are_imported_exported_and_left_out_when_empty() -> None:
    method_package_import(data=with_domains(package_data()))
    version = MethodVersion.objects.get()
    assert [domain["code"] for domain in version.goal_domains] == ["dagritme", "thuis"]
    assert Module.objects.get(code="CC-MODULE-3").goal_domains == ["thuis", "dagritme"]
    exported = method_package_export()
    assert exported["package"]["goal_domains"][1] == {"code": "thuis", "name": "Thuis en gezin"}
    assert "goal_domains" not in exported["modules"][0]
    assert exported["modules"][2]["goal_domains"] == ["thuis", "dagritme"]
    assert package_normalize(data=with_domains(package_data())) == exported
    # A package without domains exports without them, exactly as before.
    method_package_import(data=package_data(version="2099.1"))
    assert "goal_domains" not in method_package_export(version="2099.1")["package"]


def test_a_module_serves_only_domains_the_package_names() -> None:
    data = with_domains(package_data())
    data["package"]["goal_domains"].append({"code": "thuis", "name": "Nog eens"})
    data["modules"][3]["goal_domains"] = ["vrije-tijd"]
    assert import_errors(data) == [
        "package.goal_domains: domain code 'thuis' appears more than once",
        "modules[3].goal_domains: 'vrije-tijd' is not a domain of package.goal_domains",
    ]
