"""The optional youth texts of a method package: imported, exported (left out when empty), validated."""

import json

import pytest
from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator

from coachcare.method.models import Assignment, Lesson, MethodVersion, Module
from coachcare.method.services import method_package_export, method_package_import, package_schema
from tests.method.factories import package_data

pytestmark = pytest.mark.django_db


def with_youth_texts() -> dict:  # type: ignore[type-arg]
    data = package_data(modules=2)
    data["package"]["youth_goals_text"] = "Je doelen zijn *van jou*."
    module = data["modules"][0]
    module["youth_title"] = "Kennismaken"
    module["youth_intro"] = "Je leert je coach **kennen**."
    module["lessons"][0]["youth_title"] = "Wat ga je doen?"
    module["lessons"][0]["youth_text"] = "Je werkt aan *jouw* doelen."
    module["assignments"][0]["youth_title"] = "Jouw wensen"
    module["assignments"][0]["youth_text"] = "Schrijf drie wensen op."
    return data


def test_youth_texts_are_imported_and_exported() -> None:
    method_package_import(data=with_youth_texts())
    assert MethodVersion.objects.get().youth_goals_text == "Je doelen zijn *van jou*."
    module = Module.objects.get(code="CC-MODULE-1")
    assert (module.youth_title, module.youth_intro) == ("Kennismaken", "Je leert je coach **kennen**.")
    lesson = Lesson.objects.get(module=module, order=1)
    assert (lesson.youth_title, lesson.youth_text) == ("Wat ga je doen?", "Je werkt aan *jouw* doelen.")
    assignment = Assignment.objects.get(module=module, order=1)
    assert (assignment.youth_title, assignment.youth_text) == ("Jouw wensen", "Schrijf drie wensen op.")

    exported = method_package_export()
    assert list(Draft202012Validator(package_schema()).iter_errors(exported)) == []
    assert exported["package"]["youth_goals_text"] == "Je doelen zijn *van jou*."
    assert exported["modules"][0]["youth_intro"] == "Je leert je coach **kennen**."
    assert exported["modules"][0]["lessons"][0]["youth_text"] == "Je werkt aan *jouw* doelen."
    # Empty youth texts are left out of the canonical form.
    assert "youth_title" not in exported["modules"][1] and "youth_text" not in exported["modules"][0]["lessons"][1]


def test_reimporting_with_empty_youth_texts_written_out_is_the_same_content() -> None:
    data = package_data(modules=1)
    method_package_import(data=data)
    written_out = json.loads(json.dumps(data))
    written_out["package"]["youth_goals_text"] = ""
    written_out["modules"][0]["youth_title"] = ""
    written_out["modules"][0]["lessons"][0]["youth_text"] = ""
    assert method_package_import(data=written_out).created is False


def test_changing_a_youth_text_needs_a_new_version() -> None:
    method_package_import(data=with_youth_texts())
    changed = with_youth_texts()
    changed["modules"][0]["youth_intro"] = "Iets anders."
    with pytest.raises(ValidationError, match="different content"):
        method_package_import(data=changed)


def test_youth_texts_are_validated() -> None:
    data = with_youth_texts()
    data["modules"][0]["youth_title"] = "x" * 201
    data["modules"][0]["lessons"][0]["youth_text"] = 42
    data["package"]["youth_goals"] = "a typing error in the field name"
    with pytest.raises(ValidationError) as caught:
        method_package_import(data=data)
    messages = "\n".join(caught.value.messages)
    assert "modules[0].youth_title" in messages
    assert "modules[0].lessons[0].youth_text" in messages
    assert "youth_goals" in messages
    assert not MethodVersion.objects.exists()
