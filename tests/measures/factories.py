"""Factories and definition data for the outcome-measures tests."""

import copy
import json
from pathlib import Path
from typing import Any

import factory

from coachcare.measures.models import QuestionnaireDefinition

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LICENSED_FIXTURE = FIXTURES / "voorbeeld-instrument.json"


def licensed_data() -> dict[str, Any]:
    """The made-up licensed-style instrument (4 items 0-10, two subscales, one cut-off)."""
    result: dict[str, Any] = json.loads(LICENSED_FIXTURE.read_text(encoding="utf-8"))
    return result


def definition_data(**overrides: Any) -> dict[str, Any]:
    """A small valid definition: 3 items 1-5 (one reverse-scored), a subscale and two cut-offs."""
    data: dict[str, Any] = {
        "format": "coachcare-questionnaire",
        "format_version": 1,
        "code": "test-lijst",
        "version": "1",
        "name": {"nl": "Testlijst", "en": "Test list"},
        "licence": {"note": "Test data."},
        "respondent": "jongere",
        "default_scale": {"min": 1, "max": 5},
        "items": [
            {"id": "q1", "subscale": "sfeer", "text": {"nl": "Vraag een", "en": "Question one"}},
            {"id": "q2", "subscale": "sfeer", "reverse": True, "text": {"nl": "Vraag twee", "en": "Question two"}},
            {
                "id": "q3",
                "text": {"nl": "Vraag drie", "en": "Question three"},
                "scale": {
                    "choices": [
                        {"value": 0, "label": {"nl": "nee", "en": "no"}},
                        {"value": 2, "label": {"nl": "soms", "en": "sometimes"}},
                        {"value": 4, "label": {"nl": "ja", "en": "yes"}},
                    ]
                },
            },
        ],
        "scoring": {
            "method": "sum",
            "range": {"min": 2, "max": 14},
            "subscales": [
                {
                    "code": "sfeer",
                    "name": {"nl": "Sfeer", "en": "Mood"},
                    "method": "mean",
                    "range": {"min": 1, "max": 5},
                }
            ],
        },
        "cutoffs": [
            {"name": "laag", "comparison": "<=", "value": 6, "meaning": {"nl": "Laag.", "en": "Low."}},
            {
                "name": "sfeer-laag",
                "score": "sfeer",
                "comparison": "<",
                "value": 2.5,
                "meaning": {"nl": "Sfeer laag.", "en": "Mood low."},
            },
        ],
    }
    data.update(copy.deepcopy(overrides))
    return data


class QuestionnaireDefinitionFactory(factory.django.DjangoModelFactory[QuestionnaireDefinition]):
    class Meta:
        model = QuestionnaireDefinition

    code = "test-lijst"
    version = factory.Sequence(lambda n: str(n + 1))
    name = "Testlijst"
    respondent = "jongere"
    definition = factory.LazyAttribute(
        lambda o: definition_data(code=o.code, version=o.version, respondent=o.respondent)
    )
