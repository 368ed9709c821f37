"""The registry of data rights: which declared sections a requester gets, and the coverage check.

The declarations themselves (types and registers) are in the kernel, ``coachcare.core.data_rights``:
every app that holds client data has a ``data_rights.py`` that registers there, so it depends on the
kernel and the policy and never on this (higher) app. The privacy app discovers them when it is
ready (``autodiscover_modules("data_rights")``, the way the admin discovers ``admin.py``) and does
the work (``privacy.services``). In a ``data_rights.py`` the app declares, explicitly:

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

from django.db import models

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.clients.models import Client
from coachcare.core.data_rights import (
    CLIENT_CONTENT_DESTROYERS,
    CLIENT_DATA_SECTIONS,
    ContentDestroyer,
    DataSection,
    Requester,
    SectionFunction,
    covered_models,
)

__all__ = [
    "CLIENT_CONTENT_DESTROYERS",
    "CLIENT_DATA_SECTIONS",
    "ContentDestroyer",
    "DataSection",
    "Requester",
    "client_lookup",
    "covered_models",
    "requester_kind",
    "sections_for",
]


def requester_kind(user: User) -> Requester | None:
    """The kind of requester ``user`` is; ``None`` for anyone who has no export of their own."""
    # The account's role says which declaration applies; whether the file may be downloaded at all
    # is policy.can_export_client_data, and what each section shows is policy.kinds_visible.
    if policy.is_young_person(user):
        return Requester.YOUNG_PERSON
    if policy.is_parent(user):
        return Requester.PARENT
    return None


def sections_for(requester: User) -> list[tuple[str, SectionFunction]]:
    """The sections (key, function) the requester's kind gets, in export order."""
    kind = requester_kind(requester)
    if kind is None:
        return []
    return [
        (section.key, section.for_requester[kind]) for section in CLIENT_DATA_SECTIONS if kind in section.for_requester
    ]


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
