"""Factories for the method catalogue, and package data for import tests."""

import copy
from typing import Any

import factory

from coachcare.method.models import Assignment, Lesson, MethodVersion, Module


class MethodVersionFactory(factory.django.DjangoModelFactory[MethodVersion]):
    class Meta:
        model = MethodVersion
        django_get_or_create = ("version",)

    name = "coach-and-care"
    version = factory.Sequence(lambda n: f"2025.{n + 1}")
    description = "Testversie"
    is_current = False


class ModuleFactory(factory.django.DjangoModelFactory[Module]):
    class Meta:
        model = Module

    method_version = factory.SubFactory(MethodVersionFactory)
    code = factory.Sequence(lambda n: f"CC-TEST-{n + 1}")
    name = factory.Sequence(lambda n: f"Testmodule {n + 1}")
    purpose = "De jongere werkt aan een testdoel."
    kind = Module.Kind.BLENDED
    expected_sessions = 2
    expected_weeks = 4
    coach_manual = factory.LazyFunction(
        lambda: {
            "sessions": [
                {"session": 1, "title": "Start", "plan": "Kennismaken."},
                {"session": 2, "title": "Evaluatie", "plan": "Doelen scoren."},
            ],
            "watch_for": ["Signalen van onveiligheid: volg de meldcode."],
        }
    )
    ijw_product_category = "45"
    ijw_product_code = factory.Sequence(lambda n: f"45T{n % 100:02d}")
    sequence = factory.Sequence(lambda n: n + 1)
    is_final = False


class LessonFactory(factory.django.DjangoModelFactory[Lesson]):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Les {n + 1}")
    body = "Een korte les."


class AssignmentFactory(factory.django.DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Opdracht {n + 1}")
    instructions = "Schrijf iets op."
    answer_kind = Assignment.AnswerKind.TEXT


def module_data(number: int, **overrides: Any) -> dict[str, Any]:
    """One valid module of a package, with only the required fields (defaults left out)."""
    data: dict[str, Any] = {
        "code": f"CC-MODULE-{number}",
        "name": f"Module {number}",
        "purpose": f"Het doel van module {number}.",
        "kind": "blended",
        "expected_sessions": 2,
        "expected_weeks": 4,
        "sequence": number,
        "ijw_product_category": "45",
        "ijw_product_code": f"45A0{number}",
        "coach_manual": {
            "sessions": [
                {"session": 1, "title": "Start", "plan": "Kennismaken en uitleg."},
                {"session": 2, "title": "Evaluatie", "plan": "Doelen scoren en besluiten."},
            ],
            "watch_for": ["Signalen van onveiligheid: volg de meldcode."],
        },
        "lessons": [
            {"order": 1, "title": "Eerste les", "body": "Tekst van de eerste les."},
            {"order": 2, "title": "Tweede les", "body": "Tekst van de tweede les."},
        ],
        "assignments": [
            {"order": 1, "title": "Schrijfopdracht", "instructions": "Schrijf op wat je wilt."},
            {
                "order": 2,
                "title": "Keuze",
                "instructions": "Kies er een.",
                "answer_kind": "choice",
                "choices": ["Ja", "Nee"],
            },
        ],
    }
    data.update(overrides)
    return data


def package_data(*, version: str = "2026.1", modules: int = 4, name: str = "coach-and-care") -> dict[str, Any]:
    """A valid method package with ``modules`` modules."""
    return {
        "format": "coachcare-method-package",
        "format_version": 1,
        "package": {"name": name, "version": version, "description": f"Testpakket {version}"},
        "modules": [module_data(number) for number in range(1, modules + 1)],
    }


def package_copy(data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(data)
