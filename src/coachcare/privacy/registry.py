"""Registries that let every app say what it holds about a young person.

- ``CLIENT_DATA_SECTIONS``: functions ``(client, requester) -> (title, rows) | None`` that give one
  section of "download my data". Each returns only what the requester may see; ``None`` leaves the
  section out.
- ``CLIENT_CONTENT_DESTROYERS``: functions ``(client) -> {category: rows}`` that really delete (or
  empty) one kind of clinical content of a client (Jeugdwet 7.3.9). Each names the models it
  covers, so a test can check that every model holding encrypted content that refers to a client
  is covered (``tests/privacy/test_destruction.py``).

The built-in sections and destroyers are registered in ``coachcare.privacy.sections``; apps that
are still being written (messaging, coaching) are found at run time (``client_lookup``).
"""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import models

from coachcare.accounts.models import User
from coachcare.clients.models import Client

Rows = list[dict[str, Any]]
Section = tuple[str, Rows]
SectionFunction = Callable[[Client, User], Section | None]


@dataclasses.dataclass(frozen=True, kw_only=True)
class DataSection:
    key: str
    function: SectionFunction


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContentDestroyer:
    key: str
    #: Model labels ("app_label.ModelName") whose clinical content this destroyer removes.
    covers: tuple[str, ...]
    function: Callable[[Client], dict[str, int]]


CLIENT_DATA_SECTIONS: list[DataSection] = []
CLIENT_CONTENT_DESTROYERS: list[ContentDestroyer] = []


def register_section(key: str) -> Callable[[SectionFunction], SectionFunction]:
    def decorator(function: SectionFunction) -> SectionFunction:
        if all(section.key != key for section in CLIENT_DATA_SECTIONS):
            CLIENT_DATA_SECTIONS.append(DataSection(key=key, function=function))
        return function

    return decorator


def register_destroyer(
    key: str, *, covers: tuple[str, ...]
) -> Callable[[Callable[[Client], dict[str, int]]], Callable[[Client], dict[str, int]]]:
    def decorator(function: Callable[[Client], dict[str, int]]) -> Callable[[Client], dict[str, int]]:
        if all(destroyer.key != key for destroyer in CLIENT_CONTENT_DESTROYERS):
            CLIENT_CONTENT_DESTROYERS.append(ContentDestroyer(key=key, covers=covers, function=function))
        return function

    return decorator


def covered_models() -> set[str]:
    """Model labels covered by a destroyer, including models found at run time (dynamic apps)."""
    covered: set[str] = set()
    for destroyer in CLIENT_CONTENT_DESTROYERS:
        for label in destroyer.covers:
            if label.endswith(".*"):
                app_label = label[:-2]
                if app_label in {config.label for config in apps.get_app_configs()}:
                    covered.update(
                        model._meta.label
                        for model in apps.get_app_config(app_label).get_models()
                        if client_lookup(model) is not None
                    )
            else:
                covered.add(label)
    return covered


def client_lookup(model: type[models.Model], *, max_depth: int = 4) -> str | None:
    """The ORM lookup from ``model`` to the client (``"client"``, ``"trajectory__client"``, ...).

    ``""`` for the Client model itself; ``None`` when the model does not refer to a client.
    Foreign keys to users are not followed (a user is not a client file).
    """
    if model is Client:
        return ""
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    seen: set[type[models.Model]] = {model}
    for _depth in range(max_depth):
        next_frontier: list[tuple[type[models.Model], str]] = []
        for current, prefix in frontier:
            for field in current._meta.get_fields():
                if not (field.many_to_one or field.one_to_one) or not field.concrete:
                    continue
                target = field.related_model
                if not isinstance(target, type) or target is User or target in seen:
                    continue
                path = f"{prefix}__{field.name}" if prefix else field.name
                if target is Client:
                    return path
                seen.add(target)
                next_frontier.append((target, path))
        frontier = next_frontier
    return None


def models_with_client_content(app_label: str) -> list[type[models.Model]]:
    """Models of an app that refer to a client, most dependent first (messages before threads)."""
    if app_label not in {config.label for config in apps.get_app_configs()}:
        return []
    found = [model for model in apps.get_app_config(app_label).get_models() if client_lookup(model) not in (None, "")]
    return sorted(found, key=lambda model: -len(client_lookup(model) or ""))
