"""The questionnaire engine: definition validation (schema and meaning) and scoring."""

import json
from pathlib import Path
from typing import Any

import pytest

from coachcare.measures.engine import (
    SCHEMA_PATH,
    questionnaire_cutoff_meanings,
    questionnaire_definition_validate,
    questionnaire_score,
)
from tests.measures.factories import definition_data, licensed_data

DATA_DIR = Path(__file__).resolve().parents[2] / "src" / "coachcare" / "measures" / "data"


def test_the_test_definitions_are_valid() -> None:
    assert questionnaire_definition_validate(definition_data()) == []
    assert questionnaire_definition_validate(licensed_data()) == []


@pytest.mark.parametrize("name", ["gbo.json", "sessie-feedback.json", "tevredenheid.json", "tevredenheid-ouder.json"])
def test_shipped_definitions_are_valid(name: str) -> None:
    assert questionnaire_definition_validate(json.loads((DATA_DIR / name).read_text(encoding="utf-8"))) == []


def test_every_schema_property_is_described() -> None:
    """The schema is the documentation of the file format: every property says what it means."""
    undocumented: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if "description" not in prop:
                    undocumented.append(f"{path}.{name}")
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), "$")
    assert undocumented == []


def test_schema_errors_carry_their_json_path() -> None:
    data = definition_data(respondent="docent", version="v1")
    data["items"][1]["text"] = {"nl": "Alleen Nederlands"}
    data["cutoffs"][0]["comparison"] = "=="
    del data["licence"]

    assert questionnaire_definition_validate(data) == [
        "(definition): 'licence' is a required property",
        "cutoffs[0].comparison: '==' is not one of ['<', '<=', '>=', '>']",
        "items[1].text: 'en' is a required property",
        "respondent: 'docent' is not one of ['jongere', 'ouder', 'coach']",
        "version: 'v1' does not match '^[0-9]{1,6}(\\\\.[0-9]{1,6}){0,3}$'",
    ]


def test_not_an_object_at_all() -> None:
    assert questionnaire_definition_validate([1, 2]) == ["(definition): [1, 2] is not of type 'object'"]


def test_duplicate_ids_and_unknown_subscales_are_reported_together() -> None:
    data = definition_data()
    data["items"][1]["id"] = "q1"
    data["items"][2]["subscale"] = "onbekend"
    data["cutoffs"][1]["name"] = "laag"
    data["scoring"]["subscales"].append(dict(data["scoring"]["subscales"][0]))

    assert questionnaire_definition_validate(data) == [
        "items: item id 'q1' is used more than once",
        "scoring.subscales: subscale code 'sfeer' is used more than once",
        "cutoffs: cut-off name 'laag' is used more than once",
        "items[2].subscale: 'onbekend' is not one of the subscales in scoring.subscales",
    ]


def test_scales_must_fit_together() -> None:
    data = definition_data()
    del data["default_scale"]
    data["items"][2]["scale"] = {
        "choices": [
            {"value": 1, "label": {"nl": "a", "en": "a"}},
            {"value": 1, "label": {"nl": "b", "en": "b"}},
        ]
    }
    data["items"].append({"id": "q4", "text": {"nl": "Vier", "en": "Four"}, "scale": {"min": 0, "max": 10, "step": 3}})
    data["items"].append({"id": "q5", "text": {"nl": "Vijf", "en": "Five"}, "scale": {"min": 4, "max": 4}})
    data["scoring"]["subscales"].append(
        {"code": "leeg", "name": {"nl": "Leeg", "en": "Empty"}, "range": {"min": 0, "max": 1}}
    )

    assert questionnaire_definition_validate(data) == [
        "items[0]: the item has no scale and the questionnaire has no default_scale",
        "items[1]: the item has no scale and the questionnaire has no default_scale",
        "items[2].scale.choices: value 1 is used by more than one choice",
        "items[3].scale: the range 0 to 10 is not a whole number of steps of 3",
        "items[4].scale: max (4) must be above min (4)",
        "scoring.subscales[1]: subscale 'leeg' has no items",
    ]


def test_declared_ranges_must_match_the_items() -> None:
    data = definition_data()
    data["scoring"]["range"] = {"min": 0, "max": 15}
    data["scoring"]["subscales"][0]["range"] = {"min": 2, "max": 10}

    assert questionnaire_definition_validate(data) == [
        "scoring.range: declared range 0 to 15 does not match the items, which give 2 to 14",
        "scoring.subscales[0].range: declared range 2 to 10 does not match the items, which give 1 to 5",
    ]


