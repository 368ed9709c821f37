"""The API's reads: method catalogue (no personal data, no log).

Adapters over ``method.selectors`` and ``measures.selectors``: cursor paging and field selection.
"""

from typing import Any

from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.measures import selectors as measures_selectors
from coachcare.method import selectors as method_selectors
from coachcare.method.models import Module

# --- method catalogue (no personal data, no log) --------------------------------------------


def module_catalogue_page(*, cursor: str | None, limit: int, version: str | None = None) -> CursorPage[Module]:
    modules = method_selectors.module_list(version=version or None, with_manual=False)
    return cursor_paginate(modules, keys=["sequence", "id"], cursor=cursor, limit=limit)


def questionnaire_page(*, cursor: str | None, limit: int, active: bool | None = None) -> CursorPage[Any]:
    """The questionnaire definitions loaded here (what ``questionnaire`` and
    ``questionnaire_version`` of a response refer to): metadata only, never an instrument's item
    texts (some instruments are licensed). No personal data, not logged."""
    definitions = measures_selectors.questionnaire_definition_list(active=active).only(
        "code", "version", "name", "respondent", "is_active", "loaded_at"
    )
    return cursor_paginate(definitions, keys=["code", "id"], cursor=cursor, limit=limit)


def module_by_key(*, key: str) -> Module:
    """A module by its public key ``CODE.VERSION`` (codes have no dots); ``Module.DoesNotExist``."""
    code, _, version = key.partition(".")
    if not code or not version:
        raise Module.DoesNotExist(key)
    return method_selectors.module_get(version=version, code=code, with_manual=False)


def module_key(module: Module) -> str:
    return f"{module.code}.{module.method_version.version}"
