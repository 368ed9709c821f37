"""The questionnaire engine: validating definition files and scoring answers. Pure code, no database.

A questionnaire is data: a definition file (``schema/questionnaire.schema.json``, documented in
docs/measures.md) lists the items with their answer scales, how the answers make a total (and
subscale) score, and the cut-offs that raise flags. The engine knows no instrument by name, so a
licensed organisation can load an instrument the project may not ship and have it scored.
"""

import dataclasses
import json
import math
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeGuard

from jsonschema import Draft202012Validator

DEFINITION_FORMAT = "coachcare-questionnaire"
FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "questionnaire.schema.json"
TOTAL = "total"

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
    ">": operator.gt,
}

#: Tolerance when comparing a declared score range with the range the items allow (means are fractions).
_TOLERANCE = 1e-9


@dataclasses.dataclass(frozen=True, kw_only=True)
class Score:
    """The result of scoring one set of answers.

    ``total`` and ``subscales`` follow the definition's scoring method; ``items`` holds each
    item's score after reverse scoring; ``flags`` names the cut-offs that were met, in the
    order of the definition.
    """

    total: float
    subscales: dict[str, float]
    items: dict[str, int]
    flags: list[str]


@lru_cache(maxsize=1)
def definition_schema() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return result


def _json_path(parts: Any) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(definition)"


def _schema_errors(data: Any) -> list[str]:
    validator = Draft202012Validator(definition_schema())
    found = [(list(error.absolute_path), error.message) for error in validator.iter_errors(data)]
    found.sort(key=lambda item: ([(0, p, "") if isinstance(p, int) else (1, 0, p) for p in item[0]], item[1]))
    return [f"{_json_path(path)}: {message}" for path, message in found]


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object; anything malformed is left to the schema errors."""
    return value if isinstance(value, dict) else {}


def _scale_values(scale: Any) -> list[int] | None:
    """The allowed answers of a well-formed scale, lowest first; None when the scale is malformed."""
    if not isinstance(scale, dict):
        return None
    if "choices" in scale:
        choices = scale["choices"]
        if not isinstance(choices, list):
            return None
        values = [choice.get("value") for choice in choices if isinstance(choice, dict)]
        integers = [value for value in values if _is_int(value)]
        return sorted(set(integers)) if integers and len(integers) == len(values) else None
    low, high, step = scale.get("min"), scale.get("max"), scale.get("step", 1)
    if not (_is_int(low) and _is_int(high) and _is_int(step)) or step < 1 or high <= low:
        return None
    return list(range(low, high + 1, step))


def item_scale(*, definition: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """The answer scale of an item: its own ``scale`` or the definition's ``default_scale``."""
    return dict(item.get("scale") or definition["default_scale"])


def _combine(values: list[float], method: str) -> float:
    total = math.fsum(values)
    return total / len(values) if method == "mean" else total