def test_cutoff_values_must_lie_within_the_range_of_their_score() -> None:
    data = definition_data()
    data["cutoffs"][0]["value"] = 15
    data["cutoffs"][1]["value"] = 0.5
    data["cutoffs"].append(
        {"name": "x", "score": "onbekend", "comparison": ">", "value": 1, "meaning": {"nl": "x", "en": "x"}}
    )

    assert questionnaire_definition_validate(data) == [
        "cutoffs[0].value: 15 is outside the range of total (2 to 14)",
        "cutoffs[1].value: 0.5 is outside the range of sfeer (1 to 5)",
        "cutoffs[2].score: 'onbekend' is neither 'total' nor a subscale code",
    ]


def test_scoring_with_reverse_items_subscales_and_cutoffs() -> None:
    # q1 = 2, q2 = 5 reverse-scored on 1-5 -> 1, q3 = 2 -> total 5 (<= 6: "laag"); sfeer mean (2+1)/2 = 1.5 (< 2.5)
    score = questionnaire_score(definition=definition_data(), answers={"q1": 2, "q2": 5, "q3": 2})

    assert score.items == {"q1": 2, "q2": 1, "q3": 2}
    assert score.total == 5
    assert score.subscales == {"sfeer": 1.5}
    assert score.flags == ["laag", "sfeer-laag"]


def test_scoring_without_flags() -> None:
    score = questionnaire_score(definition=definition_data(), answers={"q1": 5, "q2": 1, "q3": 4})

    assert (score.total, score.subscales, score.flags) == (14, {"sfeer": 5.0}, [])


@pytest.mark.parametrize(
    ("total", "comparison", "value", "flagged"),
    [
        (6, "<=", 6, True),
        (6, "<", 6, False),
        (6, ">=", 6, True),
        (6, ">", 6, False),
        (7, ">", 6, True),
    ],
)
def test_each_comparison_at_the_boundary(total: int, comparison: str, value: float, flagged: bool) -> None:
    data = definition_data()
    data["cutoffs"] = [{"name": "grens", "comparison": comparison, "value": value, "meaning": {"nl": "g", "en": "g"}}]
    # q2 reverse: answer 5 - (total - 3) ... choose q1 = total - 2 - 1 with q2 answer 5 (scores 1) and q3 = 0.
    answers = {"q1": total - 1 - 2, "q2": 5, "q3": 2}

    score = questionnaire_score(definition=data, answers=answers)

    assert score.total == total
    assert score.flags == (["grens"] if flagged else [])


def test_licensed_style_instrument_scores_with_its_cutoff() -> None:
    data = licensed_data()

    low = questionnaire_score(definition=data, answers={"a": 5, "b": 6, "c": 7, "d": 8})
    high = questionnaire_score(definition=data, answers={"a": 7, "b": 7, "c": 7, "d": 7})

    assert (low.total, low.subscales, low.flags) == (
        26,
        {"persoonlijk": 11, "omgeving": 7.5},
        ["onder-klinische-grens"],
    )
    assert (high.total, high.flags) == (28, [])


def test_missing_unknown_and_out_of_scale_answers_are_all_listed() -> None:
    with pytest.raises(ValueError) as caught:
        questionnaire_score(definition=definition_data(), answers={"q1": 6, "q3": 3, "q9": 1})

    assert str(caught.value) == (
        "The answers to test-lijst 1 cannot be scored: q1: 6 is outside the scale 1 to 5; q2: no answer; "
        "q3: 3 is not one of the choices (0, 2, 4); q9: not an item of test-lijst 1."
    )


@pytest.mark.parametrize("answer", [2.5, "3", True, None])
def test_answers_must_be_whole_numbers(answer: object) -> None:
    with pytest.raises(ValueError, match="q1: the answer must be a whole number"):
        questionnaire_score(definition=definition_data(), answers={"q1": answer, "q2": 1, "q3": 0})  # type: ignore[dict-item]


def test_answers_must_be_on_a_step_of_the_scale() -> None:
    data = definition_data()
    data["items"][0]["scale"] = {"min": 0, "max": 10, "step": 5}

    with pytest.raises(ValueError, match=r"q1: 3 is not a step of the scale \(0 to 10\)"):
        questionnaire_score(definition=data, answers={"q1": 3, "q2": 1, "q3": 0})


def test_cutoff_meanings_in_the_asked_language() -> None:
    data = definition_data()

    assert questionnaire_cutoff_meanings(definition=data, flags=["sfeer-laag"], language="en") == ["Mood low."]
    assert questionnaire_cutoff_meanings(definition=data, flags=["laag", "sfeer-laag"], language="nl") == [
        "Laag.",
        "Sfeer laag.",
    ]
