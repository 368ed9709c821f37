"""The API's reads: clients (administrative)."""

import dataclasses
from uuid import UUID

from django.db.models import Q

from coachcare.access import policy
from coachcare.accounts.models import User
from coachcare.api.pagination import CursorPage, cursor_paginate
from coachcare.api.selectors._shared import POLICY_CLIENT_FIELDS, USER_NAME_FIELDS, prefixed
from coachcare.audit.services import AccessPoint, Event, access_log_record
from coachcare.clients import selectors as client_selectors
from coachcare.clients.models import Client
from coachcare.core.dates import today

# --- clients (administrative) ----------------------------------------------------------------


def client_page(
    *, actor: User, access_point: AccessPoint, cursor: str | None, limit: int, search: str = ""
) -> CursorPage[Client]:
    clients = policy.clients_visible_to(actor)
    if search.strip():
        term = search.strip()
        clients = clients.filter(Q(family_name__icontains=term) | Q(given_name__icontains=term))
    rows = Client.objects.select_related("municipality", "team", "coach").only(
        *POLICY_CLIENT_FIELDS,
        "given_name",
        "family_name",
        "referred_on",
        "municipality__code",
        "team__name",
        *prefixed("coach__", USER_NAME_FIELDS),
    )
    page = cursor_paginate(clients, keys=["family_name", "given_name", "id"], cursor=cursor, limit=limit, rows=rows)
    on = today()
    page = dataclasses.replace(
        page,
        items=[c for c in page.items if policy.DataKind.ADMINISTRATIVE in policy.kinds_visible(actor, c, on=on)],
    )
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.client.list",
        client_ids=dict.fromkeys(c.public_id for c in page.items),
        access_point=access_point,
    )
    return page


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientDetail:
    """One client as the API shows it: administrative fields, the kinds the actor may see, the BSN
    only with IDENTITY. Unlike the screens' client file it loads no notes (the API shows none)."""

    client: Client
    kinds: frozenset[policy.DataKind]
    bsn: str | None


def client_file(*, actor: User, public_id: UUID, access_point: AccessPoint) -> ClientDetail:
    """A client the actor may open (``client_get_for_actor``); the read is logged like the screens'
    client file, with action ``api.client.detail``. An e-health module's account: only the client
    of a Task assigned to it, administrative part only (``policy.clients_served_by``)."""
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        client = _served_client(actor, public_id)
        kinds = policy.MODULE_VENDOR_PATIENT_KINDS
    else:
        client = client_selectors.client_get_for_actor(actor=actor, public_id=public_id)
        kinds = policy.kinds_visible(actor, client)
    access_log_record(
        actor=actor,
        event=Event.READ,
        action="api.client.detail",
        client_ids=dict.fromkeys([client.public_id]),
        access_point=access_point,
    )
    return ClientDetail(client=client, kinds=kinds, bsn=client.bsn if policy.DataKind.IDENTITY in kinds else None)


def _served_client(actor: User, public_id: UUID) -> Client:
    client = policy.clients_served_by(actor).filter(public_id=public_id).first()
    if client is None:
        raise policy.AccessDenied("No such client, or no access.")
    return client


def task_patient_get(*, actor: User, public_id: UUID) -> Client:
    """The Patient a Task search is narrowed to: a client whose module runs the actor may read
    (``_task_runs``); no log, the search logs what it finds."""
    if policy.api_scope(actor) == policy.ApiScope.MODULE_TASKS:
        return _served_client(actor, public_id)
    return client_clinical_get(actor=actor, public_id=public_id)


def client_clinical_get(*, actor: User, public_id: UUID) -> Client:
    """A client whose clinical file the actor may see (no log: the caller logs what it reads)."""
    client = client_selectors.client_get_for_actor(actor=actor, public_id=public_id)
    policy.require(actor, client, [policy.DataKind.CLINICAL])
    return client
