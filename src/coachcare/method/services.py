"""Writes on the method catalogue: importing and exporting whole method packages.

The package format is documented in ``schema/method-package.schema.json`` and
``docs/method-package.md``. An import is checked completely (schema and meaning) before anything
is saved, and saved in one transaction: either the whole version is there or nothing is.
"""

import dataclasses
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from jsonschema import Draft202012Validator

from coachcare.method.codes import PRODUCT_CATEGORIES, Unit
from coachcare.method.models import Assignment, Lesson, MethodVersion, Module

PACKAGE_FORMAT = "coachcare-method-package"
FORMAT_VERSION = 1
#: The module gate's reliable-change thresholds when a package names none (docs/measures.md).
RELIABLE_CHANGE_DEFAULTS = {"gbo": 3.0, "gas_t": 10.0}
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "method-package.schema.json"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImportResult:
    name: str
    version: str
    created: bool
    is_current: bool
    modules: int
    lessons: int
    assignments: int

    @property
    def summary(self) -> str:
        state = "imported" if self.created else "already present, unchanged"
        current = "current" if self.is_current else "not current"
        return (
            f"Method package {self.name} {self.version}: {state} ({current}); "
            f"{self.modules} modules, {self.lessons} lessons, {self.assignments} assignments."
        )


@lru_cache(maxsize=1)
def package_schema() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return result


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for a dotted numeric version: numbers compared one by one, trailing zeros ignored."""
    parts = [int(part) for part in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _json_path(parts: Any) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(package)"


def package_schema_errors(*, data: Any) -> list[str]:
    """Every schema violation, each as '<json path>: <message>', in document order."""
    validator = Draft202012Validator(package_schema())
    found = [(list(error.absolute_path), error.message) for error in validator.iter_errors(data)]
    found.sort(key=lambda item: ([(0, p, "") if isinstance(p, int) else (1, 0, p) for p in item[0]], item[1]))
    return [f"{_json_path(path)}: {message}" for path, message in found]


def _duplicates(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    duplicates: list[Any] = []
    for value in values:
        if value in seen and value not in duplicates:
            duplicates.append(value)
        seen.add(value)
    return duplicates


def _items(container: Any, key: str) -> list[Any]:
    """``container[key]`` when it is a list of objects; anything malformed is left to the schema errors."""
    value = container.get(key) if isinstance(container, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _int_values(items: list[dict[str, Any]], key: str) -> list[int]:
    return [item[key] for item in items if isinstance(item.get(key), int) and not isinstance(item.get(key), bool)]


def package_semantic_errors(*, data: Any) -> list[str]:
    """Checks a schema cannot express: uniqueness within the package and the iJw code lists.

    Runs on malformed data too (skipping what is malformed), so one import reports every problem.
    """
    errors: list[str] = []
    modules = _items(data, "modules")
    codes = [module["code"] for module in modules if isinstance(module.get("code"), str)]
    for code in _duplicates(codes):
        errors.append(f"modules: module code '{code}' appears more than once")
    units = set(Unit.values)
    package = data.get("package") if isinstance(data, dict) else None
    domains = _items(package, "goal_domains")
    domain_list = [domain["code"] for domain in domains if isinstance(domain.get("code"), str)]
    for code in _duplicates(domain_list):
        errors.append(f"package.goal_domains: domain code '{code}' appears more than once")
    domain_codes = set(domain_list)
    raw_modules = data.get("modules") if isinstance(data, dict) else None
    for index, module in enumerate(raw_modules if isinstance(raw_modules, list) else []):
        if not isinstance(module, dict):
            continue
        where = f"modules[{index}]"
        category = module.get("ijw_product_category")
        if isinstance(category, str) and category.isdigit() and category not in PRODUCT_CATEGORIES:
            errors.append(
                f"{where}.ijw_product_category: '{category}' is not a product category of JZ020 (31 to 38 or 40 to 55)"
            )
        unit = module.get("unit", Unit.PIECES_OUTPUT.value)
        if isinstance(unit, str) and unit not in units:
            errors.append(f"{where}.unit: '{unit}' is not a unit of WJ756 ({', '.join(sorted(units))})")
        for collection in ("lessons", "assignments"):
            for order in _duplicates(_int_values(_items(module, collection), "order")):
                errors.append(f"{where}.{collection}: order {order} is used more than once")
        served = module.get("goal_domains")
        for domain in served if isinstance(served, list) else []:
            if isinstance(domain, str) and domain not in domain_codes:
                errors.append(f"{where}.goal_domains: '{domain}' is not a domain of package.goal_domains")
        sessions = _int_values(_items(module.get("coach_manual"), "sessions"), "session")
        for session in _duplicates(sessions):
            errors.append(f"{where}.coach_manual.sessions: session {session} has more than one plan")
        expected = module.get("expected_sessions")
        if isinstance(expected, int):
            for session in sessions:
                if session > expected:
                    errors.append(
                        f"{where}.coach_manual.sessions: session {session} is beyond expected_sessions ({expected})"
                    )
    return errors


def _coach_manual(manual: dict[str, Any]) -> dict[str, Any]:
    """The coach's manual with a fixed key order (PostgreSQL's jsonb does not keep key order)."""
    return {
        "sessions": [
            {"session": plan["session"], "title": plan["title"], "plan": plan["plan"]}
            for plan in sorted(manual["sessions"], key=lambda plan: plan["session"])
        ],
        "watch_for": list(manual["watch_for"]),
    }


def _domains(domains: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """The package's goal domains in a fixed key order, left out when there are none."""
    return {"goal_domains": [{"code": d["code"], "name": d["name"]} for d in domains]} if domains else {}


