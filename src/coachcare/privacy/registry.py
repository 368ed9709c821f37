"""The registry of data rights: what every app holds about a young person, declared by the app itself.

Every app that holds client data has a ``data_rights.py`` (discovered when the privacy app is ready,
``autodiscover_modules("data_rights")``, the way the admin discovers ``admin.py``). In it the app
declares, explicitly:

- its **export sections** of "download my data", per requester kind (``Requester``): a function
  ``(client, requester) -> (title, rows) | None`` for the young person and one for a parent with
  gezag; no function for a kind means that kind never gets the section. Each function still asks
  ``access.policy`` what the requester may see today (``None`` leaves the section out). There is no
  professional or processor export: only the young person and their parents download a file
  (``policy.can_export_client_data``).
- its **destroyers**: functions ``(client) -> {category: rows}`` that really delete (or empty) the
  clinical content of a client (Jeugdwet 7.3.9), each naming the models it covers, so a test can
  check that every model holding encrypted content that refers to a client is covered
  (``tests/privacy/test_destruction.py``). They run in ``INSTALLED_APPS`` order of their apps, in
  one transaction (monitoring's refresh runs after the trajectories' content is gone).

Nothing is found by matching names: a model is covered only when an app names it.
"""

import dataclasses
import enum
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from coachcare.access import policy
from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client

Rows = list[dict[str, Any]]
Section = tuple[str, Rows]
SectionFunction = Callable[[Client, User], Section | None]
DestroyFunction = Callable[[Client], dict[str, int]]


class Requester(enum.StrEnum):
    """Who asks for "download my data"."""

    YOUNG_PERSON = "young_person"
    PARENT = "parent"


def requester_kind(user: User) -> Requester | None:
    """The kind of requester ``user`` is; ``None`` for anyone who has no export of their own."""
    # The account's role says which declaration applies; whether the file may be downloaded at all
    # is policy.can_export_client_data, and what each section shows is policy.kinds_visible.
    return {Role.JONGERE: Requester.YOUNG_PERSON, Role.OUDER: Requester.PARENT}.get(Role(user.role))


@dataclasses.dataclass(frozen=True, kw_only=True)
class DataSection:
    key: str
    #: Place in the export (ascending), so the file reads the same whatever the app order.
    order: int
    for_requester: dict[Requester, SectionFunction]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContentDestroyer:
    key: str
    #: Model labels ("app_label.ModelName") whose clinical content this destroyer removes.
    covers: tuple[str, ...]
    function: DestroyFunction


CLIENT_DATA_SECTIONS: list[DataSection] = []
CLIENT_CONTENT_DESTROYERS: list[ContentDestroyer] = []


def section_register(
    *,
    key: str,
    order: int,
    young_person: SectionFunction | None = None,
    parent: SectionFunction | None = None,
) -> None:
    """Declare an export section: the function for each requester kind that gets it."""
    if any(section.key == key for section in CLIENT_DATA_SECTIONS):
        return  # registered before (a module imported twice)
    for_requester = {
        kind: function
        for kind, function in ((Requester.YOUNG_PERSON, young_person), (Requester.PARENT, parent))
        if function is not None
    }
    CLIENT_DATA_SECTIONS.append(DataSection(key=key, order=order, for_requester=for_requester))
    CLIENT_DATA_SECTIONS.sort(key=lambda section: section.order)


def destroyer_register(*, key: str, covers: tuple[str, ...], function: DestroyFunction) -> None:
    """Declare a destroyer of clinical content and the models it covers."""
    if all(destroyer.key != key for destroyer in CLIENT_CONTENT_DESTROYERS):
        CLIENT_CONTENT_DESTROYERS.append(ContentDestroyer(key=key, covers=covers, function=function))


def sections_for(requester: User) -> list[tuple[str, SectionFunction]]:
    """The sections (key, function) the requester's kind gets, in export order."""
    kind = requester_kind(requester)
    if kind is None:
        return []
    return [
        (section.key, section.for_requester[kind]) for section in CLIENT_DATA_SECTIONS if kind in section.for_requester
    ]


def kinds(client: Client, requester: User) -> frozenset[policy.DataKind]:
    return policy.kinds_visible(requester, client)


def clinical(client: Client, requester: User) -> bool:
    """May the requester see the clinical file today (the policy decides, per day)."""
    return policy.DataKind.CLINICAL in kinds(client, requester)


def display_name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def covered_models() -> set[str]:
    """Model labels covered by a declared destroyer."""
    return {label for destroyer in CLIENT_CONTENT_DESTROYERS for label in destroyer.covers}


def model_rows(model: type[models.Model], instances: Iterable[models.Model], *, leave_out: str) -> Rows:
    """Rows of every concrete field of ``instances`` (a user as their display name, another related
    object as its public id), without the primary key, the field ``leave_out`` (the way to the
    client) and any link to the client itself; each row starts with the model's name as ``kind``."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != leave_out and field.related_model is not Client
    ]
    kind = str(model._meta.verbose_name)
    return [{"kind": kind, **{field.name: _value(instance, field) for field in fields}} for instance in instances]


def _value(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    if isinstance(field, models.FileField):
        file = getattr(instance, field.attname)
        return file.name if file else ""
    if field.is_relation:
        related = getattr(instance, field.name, None)
        if isinstance(related, User):
            return related.display_name
        return getattr(related, "public_id", None) or str(related) if related is not None else None
    return getattr(instance, field.attname)


def client_lookup(model: type[models.Model], *, max_depth: int = 4) -> str | None:
    """The ORM lookup from ``model`` to the client (``"client"``, ``"trajectory__client"``, ...).

    ``""`` for the Client model itself; ``None`` when the model does not refer to a client. Used by
    the coverage tests only (which models must be declared); the declarations name their models.
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
