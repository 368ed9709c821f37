"""The declaration types of data rights: what an app says about the client data it holds.

Every app that holds client data has a ``data_rights.py`` in which it declares, explicitly, its
export sections of "download my data" and its destroyers of clinical content (docs/data-rights.md).
This kernel module holds only what those declarations need: the types, the two registers and two
helpers for rows. It imports no coachcare app, so an app's ``data_rights.py`` depends on the kernel
and on the policy, never on ``privacy`` (a higher layer). ``privacy`` discovers the declarations
(``autodiscover_modules("data_rights")``, the way the admin finds ``admin.py``), picks the sections
for a requester (``privacy.registry``) and does the work (``privacy.services``).

Nothing is found by matching names: a model is covered only when an app names it.
"""

import dataclasses
import enum
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

Rows = list[dict[str, Any]]
Section = tuple[str, Rows]
#: ``(client, requester) -> (title, rows) | None``; ``None`` leaves the section out. The arguments
#: are a ``clients.Client`` and an ``accounts.User`` (typed ``Any`` here: the kernel imports no app).
SectionFunction = Callable[[Any, Any], Section | None]
#: ``(client) -> {category: rows deleted or emptied}``.
DestroyFunction = Callable[[Any], dict[str, int]]


class Requester(enum.StrEnum):
    """Who asks for "download my data"."""

    YOUNG_PERSON = "young_person"
    PARENT = "parent"


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
    """Declare an export section: the function for each requester kind that gets it (no function
    for a kind: that kind never gets the section)."""
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


def covered_models() -> set[str]:
    """Model labels covered by a declared destroyer."""
    return {label for destroyer in CLIENT_CONTENT_DESTROYERS for label in destroyer.covers}


def display_name(user: Any) -> str:
    """A user's display name for an export row; ``""`` for nobody."""
    return str(user.display_name) if user is not None else ""


def model_rows(
    model: type[models.Model],
    instances: Iterable[models.Model],
    *,
    leave_out: str,
    client_model: type[models.Model],
) -> Rows:
    """Rows of every concrete field of ``instances`` (a user as their display name, another related
    object as its public id), without the primary key, the field ``leave_out`` (the way to the
    client) and any link to ``client_model`` itself; each row starts with the model's name as
    ``kind``."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != leave_out and field.related_model is not client_model
    ]
    kind = str(model._meta.verbose_name)
    return [{"kind": kind, **{field.name: _value(instance, field) for field in fields}} for instance in instances]


def _value(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    if isinstance(field, models.FileField):
        file = getattr(instance, field.attname)
        return file.name if file else ""
    if field.is_relation:
        related = getattr(instance, field.name, None)
        if isinstance(related, get_user_model()):
            return display_name(related)
        return getattr(related, "public_id", None) or str(related) if related is not None else None
    return getattr(instance, field.attname)