def _served(codes: list[str]) -> dict[str, list[str]]:
    """The domains a module serves, in the package's order of writing, left out when none."""
    return {"goal_domains": list(codes)} if codes else {}


def _youth(**texts: str) -> dict[str, str]:
    """The optional youth texts that are filled in (an empty one is left out of the canonical form)."""
    return {key: value for key, value in texts.items() if value}


def package_normalize(*, data: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a valid package: defaults filled in, modules and items in order.

    ``method_package_export`` produces exactly this form, so two packages with the same content
    compare equal whatever their key order, optional fields or item order.
    """
    package = data["package"]
    modules = [
        {
            "code": module["code"],
            "name": module["name"],
            "purpose": module["purpose"],
            "kind": module["kind"],
            "expected_sessions": module["expected_sessions"],
            "expected_weeks": module["expected_weeks"],
            "sequence": module["sequence"],
            "is_final": module.get("is_final", False),
            "ijw_product_category": module["ijw_product_category"],
            "ijw_product_code": module["ijw_product_code"],
            "unit": module.get("unit", Unit.PIECES_OUTPUT.value),
            **_served(module.get("goal_domains", [])),
            **_youth(youth_title=module.get("youth_title", ""), youth_intro=module.get("youth_intro", "")),
            "coach_manual": _coach_manual(module["coach_manual"]),
            "lessons": [
                {
                    "order": lesson["order"],
                    "title": lesson["title"],
                    "body": lesson["body"],
                    **_youth(youth_title=lesson.get("youth_title", ""), youth_text=lesson.get("youth_text", "")),
                }
                for lesson in sorted(module["lessons"], key=lambda lesson: lesson["order"])
            ],
            "assignments": [
                {
                    "order": assignment["order"],
                    "title": assignment["title"],
                    "instructions": assignment["instructions"],
                    "answer_kind": assignment.get("answer_kind", Assignment.AnswerKind.TEXT.value),
                    "choices": list(assignment.get("choices", [])),
                    **_youth(
                        youth_title=assignment.get("youth_title", ""), youth_text=assignment.get("youth_text", "")
                    ),
                }
                for assignment in sorted(module["assignments"], key=lambda assignment: assignment["order"])
            ],
        }
        for module in sorted(data["modules"], key=lambda module: (module["sequence"], module["code"]))
    ]
    return {
        "format": PACKAGE_FORMAT,
        "format_version": FORMAT_VERSION,
        "package": {
            "name": package["name"],
            "version": package["version"],
            "description": package.get("description", ""),
            **_youth(youth_goals_text=package.get("youth_goals_text", "")),
            "reliable_change": {
                "gbo": float(package.get("reliable_change", {}).get("gbo", RELIABLE_CHANGE_DEFAULTS["gbo"])),
                "gas_t": float(package.get("reliable_change", {}).get("gas_t", RELIABLE_CHANGE_DEFAULTS["gas_t"])),
            },
            **_domains(package.get("goal_domains", [])),
        },
        "modules": modules,
    }


def _version_export(method_version: MethodVersion) -> dict[str, Any]:
    modules = Module.objects.filter(method_version=method_version).prefetch_related("lessons", "assignments")
    return {
        "format": PACKAGE_FORMAT,
        "format_version": FORMAT_VERSION,
        "package": {
            "name": method_version.name,
            "version": method_version.version,
            "description": method_version.description,
            **_youth(youth_goals_text=method_version.youth_goals_text),
            "reliable_change": {
                "gbo": method_version.reliable_change_gbo,
                "gas_t": method_version.reliable_change_gas_t,
            },
            **_domains(method_version.goal_domains),
        },
        "modules": [
            {
                "code": module.code,
                "name": module.name,
                "purpose": module.purpose,
                "kind": module.kind,
                "expected_sessions": module.expected_sessions,
                "expected_weeks": module.expected_weeks,
                "sequence": module.sequence,
                "is_final": module.is_final,
                "ijw_product_category": module.ijw_product_category,
                "ijw_product_code": module.ijw_product_code,
                "unit": module.unit,
                **_served(module.goal_domains),
                **_youth(youth_title=module.youth_title, youth_intro=module.youth_intro),
                "coach_manual": _coach_manual(module.coach_manual),
                "lessons": [
                    {
                        "order": lesson.order,
                        "title": lesson.title,
                        "body": lesson.body,
                        **_youth(youth_title=lesson.youth_title, youth_text=lesson.youth_text),
                    }
                    for lesson in module.lessons.all()
                ],
                "assignments": [
                    {
                        "order": assignment.order,
                        "title": assignment.title,
                        "instructions": assignment.instructions,
                        "answer_kind": assignment.answer_kind,
                        "choices": assignment.choices,
                        **_youth(youth_title=assignment.youth_title, youth_text=assignment.youth_text),
                    }
                    for assignment in module.assignments.all()
                ],
            }
            for module in modules
        ],
    }


def method_package_export(*, version: str | None = None) -> dict[str, Any]:
    """A method version as package data (the current version unless ``version`` is given)."""
    if version is None:
        method_version = MethodVersion.objects.filter(is_current=True).first()
        if method_version is None:
            raise ValidationError("There is no current method version to export: import a method package first.")
    else:
        method_version = MethodVersion.objects.filter(version=version).first()
        if method_version is None:
            known = ", ".join(MethodVersion.objects.order_by("version").values_list("version", flat=True)) or "none"
            raise ValidationError(f"Method version '{version}' is not installed (installed: {known}).")
    return _version_export(method_version)


def _result(method_version: MethodVersion, *, created: bool) -> ImportResult:
    modules = Module.objects.filter(method_version=method_version)
    return ImportResult(
        name=method_version.name,
        version=method_version.version,
        created=created,
        is_current=method_version.is_current,
        modules=modules.count(),
        lessons=Lesson.objects.filter(module__in=modules).count(),
        assignments=Assignment.objects.filter(module__in=modules).count(),
    )


def _make_current(method_version: MethodVersion) -> None:
    MethodVersion.objects.filter(is_current=True).exclude(pk=method_version.pk).update(is_current=False)
    MethodVersion.objects.filter(pk=method_version.pk).update(is_current=True)
    method_version.is_current = True


def method_package_import(*, data: Any, make_current: bool = False) -> ImportResult:
    """Import a whole method package as a new, immutable method version.

    Every problem is collected before anything is saved; a ``ValidationError`` lists them all
    with their JSON path. The new version becomes current when it is newer than the current
    version (or when there is none); ``make_current=True`` makes it current regardless, which
    also rolls back to an installed older version when the same package is imported again.
    Importing an installed version with the same content changes nothing; with different
    content it is refused, because a version never changes once imported.
    """
    errors = package_schema_errors(data=data) + package_semantic_errors(data=data)
    if errors:
        raise ValidationError(errors)
    package = package_normalize(data=data)
    name, version = package["package"]["name"], package["package"]["version"]
    try:
        with transaction.atomic():
            # Serialise imports: the current flag is decided against a stable set of versions.
            installed = list(MethodVersion.objects.select_for_update().order_by("id"))
            same = [v for v in installed if version_key(v.version) == version_key(version)]
            if same:
                existing = same[0]
                if existing.version != version:
                    raise ValidationError(
                        f"package.version: '{version}' is the same version as the installed '{existing.version}'; "
                        "write it the same way or choose a new version"
                    )
                if _version_export(existing) != package:
                    raise ValidationError(
                        f"package.version: version {version} is already installed with different content; "
                        "an imported version never changes, so give the changed package a new version"
                    )
                if make_current and not existing.is_current:
                    _make_current(existing)
                return _result(existing, created=False)
            current = next((v for v in installed if v.is_current), None)
            method_version = MethodVersion.objects.create(
                name=name,
                version=version,
                description=package["package"]["description"],
                youth_goals_text=package["package"].get("youth_goals_text", ""),
                reliable_change_gbo=package["package"]["reliable_change"]["gbo"],
                reliable_change_gas_t=package["package"]["reliable_change"]["gas_t"],
                goal_domains=package["package"].get("goal_domains", []),
                imported_at=timezone.now(),
            )
            for module_data in package["modules"]:
                module = Module.objects.create(
                    method_version=method_version,
                    code=module_data["code"],
                    name=module_data["name"],
                    purpose=module_data["purpose"],
                    kind=module_data["kind"],
                    expected_sessions=module_data["expected_sessions"],
                    expected_weeks=module_data["expected_weeks"],
                    sequence=module_data["sequence"],
                    is_final=module_data["is_final"],
                    ijw_product_category=module_data["ijw_product_category"],
                    ijw_product_code=module_data["ijw_product_code"],
                    unit=module_data["unit"],
                    youth_title=module_data.get("youth_title", ""),
                    youth_intro=module_data.get("youth_intro", ""),
                    goal_domains=module_data.get("goal_domains", []),
                    coach_manual=module_data["coach_manual"],
                )
                Lesson.objects.bulk_create(Lesson(module=module, **lesson) for lesson in module_data["lessons"])
                Assignment.objects.bulk_create(
                    Assignment(module=module, **assignment) for assignment in module_data["assignments"]
                )
            if make_current or current is None or version_key(version) > version_key(current.version):
                _make_current(method_version)
            return _result(method_version, created=True)
    except IntegrityError as exc:  # a concurrent import of the same version
        raise ValidationError(f"package.version: version {version} was imported at the same time; try again") from exc
