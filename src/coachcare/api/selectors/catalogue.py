"""The API's reads: method catalogue (no personal data, no log)."""

from typing import Any

from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.measures.models import QuestionnaireDefinition
from coachcare.method.models import Module

# --- method catalogue (no personal data, no log) --------------------------------------------


def module_catalogue_page(*, cursor: str | None, limit: int, version: str | None = None) -> CursorPage[Module]:
    modules = Module.objects.select_related("method_version").defer("coach_manual")
    modules = (
        modules.filter(method_version__version=version) if version else modules.filter(method_version__is_current=True)
    )
    return cursor_paginate(modules, keys=["sequence", "id"], cursor=cursor, limit=limit)


def questionnaire_page(*, cursor: str | None, limit: int, active: bool | None = None) -> CursorPage[Any]:
    """The questionnaire definitions loaded here (what ``questionnaire`` and
    ``questionnaire_version`` of a response refer to): metadata only, never an instrument's item
    texts (some instruments are licensed). No personal data, not logged."""
    definitions = QuestionnaireDefinition.objects.only(
        "code", "version", "name", "respondent", "is_active", "loaded_at"
    )
    if active is not None:
        definitions = definitions.filter(is_active=active)
    return cursor_paginate(definitions, keys=["code", "id"], cursor=cursor, limit=limit)


def module_by_key(*, key: str) -> Module:
    """A module by its public key ``CODE.VERSION`` (codes have no dots); ``Module.DoesNotExist``."""
    code, _, version = key.partition(".")
    if not code or not version:
        raise Module.DoesNotExist(key)
    return (
        Module.objects.select_related("method_version")
        .defer("coach_manual")
        .get(code=code, method_version__version=version)
    )


def module_key(module: Module) -> str:
    return f"{module.code}.{module.method_version.version}"