def _ranges(data: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The score range each part (total, subscales) can reach, from well-formed items only."""
    scoring = _dict(data.get("scoring"))
    method = scoring.get("method", "sum")
    bounds: dict[str, list[tuple[int, int]]] = {TOTAL: []}
    for item in data.get("items", []) if isinstance(data.get("items"), list) else []:
        if not isinstance(item, dict):
            continue
        values = _scale_values(item.get("scale", data.get("default_scale")))
        if values is None:
            return {}
        bounds[TOTAL].append((values[0], values[-1]))
        if isinstance(item.get("subscale"), str):
            bounds.setdefault(item["subscale"], []).append((values[0], values[-1]))
    methods = {
        subscale["code"]: subscale.get("method", method)
        for subscale in scoring.get("subscales", [])
        if isinstance(subscale, dict) and isinstance(subscale.get("code"), str)
    }
    return {
        part: (
            _combine([low for low, _ in pairs], methods.get(part, method)),
            _combine([high for _, high in pairs], methods.get(part, method)),
        )
        for part, pairs in bounds.items()
        if pairs
    }


def _range_errors(where: str, declared: Any, actual: tuple[float, float] | None) -> list[str]:
    if actual is None or not isinstance(declared, dict):
        return []
    low, high = declared.get("min"), declared.get("max")
    if not (_is_number(low) and _is_number(high)):
        return []
    if abs(low - actual[0]) > _TOLERANCE or abs(high - actual[1]) > _TOLERANCE:
        given = f"{actual[0]:g} to {actual[1]:g}"
        return [f"{where}: declared range {low} to {high} does not match the items, which give {given}"]
    return []


def _duplicates(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    duplicates: list[Any] = []
    for value in values:
        if value in seen and value not in duplicates:
            duplicates.append(value)
        seen.add(value)
    return duplicates


def _list_of_dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return (
        [(index, entry) for index, entry in enumerate(value) if isinstance(entry, dict)]
        if isinstance(value, list)
        else []
    )


def _semantic_errors(data: Any) -> list[str]:
    """Checks a schema cannot express. Runs on malformed data too, skipping what is malformed."""
    if not isinstance(data, dict):
        return []
    errors: list[str] = []
    items = _list_of_dicts(data.get("items"))
    scoring = _dict(data.get("scoring"))
    subscales = _list_of_dicts(scoring.get("subscales"))
    cutoffs = _list_of_dicts(data.get("cutoffs"))

    if data.get("informant_only") is True and data.get("respondent") == "coach":
        errors.append("informant_only: a questionnaire for the coach cannot be answered only by its informant")
    for item_id in _duplicates([item["id"] for _, item in items if isinstance(item.get("id"), str)]):
        errors.append(f"items: item id '{item_id}' is used more than once")
    codes = [subscale["code"] for _, subscale in subscales if isinstance(subscale.get("code"), str)]
    for code in _duplicates(codes):
        errors.append(f"scoring.subscales: subscale code '{code}' is used more than once")
    if TOTAL in codes:
        errors.append(f"scoring.subscales: '{TOTAL}' is reserved for the total score and cannot be a subscale code")
    for name in _duplicates([cutoff["name"] for _, cutoff in cutoffs if isinstance(cutoff.get("name"), str)]):
        errors.append(f"cutoffs: cut-off name '{name}' is used more than once")

    scales: list[tuple[str, Any]] = []
    if "default_scale" in data:
        scales.append(("default_scale", data["default_scale"]))
    for index, item in items:
        where = f"items[{index}]"
        if "scale" in item:
            scales.append((f"{where}.scale", item["scale"]))
        elif "default_scale" not in data:
            errors.append(f"{where}: the item has no scale and the questionnaire has no default_scale")
        subscale = item.get("subscale")
        if isinstance(subscale, str) and subscale not in codes:
            errors.append(f"{where}.subscale: '{subscale}' is not one of the subscales in scoring.subscales")
    for where, scale in scales:
        if not isinstance(scale, dict):
            continue
        if "choices" in scale:
            values = [choice.get("value") for _, choice in _list_of_dicts(scale["choices"])]
            for value in _duplicates(values):
                errors.append(f"{where}.choices: value {value} is used by more than one choice")
            continue
        low, high, step = scale.get("min"), scale.get("max"), scale.get("step", 1)
        if _is_int(low) and _is_int(high):
            if high <= low:
                errors.append(f"{where}: max ({high}) must be above min ({low})")
            elif _is_int(step) and step >= 1 and (high - low) % step:
                errors.append(f"{where}: the range {low} to {high} is not a whole number of steps of {step}")
    used = {item.get("subscale") for _, item in items}
    for index, subscale in subscales:
        if isinstance(subscale.get("code"), str) and subscale["code"] not in used:
            errors.append(f"scoring.subscales[{index}]: subscale '{subscale['code']}' has no items")

    if errors:  # ranges are only meaningful for a definition whose parts fit together
        return errors
    ranges = _ranges(data)
    errors += _range_errors("scoring.range", scoring.get("range"), ranges.get(TOTAL))
    for index, subscale in subscales:
        errors += _range_errors(
            f"scoring.subscales[{index}].range", subscale.get("range"), ranges.get(subscale["code"])
        )
    for index, cutoff in cutoffs:
        part = cutoff.get("score", TOTAL)
        value = cutoff.get("value")
        if not isinstance(part, str):
            continue
        if part != TOTAL and part not in codes:
            errors.append(f"cutoffs[{index}].score: '{part}' is neither '{TOTAL}' nor a subscale code")
        elif part in ranges and _is_number(value):
            low, high = ranges[part]
            if not low <= value <= high:
                errors.append(f"cutoffs[{index}].value: {value} is outside the range of {part} ({low:g} to {high:g})")
    return errors


def questionnaire_definition_validate(data: Any) -> list[str]:
    """Every problem of a definition, each as '<json path>: <message>'; empty when it is valid.

    Schema violations come first (in document order), then checks of meaning: unique item ids,
    subscale codes and cut-off names, items that name a known subscale, scales that fit their
    step, declared ranges that agree with the items, and cut-off values within their range.
    """
    return _schema_errors(data) + _semantic_errors(data)


def _answer_errors(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    known = [item["id"] for item in definition["items"]]
    for item in definition["items"]:
        item_id = item["id"]
        if item_id not in answers:
            errors.append(f"{item_id}: no answer")
            continue
        answer = answers[item_id]
        scale = item_scale(definition=definition, item=item)
        values = _scale_values(scale) or []
        if not _is_int(answer):
            errors.append(f"{item_id}: the answer must be a whole number, got {answer!r}")
        elif answer not in values:
            if "choices" in scale:
                allowed = ", ".join(str(value) for value in values)
                errors.append(f"{item_id}: {answer} is not one of the choices ({allowed})")
            elif not values[0] <= answer <= values[-1]:
                errors.append(f"{item_id}: {answer} is outside the scale {values[0]} to {values[-1]}")
            else:
                errors.append(f"{item_id}: {answer} is not a step of the scale ({values[0]} to {values[-1]})")
    for key in answers:
        if key not in known:
            errors.append(f"{key}: not an item of {definition['code']} {definition['version']}")
    return errors


def questionnaire_score(*, definition: Mapping[str, Any], answers: Mapping[str, int]) -> Score:
    """Score a complete set of answers (item id to answer) with a valid definition.

    Reverse-scored items count as (lowest + highest − answer) of their scale. Raises
    ``ValueError`` listing every missing, unknown, non-integer or out-of-scale answer.
    """
    errors = _answer_errors(definition, answers)
    if errors:
        raise ValueError(
            f"The answers to {definition['code']} {definition['version']} cannot be scored: " + "; ".join(errors) + "."
        )
    method = definition["scoring"]["method"]
    item_scores: dict[str, int] = {}
    groups: dict[str, list[float]] = {}
    for item in definition["items"]:
        values = _scale_values(item_scale(definition=definition, item=item)) or []
        answer = answers[item["id"]]
        score = values[0] + values[-1] - answer if item.get("reverse", False) else answer
        item_scores[item["id"]] = score
        if "subscale" in item:
            groups.setdefault(item["subscale"], []).append(score)
    total = _combine(list(item_scores.values()), method)
    subscales = {
        subscale["code"]: _combine(groups[subscale["code"]], subscale.get("method", method))
        for subscale in definition["scoring"].get("subscales", [])
    }
    parts = {TOTAL: total, **subscales}
    flags = [
        cutoff["name"]
        for cutoff in definition.get("cutoffs", [])
        if COMPARISONS[cutoff["comparison"]](parts[cutoff.get("score", TOTAL)], cutoff["value"])
    ]
    return Score(total=total, subscales=subscales, items=item_scores, flags=flags)


def questionnaire_cutoff_meanings(*, definition: Mapping[str, Any], flags: list[str], language: str) -> list[str]:
    """The meaning (in ``language``, "nl" or "en") of each raised flag, for showing next to a score."""
    by_name = {cutoff["name"]: cutoff["meaning"] for cutoff in definition.get("cutoffs", [])}
    return [by_name[flag].get(language, by_name[flag]["nl"]) for flag in flags if flag in by_name]
